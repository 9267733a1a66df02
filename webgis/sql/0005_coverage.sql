-- Coverage: the six targets of seed §二 (三个100%、三个95%) per grid, village and town, and
-- the gap items the map's heat layers draw. This file is the ONE implementation of the
-- formulas of design.md §5: the map (coverage tiles, heat layers, grid panel), the targets
-- page, its chart and the uncovered-buildings export all read what is defined here.
--
-- What counts (households and persons exclude demolished and moved-out records):
--   household   household.status <> 'demolished' in a building whose status <> 'demolished'
--               (active and vacant rooms: a vacant room is visited too, its visit notes 房屋空置)
--   visited     the household has a visit, whatever its result (household.last_visit_at is set;
--               the same rule that colours a building 未走访 on the map)
--   verified    its latest police verification is signed (household.verified_at is set)
--   person      person.status = 'active' (实有人口; moved out, deceased, long absent are not)
--   linked      the person has a current residence (end_date IS NULL) in a non-demolished room
--   key         key_attention rows whose subject is still there (person not moved out or
--               deceased, room not demolished, organisation active); set = level IS NOT NULL
--   consistency items_matched / items_checked summed over the spot checks of the unit
--   awareness   visits with awareness = true / visits with an awareness answer; satisfaction
--               alike; the combined 知晓率/满意率 pools the answers to both questions
-- Village and town figures are sums of the grid numerators and denominators (never averages
-- of rates). A rate is NULL when its denominator is 0 (shown "—"), and truncated to one
-- decimal so that it never reads 100.0% or 95.0% before the goal is met.
--
-- Speed and consistency: per-grid counts (coverage_grid, coverage_key_grid) and the gap items
-- (coverage_gap) are kept by statement-level triggers in the same transaction as the change,
-- so a visit saved now shows in the next request and a town-wide read sums ~430 rows.

-- --- the targets ------------------------------------------------------------------------

INSERT INTO coverage_target (code, seed_no, name, goal, sort_order, part_of) VALUES
  ('visit', 1, '入户调查率', 100, 1, NULL),
  ('verification', 2, '核查登记率', 100, 2, NULL),
  ('attention', 3, '重点关注率', 100, 3, NULL),
  ('consistency', 4, '一致率', 95, 4, NULL),
  ('link', 5, '人房关联率', 95, 5, NULL),
  ('opinion', 6, '知晓率/满意率', 95, 6, NULL),
  ('awareness', 6, '知晓率', 95, 7, 'opinion'),
  ('satisfaction', 6, '满意率', 95, 8, 'opinion')
ON CONFLICT (code) DO UPDATE SET seed_no = EXCLUDED.seed_no, name = EXCLUDED.name, goal = EXCLUDED.goal,
  sort_order = EXCLUDED.sort_order, part_of = EXCLUDED.part_of;

-- A rate in percent, truncated to one decimal; NULL when there is nothing to count.
CREATE OR REPLACE FUNCTION gc_rate(num bigint, den bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN den > 0 THEN trunc(100.0 * num / den, 1) END
$$;

-- met (达标) / near (接近: within 5 points of the goal) / behind (落后) / none (nothing to
-- count) / restricted (the reader may not see the records: key attention for non-police roles).
-- Compared in integers, so 99.99% is never "met" for a 100% goal.
CREATE OR REPLACE FUNCTION gc_target_status(num bigint, den bigint, goal numeric) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN den IS NULL THEN 'restricted'
              WHEN den = 0 THEN 'none'
              WHEN num * 100 >= goal * den THEN 'met'
              WHEN num * 100 >= (goal - 5) * den THEN 'near'
              ELSE 'behind' END
$$;

-- --- what counts (invoker views: row-level security applies to whoever reads them) --------

CREATE OR REPLACE VIEW coverage_household WITH (security_invoker = true) AS
SELECT h.id, h.town_id, h.grid_id, h.building_id,
       h.last_visit_at IS NOT NULL AS visited,
       h.verified_at IS NOT NULL AS verified
  FROM household h
  JOIN building b ON b.id = h.building_id
 WHERE h.status <> 'demolished' AND b.status <> 'demolished';

CREATE OR REPLACE FUNCTION gc_person_linked(person integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM residence r JOIN household h ON h.id = r.household_id
                  WHERE r.person_id = person AND r.end_date IS NULL AND h.status <> 'demolished')
$$;

CREATE OR REPLACE VIEW coverage_person WITH (security_invoker = true) AS
SELECT p.id, p.town_id, p.grid_id, gc_person_linked(p.id) AS linked
  FROM person p
 WHERE p.status = 'active';

CREATE OR REPLACE VIEW coverage_key WITH (security_invoker = true) AS
SELECT k.id, k.town_id, k.grid_id, k.level IS NOT NULL AS level_set
  FROM key_attention k
  LEFT JOIN person p ON p.id = k.person_id
  LEFT JOIN household h ON h.id = k.household_id
  LEFT JOIN organisation o ON o.id = k.organisation_id
 WHERE (k.person_id IS NULL OR p.status NOT IN ('moved_out', 'deceased'))
   AND (k.household_id IS NULL OR h.status <> 'demolished')
   AND (k.organisation_id IS NULL OR o.status = 'active');

-- --- keeping the per-grid figures and the gap items ---------------------------------------

-- Recompute the figures of the given grids (NULL: all grids), in sections so that a change
-- recomputes only what it can move (NULL parts: every section):
--   households  household counts, visit answers, 未采集 and 待核验 gap items, the per-day
--               progress (visit, verification, household, building changes)
--   persons     person counts, 人房关联缺口 gap items (person, residence, room status changes)
--   keys        key-attention counts (key_attention, organisation, person and room status)
--   spots       spot-check counts (spot_check)
-- SECURITY DEFINER: the figures of a grid must count every row of it, whoever's change
-- triggered the refresh (a grid leader's scope would hide, e.g., key attention or a residence
-- in a neighbouring grid). Concurrent writers of one grid are serialised by an advisory lock,
-- and every statement after it takes a fresh snapshot (VOLATILE plpgsql under READ
-- COMMITTED), so it counts what the other writer committed: no lost update.
CREATE OR REPLACE FUNCTION gc_refresh_coverage(ids integer[], parts text[] DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  gids integer[];
  g integer;
  all_parts boolean := parts IS NULL;
BEGIN
  IF ids IS NULL THEN
    PERFORM pg_advisory_xact_lock(1734569846, 0);  -- every grid: exclusive
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO gids FROM grid;
  ELSE
    SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}') INTO gids FROM unnest(ids) AS u(x) WHERE x IS NOT NULL;
    IF cardinality(gids) = 0 THEN
      RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(1734569846, 0);
    FOREACH g IN ARRAY gids LOOP  -- ascending: two writers never wait for each other in a circle
      PERFORM pg_advisory_xact_lock(1734569847, g);
    END LOOP;
  END IF;

  INSERT INTO coverage_grid (grid_id, town_id, refreshed_at)
  SELECT gr.id, gr.town_id, clock_timestamp() FROM grid gr WHERE gr.id = ANY (gids)
  ON CONFLICT (grid_id) DO NOTHING;
  INSERT INTO coverage_key_grid (grid_id, town_id)
  SELECT gr.id, gr.town_id FROM grid gr WHERE gr.id = ANY (gids)
  ON CONFLICT (grid_id) DO NOTHING;

  IF all_parts OR 'households' = ANY (parts) THEN
    UPDATE coverage_grid c
       SET households = x.n, households_visited = x.visited, households_verified = x.verified,
           aware_answers = x.aware_n, aware_yes = x.aware_y, satisfied_answers = x.sat_n, satisfied_yes = x.sat_y,
           refreshed_at = clock_timestamp()
      FROM (SELECT gr.id, coalesce(h.n, 0) AS n, coalesce(h.visited, 0) AS visited,
                   coalesce(h.verified, 0) AS verified, coalesce(a.aware_n, 0) AS aware_n,
                   coalesce(a.aware_y, 0) AS aware_y, coalesce(a.sat_n, 0) AS sat_n, coalesce(a.sat_y, 0) AS sat_y
              FROM grid gr
              LEFT JOIN (SELECT grid_id, count(*) AS n, count(*) FILTER (WHERE visited) AS visited,
                                count(*) FILTER (WHERE verified) AS verified
                           FROM coverage_household WHERE grid_id = ANY (gids) GROUP BY grid_id) h ON h.grid_id = gr.id
              LEFT JOIN (SELECT grid_id, count(awareness) AS aware_n, count(*) FILTER (WHERE awareness) AS aware_y,
                                count(satisfaction) AS sat_n, count(*) FILTER (WHERE satisfaction) AS sat_y
                           FROM visit WHERE grid_id = ANY (gids) GROUP BY grid_id) a ON a.grid_id = gr.id
             WHERE gr.id = ANY (gids)) x
     WHERE c.grid_id = x.id
       AND (c.households, c.households_visited, c.households_verified, c.aware_answers, c.aware_yes,
            c.satisfied_answers, c.satisfied_yes)
           IS DISTINCT FROM (x.n, x.visited, x.verified, x.aware_n, x.aware_y, x.sat_n, x.sat_y);

    DELETE FROM coverage_gap WHERE grid_id = ANY (gids) AND kind IN ('unvisited', 'verification_due');
    -- 未采集: buildings with households that have no visit, weighted by those households.
    INSERT INTO coverage_gap (town_id, grid_id, kind, building_id, weight, geom_3857)
    SELECT u.town_id, u.grid_id, 'unvisited', u.building_id, u.n, b.geom_3857
      FROM (SELECT town_id, grid_id, building_id, count(*) AS n FROM coverage_household
             WHERE grid_id = ANY (gids) AND NOT visited GROUP BY town_id, grid_id, building_id) u
      JOIN building b ON b.id = u.building_id;
    -- 待核验: visits whose changes need police verification (changed / new / refused), with the
    -- first signed verification of the household at or after the visit (NULL: still waiting).
    -- Whether one is overdue depends on "today", so that is decided when reading (gc_heat).
    INSERT INTO coverage_gap (town_id, grid_id, kind, building_id, household_id, visit_id, weight,
                              visited_at, signed_at, geom_3857)
    SELECT v.town_id, v.grid_id, 'verification_due', h.building_id, v.household_id, v.id, 1, v.visited_at,
           (SELECT min(c.verified_at) FROM verification c
             WHERE c.household_id = v.household_id AND c.outcome = 'signed' AND c.verified_at >= v.visited_at),
           b.geom_3857
      FROM visit v
      JOIN coverage_household h ON h.id = v.household_id
      JOIN building b ON b.id = h.building_id
     WHERE v.grid_id = ANY (gids) AND v.result IN ('changed', 'new', 'refused');

    -- Progress per day (Asia/Shanghai): visits, signed verifications, first visits of counted
    -- households, and +1/-1 as a household's latest verification turns signed / disputed.
    DELETE FROM coverage_day WHERE grid_id = ANY (gids);
    INSERT INTO coverage_day (grid_id, town_id, day, visits, signed, first_visits, verified_delta)
    SELECT e.grid_id, gr.town_id, e.day, sum(e.visits), sum(e.signed), sum(e.first_visit), sum(e.verified)
      FROM (
        SELECT v.grid_id, (v.visited_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
               1 AS visits, 0 AS signed, 0 AS first_visit, 0 AS verified
          FROM visit v WHERE v.grid_id = ANY (gids)
        UNION ALL
        SELECT c.grid_id, (c.verified_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 1, 0, 0
          FROM verification c WHERE c.grid_id = ANY (gids) AND c.outcome = 'signed'
        UNION ALL
        SELECT h.grid_id, (min(v.visited_at) AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 1, 0
          FROM coverage_household h JOIN visit v ON v.household_id = h.id
         WHERE h.grid_id = ANY (gids) GROUP BY h.grid_id, h.id
        UNION ALL
        SELECT d.grid_id, d.day, 0, 0, 0, d.delta FROM (
          SELECT h.grid_id, (c.verified_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
                 (c.outcome = 'signed')::int
                 - (coalesce(lag(c.outcome) OVER (PARTITION BY c.household_id ORDER BY c.verified_at, c.id), '')
                    = 'signed')::int AS delta
            FROM coverage_household h JOIN verification c ON c.household_id = h.id
           WHERE h.grid_id = ANY (gids)) d
         WHERE d.delta <> 0) e
      JOIN grid gr ON gr.id = e.grid_id
     GROUP BY e.grid_id, gr.town_id, e.day;
  END IF;

  IF all_parts OR 'persons' = ANY (parts) THEN
    UPDATE coverage_grid c
       SET persons = x.n, persons_linked = x.linked, refreshed_at = clock_timestamp()
      FROM (SELECT gr.id, coalesce(p.n, 0) AS n, coalesce(p.linked, 0) AS linked
              FROM grid gr
              LEFT JOIN (SELECT grid_id, count(*) AS n, count(*) FILTER (WHERE linked) AS linked
                           FROM coverage_person WHERE grid_id = ANY (gids) GROUP BY grid_id) p ON p.grid_id = gr.id
             WHERE gr.id = ANY (gids)) x
     WHERE c.grid_id = x.id AND (c.persons, c.persons_linked) IS DISTINCT FROM (x.n, x.linked);

    DELETE FROM coverage_gap WHERE grid_id = ANY (gids) AND kind IN ('unlinked_person', 'orphan_room');
    -- 人房关联缺口 (1): active persons with no current room, where the platform last knew them:
    -- the building of their latest residence, else their grid's point on surface; one item per
    -- place, weighted by its persons.
    INSERT INTO coverage_gap (town_id, grid_id, kind, building_id, weight, geom_3857)
    SELECT p.town_id, p.grid_id, 'unlinked_person', last.building_id, count(*),
           (array_agg(coalesce(b.geom_3857, gp.pt)))[1]
      FROM coverage_person p
      JOIN (SELECT id, ST_PointOnSurface(geom_3857) AS pt FROM grid WHERE id = ANY (gids)) gp ON gp.id = p.grid_id
      LEFT JOIN LATERAL (SELECT h.building_id
                           FROM residence r JOIN household h ON h.id = r.household_id
                          WHERE r.person_id = p.id
                          ORDER BY r.end_date DESC NULLS FIRST, r.start_date DESC NULLS LAST, r.id DESC
                          LIMIT 1) last ON true
      LEFT JOIN building b ON b.id = last.building_id
     WHERE p.grid_id = ANY (gids) AND NOT p.linked
     GROUP BY p.town_id, p.grid_id, last.building_id;
    -- 人房关联缺口 (2): rooms with people registered but nobody linked. "Registered" with the
    -- schema we have: the room has residences, none of them current for an active person, and
    -- at least one of its former residents is still active and linked to no room anywhere.
    INSERT INTO coverage_gap (town_id, grid_id, kind, building_id, household_id, weight, geom_3857)
    SELECT h.town_id, h.grid_id, 'orphan_room', h.building_id, h.id, 1, b.geom_3857
      FROM coverage_household h
      JOIN building b ON b.id = h.building_id
     WHERE h.grid_id = ANY (gids)
       AND NOT EXISTS (SELECT 1 FROM residence r JOIN person p ON p.id = r.person_id
                        WHERE r.household_id = h.id AND r.end_date IS NULL AND p.status = 'active')
       AND EXISTS (SELECT 1 FROM residence r JOIN coverage_person p ON p.id = r.person_id
                    WHERE r.household_id = h.id AND NOT p.linked);
  END IF;

  IF all_parts OR 'keys' = ANY (parts) THEN
    UPDATE coverage_key_grid c SET key_total = x.n, key_set = x.level_set
      FROM (SELECT gr.id, coalesce(k.n, 0) AS n, coalesce(k.level_set, 0) AS level_set
              FROM grid gr
              LEFT JOIN (SELECT grid_id, count(*) AS n, count(*) FILTER (WHERE level_set) AS level_set
                           FROM coverage_key WHERE grid_id = ANY (gids) GROUP BY grid_id) k ON k.grid_id = gr.id
             WHERE gr.id = ANY (gids)) x
     WHERE c.grid_id = x.id AND (c.key_total, c.key_set) IS DISTINCT FROM (x.n, x.level_set);
  END IF;

  IF all_parts OR 'spots' = ANY (parts) THEN
    UPDATE coverage_grid c SET spot_items = x.items, spot_matched = x.matched, refreshed_at = clock_timestamp()
      FROM (SELECT gr.id, coalesce(s.items, 0) AS items, coalesce(s.matched, 0) AS matched
              FROM grid gr
              LEFT JOIN (SELECT grid_id, sum(items_checked) AS items, sum(items_matched) AS matched
                           FROM spot_check WHERE grid_id = ANY (gids) GROUP BY grid_id) s ON s.grid_id = gr.id
             WHERE gr.id = ANY (gids)) x
     WHERE c.grid_id = x.id AND (c.spot_items, c.spot_matched) IS DISTINCT FROM (x.items, x.matched);
  END IF;
END $$;

-- The grids whose figures depend on some persons, rooms or organisations besides their own
-- rows: a person's grid, the grids of the rooms they lived in (orphan rooms), the grids of a
-- room's residents (their link depends on the room), and of key-attention records about them.
CREATE OR REPLACE FUNCTION gc_coverage_grids(grids integer[], persons integer[], households integer[],
                                             orgs integer[]) RETURNS integer[]
LANGUAGE sql STABLE AS $$
  WITH ps AS (
    SELECT unnest(persons) AS id
    UNION SELECT r.person_id FROM residence r WHERE r.household_id = ANY (households))
  SELECT array_agg(DISTINCT g) FROM (
    SELECT unnest(grids) AS g
    UNION ALL SELECT p.grid_id FROM person p JOIN ps ON ps.id = p.id
    UNION ALL SELECT h.grid_id FROM residence r JOIN ps ON ps.id = r.person_id JOIN household h ON h.id = r.household_id
    UNION ALL SELECT k.grid_id FROM key_attention k JOIN ps ON ps.id = k.person_id
    UNION ALL SELECT k.grid_id FROM key_attention k WHERE k.household_id = ANY (households)
    UNION ALL SELECT k.grid_id FROM key_attention k WHERE k.organisation_id = ANY (orgs)) x
  WHERE g IS NOT NULL
$$;

-- Trigger functions: statement level with transition tables (one refresh per statement).
-- Rows with a grid_id whose own grid is all that changes: visit, verification, spot_check,
-- key_attention.
CREATE OR REPLACE FUNCTION gc_coverage_after_grid_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM old_rows;
  ELSE
    SELECT array_agg(x) INTO g FROM (SELECT grid_id FROM old_rows UNION SELECT grid_id FROM new_rows) u(x);
  END IF;
  PERFORM gc_refresh_coverage(g, CASE TG_TABLE_NAME WHEN 'spot_check' THEN ARRAY['spots']
                                                    WHEN 'key_attention' THEN ARRAY['keys']
                                                    ELSE ARRAY['households'] END);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gc_coverage_after_household() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[]; hs integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT x) INTO g FROM (
      SELECT o.grid_id AS a, n.grid_id AS b FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.status, o.last_visit_at, o.verified_at, o.grid_id, o.building_id)
             IS DISTINCT FROM (n.status, n.last_visit_at, n.verified_at, n.grid_id, n.building_id)) c,
      LATERAL unnest(ARRAY[c.a, c.b]) x;
    -- A room's status decides whether its residents are linked.
    SELECT array_agg(n.id) INTO hs FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE o.status IS DISTINCT FROM n.status;
  END IF;
  IF hs IS NOT NULL THEN
    PERFORM gc_refresh_coverage(gc_coverage_grids(g, NULL, hs, NULL));
  ELSIF g IS NOT NULL THEN
    PERFORM gc_refresh_coverage(g, ARRAY['households']);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gc_coverage_after_building() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT x) INTO g FROM (
      SELECT o.grid_id AS a, n.grid_id AS b FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.status, o.grid_id) IS DISTINCT FROM (n.status, n.grid_id)
          OR NOT ST_Equals(o.geom_pt, n.geom_pt)) c,
      LATERAL unnest(ARRAY[c.a, c.b]) x;
  END IF;
  IF g IS NOT NULL THEN
    PERFORM gc_refresh_coverage(g, ARRAY['households', 'persons']);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gc_coverage_after_person() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE g integer[]; ps integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT grid_id) INTO g FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT x), array_agg(DISTINCT c.id) INTO g, ps FROM (
      SELECT n.id, o.grid_id AS a, n.grid_id AS b FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.status, o.grid_id) IS DISTINCT FROM (n.status, n.grid_id)) c,
      LATERAL unnest(ARRAY[c.a, c.b]) x;
  END IF;
  IF g IS NOT NULL THEN
    PERFORM gc_refresh_coverage(gc_coverage_grids(g, ps, NULL, NULL), ARRAY['persons', 'keys']);
  END IF;
  RETURN NULL;
END $$;

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
  PERFORM gc_refresh_coverage(gc_coverage_grids(g, ps, NULL, NULL), ARRAY['persons']);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION gc_coverage_after_organisation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE os integer[];
BEGIN
  SELECT array_agg(n.id) INTO os FROM old_rows o JOIN new_rows n ON n.id = o.id
   WHERE o.status IS DISTINCT FROM n.status;
  IF os IS NOT NULL THEN
    PERFORM gc_refresh_coverage(gc_coverage_grids(NULL, NULL, NULL, os), ARRAY['keys']);
  END IF;
  RETURN NULL;
END $$;

-- A new grid gets its (empty) figures at once, so it is listed before anything is recorded.
CREATE OR REPLACE FUNCTION gc_coverage_after_grid() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM gc_refresh_coverage(ARRAY(SELECT id FROM new_rows));
  RETURN NULL;
END $$;

DO $$
DECLARE
  spec record;
  op text;
BEGIN
  FOR spec IN SELECT * FROM (VALUES
      ('visit', 'gc_coverage_after_grid_rows', ARRAY['insert', 'update', 'delete']),
      ('verification', 'gc_coverage_after_grid_rows', ARRAY['insert', 'update', 'delete']),
      ('spot_check', 'gc_coverage_after_grid_rows', ARRAY['insert', 'update', 'delete']),
      ('key_attention', 'gc_coverage_after_grid_rows', ARRAY['insert', 'update', 'delete']),
      ('household', 'gc_coverage_after_household', ARRAY['insert', 'update', 'delete']),
      ('building', 'gc_coverage_after_building', ARRAY['update', 'delete']),
      ('person', 'gc_coverage_after_person', ARRAY['insert', 'update', 'delete']),
      ('residence', 'gc_coverage_after_residence', ARRAY['insert', 'update', 'delete']),
      ('organisation', 'gc_coverage_after_organisation', ARRAY['update']),
      ('grid', 'gc_coverage_after_grid', ARRAY['insert'])) AS s(tbl, fn, ops)
  LOOP
    FOREACH op IN ARRAY spec.ops LOOP
      EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', 'coverage_after_' || op, spec.tbl);
      EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                     'coverage_after_' || op, upper(op), spec.tbl,
                     CASE op WHEN 'insert' THEN 'NEW TABLE AS new_rows'
                             WHEN 'delete' THEN 'OLD TABLE AS old_rows'
                             ELSE 'OLD TABLE AS old_rows NEW TABLE AS new_rows' END,
                     spec.fn);
    END LOOP;
  END LOOP;
END $$;

-- --- reading the targets ----------------------------------------------------------------

-- Numerators and denominators per unit: every grid the reader sees, their villages and the
-- town (sums over the grids the reader sees; `grids` says how many). Key-attention counts
-- are NULL for a reader who may not see key-attention records.
CREATE OR REPLACE VIEW coverage_count WITH (security_invoker = true) AS
SELECT 'grid'::text AS level, c.grid_id AS unit_id, c.town_id, gr.village_id, c.grid_id, 1::bigint AS grids,
       c.households::bigint, c.households_visited::bigint, c.households_verified::bigint,
       k.key_total::bigint, k.key_set::bigint, c.spot_items::bigint, c.spot_matched::bigint,
       c.persons::bigint, c.persons_linked::bigint, c.aware_answers::bigint, c.aware_yes::bigint,
       c.satisfied_answers::bigint, c.satisfied_yes::bigint
  FROM coverage_grid c
  JOIN grid gr ON gr.id = c.grid_id
  LEFT JOIN coverage_key_grid k ON k.grid_id = c.grid_id
UNION ALL
SELECT 'village', gr.village_id, c.town_id, gr.village_id, NULL, count(*),
       sum(c.households), sum(c.households_visited), sum(c.households_verified),
       sum(k.key_total), sum(k.key_set), sum(c.spot_items), sum(c.spot_matched),
       sum(c.persons), sum(c.persons_linked), sum(c.aware_answers), sum(c.aware_yes),
       sum(c.satisfied_answers), sum(c.satisfied_yes)
  FROM coverage_grid c
  JOIN grid gr ON gr.id = c.grid_id
  LEFT JOIN coverage_key_grid k ON k.grid_id = c.grid_id
 GROUP BY c.town_id, gr.village_id
UNION ALL
SELECT 'town', c.town_id, c.town_id, NULL, NULL, count(*),
       sum(c.households), sum(c.households_visited), sum(c.households_verified),
       sum(k.key_total), sum(k.key_set), sum(c.spot_items), sum(c.spot_matched),
       sum(c.persons), sum(c.persons_linked), sum(c.aware_answers), sum(c.aware_yes),
       sum(c.satisfied_answers), sum(c.satisfied_yes)
  FROM coverage_grid c
  LEFT JOIN coverage_key_grid k ON k.grid_id = c.grid_id
 GROUP BY c.town_id;

-- One row per unit and target: numerator, denominator, rate, status and the gap to the goal
-- (percentage points, 0 once met).
CREATE OR REPLACE VIEW coverage_rate WITH (security_invoker = true) AS
SELECT c.level, c.unit_id, c.town_id, c.village_id, c.grid_id, c.grids, t.code AS target, t.goal,
       x.num, x.den, gc_rate(x.num, x.den) AS rate,
       gc_target_status(x.num, x.den, t.goal) AS status,
       CASE WHEN x.den > 0 THEN greatest(t.goal - gc_rate(x.num, x.den), 0) END AS gap
  FROM coverage_count c
  CROSS JOIN LATERAL (VALUES
    ('visit', c.households_visited, c.households),
    ('verification', c.households_verified, c.households),
    ('attention', c.key_set, c.key_total),
    ('consistency', c.spot_matched, c.spot_items),
    ('link', c.persons_linked, c.persons),
    ('opinion', c.aware_yes + c.satisfied_yes, c.aware_answers + c.satisfied_answers),
    ('awareness', c.aware_yes, c.aware_answers),
    ('satisfaction', c.satisfied_yes, c.satisfied_answers)) AS x(code, num, den)
  JOIN coverage_target t ON t.code = x.code;

-- The choropleth: grids (and, below z13, whole villages) with every target's rate (`visit`),
-- status (`visit_s`), numerator (`visit_n`) and denominator (`visit_d`) as properties. A
-- village is drawn as one polygon only if the reader sees all its grids; otherwise its grids.
CREATE OR REPLACE FUNCTION gc_tile_coverage(z integer, x integer, y integer) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
  bounds geometry := ST_TileEnvelope(z, x, y);
  mvt bytea;
BEGIN
  WITH whole AS (
    -- Below z13: villages the reader sees entirely (all their grids), drawn as one polygon.
    SELECT r.unit_id, max(r.grids) AS grids,
           jsonb_strip_nulls(jsonb_object_agg(r.target, r.rate) || jsonb_object_agg(r.target || '_s', r.status)
                             || jsonb_object_agg(r.target || '_n', r.num) || jsonb_object_agg(r.target || '_d', r.den))
             AS props
      FROM coverage_rate r
     WHERE z < 13 AND r.level = 'village'
     GROUP BY r.unit_id
    HAVING max(r.grids) = (SELECT count(*) FROM grid g WHERE g.village_id = r.unit_id)),
  villages AS (
    SELECT ST_AsMVT(t, 'coverage_villages', 4096, 'geom', 'id') AS mvt FROM (
      SELECT v.id, v.name, w.grids, w.props, ST_AsMVTGeom(v.geom_3857, bounds, 4096, 64, true) AS geom
        FROM whole w JOIN village v ON v.id = w.unit_id
       WHERE v.geom_3857 && bounds) t),
  grids AS (
    SELECT ST_AsMVT(t, 'coverage_grids', 4096, 'geom', 'id') AS mvt FROM (
      SELECT g.id, g.name, v.name AS village, p.props, ST_AsMVTGeom(g.geom_3857, bounds, 4096, 64, true) AS geom
        FROM grid g
        JOIN village v ON v.id = g.village_id
        CROSS JOIN LATERAL (
          SELECT jsonb_strip_nulls(jsonb_object_agg(r.target, r.rate) || jsonb_object_agg(r.target || '_s', r.status)
                                   || jsonb_object_agg(r.target || '_n', r.num)
                                   || jsonb_object_agg(r.target || '_d', r.den)) AS props
            FROM coverage_rate r WHERE r.level = 'grid' AND r.unit_id = g.id
          HAVING count(*) > 0) p
       WHERE g.geom_3857 && bounds
         AND NOT EXISTS (SELECT 1 FROM whole w WHERE w.unit_id = g.village_id)) t)
  SELECT coalesce(villages.mvt, ''::bytea) || coalesce(grids.mvt, ''::bytea) INTO mvt FROM villages, grids;
  RETURN mvt;
END $$;

-- The heat layers for a view: gap items inside `bbox` (EPSG:3857) summed into square cells of
-- 32 screen pixels at zoom z (weighted centre per cell), or per building from z16 on; the
-- heaviest `max_cells` cells. overdue = a verification due for more than 7 days at `as_of`
-- (社区民警原则上7日内完成信息核验) and not signed by then.
-- Under row-level security the policy's qual is evaluated before the non-leakproof && of
-- PostGIS, so the bbox could not use the GiST index; like the tile functions (tiles.sql) this
-- runs as its owner and applies the caller's scope itself with the policy's own predicate,
-- gc_in_scope(town_id, grid_id) (read once: the settings do not change within the call).
-- Each layer has its own partial index, and plans are made per call (force_custom_plan): a
-- town-wide box reads a whole layer with a bitmap scan, a street box a few index entries.
CREATE OR REPLACE FUNCTION gc_heat(layer text, z integer, bbox geometry, as_of timestamptz,
                                   max_cells integer DEFAULT 4000)
RETURNS TABLE (lon double precision, lat double precision, weight bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp SET plan_cache_mode = force_custom_plan AS $$
DECLARE
  -- Web Mercator metres per pixel at zoom z, times 32 pixels.
  cell double precision := CASE WHEN z >= 16 THEN 1.0 ELSE 156543.03392804097 / 2 ^ z * 32 END;
  scope_town integer := gc_setting_int('gc.town_id');
  scope_all boolean := coalesce(current_setting('gc.all_grids', true) = 'on', false);
  scope_grids integer[] := coalesce(nullif(current_setting('gc.grid_ids', true), '')::integer[], '{}'::integer[]);
BEGIN
  IF layer NOT IN ('unvisited', 'links', 'overdue') THEN
    RAISE EXCEPTION 'unknown heat layer %', layer USING ERRCODE = '22023';
  END IF;
  RETURN QUERY
  WITH items AS (
    SELECT gp.x, gp.y, gp.weight FROM coverage_gap gp
     WHERE layer = 'unvisited' AND gp.kind = 'unvisited' AND gp.geom_3857 && bbox
       AND gp.town_id = scope_town AND (scope_all OR gp.grid_id = ANY (scope_grids))
    UNION ALL
    SELECT gp.x, gp.y, gp.weight FROM coverage_gap gp
     WHERE layer = 'links' AND gp.kind IN ('unlinked_person', 'orphan_room') AND gp.geom_3857 && bbox
       AND gp.town_id = scope_town AND (scope_all OR gp.grid_id = ANY (scope_grids))
    UNION ALL
    -- Not signed at all …
    SELECT gp.x, gp.y, gp.weight FROM coverage_gap gp
     WHERE layer = 'overdue' AND gp.kind = 'verification_due' AND gp.signed_at IS NULL AND gp.geom_3857 && bbox
       AND gp.visited_at < as_of - interval '7 days'
       AND gp.town_id = scope_town AND (scope_all OR gp.grid_id = ANY (scope_grids))
    UNION ALL
    -- … or signed only after "today" (a look back in time).
    SELECT gp.x, gp.y, gp.weight FROM coverage_gap gp
     WHERE layer = 'overdue' AND gp.kind = 'verification_due' AND gp.signed_at > as_of AND gp.geom_3857 && bbox
       AND gp.visited_at < as_of - interval '7 days'
       AND gp.town_id = scope_town AND (scope_all OR gp.grid_id = ANY (scope_grids)))
  SELECT ST_X(pt), ST_Y(pt), w FROM (
    SELECT ST_Transform(ST_SetSRID(ST_MakePoint(sum(i.x * i.weight) / sum(i.weight),
                                                sum(i.y * i.weight) / sum(i.weight)), 3857), 4326) AS pt,
           sum(i.weight)::bigint AS w
      FROM items i
     GROUP BY floor(i.x / cell), floor(i.y / cell)
     ORDER BY w DESC LIMIT max_cells) t;
END $$;

-- Progress over time, per day (Asia/Shanghai) up to `as_of`'s day: visits and signed
-- verifications of the day, and how many counted households had been visited / were verified
-- (their latest verification signed) at the end of the day. Sums coverage_day over the grids
-- the reader sees (row-level security applies: an invoker function).
CREATE OR REPLACE FUNCTION gc_coverage_progress(first_day date, as_of timestamptz)
RETURNS TABLE (day date, visits bigint, verifications bigint, households_visited bigint, households_verified bigint)
LANGUAGE sql STABLE AS $$
  WITH per_day AS (
    SELECT c.day, sum(c.visits) AS visits, sum(c.signed) AS signed,
           sum(sum(c.first_visits)) OVER (ORDER BY c.day) AS hv,
           sum(sum(c.verified_delta)) OVER (ORDER BY c.day) AS hver
      FROM coverage_day c
     WHERE c.day <= (as_of AT TIME ZONE 'Asia/Shanghai')::date
     GROUP BY c.day)
  SELECT d.day::date, coalesce(p.visits, 0)::bigint, coalesce(p.signed, 0)::bigint,
         coalesce(last.hv, 0)::bigint, coalesce(last.hver, 0)::bigint
    FROM generate_series(first_day, (as_of AT TIME ZONE 'Asia/Shanghai')::date, interval '1 day') AS d(day)
    LEFT JOIN per_day p ON p.day = d.day
    LEFT JOIN LATERAL (SELECT q.hv, q.hver FROM per_day q WHERE q.day <= d.day ORDER BY q.day DESC LIMIT 1) last
      ON true
   ORDER BY d.day
$$;

-- --- row-level security and grants (the pattern of rls.sql) -------------------------------

DO $$
DECLARE
  t text;
BEGIN
  EXECUTE 'GRANT SELECT ON coverage_target TO gridcheck_app';
  EXECUTE 'GRANT SELECT, INSERT, UPDATE ON spot_check TO gridcheck_app';
  EXECUTE 'GRANT USAGE, SELECT ON SEQUENCE spot_check_id_seq TO gridcheck_app';
  -- The derived tables are written only by the SECURITY DEFINER trigger functions above.
  EXECUTE 'GRANT SELECT ON coverage_grid, coverage_key_grid, coverage_gap, coverage_day TO gridcheck_app';
  EXECUTE 'GRANT SELECT ON coverage_household, coverage_person, coverage_key, coverage_count, coverage_rate '
          'TO gridcheck_app';
  FOREACH t IN ARRAY ARRAY['spot_check', 'coverage_grid', 'coverage_key_grid', 'coverage_gap', 'coverage_day'] LOOP
    PERFORM gc_apply_scope_policies(t, t = 'coverage_key_grid');
  END LOOP;
  -- Only triggers may refresh the figures.
  EXECUTE 'REVOKE EXECUTE ON FUNCTION gc_refresh_coverage(integer[], text[]) FROM PUBLIC';
END $$;
