CREATE TABLE "admin_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agent_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "access_log" DROP CONSTRAINT "access_log_action_check";--> statement-breakpoint
ALTER TABLE "admin_sessions" ADD CONSTRAINT "admin_sessions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "admin_sessions_agent_idx" ON "admin_sessions" USING btree ("agent_id") WHERE revoked_at is null;--> statement-breakpoint
ALTER TABLE "access_log" ADD CONSTRAINT "access_log_action_check" CHECK (action in ('sign_in', 'sign_in_failed', 'sign_in_limited', 'sign_out', 'sign_out_everywhere', 'setup', 'search', 'view_session', 'view_prompt', 'print_session', 'export_session', 'export_list', 'flag', 'resolve_flag', 'note', 'delete_session', 'agent_create', 'agent_update', 'agent_sessions_revoked', 'retention_run'));