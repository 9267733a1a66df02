-- Revision 0013 (frozen): real data in and out (webgis/exchange/).
--   * exchange_mapping: the column mapping of an uploaded list, remembered per source.
--   * exchange_batch: one import (list, geodata, police changes) or one police export; a police
--     export keeps its XLSX so it can be downloaded again (always re-wrapped in a protected zip).
--   * exchange_row: a list's rows after the dry run (staged: matched, new, review, rejected, with
--     the reason), the review queue, and what the commit did with each.
CREATE TABLE exchange_mapping (
  id serial PRIMARY KEY,
  town_id integer NOT NULL REFERENCES town(id),
  source text NOT NULL,
  mapping jsonb NOT NULL,
  updated_by integer REFERENCES app_user(id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (town_id, source)
);
COMMENT ON TABLE exchange_mapping IS '导入列对应: an upload source''s column → field mapping';

CREATE TABLE exchange_batch (
  id serial PRIMARY KEY,
  town_id integer NOT NULL REFERENCES town(id),
  kind text NOT NULL CHECK (kind IN ('person_list', 'geodata', 'police_export', 'police_import')),
  source text,
  filename text,
  status text NOT NULL DEFAULT 'dry_run' CHECK (status IN ('dry_run', 'committed', 'discarded')),
  counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  client_uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  -- police export: the change-history window it covers (id > since_history_id, id <= upto_history_id)
  since_history_id bigint,
  upto_history_id bigint,
  content bytea,
  created_by integer REFERENCES app_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  committed_at timestamptz
);
CREATE INDEX exchange_batch_town ON exchange_batch (town_id, kind, id);
COMMENT ON TABLE exchange_batch IS '导入/交换批次: one import or one police exchange';

CREATE TABLE exchange_row (
  id serial PRIMARY KEY,
  batch_id integer NOT NULL REFERENCES exchange_batch(id) ON DELETE CASCADE,
  town_id integer NOT NULL REFERENCES town(id),
  grid_id integer REFERENCES grid(id),
  row_no integer NOT NULL,
  status text NOT NULL CHECK (status IN ('matched', 'new', 'review', 'rejected', 'applied', 'skipped')),
  reason text,
  data jsonb NOT NULL,
  household_id integer REFERENCES household(id),
  person_id integer REFERENCES person(id),
  score real,
  candidates jsonb,
  created_by integer REFERENCES app_user(id),
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX exchange_row_batch ON exchange_row (batch_id, status, row_no);
COMMENT ON TABLE exchange_row IS '导入行: one staged row of a list (dry run result, review queue)';

-- Row-level security: staged rows by their grid (unplaced rows only to their uploader and the
-- all-grid roles), batches and mappings by town (a batch's uploader or an all-grid role).
ALTER TABLE exchange_row ENABLE ROW LEVEL SECURITY;
ALTER TABLE exchange_row FORCE ROW LEVEL SECURITY;
ALTER TABLE exchange_batch ENABLE ROW LEVEL SECURITY;
ALTER TABLE exchange_batch FORCE ROW LEVEL SECURITY;
ALTER TABLE exchange_mapping ENABLE ROW LEVEL SECURITY;
ALTER TABLE exchange_mapping FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
  EXECUTE format('CREATE POLICY owner_all ON exchange_row TO %I USING (true) WITH CHECK (true)', current_user);
  EXECUTE format('CREATE POLICY owner_all ON exchange_batch TO %I USING (true) WITH CHECK (true)', current_user);
  EXECUTE format('CREATE POLICY owner_all ON exchange_mapping TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
CREATE POLICY app_scope ON exchange_row TO gridcheck_app
  USING (gc_in_scope(town_id, grid_id)
         OR (town_id = gc_setting_int('gc.town_id') AND grid_id IS NULL
             AND created_by = gc_setting_int('gc.user_id')))
  WITH CHECK (town_id = gc_setting_int('gc.town_id'));
CREATE POLICY app_scope ON exchange_batch TO gridcheck_app
  USING (town_id = gc_setting_int('gc.town_id')
         AND (current_setting('gc.all_grids', true) = 'on' OR created_by = gc_setting_int('gc.user_id')))
  WITH CHECK (town_id = gc_setting_int('gc.town_id'));
CREATE POLICY app_scope ON exchange_mapping TO gridcheck_app
  USING (town_id = gc_setting_int('gc.town_id')) WITH CHECK (town_id = gc_setting_int('gc.town_id'));
GRANT SELECT, INSERT, UPDATE, DELETE ON exchange_row, exchange_batch TO gridcheck_app;
GRANT SELECT, INSERT, UPDATE ON exchange_mapping TO gridcheck_app;
GRANT USAGE ON SEQUENCE exchange_row_id_seq, exchange_batch_id_seq, exchange_mapping_id_seq TO gridcheck_app;

-- A reviewer's decision on a staged row is a change a user makes: it has its history like every
-- domain row (the staging inserts of a dry run are not, so the trigger is on UPDATE only).
CREATE TRIGGER exchange_row_change_history AFTER UPDATE ON exchange_row
  FOR EACH ROW EXECUTE FUNCTION gc_log_change();
