CREATE TABLE "customer_identities" (
	"sub" text PRIMARY KEY NOT NULL,
	"name" text,
	"email" text,
	"generation" integer DEFAULT 0 NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "identity_sessions" (
	"session_ref" text PRIMARY KEY NOT NULL,
	"sub" text NOT NULL,
	"generation" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "access_log" DROP CONSTRAINT "access_log_action_check";--> statement-breakpoint
ALTER TABLE "identity_sessions" ADD CONSTRAINT "identity_sessions_sub_customer_identities_sub_fk" FOREIGN KEY ("sub") REFERENCES "public"."customer_identities"("sub") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "identity_sessions_sub_generation_uq" ON "identity_sessions" USING btree ("sub","generation");--> statement-breakpoint
ALTER TABLE "access_log" ADD CONSTRAINT "access_log_action_check" CHECK (action in ('sign_in', 'sign_in_failed', 'sign_in_limited', 'sign_out', 'sign_out_everywhere', 'setup', 'search', 'view_session', 'view_prompt', 'print_session', 'export_session', 'export_list', 'flag', 'resolve_flag', 'note', 'delete_session', 'agent_create', 'agent_update', 'agent_sessions_revoked', 'retention_run', 'view_customer'));