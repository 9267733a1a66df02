"""The demo generator and loader: the small demo is generated, loaded into the test
database inside one transaction, checked with PostGIS, and rolled back."""
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webgis.codes.data import codes  # noqa: E402
from webgis.demo.generator import TARGETS, digest, generate  # noqa: E402
from webgis.demo.loader import DemoExists, load, town_state  # noqa: E402
from webgis.demo.tables import COLUMNS  # noqa: E402
from webgis.demo.users import DEMO_PASSWORD, logins_table  # noqa: E402
from webgis.people.idcard import birth_date_of, gender_of, is_valid_id_number  # noqa: E402

SEED = 2019


@pytest.fixture(scope="module")
def small():
    """The small demo, generated once for the module."""
    return generate("small", SEED)


@pytest.fixture(scope="module")
def loaded(app, small):
    """(cursor, town id): the small demo loaded with --replace semantics, rolled back afterwards."""
    from webgis.database import owner_engine

    with app.app_context():
        conn = owner_engine().raw_connection()
        try:
            # Hashing once is enough here (argon2 is deliberately slow).
            from webgis.auth.services import hash_password

            pw = hash_password(DEMO_PASSWORD)
            load(conn, small, replace=True, commit=False, password_hash=lambda: pw)
            cur = conn.cursor()
            cur.execute("SELECT id FROM town WHERE code = %s", (small.town_code,))
            yield cur, cur.fetchone()[0], conn
        finally:
            conn.rollback()
            conn.close()


def rows(data, table, *cols):
    idx = [COLUMNS[table].index(c) for c in cols]
    return [tuple(r[i] for i in idx) for r in data.tables[table]]


def scalar(cur, sql, *args):
    cur.execute(sql, args)
    return cur.fetchone()[0]


# --- generator (no database) ---------------------------------------------------------

def test_same_seed_same_data_other_seed_other_data(small):
    assert digest(generate("small", SEED)) == digest(small)
    assert digest(generate("small", SEED + 1)) != digest(small)


def test_small_scale_counts(small):
    n = small.counts()
    assert n["town"] == 1 and n["police_station"] == 3
    assert [r[0] for r in rows(small, "village", "name")] == ["汇东村", "东郊村", "南郊村"]
    assert n["grid"] == 6
    assert 150 <= n["building"] <= 600
    assert n["household"] >= 6 * TARGETS["small"][0]
    assert n["person"] > n["household"]
    for table in ("road", "residence", "organisation", "key_attention", "visit", "verification"):
        assert n[table] > 0, table
    active = Counter(g for g, s in rows(small, "household", "grid_id", "status") if s == "active")
    lo, hi = TARGETS["small"]
    assert all(lo <= active[g] <= hi + 40 for (g,) in rows(small, "grid", "id")), active


def test_id_numbers_valid_and_consistent(small):
    people = rows(small, "person", "id_number", "gender", "birth_date", "category")
    assert len({p[0] for p in people}) == len(people)
    for number, gender, birth, category in people:
        assert is_valid_id_number(number), number
        assert gender_of(number) == gender
        assert birth_date_of(number) == birth
        if category == "registered":  # 启东: 320626 启东县 for numbers given before 1989, then 320681 启东市
            assert number[:6] == ("320681" if max(birth.year, 1984) >= 1989 else "320626"), (number, birth)


def test_codes_come_from_the_code_lists(small):
    for table, col, code_list in [("household", "house_nature", "house_nature"),
                                  ("person", "occupation", "occupation"), ("person", "marital", "marital"),
                                  ("person", "ethnicity", "ethnicity"), ("person", "category", "person_category"),
                                  ("residence", "relation_to_head", "relation"),
                                  ("building", "building_type", "building_type"),
                                  ("building", "status", "building_status"),
                                  ("visit", "result", "visit_result"),
                                  ("verification", "outcome", "verification_outcome"),
                                  ("key_attention", "category", "key_category"),
                                  ("organisation", "category", "org_category")]:
        allowed = set(codes(code_list)) | {None}
        assert {v for (v,) in rows(small, table, col)} <= allowed, (table, col)


def test_addresses_follow_both_forms(small):
    for form, group, no, compound, bno in rows(small, "building", "address_form", "group_name", "house_no",
                                               "compound", "building_no"):
        if form == "rural":
            assert group.endswith("组") and no.endswith("号")
        else:
            assert compound and (bno.endswith("幢") or bno.endswith("号"))
    assert any(s == "车库" for (s,) in rows(small, "household", "special_space"))


# --- loaded into PostGIS -------------------------------------------------------------

def test_buildings_inside_exactly_their_grid(loaded):
    cur, town, _ = loaded
    cur.execute(
        """SELECT b.id FROM building b
            WHERE b.town_id = %s
              AND ((SELECT count(*) FROM grid g WHERE g.town_id = b.town_id AND ST_Within(b.geom_pt, g.geom)) <> 1
                   OR NOT EXISTS (SELECT 1 FROM grid g WHERE g.id = b.grid_id AND ST_Within(b.geom_pt, g.geom))
                   OR (b.geom IS NOT NULL AND (
                        (SELECT count(*) FROM grid g WHERE g.town_id = b.town_id AND ST_Intersects(b.geom, g.geom)
                            AND NOT ST_Touches(b.geom, g.geom)) <> 1
                        OR NOT EXISTS (SELECT 1 FROM grid g WHERE g.id = b.grid_id
                                         AND ST_CoveredBy(b.geom, g.geom)))))""",
        (town,),
    )
    assert cur.fetchall() == []
    assert scalar(cur, """SELECT count(*) FROM building a JOIN building b ON a.id < b.id
                           AND ST_Intersects(a.geom, b.geom) WHERE a.town_id = %s""", town) == 0


def test_grids_tile_their_village(loaded):
    cur, town, _ = loaded
    cur.execute(
        """SELECT v.name, ST_Area(v.geom), ST_Area(ST_Union(g.geom)),
                  (SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0)
                     FROM grid a JOIN grid b ON a.village_id = b.village_id AND a.id < b.id
                    WHERE a.village_id = v.id)
             FROM village v JOIN grid g ON g.village_id = v.id
            WHERE v.town_id = %s GROUP BY v.id""",
        (town,),
    )
    for name, area, union, overlap in cur.fetchall():
        assert abs(union - area) / area < 1e-6, name
        assert overlap / area < 1e-9, name
        assert scalar(cur, "SELECT count(*) FROM grid WHERE town_id = %s AND NOT ST_IsValid(geom)", town) == 0


def test_one_head_per_household_with_residents(loaded):
    cur, town, _ = loaded
    assert scalar(cur, """SELECT count(*) FROM (
                            SELECT household_id FROM residence WHERE town_id = %s AND end_date IS NULL
                             GROUP BY household_id
                            HAVING count(*) FILTER (WHERE relation_to_head = '1') <> 1) x""", town) == 0


def test_the_story_link_gaps_moves_and_coverage(loaded):
    cur, town, _ = loaded
    active = scalar(cur, "SELECT count(*) FROM person WHERE town_id = %s AND status = 'active'", town)
    unlinked = scalar(cur, """SELECT count(*) FROM person p WHERE p.town_id = %s AND p.status = 'active'
                               AND NOT EXISTS (SELECT 1 FROM residence r WHERE r.person_id = p.id
                                                AND r.end_date IS NULL)""", town)
    assert 0.01 < unlinked / active < 0.15
    assert scalar(cur, """SELECT count(*) FROM person p JOIN residence r ON r.person_id = p.id
                           WHERE p.town_id = %s AND p.status = 'moved_out' AND r.end_date IS NULL""", town) == 0
    cur.execute("SELECT collection_status, count(*) FROM building WHERE town_id = %s GROUP BY 1", (town,))
    status = dict(cur.fetchall())
    assert status.get("not_visited", 0) > 0 and status.get("verified", 0) > 0
    assert status.get("demolished", 0) > 0
    assert scalar(cur, "SELECT count(*) FROM key_attention WHERE town_id = %s AND level IS NULL", town) > 0
    # Derived household fields agree with the event log.
    assert scalar(cur, """SELECT count(*) FROM household h WHERE h.town_id = %s
                           AND (h.last_visit_at IS NULL) <> NOT EXISTS
                               (SELECT 1 FROM visit v WHERE v.household_id = h.id)""", town) == 0
    cur.execute("""SELECT min(visited_at)::date, max(visited_at)::date FROM visit WHERE town_id = %s""", (town,))
    first, last = cur.fetchone()
    assert str(first) >= "2026-08-15" and str(last) <= "2026-10-31"
    assert scalar(cur, """SELECT count(*) FROM verification c JOIN visit v ON v.id = c.visit_id
                           WHERE c.town_id = %s AND c.verified_at < v.visited_at""", town) == 0


def test_demo_users_for_every_role(loaded, small):
    cur, town, _ = loaded
    cur.execute("SELECT role, username, village_id, station_id, area IS NOT NULL, password_hash"
                " FROM app_user WHERE town_id = %s", (town,))
    users = {r[0]: r for r in cur.fetchall()}
    assert set(users) == set(codes("role"))
    assert users["village_admin"][2] is not None
    assert users["police"][3] is not None and users["station_admin"][3] is not None
    assert users["inspector"][4]
    for role in ("grid_leader", "liaison", "property"):
        assert scalar(cur, "SELECT count(*) FROM user_grid ug JOIN app_user u ON u.id = ug.user_id"
                           " WHERE u.role = %s AND u.town_id = %s", role, town) >= 1
    from webgis.auth.services import verify_password

    assert verify_password(users["town_admin"][5], DEMO_PASSWORD)
    table = logins_table(small.logins)
    assert all(u in table for u in ("town", "village", "leader", "liaison", "police", "station",
                                    "inspector", "property"))


def test_refuses_to_load_over_existing_data(loaded, small):
    cur, _, conn = loaded
    assert town_state(cur, small.town_code)["has_data"]
    cur.execute("SAVEPOINT again")
    with pytest.raises(DemoExists):
        load(conn, small, replace=False, commit=False, password_hash=lambda: "x")
    cur.execute("ROLLBACK TO SAVEPOINT again")


def test_spot_checks_and_coverage_figures_after_load(loaded, small):
    cur, town, _ = loaded
    n = scalar(cur, "SELECT count(*) FROM spot_check WHERE town_id = %s", town)
    assert n == len(small.tables["spot_check"]) > 0
    cur.execute("""SELECT min(checked_at)::date, max(checked_at)::date, bool_and(items_matched <= items_checked)
                     FROM spot_check WHERE town_id = %s""", (town,))
    first, last, sane = cur.fetchone()
    assert str(first) >= "2026-08-15" and str(last) <= "2026-10-23" and sane
    # The loader computed the targets' figures once, set-based; the triggers' refresh agrees.
    cols = "households, households_visited, households_verified, persons, persons_linked, spot_items, spot_matched"
    cur.execute(f"SELECT grid_id, {cols} FROM coverage_grid WHERE town_id = %s ORDER BY 1", (town,))
    loaded_figures = cur.fetchall()
    assert len(loaded_figures) == scalar(cur, "SELECT count(*) FROM grid WHERE town_id = %s", town)
    assert sum(r[6] for r in loaded_figures) == sum(r[7] for r in small.tables["spot_check"])
    cur.execute("SAVEPOINT recount")
    cur.execute("SELECT gc_refresh_coverage(ARRAY(SELECT id FROM grid WHERE town_id = %s))", (town,))
    cur.execute(f"SELECT grid_id, {cols} FROM coverage_grid WHERE town_id = %s ORDER BY 1", (town,))
    assert cur.fetchall() == loaded_figures
    cur.execute("ROLLBACK TO SAVEPOINT recount")
    # Link gaps of both kinds, placed at their last known room where there is one.
    assert scalar(cur, """SELECT count(*) FROM coverage_gap WHERE town_id = %s AND kind = 'unlinked_person'
                           AND building_id IS NOT NULL""", town) > 0
    assert scalar(cur, "SELECT count(*) FROM coverage_gap WHERE town_id = %s AND kind = 'orphan_room'", town) > 0


def test_most_visits_have_a_plausible_position_and_a_few_are_far(loaded):
    cur, town, _ = loaded
    cur.execute("""SELECT count(*), count(v.geom), count(v.accuracy_m),
                          count(*) FILTER (WHERE ST_Distance(v.geom::geography, coalesce(b.geom, b.geom_pt)::geography)
                                                 - v.accuracy_m > 150),
                          count(*) FILTER (WHERE ST_Distance(v.geom::geography, coalesce(b.geom, b.geom_pt)::geography)
                                                 <= 100)
                     FROM visit v JOIN building b ON b.id = v.building_id WHERE v.town_id = %s""", (town,))
    total, located, with_accuracy, far, near = cur.fetchone()
    assert located == with_accuracy and 0.8 < located / total < 0.95
    assert far > 0 and far / located < 0.01  # a few far ones for the spot check's targeted pick
    assert near / located > 0.98
