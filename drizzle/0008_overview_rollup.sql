CREATE TABLE "turn_hours" (
	"hour" timestamp with time zone NOT NULL,
	"model" text NOT NULL,
	"error_code" text NOT NULL,
	"turns" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"expired" integer DEFAULT 0 NOT NULL,
	"unavailable" integer DEFAULT 0 NOT NULL,
	"unfinished" integer DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"rated_up" integer DEFAULT 0 NOT NULL,
	"rated_down" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "turn_hours_hour_model_error_code_pk" PRIMARY KEY("hour","model","error_code")
);
--> statement-breakpoint
CREATE TABLE "turn_latency_days" (
	"day" date PRIMARY KEY NOT NULL,
	"changes" bigint DEFAULT 0 NOT NULL,
	"computed" bigint,
	"ttft_p50" double precision,
	"ttft_p95" double precision,
	"total_p50" double precision,
	"total_p95" double precision
);
--> statement-breakpoint
-- The overview's rollup (lib/db/schema.ts: turn_hours, turn_latency_days) is kept by these triggers,
-- in the transaction that changes turns or turn_feedback, whatever path it came by. Statement-level
-- with transition tables: one aggregate per statement, and rows locked in key order (no deadlock
-- between two writers). A turn's figures: its UTC hour, model, error code ('' unless a model error).
--
-- A turn and its rating may be written concurrently, each transaction unable to see the other's row:
-- writers of turns hold lock 7466532018 shared and raters hold it exclusively, from the trigger to
-- commit. Whichever comes second waits, then reads (each statement of a plpgsql function takes a
-- fresh snapshot under READ COMMITTED) the other's committed row and counts the rating once.
CREATE OR REPLACE FUNCTION tether_turns_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- The same statements for each event, over its own transition tables (static SQL: plans are
  -- cached per connection). FK cascades fire this once per parent row, mostly with nothing to do.
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM new_rows LIMIT 1;
    IF NOT FOUND THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock_shared(7466532018);
    WITH c AS (SELECT 1 AS sign, * FROM new_rows),
    hours AS (
      INSERT INTO turn_hours AS h (hour, model, error_code, turns, errors, expired, unavailable, unfinished,
        prompt_tokens, completion_tokens, rated_up, rated_down)
      SELECT hour, model, error_code, turns, errors, expired, unavailable, unfinished, prompt_tokens,
        completion_tokens, rated_up, rated_down
      FROM (
        SELECT date_trunc('hour', c.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour, c.model,
          CASE WHEN c.status = 'model_error' THEN coalesce(c.error_code, 'unknown') ELSE '' END AS error_code,
          sum(c.sign) AS turns, sum(c.sign * (c.status = 'model_error')::int) AS errors,
          sum(c.sign * (c.memory_status = 'expired')::int) AS expired,
          sum(c.sign * (c.memory_status = 'unavailable')::int) AS unavailable,
          sum(c.sign * (c.status IN ('pending', 'abandoned'))::int) AS unfinished,
          sum(c.sign * coalesce(c.prompt_tokens, 0)::bigint) AS prompt_tokens,
          sum(c.sign * coalesce(c.completion_tokens, 0)::bigint) AS completion_tokens,
          sum(c.sign * coalesce((f.rating = 'up')::int, 0)) AS rated_up,
          sum(c.sign * coalesce((f.rating = 'down')::int, 0)) AS rated_down
        FROM c LEFT JOIN turn_feedback f ON f.audit_id = c.audit_id
        GROUP BY 1, 2, 3
      ) delta
      -- An update that leaves a turn's figures as they were changes nothing here (and locks nothing).
      WHERE (turns, errors, expired, unavailable, unfinished, prompt_tokens, completion_tokens, rated_up, rated_down)
        IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0)
      ORDER BY 1, 2, 3
      ON CONFLICT (hour, model, error_code) DO UPDATE SET
        turns = h.turns + excluded.turns, errors = h.errors + excluded.errors, expired = h.expired + excluded.expired,
        unavailable = h.unavailable + excluded.unavailable, unfinished = h.unfinished + excluded.unfinished,
        prompt_tokens = h.prompt_tokens + excluded.prompt_tokens,
        completion_tokens = h.completion_tokens + excluded.completion_tokens,
        rated_up = h.rated_up + excluded.rated_up, rated_down = h.rated_down + excluded.rated_down
    )
    -- A day whose multiset of (ttft_ms, total_ms) changed: its cached percentiles no longer hold.
    INSERT INTO turn_latency_days AS d (day, changes)
    SELECT day, 1 FROM (
      SELECT (c.created_at AT TIME ZONE 'UTC')::date AS day FROM c
      WHERE c.ttft_ms IS NOT NULL OR c.total_ms IS NOT NULL
      GROUP BY 1, c.ttft_ms, c.total_ms HAVING sum(c.sign) <> 0
    ) changed
    GROUP BY day ORDER BY day
    ON CONFLICT (day) DO UPDATE SET changes = d.changes + 1;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM old_rows LIMIT 1;
    IF NOT FOUND THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock_shared(7466532018);
    WITH c AS (SELECT -1 AS sign, * FROM old_rows),
    hours AS (
      INSERT INTO turn_hours AS h (hour, model, error_code, turns, errors, expired, unavailable, unfinished,
        prompt_tokens, completion_tokens, rated_up, rated_down)
      SELECT hour, model, error_code, turns, errors, expired, unavailable, unfinished, prompt_tokens,
        completion_tokens, rated_up, rated_down
      FROM (
        SELECT date_trunc('hour', c.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour, c.model,
          CASE WHEN c.status = 'model_error' THEN coalesce(c.error_code, 'unknown') ELSE '' END AS error_code,
          sum(c.sign) AS turns, sum(c.sign * (c.status = 'model_error')::int) AS errors,
          sum(c.sign * (c.memory_status = 'expired')::int) AS expired,
          sum(c.sign * (c.memory_status = 'unavailable')::int) AS unavailable,
          sum(c.sign * (c.status IN ('pending', 'abandoned'))::int) AS unfinished,
          sum(c.sign * coalesce(c.prompt_tokens, 0)::bigint) AS prompt_tokens,
          sum(c.sign * coalesce(c.completion_tokens, 0)::bigint) AS completion_tokens,
          sum(c.sign * coalesce((f.rating = 'up')::int, 0)) AS rated_up,
          sum(c.sign * coalesce((f.rating = 'down')::int, 0)) AS rated_down
        FROM c LEFT JOIN turn_feedback f ON f.audit_id = c.audit_id
        GROUP BY 1, 2, 3
      ) delta
      -- An update that leaves a turn's figures as they were changes nothing here (and locks nothing).
      WHERE (turns, errors, expired, unavailable, unfinished, prompt_tokens, completion_tokens, rated_up, rated_down)
        IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0)
      ORDER BY 1, 2, 3
      ON CONFLICT (hour, model, error_code) DO UPDATE SET
        turns = h.turns + excluded.turns, errors = h.errors + excluded.errors, expired = h.expired + excluded.expired,
        unavailable = h.unavailable + excluded.unavailable, unfinished = h.unfinished + excluded.unfinished,
        prompt_tokens = h.prompt_tokens + excluded.prompt_tokens,
        completion_tokens = h.completion_tokens + excluded.completion_tokens,
        rated_up = h.rated_up + excluded.rated_up, rated_down = h.rated_down + excluded.rated_down
    )
    -- A day whose multiset of (ttft_ms, total_ms) changed: its cached percentiles no longer hold.
    INSERT INTO turn_latency_days AS d (day, changes)
    SELECT day, 1 FROM (
      SELECT (c.created_at AT TIME ZONE 'UTC')::date AS day FROM c
      WHERE c.ttft_ms IS NOT NULL OR c.total_ms IS NOT NULL
      GROUP BY 1, c.ttft_ms, c.total_ms HAVING sum(c.sign) <> 0
    ) changed
    GROUP BY day ORDER BY day
    ON CONFLICT (day) DO UPDATE SET changes = d.changes + 1;
    -- Every figure counts a subset of the turns: an hour left without turns is all zeros.
    DELETE FROM turn_hours h USING (SELECT min(created_at) AS first, max(created_at) AS last FROM old_rows) span
    WHERE h.turns = 0
      AND h.hour >= date_trunc('hour', span.first AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AND h.hour <= span.last;
  ELSE
    PERFORM 1 FROM new_rows LIMIT 1;
    IF NOT FOUND THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock_shared(7466532018);
    WITH c AS (SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows),
    hours AS (
      INSERT INTO turn_hours AS h (hour, model, error_code, turns, errors, expired, unavailable, unfinished,
        prompt_tokens, completion_tokens, rated_up, rated_down)
      SELECT hour, model, error_code, turns, errors, expired, unavailable, unfinished, prompt_tokens,
        completion_tokens, rated_up, rated_down
      FROM (
        SELECT date_trunc('hour', c.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour, c.model,
          CASE WHEN c.status = 'model_error' THEN coalesce(c.error_code, 'unknown') ELSE '' END AS error_code,
          sum(c.sign) AS turns, sum(c.sign * (c.status = 'model_error')::int) AS errors,
          sum(c.sign * (c.memory_status = 'expired')::int) AS expired,
          sum(c.sign * (c.memory_status = 'unavailable')::int) AS unavailable,
          sum(c.sign * (c.status IN ('pending', 'abandoned'))::int) AS unfinished,
          sum(c.sign * coalesce(c.prompt_tokens, 0)::bigint) AS prompt_tokens,
          sum(c.sign * coalesce(c.completion_tokens, 0)::bigint) AS completion_tokens,
          sum(c.sign * coalesce((f.rating = 'up')::int, 0)) AS rated_up,
          sum(c.sign * coalesce((f.rating = 'down')::int, 0)) AS rated_down
        FROM c LEFT JOIN turn_feedback f ON f.audit_id = c.audit_id
        GROUP BY 1, 2, 3
      ) delta
      -- An update that leaves a turn's figures as they were changes nothing here (and locks nothing).
      WHERE (turns, errors, expired, unavailable, unfinished, prompt_tokens, completion_tokens, rated_up, rated_down)
        IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0)
      ORDER BY 1, 2, 3
      ON CONFLICT (hour, model, error_code) DO UPDATE SET
        turns = h.turns + excluded.turns, errors = h.errors + excluded.errors, expired = h.expired + excluded.expired,
        unavailable = h.unavailable + excluded.unavailable, unfinished = h.unfinished + excluded.unfinished,
        prompt_tokens = h.prompt_tokens + excluded.prompt_tokens,
        completion_tokens = h.completion_tokens + excluded.completion_tokens,
        rated_up = h.rated_up + excluded.rated_up, rated_down = h.rated_down + excluded.rated_down
    )
    -- A day whose multiset of (ttft_ms, total_ms) changed: its cached percentiles no longer hold.
    INSERT INTO turn_latency_days AS d (day, changes)
    SELECT day, 1 FROM (
      SELECT (c.created_at AT TIME ZONE 'UTC')::date AS day FROM c
      WHERE c.ttft_ms IS NOT NULL OR c.total_ms IS NOT NULL
      GROUP BY 1, c.ttft_ms, c.total_ms HAVING sum(c.sign) <> 0
    ) changed
    GROUP BY day ORDER BY day
    ON CONFLICT (day) DO UPDATE SET changes = d.changes + 1;
    -- Every figure counts a subset of the turns: an hour left without turns is all zeros.
    DELETE FROM turn_hours h USING (SELECT min(created_at) AS first, max(created_at) AS last FROM old_rows) span
    WHERE h.turns = 0
      AND h.hour >= date_trunc('hour', span.first AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AND h.hour <= span.last;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION tether_feedback_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7466532018);
  -- A rating counts under its turn once the turn exists (the turns trigger adds it when the turn comes).
  IF TG_OP = 'INSERT' THEN
    INSERT INTO turn_hours AS h (hour, model, error_code, rated_up, rated_down)
    SELECT date_trunc('hour', t.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', t.model,
      CASE WHEN t.status = 'model_error' THEN coalesce(t.error_code, 'unknown') ELSE '' END,
      sum(c.sign * (c.rating = 'up')::int), sum(c.sign * (c.rating = 'down')::int)
    FROM (SELECT 1 AS sign, audit_id, rating FROM new_rows) c JOIN turns t ON t.audit_id = c.audit_id
    GROUP BY 1, 2, 3
    HAVING (sum(c.sign * (c.rating = 'up')::int), sum(c.sign * (c.rating = 'down')::int)) IS DISTINCT FROM (0, 0)
    ORDER BY 1, 2, 3
    ON CONFLICT (hour, model, error_code) DO UPDATE SET
      rated_up = h.rated_up + excluded.rated_up, rated_down = h.rated_down + excluded.rated_down;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO turn_hours AS h (hour, model, error_code, rated_up, rated_down)
    SELECT date_trunc('hour', t.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', t.model,
      CASE WHEN t.status = 'model_error' THEN coalesce(t.error_code, 'unknown') ELSE '' END,
      sum(c.sign * (c.rating = 'up')::int), sum(c.sign * (c.rating = 'down')::int)
    FROM (SELECT -1 AS sign, audit_id, rating FROM old_rows) c JOIN turns t ON t.audit_id = c.audit_id
    GROUP BY 1, 2, 3
    HAVING (sum(c.sign * (c.rating = 'up')::int), sum(c.sign * (c.rating = 'down')::int)) IS DISTINCT FROM (0, 0)
    ORDER BY 1, 2, 3
    ON CONFLICT (hour, model, error_code) DO UPDATE SET
      rated_up = h.rated_up + excluded.rated_up, rated_down = h.rated_down + excluded.rated_down;
  ELSE
    INSERT INTO turn_hours AS h (hour, model, error_code, rated_up, rated_down)
    SELECT date_trunc('hour', t.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', t.model,
      CASE WHEN t.status = 'model_error' THEN coalesce(t.error_code, 'unknown') ELSE '' END,
      sum(c.sign * (c.rating = 'up')::int), sum(c.sign * (c.rating = 'down')::int)
    FROM (SELECT 1 AS sign, audit_id, rating FROM new_rows UNION ALL SELECT -1 AS sign, audit_id, rating FROM old_rows) c JOIN turns t ON t.audit_id = c.audit_id
    GROUP BY 1, 2, 3
    HAVING (sum(c.sign * (c.rating = 'up')::int), sum(c.sign * (c.rating = 'down')::int)) IS DISTINCT FROM (0, 0)
    ORDER BY 1, 2, 3
    ON CONFLICT (hour, model, error_code) DO UPDATE SET
      rated_up = h.rated_up + excluded.rated_up, rated_down = h.rated_down + excluded.rated_down;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER turns_rollup_insert AFTER INSERT ON turns REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tether_turns_rollup();--> statement-breakpoint
CREATE TRIGGER turns_rollup_update AFTER UPDATE ON turns REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tether_turns_rollup();--> statement-breakpoint
CREATE TRIGGER turns_rollup_delete AFTER DELETE ON turns REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tether_turns_rollup();--> statement-breakpoint
CREATE TRIGGER turn_feedback_rollup_insert AFTER INSERT ON turn_feedback REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tether_feedback_rollup();--> statement-breakpoint
CREATE TRIGGER turn_feedback_rollup_update AFTER UPDATE ON turn_feedback REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tether_feedback_rollup();--> statement-breakpoint
CREATE TRIGGER turn_feedback_rollup_delete AFTER DELETE ON turn_feedback REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tether_feedback_rollup();--> statement-breakpoint
-- The turns already there. The triggers above hold their tables' locks until this migration commits,
-- so no write falls between the backfill and the triggers.
INSERT INTO turn_hours (hour, model, error_code, turns, errors, expired, unavailable, unfinished,
  prompt_tokens, completion_tokens, rated_up, rated_down)
SELECT date_trunc('hour', t.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', t.model,
  CASE WHEN t.status = 'model_error' THEN coalesce(t.error_code, 'unknown') ELSE '' END,
  count(*), count(*) FILTER (WHERE t.status = 'model_error'),
  count(*) FILTER (WHERE t.memory_status = 'expired'), count(*) FILTER (WHERE t.memory_status = 'unavailable'),
  count(*) FILTER (WHERE t.status IN ('pending', 'abandoned')),
  coalesce(sum(t.prompt_tokens), 0), coalesce(sum(t.completion_tokens), 0),
  count(*) FILTER (WHERE f.rating = 'up'), count(*) FILTER (WHERE f.rating = 'down')
FROM turns t LEFT JOIN turn_feedback f ON f.audit_id = t.audit_id
GROUP BY 1, 2, 3;--> statement-breakpoint
INSERT INTO turn_latency_days (day, changes, computed, ttft_p50, ttft_p95, total_p50, total_p95)
SELECT (created_at AT TIME ZONE 'UTC')::date, 1, 1,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY ttft_ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY ttft_ms),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY total_ms)
FROM turns WHERE ttft_ms IS NOT NULL OR total_ms IS NOT NULL
GROUP BY 1;
