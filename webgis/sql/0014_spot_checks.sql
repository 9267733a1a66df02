-- Revision 0014 (frozen): spot checks by location (实地抽查, seed §六 检查验收).
--   * spot_check_plan: one spot check as designed by an inspector (or the town office): the
--     area (a drawn polygon and/or chosen villages and grids), the sample design, the seed.
--   * spot_check (existing, revision 0005): now also one sampled household of a plan, with
--     its stratum (grid, grid leader), why it was drawn, and a version; checked_at is NULL
--     until the inspector records it. Rows without a plan (imported counts, the demo's) keep
--     their own item counts.
--   * spot_check_item: what the platform says next to what the inspector found, item by item.
--     The items_checked / items_matched of a planned spot_check are derived from its items by
--     a trigger, so the 一致率 target (coverage_grid.spot_items / spot_matched, kept by the
--     existing spot_check trigger of coverage.sql) reads the item rows.
--   * spot_check_revisit: every mismatch as a re-visit task of the grid leader
--     (reason 'spot_check_mismatch').
-- Every table users change gets row-level security (gc_apply_scope_policies or the plan's
-- own policy) and the change-history trigger gc_log_change.

CREATE TABLE spot_check_plan (
  id serial PRIMARY KEY,
  town_id integer NOT NULL REFERENCES town(id),
  created_by integer NOT NULL REFERENCES app_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  title text NOT NULL,
  area geometry(MultiPolygon, 4326),
  village_ids integer[] NOT NULL DEFAULT '{}',
  grid_ids integer[] NOT NULL,
  design jsonb NOT NULL,
  seed bigint NOT NULL,
  population integer NOT NULL CHECK (population >= 0),
  sample_size integer NOT NULL CHECK (sample_size >= 0),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  client_uuid uuid NOT NULL UNIQUE,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX spot_check_plan_town ON spot_check_plan (town_id, created_at);
CREATE INDEX spot_check_plan_grids ON spot_check_plan USING gin (grid_ids);
COMMENT ON TABLE spot_check_plan IS '抽查方案: area, sample design and seed of one spot check';

ALTER TABLE spot_check ADD COLUMN plan_id integer REFERENCES spot_check_plan(id);
ALTER TABLE spot_check ADD COLUMN leader_id integer REFERENCES app_user(id);
ALTER TABLE spot_check ADD COLUMN pick text CHECK (pick IN ('random', 'floor', 'short_visit', 'only_verified'));
ALTER TABLE spot_check ADD COLUMN draw_no integer;
ALTER TABLE spot_check ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE spot_check ALTER COLUMN checked_at DROP NOT NULL;
ALTER TABLE spot_check ALTER COLUMN checked_at DROP DEFAULT;
ALTER TABLE spot_check ADD CONSTRAINT ck_spot_check_planned
  CHECK (plan_id IS NULL OR (household_id IS NOT NULL AND pick IS NOT NULL AND draw_no IS NOT NULL));
ALTER TABLE spot_check ADD CONSTRAINT ck_spot_check_checked_at CHECK (plan_id IS NOT NULL OR checked_at IS NOT NULL);
CREATE UNIQUE INDEX spot_check_plan_household ON spot_check (plan_id, household_id) WHERE plan_id IS NOT NULL;

CREATE TABLE spot_check_item (
  id serial PRIMARY KEY,
  town_id integer NOT NULL REFERENCES town(id),
  grid_id integer NOT NULL REFERENCES grid(id),
  spot_check_id integer NOT NULL REFERENCES spot_check(id),
  item text NOT NULL CHECK (item IN ('address', 'resident_count', 'house_nature', 'presence', 'name',
                                     'id_number', 'phone')),
  person_id integer REFERENCES person(id),
  -- For a resident the inspector found and the platform does not know: their row number.
  extra_no integer,
  presence text CHECK (presence IN ('present', 'absent', 'unknown')),
  platform_value text,
  found_value text,
  matched boolean NOT NULL,
  note text,
  checked_by integer REFERENCES app_user(id),
  checked_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX spot_check_item_key
  ON spot_check_item (spot_check_id, item, coalesce(person_id, 0), coalesce(extra_no, 0));
CREATE INDEX spot_check_item_grid ON spot_check_item (grid_id);
COMMENT ON TABLE spot_check_item IS '抽查项: platform value next to what the inspector found';

-- The counts of a planned spot check follow its items (one statement, one update per check).
CREATE FUNCTION gc_spot_check_count_items() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE spot_check s SET items_checked = x.n, items_matched = x.m
    FROM (SELECT i.spot_check_id AS id, count(*) AS n, count(*) FILTER (WHERE i.matched) AS m
            FROM spot_check_item i
           WHERE i.spot_check_id IN (SELECT DISTINCT spot_check_id FROM new_rows)
           GROUP BY i.spot_check_id) x
   WHERE s.id = x.id AND s.plan_id IS NOT NULL
     AND (s.items_checked, s.items_matched) IS DISTINCT FROM (x.n::integer, x.m::integer);
  RETURN NULL;
END $$;
CREATE TRIGGER spot_check_item_counts_insert AFTER INSERT ON spot_check_item
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gc_spot_check_count_items();
CREATE TRIGGER spot_check_item_counts_update AFTER UPDATE ON spot_check_item
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gc_spot_check_count_items();

-- Re-visit tasks: one row per mismatched item of a checked household, for the grid leader.
-- Union at merge with issue 8's coverage_revisit (same columns: grid_id, household_id, reason,
-- since, detail).
CREATE VIEW spot_check_revisit WITH (security_invoker = true) AS
  SELECT i.town_id, i.grid_id, s.household_id, s.building_id, s.leader_id, s.plan_id,
         'spot_check_mismatch'::text AS reason, i.checked_at AS since,
         concat_ws('：', i.item, nullif(i.note, '')) AS detail, i.id AS item_id
    FROM spot_check_item i JOIN spot_check s ON s.id = i.spot_check_id
   WHERE NOT i.matched;

-- History of every change (who / when / before → after), as for the other domain tables.
CREATE TRIGGER spot_check_plan_change_history AFTER INSERT OR UPDATE ON spot_check_plan
  FOR EACH ROW EXECUTE FUNCTION gc_log_change();
CREATE TRIGGER spot_check_change_history AFTER INSERT OR UPDATE ON spot_check
  FOR EACH ROW EXECUTE FUNCTION gc_log_change();
CREATE TRIGGER spot_check_item_change_history AFTER INSERT OR UPDATE ON spot_check_item
  FOR EACH ROW EXECUTE FUNCTION gc_log_change();

-- Row-level security. Sampled households and items: the grid scope. A plan spans grids: it is
-- visible to the town office (all grids) and to whoever sees every grid of it.
SELECT gc_apply_scope_policies('spot_check_item');
ALTER TABLE spot_check_plan ENABLE ROW LEVEL SECURITY;
ALTER TABLE spot_check_plan FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
  EXECUTE format('CREATE POLICY owner_all ON spot_check_plan TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
CREATE POLICY app_scope ON spot_check_plan TO gridcheck_app
  USING (town_id = gc_setting_int('gc.town_id')
         AND (current_setting('gc.all_grids', true) = 'on'
              OR grid_ids <@ coalesce(nullif(current_setting('gc.grid_ids', true), '')::integer[], '{}'::integer[])))
  WITH CHECK (town_id = gc_setting_int('gc.town_id')
         AND (current_setting('gc.all_grids', true) = 'on'
              OR grid_ids <@ coalesce(nullif(current_setting('gc.grid_ids', true), '')::integer[], '{}'::integer[])));
GRANT SELECT, INSERT, UPDATE ON spot_check_plan, spot_check_item TO gridcheck_app;
GRANT USAGE, SELECT ON SEQUENCE spot_check_plan_id_seq, spot_check_item_id_seq TO gridcheck_app;
GRANT SELECT ON spot_check_revisit TO gridcheck_app;
