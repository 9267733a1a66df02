-- Revision 0009 (frozen): the write path's database side.
--   * change_history: who / when / before → after of every change to a domain row, written by
--     one generic row trigger (GeoNature's fct_trg_log_changes pattern), so no writer — form,
--     import, offline sync, police exchange, an operator's SQL — can change a record without
--     leaving its history. Separate from the masked security audit log (audit_log).
--   * client UUIDs on the event rows (visit, verification): a retried submission is applied once.
--   * one person record per ID number and town (a person who moves keeps one record).

CREATE TABLE change_history (
  id bigserial PRIMARY KEY,
  town_id integer NOT NULL REFERENCES town(id),
  grid_id integer REFERENCES grid(id),
  table_name text NOT NULL,
  row_id integer NOT NULL,
  action text NOT NULL CHECK (action IN ('insert', 'update')),
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by integer REFERENCES app_user(id),
  client_uuid uuid,
  before jsonb,
  after jsonb NOT NULL
);
CREATE INDEX change_history_row ON change_history (table_name, row_id, id);
CREATE INDEX change_history_grid ON change_history (grid_id, changed_at);
CREATE INDEX change_history_uuid ON change_history (client_uuid);
COMMENT ON TABLE change_history IS
  '变更记录: every insert/update of a domain row, unmasked, readable under the row''s own scope';

-- Columns whose change is no change of the record: derived by the status triggers, generated
-- geometry copies, the optimistic-lock counter and timestamps.
CREATE FUNCTION gc_history_ignored() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['version', 'updated_at', 'created_at', 'geom_3857', 'footprint_3857',
               'last_visit_at', 'last_visit_result', 'verified_at', 'collection_status']
$$;

-- The generic change-log trigger. SECURITY DEFINER: the application role may read its scope's
-- history but never write or alter it (no INSERT/UPDATE grant on change_history).
-- Who: gc.user_id (set per transaction by webgis/scope.py); which submission: gc.client_uuid
-- (set by the write services). gc.history = 'off' only for bulk loads of initial data (demo).
CREATE FUNCTION gc_log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  o jsonb;
  n jsonb := to_jsonb(NEW) - gc_history_ignored();
  b jsonb;
  a jsonb;
BEGIN
  IF coalesce(current_setting('gc.history', true), '') = 'off' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    o := to_jsonb(OLD) - gc_history_ignored();
    SELECT jsonb_object_agg(k, o -> k), jsonb_object_agg(k, n -> k) INTO b, a
      FROM jsonb_object_keys(n) AS k
     WHERE (o -> k) IS DISTINCT FROM (n -> k);
    IF a IS NULL THEN
      RETURN NULL;  -- only derived columns changed
    END IF;
  ELSE
    a := n;
  END IF;
  INSERT INTO change_history (town_id, grid_id, table_name, row_id, action, changed_by, client_uuid,
                              before, after)
  VALUES ((n ->> 'town_id')::integer, (n ->> 'grid_id')::integer, TG_TABLE_NAME, (n ->> 'id')::integer,
          lower(TG_OP), gc_setting_int('gc.user_id'),
          nullif(current_setting('gc.client_uuid', true), '')::uuid, b, a);
  RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['building', 'household', 'person', 'residence', 'organisation', 'key_attention',
                           'visit', 'verification'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION gc_log_change()',
                   t || '_change_history', t);
  END LOOP;
END $$;

-- Readable by whoever may see the row itself; key-attention history by the key-attention roles.
ALTER TABLE change_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE change_history FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
  EXECUTE format('CREATE POLICY owner_all ON change_history TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
CREATE POLICY app_scope ON change_history FOR SELECT TO gridcheck_app
  USING (gc_in_scope(town_id, grid_id) AND (table_name <> 'key_attention' OR gc_sees_key_attention()));
GRANT SELECT ON change_history TO gridcheck_app;

-- Client-generated UUIDs: a retried or offline submission is applied once.
ALTER TABLE visit ADD COLUMN client_uuid uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE visit ADD CONSTRAINT visit_client_uuid_key UNIQUE (client_uuid);
ALTER TABLE verification ADD COLUMN client_uuid uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE verification ADD CONSTRAINT verification_client_uuid_key UNIQUE (client_uuid);

-- One record per person: the same ID number is never registered twice in a town.
CREATE UNIQUE INDEX person_town_id_number_key ON person (town_id, id_number);

-- Whether an ID number is already registered in the town, seen past row-level security: the
-- registration form must offer to move a person rather than duplicate them, also when the
-- record lies in a grid the user does not see (then only that fact, no personal data).
CREATE FUNCTION gc_person_by_id_number(t integer, id_no text)
RETURNS TABLE (person_id integer, status text, grid_id integer, household_id integer, in_scope boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.id, p.status::text, p.grid_id,
         (SELECT r.household_id FROM residence r WHERE r.person_id = p.id AND r.end_date IS NULL
           ORDER BY r.id DESC LIMIT 1),
         gc_in_scope(p.town_id, p.grid_id)
    FROM person p WHERE p.town_id = t AND p.id_number = id_no
$$;
REVOKE ALL ON FUNCTION gc_person_by_id_number(integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_person_by_id_number(integer, text) TO gridcheck_app;
