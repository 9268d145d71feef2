CREATE TABLE "conversation_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"after_seq" integer NOT NULL,
	"event_seq" integer NOT NULL,
	"kind" text NOT NULL,
	"state" text,
	"previous_state" text,
	"reason" text,
	"detail" text,
	"text" text,
	"actor_kind" text NOT NULL,
	"actor_agent_id" uuid,
	"actor_name" text,
	"owner_id" uuid,
	"owner_name" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "conversation_events_kind_check" CHECK (kind in ('state', 'agent_message')),
	CONSTRAINT "conversation_events_actor_check" CHECK (actor_kind in ('customer', 'assistant', 'agent', 'system')),
	CONSTRAINT "conversation_events_seq_positive" CHECK (event_seq > 0 and after_seq >= 0)
);
--> statement-breakpoint
ALTER TABLE "access_log" DROP CONSTRAINT "access_log_action_check";--> statement-breakpoint
ALTER TABLE "turns" DROP CONSTRAINT "turns_status_check";--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "state" text DEFAULT 'assistant' NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "state_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "state_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "state_reason" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "state_owner_id" uuid;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "state_owner_name" text;--> statement-breakpoint
ALTER TABLE "conversation_events" ADD CONSTRAINT "conversation_events_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
CREATE UNIQUE INDEX "conversation_events_session_seq_uq" ON "conversation_events" USING btree ("session_id","event_seq");--> statement-breakpoint
CREATE INDEX "conversation_events_created_idx" ON "conversation_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "sessions_waiting_idx" ON "sessions" USING btree ("state_since") WHERE state = 'waiting';--> statement-breakpoint
ALTER TABLE "access_log" ADD CONSTRAINT "access_log_action_check" CHECK (action in ('sign_in', 'sign_in_failed', 'sign_in_limited', 'sign_out', 'sign_out_everywhere', 'setup', 'search', 'view_session', 'view_prompt', 'print_session', 'export_session', 'export_list', 'flag', 'resolve_flag', 'note', 'delete_session', 'agent_create', 'agent_update', 'agent_sessions_revoked', 'retention_run', 'view_customer', 'view_audit', 'take_over', 'hand_back', 'resolve_conversation', 'agent_message'));--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_state_check" CHECK (state in ('assistant', 'waiting', 'agent', 'resolved'));--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_status_check" CHECK (status in ('pending', 'ok', 'model_error', 'aborted', 'abandoned', 'held'));