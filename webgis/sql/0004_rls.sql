-- Row-level security: PostgreSQL itself refuses rows outside the user's scope.
--
-- The application connects as gridcheck_app: no table ownership, NOSUPERUSER,
-- NOBYPASSRLS. Each transaction of a request carries the user's scope in
-- transaction-local settings (set_config(..., true), see webgis/scope.py):
--   gc.town_id    the user's town
--   gc.all_grids  'on' when the user sees every grid of the town
--   gc.grid_ids   '{1,2,3}' the grids the user sees otherwise
--   gc.role       the user's role (key-attention data: police, station_admin, town_admin)
-- No settings (a fresh transaction, a background job) means no rows.
-- The owner role (migrations, demo loader, imports run by the operator) keeps full
-- access through an explicit policy, because FORCE ROW LEVEL SECURITY applies to it too.

CREATE OR REPLACE FUNCTION gc_setting_int(name text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting(name, true), '')::integer
$$;

-- True when a row of (town t, grid g) is inside the current scope.
CREATE OR REPLACE FUNCTION gc_in_scope(t integer, g integer) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT t = gc_setting_int('gc.town_id')
     AND (current_setting('gc.all_grids', true) = 'on'
          OR g = ANY (coalesce(nullif(current_setting('gc.grid_ids', true), '')::integer[], '{}'::integer[])))
$$;

CREATE OR REPLACE FUNCTION gc_sees_key_attention() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(current_setting('gc.role', true), '') IN ('police', 'station_admin', 'town_admin')
$$;

-- Whether an object exists at all, for the audit of refused (404) reads only:
-- SECURITY DEFINER so it sees past the policies, returns nothing but a boolean.
CREATE OR REPLACE FUNCTION gc_object_exists(kind text, object_id integer) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF kind = 'building' THEN RETURN EXISTS (SELECT 1 FROM building WHERE id = object_id);
  ELSIF kind = 'household' THEN RETURN EXISTS (SELECT 1 FROM household WHERE id = object_id);
  ELSIF kind = 'person' THEN RETURN EXISTS (SELECT 1 FROM person WHERE id = object_id);
  ELSIF kind = 'organisation' THEN RETURN EXISTS (SELECT 1 FROM organisation WHERE id = object_id);
  ELSIF kind = 'grid' THEN RETURN EXISTS (SELECT 1 FROM grid WHERE id = object_id);
  END IF;
  RETURN false;
END $$;

-- Put one grid-scoped table under row-level security: ENABLE + FORCE, the owner's policy
-- (FORCE applies to the owner too; migrations and bulk loads run as owner) and the app's
-- scope policy, gated to the key-attention roles for key-attention data. Used here and by
-- every later table holding grid-scoped data (coverage.sql).
CREATE OR REPLACE FUNCTION gc_apply_scope_policies(t text, key_attention boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  rule text := CASE WHEN key_attention THEN 'gc_sees_key_attention() AND gc_in_scope(town_id, grid_id)'
                    ELSE 'gc_in_scope(town_id, grid_id)' END;
BEGIN
  EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
  EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  EXECUTE format('DROP POLICY IF EXISTS owner_all ON %I', t);
  EXECUTE format('CREATE POLICY owner_all ON %I TO %I USING (true) WITH CHECK (true)', t, current_user);
  EXECUTE format('DROP POLICY IF EXISTS app_scope ON %I', t);
  EXECUTE format('CREATE POLICY app_scope ON %I TO gridcheck_app USING (%s) WITH CHECK (%s)', t, rule, rule);
END $$;

DO $$
DECLARE
  t text;
  scoped text[] := ARRAY['building', 'household', 'person', 'residence', 'organisation',
                         'visit', 'verification', 'key_attention'];
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gridcheck_app') THEN
    RAISE EXCEPTION 'role gridcheck_app is missing: create it first '
                    '(CREATE ROLE gridcheck_app LOGIN NOSUPERUSER NOBYPASSRLS; see README)';
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA public TO gridcheck_app');
  -- Reference data: read only.
  EXECUTE 'GRANT SELECT ON town, village, grid, police_station, road, code_item TO gridcheck_app';
  -- Users and their grid assignment are managed in the app (town admin pages).
  EXECUTE 'GRANT SELECT, INSERT, UPDATE ON app_user TO gridcheck_app';
  EXECUTE 'GRANT SELECT, INSERT, DELETE ON user_grid TO gridcheck_app';
  -- Server-side sessions and the login throttle (webgis/auth/sessions.py, throttle.py).
  EXECUTE 'GRANT SELECT, INSERT, UPDATE ON user_session TO gridcheck_app';
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON auth_throttle TO gridcheck_app';
  -- The audit log: append and read only (its triggers refuse UPDATE/DELETE to everyone).
  EXECUTE 'GRANT SELECT, INSERT ON audit_log TO gridcheck_app';
  EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO gridcheck_app';
  FOREACH t IN ARRAY scoped LOOP
    -- No DELETE: a deletion is a status change with history.
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO gridcheck_app', t);
    PERFORM gc_apply_scope_policies(t, t = 'key_attention');
  END LOOP;
  -- The derived-status triggers update households/buildings of the visited rows, in scope.
  EXECUTE 'GRANT EXECUTE ON FUNCTION gc_object_exists(text, integer) TO gridcheck_app';
END $$;
