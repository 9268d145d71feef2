CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"last_activity_at" timestamp with time zone NOT NULL,
	"turn_count" integer DEFAULT 0 NOT NULL,
	"first_memory_status" text NOT NULL,
	"last_memory_status" text NOT NULL,
	"memory_fallbacks" integer DEFAULT 0 NOT NULL,
	"error_count" integer DEFAULT 0 NOT NULL,
	"last_user_text" text,
	"user_agent" text,
	"ip_hash" text,
	"origin" text,
	CONSTRAINT "sessions_first_memory_status_check" CHECK (first_memory_status in ('ok', 'new', 'expired', 'unavailable')),
	CONSTRAINT "sessions_last_memory_status_check" CHECK (last_memory_status in ('ok', 'new', 'expired', 'unavailable'))
);
--> statement-breakpoint
CREATE TABLE "turns" (
	"audit_id" uuid PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"seq" integer NOT NULL,
	"message_id" text,
	"user_text" text NOT NULL,
	"assistant_text" text,
	"status" text NOT NULL,
	"memory_status" text NOT NULL,
	"error_code" text,
	"error_class" text,
	"model" text NOT NULL,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"ttft_ms" integer,
	"total_ms" integer,
	"context_audit_ids" jsonb NOT NULL,
	"prompt_messages" jsonb NOT NULL,
	"prompt_hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"search" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, coalesce(user_text, '') || ' ' || coalesce(assistant_text, ''))) STORED,
	CONSTRAINT "turns_status_check" CHECK (status in ('pending', 'ok', 'model_error', 'aborted')),
	CONSTRAINT "turns_memory_status_check" CHECK (memory_status in ('ok', 'new', 'expired', 'unavailable')),
	CONSTRAINT "turns_seq_positive" CHECK (seq > 0)
);
--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sessions_last_activity_idx" ON "sessions" USING btree ("last_activity_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "turns_session_seq_uq" ON "turns" USING btree ("session_id","seq");--> statement-breakpoint
CREATE INDEX "turns_status_idx" ON "turns" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "turns_memory_status_idx" ON "turns" USING btree ("memory_status","created_at");--> statement-breakpoint
CREATE INDEX "turns_created_at_idx" ON "turns" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "turns_search_idx" ON "turns" USING gin ("search");