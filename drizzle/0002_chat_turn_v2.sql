CREATE TABLE "audit_dead_letters" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_dead_letters_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"source" text NOT NULL,
	"reason" text NOT NULL,
	"payload" text NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "turns" DROP CONSTRAINT "turns_status_check";--> statement-breakpoint
DROP INDEX "turns_session_seq_uq";--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "ref" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "last_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "turns" ADD COLUMN "seq_minor" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_dead_letters_open_idx" ON "audit_dead_letters" USING btree ("at") WHERE resolved_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_ref_uq" ON "sessions" USING btree ("ref");--> statement-breakpoint
-- The first release could store a resend twice: keep the message id on the earliest of each pair only.
UPDATE "turns" AS t SET "message_id" = NULL WHERE t."message_id" IS NOT NULL AND EXISTS (
	SELECT 1 FROM "turns" AS o WHERE o."session_id" = t."session_id" AND o."message_id" = t."message_id"
	AND (o."created_at", o."audit_id") < (t."created_at", t."audit_id"));--> statement-breakpoint
UPDATE "sessions" AS s SET "last_seq" = COALESCE((SELECT max("seq") FROM "turns" WHERE "session_id" = s."id"), 0);--> statement-breakpoint
CREATE UNIQUE INDEX "turns_session_message_uq" ON "turns" USING btree ("session_id","message_id") WHERE message_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "turns_session_seq_uq" ON "turns" USING btree ("session_id","seq","seq_minor");--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_seq_minor_nonnegative" CHECK (seq_minor >= 0);--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_status_check" CHECK (status in ('pending', 'ok', 'model_error', 'aborted', 'abandoned'));