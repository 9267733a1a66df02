-- Revision 0020: progress of long imports (导入进度), and the person lookup of a dry run set-based.
--
-- exchange_job: one row per long import step (a list's dry run or commit, a geodata commit). The
-- import itself stays ONE transaction; its progress is written by webgis/exchange/jobs.py on a
-- separate connection in short transactions of their own, so the page polling the job sees it
-- move while the import's transaction is still open (and sees 'failed' when it rolls back).
-- No foreign keys: the job row is committed while the town, user and batch it names may exist
-- only in the import's uncommitted transaction (a key check would wait on that transaction).
CREATE TABLE exchange_job (
  id serial PRIMARY KEY,
  key uuid NOT NULL UNIQUE,
  town_id integer NOT NULL,
  created_by integer,
  kind varchar(30) NOT NULL,
  status varchar(20) NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  done integer NOT NULL DEFAULT 0,
  total integer,
  message text,
  batch_id integer,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE exchange_job IS '导入进度: progress of one long import step, written outside its transaction';

ALTER TABLE exchange_job ENABLE ROW LEVEL SECURITY;
ALTER TABLE exchange_job FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
  EXECUTE format('CREATE POLICY owner_all ON exchange_job TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
-- A job is seen by the one who started it (and the all-grid roles of the town), like its batch.
CREATE POLICY app_scope ON exchange_job TO gridcheck_app
  USING (town_id = gc_setting_int('gc.town_id')
         AND (current_setting('gc.all_grids', true) = 'on' OR created_by = gc_setting_int('gc.user_id')))
  WITH CHECK (town_id = gc_setting_int('gc.town_id') AND created_by = gc_setting_int('gc.user_id'));
GRANT SELECT, INSERT, UPDATE ON exchange_job TO gridcheck_app;
GRANT USAGE ON SEQUENCE exchange_job_id_seq TO gridcheck_app;

-- The ID numbers of one chunk of a list, looked up at once (past row-level security, as
-- gc_person_by_id_number of revision 0009 does for one number): a person in a grid the user
-- does not see is reported only as that fact (in_scope false), no personal data.
CREATE FUNCTION gc_persons_by_id_numbers(t integer, id_numbers text[])
RETURNS TABLE (id_number text, person_id integer, status text, grid_id integer, household_id integer,
               in_scope boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.id_number::text, p.id, p.status::text, p.grid_id,
         (SELECT r.household_id FROM residence r WHERE r.person_id = p.id AND r.end_date IS NULL
           ORDER BY r.id DESC LIMIT 1),
         gc_in_scope(p.town_id, p.grid_id)
    FROM person p WHERE p.town_id = t AND p.id_number = ANY (id_numbers)
$$;
REVOKE ALL ON FUNCTION gc_persons_by_id_numbers(integer, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_persons_by_id_numbers(integer, text[]) TO gridcheck_app;

-- Geodata import of villages, grids and roads (webgis/exchange/geodata.py) by the town's all-grid
-- roles (which roles: GEODATA_IMPORT_ROLES in webgis/permissions.py, checked before any write).
-- Until now the app only read this reference data; it may now write its own town's rows: every
-- row stays readable as before, writes are limited to the town of the scope and an all-grid scope.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['village', 'grid', 'road'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY owner_all ON %I TO %I USING (true) WITH CHECK (true)', t, current_user);
    EXECUTE format('CREATE POLICY app_read ON %I FOR SELECT TO gridcheck_app USING (true)', t);
    EXECUTE format('CREATE POLICY app_insert ON %I FOR INSERT TO gridcheck_app WITH CHECK '
                   '(town_id = gc_setting_int(''gc.town_id'') AND current_setting(''gc.all_grids'', true) = ''on'')', t);
    EXECUTE format('CREATE POLICY app_update ON %I FOR UPDATE TO gridcheck_app USING '
                   '(town_id = gc_setting_int(''gc.town_id'') AND current_setting(''gc.all_grids'', true) = ''on'') '
                   'WITH CHECK (town_id = gc_setting_int(''gc.town_id''))', t);
    EXECUTE format('CREATE POLICY app_delete ON %I FOR DELETE TO gridcheck_app USING '
                   '(town_id = gc_setting_int(''gc.town_id'') AND current_setting(''gc.all_grids'', true) = ''on'')', t);
  END LOOP;
END $$;
GRANT INSERT, UPDATE ON village, grid TO gridcheck_app;
GRANT INSERT, DELETE ON road TO gridcheck_app;

-- The coverage trigger on residence (revision 0005) refreshed EVERY grid of every town when a
-- statement touched no residence at all (empty transition tables → NULL grid list → "all"), and
-- took the all-grids lock doing so: ~9 s per empty statement on the town demo (EXPLAIN ANALYZE of
-- a list commit whose move step had no mover). Same body, with the guard the person and building
-- triggers have had since revision 0010.
CREATE OR REPLACE FUNCTION gc_coverage_after_residence() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[]; ps integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT grid_id), array_agg(DISTINCT person_id) INTO g, ps FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id), array_agg(DISTINCT person_id) INTO g, ps FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT grid_id), array_agg(DISTINCT person_id) INTO g, ps
      FROM (SELECT grid_id, person_id FROM old_rows UNION SELECT grid_id, person_id FROM new_rows) u;
  END IF;
  IF g IS NOT NULL OR ps IS NOT NULL THEN
    PERFORM gc_refresh_coverage(gc_coverage_grids(g, ps, NULL, NULL), ARRAY['persons']);
  END IF;
  RETURN NULL;
END $$;
