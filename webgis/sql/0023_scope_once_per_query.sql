-- Revision 0023 (frozen): the scope of every row-level security policy evaluated once per
-- query, not once per row.
--
-- gc_in_scope(town_id, grid_id) is an SQL function the planner inlines into each policy, so
-- its settings were read — and gc.grid_ids, the text '{1,2,...}', parsed into an array —
-- for every row a query touched: for a police station's 146 grids, counting the town's
-- 22,281 uncovered buildings took 154 ms, 135 of them parsing that array. Written as
-- sub-selects, the settings become InitPlans: computed once, then `town_id = $0 AND ($1 =
-- 'on' OR grid_id = ANY ($2))` per row (and usable as an index condition). Same rows: the
-- rule is the same expression, only evaluated once (tests/test_rls.py,
-- tests/test_migrations.py). gc_in_scope itself stays for the functions that call it.

-- The grids of the current scope (gc.grid_ids as an array; none when unset).
CREATE OR REPLACE FUNCTION gc_scope_grid_ids() RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(nullif(current_setting('gc.grid_ids', true), '')::integer[], '{}'::integer[])
$$;

-- The rule every grid-scoped table's policy applies (the same as gc_in_scope(town_id, grid_id)).
CREATE OR REPLACE FUNCTION gc_scope_rule() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '(town_id = (SELECT gc_setting_int(''gc.town_id'')) '
         'AND ((SELECT current_setting(''gc.all_grids'', true)) = ''on'' '
         'OR grid_id = ANY ((SELECT gc_scope_grid_ids())::integer[])))'
$$;

-- Tables put under row-level security from now on get the rule too.
CREATE OR REPLACE FUNCTION gc_apply_scope_policies(t text, key_attention boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  rule text := CASE WHEN key_attention THEN 'gc_sees_key_attention() AND ' || gc_scope_rule()
                    ELSE gc_scope_rule() END;
BEGIN
  EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
  EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  EXECUTE format('DROP POLICY IF EXISTS owner_all ON %I', t);
  EXECUTE format('CREATE POLICY owner_all ON %I TO %I USING (true) WITH CHECK (true)', t, current_user);
  EXECUTE format('DROP POLICY IF EXISTS app_scope ON %I', t);
  EXECUTE format('CREATE POLICY app_scope ON %I TO gridcheck_app USING (%s) WITH CHECK (%s)', t, rule, rule);
END $$;

-- The 19 policies of revision 0022 that apply gc_in_scope(town_id, grid_id), each with the
-- rest of its expression unchanged.
DO $$
DECLARE
  rule text := gc_scope_rule();
BEGIN
  EXECUTE format('ALTER POLICY app_scope ON building USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON change_history USING ((%1$s AND ((table_name <> ''key_attention''::text) OR gc_sees_key_attention())))', rule);
  EXECUTE format('ALTER POLICY app_scope ON coverage_day USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON coverage_gap USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON coverage_grid USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON coverage_key_grid USING ((gc_sees_key_attention() AND %1$s)) WITH CHECK ((gc_sees_key_attention() AND %1$s))', rule);
  EXECUTE format('ALTER POLICY app_scope ON exchange_row USING ((%1$s OR ((town_id = gc_setting_int(''gc.town_id''::text)) AND (grid_id IS NULL) AND (created_by = gc_setting_int(''gc.user_id''::text))))) WITH CHECK ((town_id = gc_setting_int(''gc.town_id''::text)))', rule);
  EXECUTE format('ALTER POLICY app_scope ON household USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON key_attention USING ((gc_sees_key_attention() AND %1$s)) WITH CHECK ((gc_sees_key_attention() AND %1$s))', rule);
  EXECUTE format('ALTER POLICY app_scope ON offline_submission USING ((%1$s OR ((town_id = gc_setting_int(''gc.town_id''::text)) AND (user_id = gc_setting_int(''gc.user_id''::text))))) WITH CHECK ((%1$s OR ((town_id = gc_setting_int(''gc.town_id''::text)) AND (user_id = gc_setting_int(''gc.user_id''::text)))))', rule);
  EXECUTE format('ALTER POLICY app_scope ON organisation USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON person USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON residence USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON route_plan USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON route_stop USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON spot_check USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON spot_check_item USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON verification USING (%1$s) WITH CHECK (%1$s)', rule);
  EXECUTE format('ALTER POLICY app_scope ON visit USING (%1$s) WITH CHECK (%1$s)', rule);
END $$;
