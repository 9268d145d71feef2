CREATE TABLE "turn_feedback" (
	"audit_id" uuid PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"rating" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "turn_feedback_rating_check" CHECK (rating in ('up', 'down'))
);
--> statement-breakpoint
ALTER TABLE "turns" DROP CONSTRAINT "turns_status_check";--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "ref" text;--> statement-breakpoint
ALTER TABLE "turn_feedback" ADD CONSTRAINT "turn_feedback_audit_id_turns_audit_id_fk" FOREIGN KEY ("audit_id") REFERENCES "public"."turns"("audit_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_ref_uq" ON "sessions" USING btree ("ref");--> statement-breakpoint
CREATE INDEX "sessions_created_at_idx" ON "sessions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "turns_overview_idx" ON "turns" USING btree ("created_at","status","memory_status","error_code","model","prompt_tokens","completion_tokens","ttft_ms","total_ms");--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_status_check" CHECK (status in ('pending', 'ok', 'model_error', 'aborted', 'abandoned'));