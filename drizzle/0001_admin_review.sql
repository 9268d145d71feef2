CREATE TABLE "access_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "access_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"agent_id" uuid,
	"agent_email" text NOT NULL,
	"action" text NOT NULL,
	"session_id" text,
	"audit_id" uuid,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "access_log_action_check" CHECK (action in ('sign_in', 'sign_in_failed', 'sign_out', 'setup', 'search', 'view_session', 'print_session', 'export_session', 'export_list', 'flag', 'resolve_flag', 'note', 'delete_session', 'agent_create', 'agent_update', 'retention_run'))
);
--> statement-breakpoint
CREATE TABLE "agents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"role" text NOT NULL,
	"password_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_sign_in_at" timestamp with time zone,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "agents_role_check" CHECK (role in ('agent', 'admin')),
	CONSTRAINT "agents_email_lower_check" CHECK (email = lower(email))
);
--> statement-breakpoint
CREATE TABLE "flags" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" text NOT NULL,
	"audit_id" uuid,
	"reason" text NOT NULL,
	"agent_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" uuid
);
--> statement-breakpoint
CREATE TABLE "notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" text NOT NULL,
	"audit_id" uuid,
	"body" text NOT NULL,
	"agent_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "access_log" ADD CONSTRAINT "access_log_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_audit_id_turns_audit_id_fk" FOREIGN KEY ("audit_id") REFERENCES "public"."turns"("audit_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_resolved_by_agents_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_audit_id_turns_audit_id_fk" FOREIGN KEY ("audit_id") REFERENCES "public"."turns"("audit_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_log_session_idx" ON "access_log" USING btree ("session_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "access_log_agent_idx" ON "access_log" USING btree ("agent_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "agents_email_uq" ON "agents" USING btree ("email");--> statement-breakpoint
CREATE INDEX "flags_session_idx" ON "flags" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "flags_open_session_idx" ON "flags" USING btree ("session_id") WHERE resolved_at is null;--> statement-breakpoint
CREATE INDEX "flags_audit_idx" ON "flags" USING btree ("audit_id");--> statement-breakpoint
CREATE INDEX "notes_session_idx" ON "notes" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "turns_model_session_idx" ON "turns" USING btree ("model","session_id");