ALTER TABLE "access_log" DROP CONSTRAINT "access_log_action_check";--> statement-breakpoint
ALTER TABLE "flags" DROP CONSTRAINT "flags_session_id_sessions_id_fk";
--> statement-breakpoint
ALTER TABLE "notes" DROP CONSTRAINT "notes_session_id_sessions_id_fk";
--> statement-breakpoint
ALTER TABLE "turns" DROP CONSTRAINT "turns_session_id_sessions_id_fk";
--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "access_log" ADD CONSTRAINT "access_log_action_check" CHECK (action in ('sign_in', 'sign_in_failed', 'sign_in_limited', 'sign_out', 'sign_out_everywhere', 'setup', 'search', 'view_session', 'view_prompt', 'print_session', 'export_session', 'export_list', 'flag', 'resolve_flag', 'note', 'delete_session', 'agent_create', 'agent_update', 'agent_sessions_revoked', 'retention_run', 'view_customer', 'view_audit'));--> statement-breakpoint
-- The database keeps only sessionRef(session id) (lib/session-ref.ts), never the id: a bearer key.
-- tether_session_ref() is sessionRef in SQL: 'c_' + the first 80 bits of
-- sha256('tether-session-ref:' || id) in lower-case base32 (RFC 4648 alphabet), most significant
-- bit first. get_bit numbers bits from the least significant within each byte, hence 7 - i % 8.
-- A reference is its own reference, so the conversion can run twice.
CREATE OR REPLACE FUNCTION tether_session_ref(session_id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN session_id ~ '^c_[a-z2-7]{16}$' THEN session_id ELSE 'c_' || (
    SELECT string_agg(substr('abcdefghijklmnopqrstuvwxyz234567', 1 + (
      get_bit(d, ((5 * k + 0) / 8) * 8 + 7 - (5 * k + 0) % 8) * 16 + get_bit(d, ((5 * k + 1) / 8) * 8 + 7 - (5 * k + 1) % 8) * 8 + get_bit(d, ((5 * k + 2) / 8) * 8 + 7 - (5 * k + 2) % 8) * 4 + get_bit(d, ((5 * k + 3) / 8) * 8 + 7 - (5 * k + 3) % 8) * 2 + get_bit(d, ((5 * k + 4) / 8) * 8 + 7 - (5 * k + 4) % 8) * 1), 1), '' ORDER BY k)
    FROM (SELECT sha256(convert_to('tether-session-ref:' || session_id, 'UTF8')) AS d) h, generate_series(0, 15) AS k
  ) END
$$;--> statement-breakpoint
-- Every session id inside a text (a dead letter's payload, an access-log detail) replaced by its reference.
CREATE OR REPLACE FUNCTION tether_session_refs_in(body text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  found text[];
  result text := body;
BEGIN
  FOR found IN SELECT regexp_matches(body, 's1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}', 'g') LOOP
    result := replace(result, found[1], tether_session_ref(found[1]));
  END LOOP;
  RETURN result;
END
$$;--> statement-breakpoint
-- turns, flags and notes follow through ON UPDATE CASCADE.
UPDATE "sessions" SET "id" = tether_session_ref("id") WHERE "id" !~ '^c_[a-z2-7]{16}$';--> statement-breakpoint
UPDATE "sessions" SET "ref" = "id" WHERE "ref" IS DISTINCT FROM "id";--> statement-breakpoint
UPDATE "turn_feedback" SET "session_id" = tether_session_ref("session_id") WHERE "session_id" !~ '^c_[a-z2-7]{16}$';--> statement-breakpoint
UPDATE "access_log" SET "session_id" = tether_session_ref("session_id") WHERE "session_id" !~ '^c_[a-z2-7]{16}$';--> statement-breakpoint
UPDATE "access_log" SET "detail" = tether_session_refs_in("detail"::text)::jsonb WHERE "detail"::text ~ 's1\.[A-Za-z0-9_-]{22}\.';--> statement-breakpoint
UPDATE "audit_dead_letters" SET "payload" = tether_session_refs_in("payload") WHERE "payload" ~ 's1\.[A-Za-z0-9_-]{22}\.';--> statement-breakpoint
-- sessions.error_count counts model errors only (a customer's Stop and unfinished turns are not errors).
UPDATE "sessions" s SET "error_count" = (SELECT count(*) FROM "turns" t WHERE t."session_id" = s."id" AND t."status" = 'model_error') WHERE "error_count" <> (SELECT count(*) FROM "turns" t WHERE t."session_id" = s."id" AND t."status" = 'model_error');
