-- Audit log (审计日志): append-only and tamper-evident.
--
-- Each row's hash = sha256(prev_hash || gc_audit_row_text(row)) and prev_hash is the hash
-- of the row before it by id (64 zeros for the first row). The BEFORE INSERT trigger takes a
-- transaction-level advisory lock, then assigns id, time and hashes: the lock is held until
-- the inserting transaction ends, so concurrent writers chain one after the other and id order
-- is chain order. The trigger function is VOLATILE, so under READ COMMITTED (the app's level)
-- its SELECT sees the row committed by the writer that held the lock before it.
--
-- UPDATE, DELETE and TRUNCATE are refused by triggers for every role, the owner included
-- (ENABLE ALWAYS: also under session_replication_role = replica). Only an owner who disables
-- the triggers can rewrite rows, and gc_audit_verify() then names the first broken row.

CREATE SEQUENCE IF NOT EXISTS audit_log_id_seq OWNED BY audit_log.id;

-- The canonical text of a row: a JSON array, so NULL and '' differ and no separator can be
-- forged inside a value; jsonb prints its keys in one fixed order.
CREATE OR REPLACE FUNCTION gc_audit_row_text(a audit_log) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_array(
           a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           a.town_id, a.user_id, a.username, a.role, a.action, a.object_type, a.object_id,
           a.grid_id, a.ip::text, a.detail)::text;
$$;

CREATE OR REPLACE FUNCTION gc_audit_hash(prev text, a audit_log) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(prev || gc_audit_row_text(a), 'UTF8')), 'hex');
$$;

-- SECURITY DEFINER: the app role needs only INSERT on the table, not the sequence.
CREATE OR REPLACE FUNCTION gc_audit_before_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  last_hash text;
BEGIN
  -- One chain, one lock: 7362826 is this chain's advisory lock key.
  PERFORM pg_advisory_xact_lock(7362826);
  NEW.id := nextval('audit_log_id_seq');
  NEW.at := clock_timestamp();
  SELECT l.hash INTO last_hash FROM audit_log l ORDER BY l.id DESC LIMIT 1;
  NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
  NEW.hash := gc_audit_hash(NEW.prev_hash, NEW);
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION gc_audit_forbid() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER IF EXISTS audit_log_chain ON audit_log;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION gc_audit_before_insert();

DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION gc_audit_forbid();
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_change;

DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION gc_audit_forbid();
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_truncate;

-- The id of the first row whose hash or link does not check out, or NULL if the chain is whole.
-- (Rows cut off the tail leave no break: compare gc_audit_head() with a noted earlier head.)
CREATE OR REPLACE FUNCTION gc_audit_verify() RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT c.id FROM (
    SELECT a.id, a.prev_hash, a.hash,
           coalesce(lag(a.hash) OVER (ORDER BY a.id), repeat('0', 64)) AS expected_prev,
           gc_audit_hash(a.prev_hash, a) AS recomputed
      FROM audit_log a) c
   WHERE c.prev_hash IS DISTINCT FROM c.expected_prev
      OR c.hash IS DISTINCT FROM c.recomputed
   ORDER BY c.id
   LIMIT 1;
$$;

-- The head of the chain: row count, last id and last hash (to note down outside the database).
CREATE OR REPLACE FUNCTION gc_audit_head(OUT n bigint, OUT last_id bigint, OUT last_hash text)
LANGUAGE sql STABLE AS $$
  SELECT (SELECT count(*) FROM audit_log), l.id, l.hash
    FROM (SELECT 1) one LEFT JOIN LATERAL
         (SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1) l ON true;
$$;

-- The application role (created by a later revision, if at all) may only add and read rows.
DO $$
BEGIN
  REVOKE ALL ON audit_log FROM PUBLIC;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'gridcheck_app') THEN
    REVOKE ALL ON audit_log FROM gridcheck_app;
    GRANT SELECT, INSERT ON audit_log TO gridcheck_app;
  END IF;
END;
$$;
