CREATE TABLE "turn_feedback" (
	"audit_id" uuid PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"rating" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "turn_feedback_rating_check" CHECK (rating in ('up', 'down'))
);
--> statement-breakpoint
CREATE INDEX "turn_feedback_session_idx" ON "turn_feedback" USING btree ("session_id");