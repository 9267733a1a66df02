"""The six targets (三个100%、三个95%), the gap heat layers and the uncovered-buildings export,
on a hand-built town whose every rate is worked out by hand below."""
import io
import math
from datetime import date, datetime, timedelta, timezone

import mapbox_vector_tile
import pytest
from sqlalchemy import select, text

from tests.conftest import login
from tests.test_layers import tile_of

CST = timezone(timedelta(hours=8))
TODAY = datetime(2026, 10, 23, 23, 59, 59, tzinfo=CST)  # CAMPAIGN_TODAY = "2026-10-23"


def day(n: int, hour: int = 10) -> datetime:
    """n days before TODAY's date, at `hour` (CST)."""
    d = TODAY.date() - timedelta(days=n)
    return datetime(d.year, d.month, d.day, hour, 0, tzinfo=CST)


@pytest.fixture()
def today(app, monkeypatch):
    monkeypatch.setitem(app.config, "CAMPAIGN_TODAY", "2026-10-23")


@pytest.fixture()
def town(make, today):
    """Two villages, three grids:

    V1 / G1  b1: h1 (visited, signed), h2 (changed 10 days ago, never signed), h3 vacant (nobody home:
                 not surveyed)
             b2: h4 (no visit; its only resident's residence ended: a room registered, nobody linked)
             b3: demolished, h5 demolished (visited "changed": excluded everywhere)
    V1 / G2  b4: h6 (new, 3 days ago, unsigned), h7 demolished room with a current residence
    V2 / G3  b5: h8 (refused 20 days ago, signed yesterday: verified but not surveyed, and a refusal's
                 answers are no answers)
    """
    t = make.town()
    st = make.station(t)
    v1 = make.village(t, st, bounds=(121.60, 31.80, 121.62, 31.82))
    v2 = make.village(t, st, bounds=(121.62, 31.80, 121.64, 31.82))
    g1 = make.grid(v1, (121.60, 31.80, 121.61, 31.82), number=1)
    g2 = make.grid(v1, (121.61, 31.80, 121.62, 31.82), number=2)
    g3 = make.grid(v2, (121.62, 31.80, 121.64, 31.82), number=1)
    b1 = make.building(g1, 121.602, 31.802)
    b2 = make.building(g1, 121.605, 31.815)
    b3 = make.building(g1, 121.608, 31.808, status="demolished")
    b4 = make.building(g2, 121.615, 31.815)
    b5 = make.building(g3, 121.63, 31.81)
    h1, h2 = make.household(b1, room="1户"), make.household(b1, room="2户")
    h3 = make.household(b1, room="3户", status="vacant")
    h4 = make.household(b2)
    h5 = make.household(b3, status="demolished")
    h6, h7 = make.household(b4), make.household(b4, status="demolished")
    h8 = make.household(b5)

    p1 = make.person(g1, h1, relation="1")
    p2 = make.person(g1, h1, relation="2")
    p3 = make.person(g1)  # known to the platform, never linked: placed at G1's point on surface
    p4 = make.person(g1)
    make.residence(p4, h4, relation="1", start_date=date(2020, 1, 1), end_date=date(2026, 3, 1))
    p5 = make.person(g1, h2, status="moved_out")  # not counted
    p6 = make.person(g1, h2, relation="1")
    p7 = make.person(g2, h6, relation="1")
    p8 = make.person(g2, h7, relation="1")  # linked to a demolished room: not linked
    p9 = make.person(g3, h8, relation="1")
    make.person(g3, h8, relation="5", status="deceased")

    v = make.visit(h1, "verified", day(30), awareness=True, satisfaction=True)
    make.verification(h1, v, "signed", day(28))
    make.visit(h2, "changed", day(10), awareness=True, satisfaction=False)
    make.visit(h3, "nobody_home", day(12))
    make.visit(h5, "changed", day(15))
    make.visit(h6, "new", day(3), awareness=False, satisfaction=True)
    v8 = make.visit(h8, "refused", day(20), awareness=True, satisfaction=False)
    make.verification(h8, v8, "signed", day(1))

    make.key_attention(g1, "floating", "1", person=p1)
    make.key_attention(g1, "released", None, person=p3)
    make.key_attention(g1, "floating", None, person=p5)  # moved out: not counted
    make.key_attention(g2, "rental_house", "2", household=h6)

    inspector = make.user(t, role="inspector", username="t_inspector", grids=[g1, g3])
    make.spot_check(b1, inspector, 10, 9, household=h1)
    make.spot_check(b2, inspector, 10, 10)
    make.spot_check(b5, inspector, 20, 18, household=h8)

    admin = make.user(t, role="town_admin", username="t_admin")
    leader = make.user(t, role="grid_leader", username="t_leader", grids=[g1])
    return dict(town=t, villages=(v1, v2), grids=(g1, g2, g3), buildings=(b1, b2, b3, b4, b5),
                households=(h1, h2, h3, h4, h5, h6, h7, h8), persons=(p1, p2, p3, p4, p5, p6, p7, p8, p9),
                admin=admin, leader=leader)


# Numerators / denominators worked out by hand from the docstring above.
#            visit   verification attention consistency link    awareness satisfaction
HAND = {
    "G1": dict(visit=(2, 4), verification=(1, 4), attention=(1, 2), consistency=(19, 20), link=(3, 5),
               awareness=(2, 2), satisfaction=(1, 2)),
    "G2": dict(visit=(1, 1), verification=(0, 1), attention=(1, 1), consistency=(0, 0), link=(1, 2),
               awareness=(0, 1), satisfaction=(1, 1)),
    "G3": dict(visit=(0, 1), verification=(1, 1), attention=(0, 0), consistency=(18, 20), link=(1, 1),
               awareness=(0, 0), satisfaction=(0, 0)),
}
GOALS = dict(visit=100, verification=100, attention=100, consistency=95, link=95, awareness=95, satisfaction=95)


def add(*units):
    out = {}
    for code in units[0]:
        out[code] = tuple(sum(u[code][i] for u in units) for i in (0, 1))
    return out


def expected(num, den, goal):
    """Rate truncated to one decimal (None when nothing to count) and the status, by hand."""
    if den == 0:
        return None, "none"
    rate = math.floor(1000 * num / den) / 10
    status = "met" if num * 100 >= goal * den else "near" if num * 100 >= (goal - 5) * den else "behind"
    return rate, status


def check(targets: dict, unit: dict):
    for code, (num, den) in unit.items():
        got = targets[code]
        rate, status = expected(num, den, GOALS[code])
        assert (got["num"], got["den"], got["rate"], got["status"]) == (num, den, rate, status), code


@pytest.fixture()
def admin(client, town):
    assert login(client, "t_admin").status_code == 302
    return client


def test_six_targets_match_the_hand_count_at_grid_village_and_town(admin, town):
    g1, g2, g3 = town["grids"]
    v1, v2 = town["villages"]
    tree = admin.get("/api/coverage/targets?level=tree").get_json()
    villages = {v["id"]: v for v in tree["villages"]}
    grids = {g["id"]: g for v in tree["villages"] for g in v["children"]}
    check(grids[g1.id]["targets"], HAND["G1"])
    check(grids[g2.id]["targets"], HAND["G2"])
    check(grids[g3.id]["targets"], HAND["G3"])
    check(villages[v1.id]["targets"], add(HAND["G1"], HAND["G2"]))
    check(villages[v2.id]["targets"], HAND["G3"])
    check(tree["town"]["targets"], add(HAND["G1"], HAND["G2"], HAND["G3"]))
    # A few by name, so a slip in the helper cannot hide one.
    assert tree["town"]["targets"]["visit"]["rate"] == 50.0 and tree["town"]["targets"]["visit"]["status"] == "behind"
    assert tree["town"]["targets"]["consistency"]["rate"] == 92.5
    assert tree["town"]["targets"]["consistency"]["status"] == "near"
    assert grids[g1.id]["targets"]["consistency"] == {"num": 19, "den": 20, "rate": 95.0, "status": "met", "gap": 0}
    assert grids[g2.id]["targets"]["consistency"]["rate"] is None  # no spot check: "—", not 0% or 100%
    assert "opinion" not in tree["town"]["targets"]  # 知晓率 and 满意率 are two targets, never pooled
    assert tree["town"]["targets"]["awareness"]["rate"] == 66.6
    assert tree["town"]["label"].endswith("（全镇）")
    summary = admin.get("/api/coverage/targets").get_json()
    assert summary["targets"] == tree["town"]["targets"]


def test_the_page_shows_the_same_figures(admin, town):
    html = admin.get("/targets").get_data(as_text=True)
    assert "三个100%、三个95%" in html and "入户调查率" in html
    assert "50.0%" in html and "92.5%" in html and "66.6%" in html
    assert "知晓率" in html and "满意率" in html and "知晓率/满意率" not in html
    g1 = town["grids"][0]
    assert f"/?grid={g1.id}" in html


def test_a_visit_saved_now_shows_in_the_next_request(admin, town, make):
    g1 = town["grids"][0]
    h4 = town["households"][3]
    before = admin.get(f"/api/coverage/grids/{g1.id}").get_json()
    assert before["targets"]["visit"]["num"] == 2
    assert [b["id"] for b in before["uncovered"]["rows"]] == [town["buildings"][0].id, town["buildings"][1].id]
    make.visit(h4, "verified", day(0), awareness=True, satisfaction=True)
    after = admin.get(f"/api/coverage/grids/{g1.id}").get_json()
    assert after["targets"]["visit"]["num"] == 3 and after["targets"]["visit"]["den"] == 4
    assert after["targets"]["awareness"]["den"] == 3
    assert [b["id"] for b in after["uncovered"]["rows"]] == [town["buildings"][0].id]  # h3: nobody home
    make.visit(town["households"][2], "vacant", day(0))
    done = admin.get(f"/api/coverage/grids/{g1.id}").get_json()
    assert done["targets"]["visit"] == {"num": 4, "den": 4, "rate": 100.0, "status": "met", "gap": 0}
    assert done["targets"]["awareness"]["den"] == 3  # a vacant room gives no answer
    assert done["uncovered"]["rows"] == []
    # A new link closes a link gap at once too.
    make.residence(town["persons"][2], h4)
    again = admin.get(f"/api/coverage/grids/{g1.id}").get_json()
    assert again["targets"]["link"]["num"] == 4


def test_figures_kept_by_triggers_equal_a_full_recount(town, db_session):
    ids = [g.id for g in town["grids"]]
    cols = "households, households_visited, households_verified, persons, persons_linked, spot_items, " \
           "spot_matched, aware_answers, aware_yes, satisfied_answers, satisfied_yes"
    conn = db_session.connection()
    conn.exec_driver_sql("SET LOCAL ROLE NONE")
    try:
        kept = conn.execute(text(f"SELECT grid_id, {cols} FROM coverage_grid WHERE grid_id = ANY(:g) ORDER BY 1"),
                            {"g": ids}).all()
        gaps = conn.execute(text("SELECT kind, grid_id, building_id, weight FROM coverage_gap WHERE grid_id = ANY(:g)"
                                 " ORDER BY 1, 2, 3, 4"), {"g": ids}).all()
        conn.execute(text("SELECT gc_refresh_coverage(:g)"), {"g": ids})
        assert conn.execute(text(f"SELECT grid_id, {cols} FROM coverage_grid WHERE grid_id = ANY(:g) ORDER BY 1"),
                            {"g": ids}).all() == kept
        assert conn.execute(text("SELECT kind, grid_id, building_id, weight FROM coverage_gap "
                                 "WHERE grid_id = ANY(:g) ORDER BY 1, 2, 3, 4"), {"g": ids}).all() == gaps
    finally:
        conn.exec_driver_sql("SET LOCAL ROLE gridcheck_app")


# --- heat layers ---------------------------------------------------------------------------

ALL = "121.59,31.79,121.65,31.83"


def heat(client, layer, bbox=ALL, z=16):
    resp = client.get(f"/api/coverage/heat/{layer}?bbox={bbox}&z={z}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def near(point, lon, lat, tol=2e-5):
    return abs(point[0] - lat) < tol and abs(point[1] - lon) < tol


def test_uncollected_heat_weights_are_the_unvisited_households(admin, town):
    data = heat(admin, "unvisited")
    assert data["mode"] == "points"
    # b1 (h3: nobody home only), b2 (h4: never visited), b5 (h8: refused only), one household each.
    assert len(data["points"]) == 3 and all(p[2] == 1 for p in data["points"])
    assert any(near(p, 121.602, 31.802) for p in data["points"])
    assert any(near(p, 121.605, 31.815) for p in data["points"])
    assert any(near(p, 121.63, 31.81) for p in data["points"])
    cells = heat(admin, "unvisited", z=12)
    assert cells["mode"] == "cells" and cells["total"] == 3


def test_link_gap_heat_places_people_where_last_known(admin, town, db_session):
    data = heat(admin, "links")
    weights = sorted(p[2] for p in data["points"])
    assert data["total"] == 4 and weights == [1, 1, 2]
    b2 = next(p for p in data["points"] if near(p, 121.605, 31.815))
    assert b2[2] == 2  # p4 (its former room) and the room h4 itself (registered, nobody linked)
    assert any(near(p, 121.615, 31.815) and p[2] == 1 for p in data["points"])  # p8: demolished room
    g1 = town["grids"][0]
    lon, lat = db_session.execute(text("SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
                                       "FROM grid WHERE id = :g"), {"g": g1.id}).one()
    assert any(near(p, lon, lat, 1e-4) and p[2] == 1 for p in data["points"])  # p3: the grid's point


def test_overdue_heat_counts_changes_unsigned_after_seven_days(admin, town, app, monkeypatch):
    data = heat(admin, "overdue")
    assert data["total"] == 1 and near(data["points"][0], 121.602, 31.802)  # h2, changed 10 days ago
    # Five days earlier h2 was not yet overdue, but h8's refusal was (signed only yesterday).
    monkeypatch.setitem(app.config, "CAMPAIGN_TODAY", "2026-10-18")
    earlier = heat(admin, "overdue")
    assert earlier["total"] == 1 and near(earlier["points"][0], 121.63, 31.81)


def test_heat_holds_only_the_view(admin, town):
    data = heat(admin, "links", bbox="121.62,31.80,121.64,31.82")
    assert data["points"] == []
    data = heat(admin, "unvisited", bbox="121.603,31.81,121.607,31.82")
    assert data["total"] == 1


@pytest.mark.parametrize("url", ["/api/coverage/heat/unvisited?bbox=1,2,3&z=12",
                                 "/api/coverage/heat/unvisited?bbox=100,20,120,40&z=12",
                                 "/api/coverage/heat/unvisited?bbox=121.6,31.8,121.7,31.9&z=3",
                                 "/api/coverage/heat/unvisited?bbox=121.6,31.8,121.7,31.9"])
def test_heat_bad_params_are_400(admin, url):
    resp = admin.get(url)
    assert resp.status_code == 400 and set(resp.get_json()["error"]) == {"code", "message", "details"}


def test_choropleth_tiles_carry_the_rates_of_the_tile_only(admin, town):
    g1, g2, g3 = town["grids"]
    v1, v2 = town["villages"]
    x, y = tile_of(121.61, 31.81, 15)
    tile = mapbox_vector_tile.decode(admin.get(f"/tiles/coverage/15/{x}/{y}.pbf").data)
    grids = {f["id"]: f["properties"] for f in tile["coverage_grids"]["features"]}
    assert g1.id in grids and g3.id not in grids
    assert grids[g1.id]["visit"] == 50.0 and grids[g1.id]["visit_s"] == "behind"
    assert grids[g1.id]["visit_n"] == 2 and grids[g1.id]["visit_d"] == 4
    assert "consistency" not in grids[g2.id] and grids[g2.id]["consistency_s"] == "none"
    x, y = tile_of(121.62, 31.81, 11)
    low = mapbox_vector_tile.decode(admin.get(f"/tiles/coverage/11/{x}/{y}.pbf").data)
    villages = {f["id"]: f["properties"] for f in low["coverage_villages"]["features"]}
    assert villages[v1.id]["visit"] == 60.0 and villages[v2.id]["visit"] == 0.0
    assert "coverage_grids" not in low


# --- scope -----------------------------------------------------------------------------------

def test_a_grid_leader_sees_only_the_own_grid(client, town):
    g1, g2, g3 = town["grids"]
    v1, _ = town["villages"]
    assert login(client, "t_leader").status_code == 302
    summary = client.get("/api/coverage/targets").get_json()
    assert summary["grids"] == 1 and "1 个网格" in summary["label"]
    mine = dict(HAND["G1"])
    del mine["attention"]
    check(summary["targets"], mine)
    # Key attention is police data: the leader sees no count of it at all.
    assert summary["targets"]["attention"]["den"] is None
    assert summary["targets"]["attention"]["status"] == "restricted"
    tree = client.get("/api/coverage/targets?level=tree").get_json()
    assert [v["id"] for v in tree["villages"]] == [v1.id]
    assert [g["id"] for g in tree["villages"][0]["children"]] == [g1.id]
    assert tree["villages"][0]["targets"]["visit"] == summary["targets"]["visit"]
    assert client.get(f"/api/coverage/grids/{g2.id}").status_code == 404
    assert client.get(f"/api/coverage/grids/{g1.id}").status_code == 200
    assert heat(client, "links")["total"] == 3  # p3, p4 and the room h4 are G1's; p8 is G2's
    assert heat(client, "overdue")["total"] == 1
    x, y = tile_of(121.62, 31.81, 11)
    low = mapbox_vector_tile.decode(client.get(f"/tiles/coverage/11/{x}/{y}.pbf").data)
    # Not all of V1 is the leader's: its grid is drawn, not the village.
    assert "coverage_villages" not in low
    assert [f["id"] for f in low["coverage_grids"]["features"]] == [g1.id]
    html = client.get("/targets").get_data(as_text=True)
    assert "可查看的 1 个网格合计" in html and "第2网格" not in html


def test_the_property_company_has_no_targets(client, town, make):
    make.user(town["town"], role="property", username="t_property", grids=[town["grids"][0]])
    assert login(client, "t_property").status_code == 302
    assert client.get("/targets").status_code == 404
    assert client.get("/api/coverage/targets").status_code == 404


# --- the uncovered list and its export -----------------------------------------------------------

def test_uncovered_list_filters(admin, town):
    g1, g2, g3 = town["grids"]
    v1, v2 = town["villages"]
    data = admin.get(f"/api/coverage/uncovered?village={v1.id}").get_json()
    assert data["total"] == 2 and [r["id"] for r in data["rows"]] == [town["buildings"][0].id, town["buildings"][1].id]
    assert data["rows"][0]["households"] == 3 and data["rows"][0]["unvisited"] == 1  # b1: h3 nobody home
    assert data["rows"][1]["households"] == 1 and data["rows"][1]["unvisited"] == 1
    assert data["rows"][0]["address"].startswith(v1.name)
    assert admin.get(f"/api/coverage/uncovered?village={v2.id}").get_json()["total"] == 1  # h8 refused only
    assert admin.get(f"/api/coverage/uncovered?grid={g2.id}").get_json()["total"] == 0


def _export(client, **form):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/targets")
    return client.post("/targets/uncovered/export", data={"csrf_token": token, **form})


def _unzip(resp) -> tuple[list[list], str]:
    """Open the export's AES zip with the password from its header; return (rows, member name)."""
    import pyzipper
    from openpyxl import load_workbook

    password = resp.headers["X-Document-Password"]
    with pyzipper.AESZipFile(io.BytesIO(resp.data)) as zf:
        name = zf.namelist()[0]
        info = zf.getinfo(name)
        assert info.flag_bits & 0x1 and b"\x01\x99" in info.extra  # encrypted, WinZip AES extra field
        with pytest.raises(RuntimeError):
            zf.read(name)  # no password given
        zf.setpassword(password.encode())
        ws = load_workbook(io.BytesIO(zf.read(name))).active
    return [list(r) for r in ws.iter_rows(values_only=True)], name


def test_export_is_an_aes_zip_of_the_filtered_rows_and_audited(admin, town, make, db_session):
    from webgis.audit.models import AuditEntry

    v1, _ = town["villages"]
    g1 = town["grids"][0]
    extra = make.building(g1, 121.606, 31.806)  # a second uncovered building in G1
    make.household(extra)
    resp = _export(admin, village=str(v1.id), grid="")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/zip" and resp.headers["Cache-Control"] == "no-store"
    values, name = _unzip(resp)
    assert name.endswith(".xlsx")
    header = values.index(["序号", "村（居）", "网格", "标准地址", "楼栋类型", "层数", "户数", "未走访户数",
                           "采集状态"])
    rows = values[header + 1:]
    assert len(rows) == 3 and {r[2] for r in rows} == {"第1网格"} and all(r[1] == v1.name for r in rows)
    entry = db_session.execute(select(AuditEntry).where(AuditEntry.action == "export")
                               .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.object_type == "uncovered_buildings" and entry.detail["count"] == 3
    assert entry.detail["filters"]["village"] == v1.id and entry.detail["encrypted"] is True
    assert resp.headers["X-Document-Password"] not in str(entry.detail)


def test_every_export_is_encrypted_with_a_fresh_strong_password(admin, town):
    """No plain XLSX any more, whatever the form says; two exports, two passwords."""
    first = _export(admin, village="", grid="", password="", password_confirm="")
    second = _export(admin, village="", grid="")
    assert first.mimetype == second.mimetype == "application/zip"
    p1, p2 = first.headers["X-Document-Password"], second.headers["X-Document-Password"]
    assert p1 != p2 and len(p1) >= 16
    assert any(c.isupper() for c in p1) and any(c.islower() for c in p1) and any(c.isdigit() for c in p1)
    _unzip(first)



def test_progress_counts_per_day(admin, town):
    data = admin.get("/api/coverage/progress").get_json()
    days = data["days"]
    assert days[0] == "2026-08-01" and days[-1] == "2026-10-23"
    i = days.index(day(30).date().isoformat())
    assert data["visits"][i] == 1 and data["households_visited"][i] == 1
    assert data["visits"][days.index(day(10).date().isoformat())] == 1
    assert data["verifications"][days.index(day(1).date().isoformat())] == 1
    # At the end the cumulative rates are the targets' (visits of counted households only).
    assert data["households_visited"][-1] == 3 and data["households"] == 6
    assert data["visit_rate"][-1] == 50.0 and data["verification_rate"][-1] == 33.3
    assert [s["name"] for s in data["stages"]] == ["全面部署", "采集录入", "检查验收"]


def test_new_tables_force_row_level_security(db_session):
    tables = ["spot_check", "coverage_grid", "coverage_key_grid", "coverage_gap", "coverage_day"]
    rows = db_session.execute(text(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "       array_agg(p.polname ORDER BY p.polname) "
        "  FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid "
        " WHERE c.relname = ANY(:t) AND c.relkind = 'r' GROUP BY 1, 2, 3"), {"t": tables}).all()
    assert {r[0] for r in rows} == set(tables)
    for name, enabled, forced, policies in rows:
        assert enabled and forced and policies == ["app_scope", "owner_all"], name
    # The app role reads the figures but cannot write them: only the triggers do.
    grants = db_session.execute(text(
        "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) "
        "  FROM information_schema.role_table_grants WHERE grantee = 'gridcheck_app' "
        "   AND table_name = ANY(:t) GROUP BY 1"), {"t": tables}).all()
    assert dict(grants) == {"spot_check": "INSERT,SELECT,UPDATE", "coverage_grid": "SELECT",
                            "coverage_key_grid": "SELECT", "coverage_gap": "SELECT", "coverage_day": "SELECT"}


ALL_GRIDS_LOCK = """SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                      AND classid = 1734569846 AND objid = 0 ORDER BY 1"""


@pytest.mark.parametrize("table", ["visit", "verification", "spot_check", "key_attention", "residence"])
def test_a_statement_touching_no_row_refreshes_no_grid(town, db_session, table):
    """An UPDATE that matches nothing must not refresh every grid (revisions 0020, 0021): the
    town-wide refresh takes the all-grids lock exclusively, which a grid-sized one never does."""
    conn = db_session.connection()
    # (building the fixture's rows already took the lock shared, as every grid-sized refresh does)
    assert "ExclusiveLock" not in conn.execute(text(ALL_GRIDS_LOCK)).scalars().all()
    conn.exec_driver_sql(f"UPDATE {table} SET town_id = town_id WHERE false")
    assert "ExclusiveLock" not in conn.execute(text(ALL_GRIDS_LOCK)).scalars().all()
