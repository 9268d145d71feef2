CREATE TABLE "dataset_items" (
	"dataset_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"audit_id" uuid NOT NULL,
	"record" jsonb NOT NULL,
	CONSTRAINT "dataset_items_dataset_id_position_pk" PRIMARY KEY("dataset_id","position")
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"selection" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"item_count" integer DEFAULT 0 NOT NULL,
	"redacted" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"created_by_name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "replay_results" (
	"run_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"audit_id" uuid NOT NULL,
	"status" text NOT NULL,
	"candidate_text" text,
	"error_code" text,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"latency_ms" integer,
	"cost_usd" double precision,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "replay_results_run_id_position_pk" PRIMARY KEY("run_id","position"),
	CONSTRAINT "replay_results_status_check" CHECK (status in ('ok', 'error', 'hash_mismatch'))
);
--> statement-breakpoint
CREATE TABLE "replay_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dataset_id" uuid,
	"audit_id" uuid,
	"candidate" jsonb NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" double precision,
	"budget_usd" double precision,
	"budget_tokens" integer,
	"created_by" uuid,
	"created_by_name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"lease_owner" text,
	"error_code" text,
	CONSTRAINT "replay_runs_state_check" CHECK (state in ('queued', 'running', 'done', 'cancelled', 'failed', 'budget_exhausted')),
	CONSTRAINT "replay_runs_target_check" CHECK ((dataset_id is null) <> (audit_id is null))
);
--> statement-breakpoint
CREATE TABLE "review_corrections" (
	"audit_id" uuid PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"text" text NOT NULL,
	"author_id" uuid NOT NULL,
	"author_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" text NOT NULL,
	"reasons" text[] DEFAULT '{}'::text[] NOT NULL,
	"state" text DEFAULT 'to_review' NOT NULL,
	"assignee_id" uuid,
	"assignee_name" text,
	"assigned_at" timestamp with time zone,
	"done_at" timestamp with time zone,
	"version" integer DEFAULT 0 NOT NULL,
	"entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"added_by" uuid,
	CONSTRAINT "review_items_state_check" CHECK (state in ('to_review', 'in_review', 'done'))
);
--> statement-breakpoint
CREATE TABLE "review_scores" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"item_id" uuid NOT NULL,
	"session_id" text NOT NULL,
	"audit_id" uuid,
	"criterion_id" uuid NOT NULL,
	"reviewer_id" uuid NOT NULL,
	"reviewer_name" text NOT NULL,
	"value" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"thumbs_down" boolean DEFAULT true NOT NULL,
	"model_error" boolean DEFAULT true NOT NULL,
	"memory_fallback" boolean DEFAULT true NOT NULL,
	"handoff" boolean DEFAULT true NOT NULL,
	"flag" boolean DEFAULT true NOT NULL,
	"sample_percent" double precision DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid,
	CONSTRAINT "review_settings_one_row" CHECK (id = 1),
	CONSTRAINT "review_settings_sample_check" CHECK (sample_percent >= 0 and sample_percent <= 100)
);
--> statement-breakpoint
CREATE TABLE "rubric_criteria" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"label" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"scale_min" integer DEFAULT 0 NOT NULL,
	"scale_max" integer DEFAULT 1 NOT NULL,
	"applies_to" text NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	"retired_at" timestamp with time zone,
	CONSTRAINT "rubric_criteria_kind_check" CHECK (kind in ('scale', 'yes_no')),
	CONSTRAINT "rubric_criteria_scope_check" CHECK (applies_to in ('turn', 'conversation', 'both')),
	CONSTRAINT "rubric_criteria_scale_check" CHECK (scale_min < scale_max)
);
--> statement-breakpoint
ALTER TABLE "access_log" DROP CONSTRAINT "access_log_action_check";--> statement-breakpoint
ALTER TABLE "dataset_items" ADD CONSTRAINT "dataset_items_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_items" ADD CONSTRAINT "dataset_items_audit_id_turns_audit_id_fk" FOREIGN KEY ("audit_id") REFERENCES "public"."turns"("audit_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_created_by_agents_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "replay_results" ADD CONSTRAINT "replay_results_run_id_replay_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."replay_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "replay_runs" ADD CONSTRAINT "replay_runs_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "replay_runs" ADD CONSTRAINT "replay_runs_audit_id_turns_audit_id_fk" FOREIGN KEY ("audit_id") REFERENCES "public"."turns"("audit_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "replay_runs" ADD CONSTRAINT "replay_runs_created_by_agents_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_corrections" ADD CONSTRAINT "review_corrections_audit_id_turns_audit_id_fk" FOREIGN KEY ("audit_id") REFERENCES "public"."turns"("audit_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_corrections" ADD CONSTRAINT "review_corrections_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "review_corrections" ADD CONSTRAINT "review_corrections_author_id_agents_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_assignee_id_agents_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_added_by_agents_id_fk" FOREIGN KEY ("added_by") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_scores" ADD CONSTRAINT "review_scores_item_id_review_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."review_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_scores" ADD CONSTRAINT "review_scores_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "review_scores" ADD CONSTRAINT "review_scores_audit_id_turns_audit_id_fk" FOREIGN KEY ("audit_id") REFERENCES "public"."turns"("audit_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_scores" ADD CONSTRAINT "review_scores_criterion_id_rubric_criteria_id_fk" FOREIGN KEY ("criterion_id") REFERENCES "public"."rubric_criteria"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_scores" ADD CONSTRAINT "review_scores_reviewer_id_agents_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_settings" ADD CONSTRAINT "review_settings_updated_by_agents_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rubric_criteria" ADD CONSTRAINT "rubric_criteria_created_by_agents_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dataset_items_audit_idx" ON "dataset_items" USING btree ("audit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_name_version_uq" ON "datasets" USING btree ("name","version");--> statement-breakpoint
CREATE INDEX "replay_runs_created_idx" ON "replay_runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "replay_runs_active_idx" ON "replay_runs" USING btree ("state") WHERE state in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "review_corrections_session_idx" ON "review_corrections" USING btree ("session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "review_items_session_uq" ON "review_items" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "review_items_state_idx" ON "review_items" USING btree ("state","entered_at");--> statement-breakpoint
CREATE INDEX "review_items_assignee_idx" ON "review_items" USING btree ("assignee_id","state");--> statement-breakpoint
CREATE UNIQUE INDEX "review_scores_turn_uq" ON "review_scores" USING btree ("audit_id","criterion_id","reviewer_id") WHERE audit_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "review_scores_conversation_uq" ON "review_scores" USING btree ("item_id","criterion_id","reviewer_id") WHERE audit_id is null;--> statement-breakpoint
CREATE INDEX "review_scores_item_idx" ON "review_scores" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "review_scores_session_idx" ON "review_scores" USING btree ("session_id","criterion_id");--> statement-breakpoint
CREATE INDEX "review_scores_created_idx" ON "review_scores" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "rubric_criteria_key_version_uq" ON "rubric_criteria" USING btree ("key","version");--> statement-breakpoint
CREATE UNIQUE INDEX "rubric_criteria_current_uq" ON "rubric_criteria" USING btree ("key") WHERE retired_at is null;--> statement-breakpoint
ALTER TABLE "access_log" ADD CONSTRAINT "access_log_action_check" CHECK (action in ('sign_in', 'sign_in_failed', 'sign_in_limited', 'sign_out', 'sign_out_everywhere', 'setup', 'search', 'view_session', 'view_prompt', 'print_session', 'export_session', 'export_list', 'flag', 'resolve_flag', 'note', 'delete_session', 'agent_create', 'agent_update', 'agent_sessions_revoked', 'retention_run', 'view_customer', 'view_audit', 'take_over', 'hand_back', 'resolve_conversation', 'agent_message', 'review_enqueue', 'review_take', 'review_release', 'review_done', 'review_score', 'review_correction', 'review_rules_change', 'rubric_change', 'dataset_create', 'dataset_export', 'view_dataset', 'replay_start', 'replay_cancel', 'view_replay'));--> statement-breakpoint
-- The review queue's rules (lib/db/schema.ts: review_settings, review_items) are applied by these
-- triggers, in the transaction that writes the turn, rating, flag, event or session, whatever path it
-- came by (the drainer, the direct writer, an agent's action, hand-written SQL). A rule adds its
-- reason to the conversation's one item; an item already done opens again, as something new happened.
INSERT INTO "review_settings" ("id") VALUES (1) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tether_review_enqueue(p_session text, p_reason text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_session IS NULL THEN
    RETURN;
  END IF;
  INSERT INTO review_items (session_id, reasons)
  SELECT p_session, ARRAY[p_reason] WHERE EXISTS (SELECT 1 FROM sessions WHERE id = p_session)
  ON CONFLICT (session_id) DO UPDATE SET
    reasons = CASE WHEN p_reason = ANY (review_items.reasons) THEN review_items.reasons ELSE review_items.reasons || p_reason END,
    state = CASE WHEN review_items.state = 'done' THEN 'to_review' ELSE review_items.state END,
    assignee_id = CASE WHEN review_items.state = 'done' THEN NULL ELSE review_items.assignee_id END,
    assignee_name = CASE WHEN review_items.state = 'done' THEN NULL ELSE review_items.assignee_name END,
    assigned_at = CASE WHEN review_items.state = 'done' THEN NULL ELSE review_items.assigned_at END,
    done_at = CASE WHEN review_items.state = 'done' THEN NULL ELSE review_items.done_at END,
    entered_at = CASE WHEN review_items.state = 'done' THEN now() ELSE review_items.entered_at END,
    version = review_items.version + 1
  WHERE NOT (p_reason = ANY (review_items.reasons)) OR review_items.state = 'done';
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tether_review_turn() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  s review_settings%ROWTYPE;
BEGIN
  SELECT * INTO s FROM review_settings WHERE id = 1;
  IF NEW.status = 'model_error' AND coalesce(s.model_error, true)
     AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'model_error') THEN
    PERFORM tether_review_enqueue(NEW.session_id, 'model_error');
  END IF;
  IF NEW.memory_status IN ('expired', 'unavailable') AND coalesce(s.memory_fallback, true)
     AND (TG_OP = 'INSERT' OR OLD.memory_status NOT IN ('expired', 'unavailable')) THEN
    PERFORM tether_review_enqueue(NEW.session_id, 'memory_fallback');
  END IF;
  -- A rating can reach Postgres before its turn does: the turn's arrival applies it. The lock (the
  -- rating's trigger takes the same) orders the two writers: without it, a rating and its turn
  -- committing at the same moment would each miss the other and the rule would never apply.
  IF TG_OP = 'INSERT' AND coalesce(s.thumbs_down, true) THEN
    PERFORM pg_advisory_xact_lock(hashtext('tether:review-rating:' || NEW.audit_id::text));
    IF EXISTS (SELECT 1 FROM turn_feedback f WHERE f.audit_id = NEW.audit_id AND f.rating = 'down') THEN
      PERFORM tether_review_enqueue(NEW.session_id, 'thumbs_down');
    END IF;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER turns_review_insert AFTER INSERT ON turns FOR EACH ROW EXECUTE FUNCTION tether_review_turn();
--> statement-breakpoint
CREATE TRIGGER turns_review_update AFTER UPDATE OF status, memory_status ON turns
  FOR EACH ROW WHEN (NEW.status = 'model_error' OR NEW.memory_status IN ('expired', 'unavailable'))
  EXECUTE FUNCTION tether_review_turn();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tether_review_feedback() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce((SELECT thumbs_down FROM review_settings WHERE id = 1), true)
     AND (TG_OP = 'INSERT' OR OLD.rating IS DISTINCT FROM 'down') THEN
    -- See tether_review_turn: after this lock, a turn committed meanwhile is visible here.
    PERFORM pg_advisory_xact_lock(hashtext('tether:review-rating:' || NEW.audit_id::text));
    PERFORM tether_review_enqueue((SELECT session_id FROM turns WHERE audit_id = NEW.audit_id), 'thumbs_down');
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER turn_feedback_review AFTER INSERT OR UPDATE OF rating ON turn_feedback
  FOR EACH ROW WHEN (NEW.rating = 'down') EXECUTE FUNCTION tether_review_feedback();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tether_review_flag() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce((SELECT flag FROM review_settings WHERE id = 1), true) THEN
    PERFORM tether_review_enqueue(NEW.session_id, 'flag');
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER flags_review AFTER INSERT ON flags FOR EACH ROW EXECUTE FUNCTION tether_review_flag();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tether_review_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce((SELECT handoff FROM review_settings WHERE id = 1), true) THEN
    PERFORM tether_review_enqueue(NEW.session_id, 'handoff');
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER conversation_events_review AFTER INSERT ON conversation_events
  FOR EACH ROW WHEN (NEW.kind = 'state' AND NEW.state = 'waiting') EXECUTE FUNCTION tether_review_event();
--> statement-breakpoint
-- A stable sample: whether a conversation is in it depends only on its reference.
CREATE OR REPLACE FUNCTION tether_review_sample() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  pct double precision;
BEGIN
  SELECT sample_percent INTO pct FROM review_settings WHERE id = 1;
  IF coalesce(pct, 0) > 0 AND (hashtext(NEW.id) & 2147483647) % 10000 < round(pct * 100) THEN
    PERFORM tether_review_enqueue(NEW.id, 'sample');
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER sessions_review_sample AFTER INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION tether_review_sample();
--> statement-breakpoint
-- A starting rubric (the one the issue names); admins change it in /admin/review/rubric.
INSERT INTO "rubric_criteria" ("key", "version", "label", "description", "kind", "scale_min", "scale_max", "applies_to", "position") VALUES
  ('correct', 1, 'Correct', 'The reply is factually right for this business and this customer.', 'yes_no', 0, 1, 'turn', 1),
  ('helpful', 1, 'Helpful', '1: did not help at all · 5: solved the customer''s problem.', 'scale', 1, 5, 'both', 2),
  ('tone', 1, 'Tone', '1: rude, cold or off-brand · 5: warm, clear and on-brand.', 'scale', 1, 5, 'both', 3),
  ('should_have_handed_off', 1, 'Should have handed off', 'A person should have taken this conversation (or taken it sooner).', 'yes_no', 0, 1, 'conversation', 4);
