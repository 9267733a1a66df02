"""Row-level security: PostgreSQL itself refuses rows outside the user's scope."""
import psycopg2
import pytest
from sqlalchemy import text

from tests.conftest import database_urls, login
from webgis.scope import NO_SCOPE, Scope, apply

PERSONAL_TABLES = ("building", "household", "person", "residence", "organisation", "visit", "verification",
                   "key_attention")


def test_every_personal_table_forces_row_level_security(db_session):
    rows = db_session.execute(text(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
        "WHERE relname = ANY(:t) AND relkind = 'r'"), {"t": list(PERSONAL_TABLES)}).all()
    assert {r[0] for r in rows} == set(PERSONAL_TABLES)
    for name, enabled, forced in rows:
        assert enabled and forced, name


def test_app_role_owns_nothing_and_cannot_bypass():
    app_url, _ = database_urls()
    conn = psycopg2.connect(app_url)
    try:
        cur = conn.cursor()
        cur.execute("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user")
        assert cur.fetchone() == (False, False, False, False)
        cur.execute("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                    "WHERE r.rolname = current_user")
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT current_user")
        assert cur.fetchone()[0] == "gridcheck_app"
    finally:
        conn.close()


@pytest.fixture()
def two_grids(make, small_town, db_session):
    """small_town plus a visit, an organisation and a key-attention record in each grid."""
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    from webgis.orgs.models import KeyAttention, Organisation
    from webgis.visits.models import Verification, Visit

    for b, h, p in zip(small_town["buildings"], small_town["households"],
                       (small_town["persons"][0], small_town["persons"][2])):
        v = Visit(town_id=b.town_id, grid_id=b.grid_id, building_id=b.id, household_id=h.id, result="verified")
        db_session.add(v)
        db_session.flush()
        db_session.add_all([
            Verification(town_id=b.town_id, grid_id=b.grid_id, household_id=h.id, visit_id=v.id, outcome="signed"),
            Organisation(town_id=b.town_id, grid_id=b.grid_id, building_id=b.id, name="测试商店",
                         category="individual", geom=from_shape(Point(121.6, 31.8), 4326)),
            KeyAttention(town_id=b.town_id, grid_id=b.grid_id, category="floating", person_id=p.id, level="1"),
        ])
    db_session.flush()
    return small_town


def counts(session, scope: Scope) -> dict:
    apply(session.connection(), scope)
    return {t: session.execute(text(f"SELECT count(*), count(*) FILTER (WHERE grid_id <> :g) FROM {t}"),
                               {"g": scope.grid_ids[0] if scope.grid_ids else -1}).one()
            for t in PERSONAL_TABLES}


def test_grid_scope_sees_only_its_grid(db_session, two_grids):
    g1, g2 = two_grids["grids"]
    town = two_grids["town"].id
    seen = counts(db_session, Scope(town_id=town, role="police", grid_ids=(g1.id,)))
    for table, (n, outside) in seen.items():
        assert n >= 1, table
        assert outside == 0, table
    # Same grid, a role that may not see key-attention data: that table is empty.
    seen = counts(db_session, Scope(town_id=town, role="grid_leader", grid_ids=(g1.id,)))
    assert seen["key_attention"][0] == 0 and seen["person"][0] >= 1


def test_no_scope_sees_nothing(db_session, two_grids):
    for table, (n, _) in counts(db_session, NO_SCOPE).items():
        assert n == 0, table


def test_other_town_sees_nothing(db_session, two_grids):
    other = Scope(town_id=two_grids["town"].id + 100000, role="town_admin", all_grids=True)
    for table, (n, _) in counts(db_session, other).items():
        assert n == 0, table


def test_writes_outside_scope_are_refused(db_session, two_grids):
    from sqlalchemy.exc import ProgrammingError

    g1, g2 = two_grids["grids"]
    apply(db_session.connection(), Scope(town_id=two_grids["town"].id, role="grid_leader", grid_ids=(g1.id,)))
    with db_session.begin_nested():
        # Updating a row of grid 2 matches nothing (invisible); moving a row into grid 2 is refused.
        n = db_session.execute(text("UPDATE person SET name = name WHERE grid_id = :g"), {"g": g2.id}).rowcount
        assert n == 0
    with pytest.raises(ProgrammingError, match="row-level security"):
        with db_session.begin_nested():
            db_session.execute(text("UPDATE person SET grid_id = :g2 WHERE grid_id = :g1"),
                               {"g1": g1.id, "g2": g2.id})


def test_app_role_cannot_delete(db_session, two_grids):
    from sqlalchemy.exc import ProgrammingError

    apply(db_session.connection(), Scope(town_id=two_grids["town"].id, role="town_admin", all_grids=True))
    for table in PERSONAL_TABLES:
        with pytest.raises(ProgrammingError, match="permission denied"):
            with db_session.begin_nested():
                db_session.execute(text(f"DELETE FROM {table}"))


def test_grid_leader_request_sees_only_own_grid(client, make, two_grids):
    g1, g2 = two_grids["grids"]
    b1, b2 = (b.id for b in two_grids["buildings"])
    make.user(two_grids["town"], role="grid_leader", username="t_leader", grids=[g1])
    assert login(client, "t_leader").status_code == 302
    assert client.get(f"/api/buildings/{b1}").status_code == 200
    resp = client.get(f"/api/buildings/{b2}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"


def test_pooled_connection_carries_no_scope(app, make, two_grids):
    """One pooled connection serves a town admin's request, then an anonymous transaction:
    the second sees no scoped rows, because the scope was transaction-local."""
    from webgis.extensions import db

    with app.app_context():
        engine = db.engine
        engine.dispose()  # start from an empty pool: the next two checkouts share one connection
        with engine.begin() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            apply(conn, Scope(town_id=two_grids["town"].id, role="town_admin", all_grids=True))
            assert conn.exec_driver_sql("SELECT current_setting('gc.all_grids', true)").scalar() == "on"
        with engine.begin() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() == pid  # the same pooled connection
            assert conn.exec_driver_sql("SELECT current_setting('gc.all_grids', true)").scalar() in ("", None)
            assert conn.exec_driver_sql("SELECT count(*) FROM person").scalar() == 0


GRID_SCOPED = ("building", "household", "person", "residence", "visit", "verification", "coverage_gap",
               "coverage_grid", "change_history", "route_stop", "spot_check_item")


def test_the_scope_is_read_once_per_query_not_per_row():
    """Revision 0023: every grid-scoped policy reads the scope's settings in InitPlans (once per
    query); no per-row read of the town, all-grids or grid-list setting (nor parsing of the list)
    is left in a scan's filter."""
    app_url, _ = database_urls()
    conn = psycopg2.connect(app_url)
    try:
        cur = conn.cursor()
        cur.execute("SELECT set_config('gc.town_id', '1', true), set_config('gc.all_grids', 'off', true), "
                    "set_config('gc.grid_ids', '{1,2,3}', true), set_config('gc.role', 'police', true)")
        for table in GRID_SCOPED:
            cur.execute(f"EXPLAIN (COSTS off) SELECT count(*) FROM {table}")
            plan = "\n".join(r[0] for r in cur.fetchall())
            assert "InitPlan" in plan, (table, plan)
            filters = [line for line in plan.splitlines() if "Filter:" in line or "Cond:" in line]
            per_row = [line for line in filters if any(k in line for k in ("gc.town_id", "gc.all_grids", "gc.grid_ids"))]
            assert filters and per_row == [], (table, plan)
        cur.execute("SELECT tablename FROM pg_policies WHERE policyname = 'app_scope' "
                    "AND (qual LIKE '%gc_in_scope(%' OR with_check LIKE '%gc_in_scope(%')")
        assert cur.fetchall() == []
    finally:
        conn.rollback()
        conn.close()
