"""Spot checks by location: sample sizes, the per-leader floor, the draw, scope, field items,
一致率 with Wilson intervals, the target reading the items, and the report's numbers."""
import io
import math
import uuid
from datetime import datetime, timedelta, timezone

import pyzipper
import pytest
from geoalchemy2.shape import from_shape
from openpyxl import load_workbook
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import select, text

from tests.conftest import csrf_token, login
from webgis.inspections import sampling
from webgis.inspections.models import SpotCheck, SpotCheckItem, SpotCheckPlan
from webgis.visits.models import ChangeHistory


# --- the statistics, against worked examples -------------------------------------------

def test_sample_size_for_precision_worked_examples():
    # n0 = 1.959964² · 0.95 · 0.05 / 0.03² = 202.74 → 203; FPC with N = 1000: 202.74 / (1 + 201.74/1000) → 169
    assert sampling.size_for_precision(0.95, 0.03)["n"] == 203
    assert sampling.size_for_precision(0.95, 0.03)["n0"] == pytest.approx(202.7437, abs=1e-3)
    assert sampling.size_for_precision(0.95, 0.03, population=1000)["n"] == 169
    # The textbook case: p = 50%, ±5 points → 384.15 → 385; N = 10,000 → 370
    assert sampling.size_for_precision(0.5, 0.05)["n"] == 385
    assert sampling.size_for_precision(0.5, 0.05, population=10_000)["n"] == 370
    assert sampling.size_for_precision(0.95, 0.03, population=50)["n"] == 41


def test_leader_floor_binomial_and_hypergeometric():
    assert sampling.leader_floor(None) == 29  # 1 - 0.9^29 = 0.953 ≥ 0.95, 1 - 0.9^28 = 0.948
    assert 1 - 0.9 ** 29 >= 0.95 > 1 - 0.9 ** 28
    # Finite grid, D = 30 wrong of N = 300: P(no wrong in 28) = C(270,28)/C(300,28) < 0.05
    n = sampling.leader_floor(300)
    p0 = lambda k: math.comb(270, k) / math.comb(300, k)  # noqa: E731
    assert 1 - p0(n) >= 0.95 > 1 - p0(n - 1) and n == 28
    assert sampling.leader_floor(10) <= 10


def test_wilson_interval_known_values():
    r = sampling.rate(95, 100)
    assert (r["low"], r["high"]) == (pytest.approx(0.88825, abs=1e-5), pytest.approx(0.97846, abs=1e-5))
    r = sampling.rate(0, 10)
    assert r["low"] == pytest.approx(0.0, abs=1e-9) and r["high"] == pytest.approx(0.27753, abs=1e-5)
    # A large share of the unit: the half-widths shrink by sqrt((N-n)/(N-1)).
    r = sampling.rate(95, 100, population=120, sampled=100)
    f = math.sqrt(20 / 119)
    assert r["fpc"] == pytest.approx(f)
    assert r["low"] == pytest.approx(0.95 - (0.95 - 0.88825) * f, abs=1e-5)
    assert sampling.rate(0, 0)["rate"] is None


def test_allocation_every_grid_and_leader_floor():
    strata = [sampling.Stratum(1, 10, list(range(1000, 1400))), sampling.Stratum(2, 10, list(range(2000, 2003))),
              sampling.Stratum(3, 11, list(range(3000, 3060))), sampling.Stratum(4, None, list(range(4000, 4005)))]
    counts = sampling.allocate(strata, 20)
    assert all(counts[g] >= 1 for g in (1, 2, 3, 4))
    assert counts[1] + counts[2] >= sampling.leader_floor(403)
    assert counts[3] >= sampling.leader_floor(60)
    assert all(counts[s.grid_id] <= len(s.households) for s in strata)
    a = sampling.draw(strata, counts, 7)
    assert a == sampling.draw(strata, counts, 7) and a != sampling.draw(strata, counts, 8)


# --- a town to check ---------------------------------------------------------------------

@pytest.fixture()
def area(make):
    t = make.town()
    st = make.station(t)
    v = make.village(t, st, bounds=(121.60, 31.80, 121.63, 31.82))
    ga = make.grid(v, (121.60, 31.80, 121.61, 31.82), number=1)
    gb = make.grid(v, (121.61, 31.80, 121.62, 31.82), number=2)
    gc = make.grid(v, (121.62, 31.80, 121.63, 31.82), number=3)
    households = {}
    for g, n, x in ((ga, 40, 121.600), (gb, 6, 121.610), (gc, 12, 121.620)):
        households[g.id] = []
        for i in range(n):
            b = make.building(g, x + 0.0002 + 0.0002 * (i % 40), 31.801 + 0.0004 * (i // 40) + 0.0001 * (i % 7))
            h = make.household(b, house_nature="self_built")
            make.person(g, h, relation="1")
            households[g.id].append(h)
    l1 = make.user(t, role="grid_leader", username="leader_ab", grids=[ga, gb])
    l2 = make.user(t, role="grid_leader", username="leader_c", grids=[gc])
    whole = from_shape(MultiPolygon([box(121.59, 31.79, 121.64, 31.83)]), 4326)
    insp = make.user(t, role="inspector", username="insp_all", area=whole)
    only_a = make.user(t, role="inspector", username="insp_a",
                       area=from_shape(MultiPolygon([box(121.599, 31.799, 121.6099, 31.821)]), 4326))
    conflicted = make.user(t, role="inspector", username="insp_c", area=whole, grids=[gc])
    return dict(town=t, village=v, grids=(ga, gb, gc), households=households, leaders=(l1, l2), insp=insp,
                only_a=only_a, conflicted=conflicted)


def _api(client, username):
    login(client, username)
    token = csrf_token(client, "/")
    return lambda path, body: client.post(path, json=body, headers={"X-CSRFToken": token})


def _plan(post, **kw):
    body = {"client_uuid": str(uuid.uuid4()), "title": "汇龙镇第一次抽查", "mode": "size", "size": 10,
            "seed": 2026, **kw}
    return post("/api/inspections", body)


def test_same_seed_same_sample_and_strata_floors(client, area):
    post = _api(client, "insp_all")
    v = area["village"]
    r1 = _plan(post, village_ids=[v.id])
    assert r1.status_code == 201, r1.get_json()
    r2 = _plan(post, village_ids=[v.id])
    r3 = _plan(post, village_ids=[v.id], seed=2027)
    s1 = [s["household_id"] for s in r1.get_json()["sample"]]
    assert s1 == [s["household_id"] for s in r2.get_json()["sample"]]
    assert s1 != [s["household_id"] for s in r3.get_json()["sample"]]
    body = r1.get_json()
    assert body["seed"] == 2026 and body["design"]["population"] == 58
    assert all(s["checked_at"] is None and s["items_checked"] == 0 for s in body["sample"])
    per_grid = {g.id: 0 for g in area["grids"]}
    per_leader = {}
    for s in body["sample"]:
        per_grid[s["grid_id"]] += 1
        per_leader[s["leader_id"]] = per_leader.get(s["leader_id"], 0) + 1
    assert all(n >= 1 for n in per_grid.values())
    l1, l2 = area["leaders"]
    assert per_leader[l1.id] >= sampling.leader_floor(46) and per_leader[l2.id] >= sampling.leader_floor(12) == 9
    assert sorted(b for r in body["routes"] for b in map(int, r["url"].split("buildings=")[1].split(","))) \
        == body["buildings"]
    assert all(r["url"].startswith(f"/routes/plan?grid={r['grid_id']}&buildings=") for r in body["routes"])
    # A retried submission is applied once.
    again = post("/api/inspections", {"client_uuid": str(uuid.uuid4()), "title": "x", "grid_ids": [-1]})
    assert again.status_code == 400


def test_precision_design_with_fpc(client, area):
    post = _api(client, "insp_all")
    r = _plan(post, mode="precision", size=None, expected_rate=0.95, half_width=0.03,
              village_ids=[area["village"].id], leader_floor=False)
    d = r.get_json()["design"]
    assert d["base_size"] == sampling.fpc_size(d["n0"], 58) == 46  # 202.74/(1+201.74/58) → 45.3 → 46


def test_inspector_cannot_sample_or_see_outside_area(client, area, db_session):
    ga, gb, gc = area["grids"]
    post_all = _api(client, "insp_all")
    other = _plan(post_all, village_ids=[area["village"].id]).get_json()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inspections")})
    post = _api(client, "insp_a")
    assert _plan(post, grid_ids=[gb.id]).status_code == 404
    r = _plan(post, area={"type": "Polygon", "coordinates": [[[121.59, 31.79], [121.64, 31.79], [121.64, 31.83],
                                                              [121.59, 31.83], [121.59, 31.79]]]})
    assert r.status_code == 201, r.get_json()
    assert {s["grid_id"] for s in r.get_json()["sample"]} == {ga.id}
    # Another inspector's plan spanning grids outside the area, and its households there, are unknown.
    assert client.get(f"/inspections/{other['id']}").status_code == 404
    outside = [s for s in other["sample"] if s["grid_id"] != ga.id][0]
    assert client.get(f"/api/inspections/checks/{outside['id']}").status_code == 404


def test_inspector_never_checks_an_assigned_leader(client, area):
    post = _api(client, "insp_c")
    r = _plan(post, village_ids=[area["village"].id])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert area["leaders"][1].id not in {s["leader_id"] for s in body["sample"]}
    assert body["design"]["excluded_grids"] == [area["grids"][2].id]
    assert _plan(post, grid_ids=[area["grids"][2].id]).status_code == 400


def _check(client, post, sc_id, wrong_phone=False):
    form = client.get(f"/api/inspections/checks/{sc_id}").get_json()
    pid = form["platform"]["residents"][0]["person_id"]
    items = [{"item": "address", "matched": True}, {"item": "resident_count", "matched": True},
             {"item": "house_nature", "matched": True},
             {"item": "presence", "person_id": pid, "presence": "present", "matched": True},
             {"item": "name", "person_id": pid, "matched": True},
             {"item": "id_number", "person_id": pid, "matched": True},
             {"item": "phone", "person_id": pid, "matched": not wrong_phone,
              **({"found_value": "13900000000", "note": "号码已换"} if wrong_phone else {})}]
    return post(f"/api/inspections/checks/{sc_id}",
                {"client_uuid": str(uuid.uuid4()), "version": form["version"], "items": items})


def test_items_feed_the_rate_the_target_and_the_revisit_list(client, area, db_session):
    post = _api(client, "insp_all")
    ga = area["grids"][0]
    plan = _plan(post, grid_ids=[ga.id], size=4, leader_floor=False).get_json()
    assert len(plan["sample"]) == 4
    before = db_session.execute(text("SELECT spot_items, spot_matched FROM coverage_grid WHERE grid_id = :g"),
                                {"g": ga.id}).one()
    for i, s in enumerate(plan["sample"]):
        r = _check(client, post, s["id"], wrong_phone=(i < 2))
        assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["items_checked"], body["items_matched"]) == (7, 7)
    after = db_session.execute(text("SELECT spot_items, spot_matched FROM coverage_grid WHERE grid_id = :g"),
                               {"g": ga.id}).one()
    assert (after[0] - before[0], after[1] - before[1]) == (28, 26)
    res = client.get(f"/api/inspections/{plan['id']}").get_json()["results"]
    g = res["grids"][0]
    assert (g["checked"], g["matched"]) == (28, 26) and g["rate"] == pytest.approx(26 / 28)
    assert [x["id"] for x in res["below_goal"]] == [ga.id]  # 92.9% < 95%
    revisits = db_session.execute(text("SELECT grid_id, household_id, leader_id, reason FROM spot_check_revisit "
                                       "WHERE plan_id = :p ORDER BY household_id"), {"p": plan["id"]}).all()
    wrong = sorted(s["household_id"] for s in plan["sample"][:2])
    assert [(r.household_id, r.reason, r.leader_id) for r in revisits] == [
        (h, "spot_check_mismatch", area["leaders"][0].id) for h in wrong]
    hist = db_session.execute(select(ChangeHistory).where(ChangeHistory.table_name == "spot_check_item",
                                                          ChangeHistory.action == "insert")).scalars().all()
    assert len(hist) >= 28 and all(h.changed_by == area["insp"].id for h in hist[-28:])


def test_check_validation_stale_version_and_retry(client, area, db_session):
    post = _api(client, "insp_all")
    plan = _plan(post, grid_ids=[area["grids"][0].id], size=1, leader_floor=False).get_json()
    sc = plan["sample"][0]["id"]
    bad = post(f"/api/inspections/checks/{sc}", {"client_uuid": str(uuid.uuid4()), "version": 1,
                                                 "items": [{"item": "phone", "matched": False}]})
    assert bad.status_code == 400
    assert set(bad.get_json()["error"]["details"]) == {"items.0.person_id", "items.0.note"}
    assert db_session.execute(select(SpotCheckItem).where(SpotCheckItem.spot_check_id == sc)).first() is None
    ok = _check(client, post, sc)
    assert ok.status_code == 201
    stale = post(f"/api/inspections/checks/{sc}", {"client_uuid": str(uuid.uuid4()), "version": 1,
                                                   "items": [{"item": "address", "matched": True}]})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"


def test_report_numbers_by_hand_and_encrypted_export(client, area, db_session):
    post = _api(client, "insp_all")
    ga = area["grids"][0]
    plan = _plan(post, grid_ids=[ga.id], size=3, leader_floor=False).get_json()
    for i, s in enumerate(plan["sample"]):
        assert _check(client, post, s["id"], wrong_phone=(i == 0)).status_code == 201
    page = client.get(f"/inspections/{plan['id']}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # By hand: 21 items, 20 matched → 95.2%. Wilson 95%: [77.33%, 99.15%]. 3 of 40 households
    # (7.5% ≥ 5%) → FPC √(37/39) = 0.9740: 95.24 − 17.91·0.9740 = 77.8%, 95.24 + 3.91·0.9740 = 99.1%.
    wilson = sampling.rate(20, 21)
    assert (round(wilson["low"] * 100, 2), round(wilson["high"] * 100, 2)) == (77.33, 99.15)
    assert "95.2%" in html and "77.8%–99.1%" in html and "号码已换" in html
    token = csrf_token(client, f"/inspections/{plan['id']}/report")
    resp = client.post(f"/inspections/{plan['id']}/report/export",
                       data={"csrf_token": token})
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    with pyzipper.AESZipFile(io.BytesIO(resp.data)) as zf:
        zf.setpassword(resp.headers["X-Document-Password"].encode())
        wb = load_workbook(io.BytesIO(zf.read(zf.namelist()[0])))
    row = list(wb["一致率-网格"].iter_rows(min_row=2, values_only=True))[0]
    assert row[3:6] == (21, 20, 95.2)
    assert [r[2] for r in wb["不一致项"].iter_rows(min_row=2, values_only=True)] == ["联系电话"]


def test_new_tables_have_row_level_security_and_history(db_session):
    tables = ["spot_check_plan", "spot_check", "spot_check_item"]
    rows = db_session.execute(text(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "       (SELECT array_agg(p.polname ORDER BY p.polname) FROM pg_policy p WHERE p.polrelid = c.oid), "
        "       (SELECT count(*) FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid "
        "         WHERE t.tgrelid = c.oid AND f.proname = 'gc_log_change') "
        "  FROM pg_class c WHERE c.relname = ANY(:t) AND c.relkind = 'r'"), {"t": tables}).all()
    assert {r[0] for r in rows} == set(tables)
    for name, enabled, forced, policies, history in rows:
        assert enabled and forced and policies == ["app_scope", "owner_all"] and history == 1, name


# --- targeted pick: visits recorded far from the building ---------------------------------

def _north_of(building, metres, db_session):
    """A point `metres` north of the building's footprint (geodesic, the meridian through its centre)."""
    from webgis.buildings.models import Building

    lon, top = db_session.execute(select(text("ST_X(geom_pt)"), text("ST_YMax(geom)"))
                                  .select_from(Building).where(Building.id == building)).one()
    # Along a meridian at 31.8°N one degree of latitude is 110,861 m (WGS 84).
    return lon, top + metres / 110_861.0


def test_far_visit_pick_with_hand_placed_visits(client, area, make, db_session):
    from webgis.inspections.services import FAR_VISIT_M, far_visit_households

    gb = area["grids"][1]
    hs = area["households"][gb.id]  # 6 households, one building each
    placed = {}
    # (metres north of the footprint, accuracy) → picked? distance − accuracy > 150 m
    for h, (metres, accuracy) in zip(hs, ((20, 10), (400, 15), (None, None), (200, 100), (200, None))):
        kw = {}
        if metres is not None:
            lon, lat = _north_of(h.building_id, metres, db_session)
            kw = {"geom": from_shape(Point(lon, lat), 4326), "accuracy_m": accuracy}
        make.visit(h, result="verified", awareness=True, satisfaction=True, **kw)
        placed[h.id] = metres
    # The sixth: far on an earlier visit, near on the latest one (the latest visit decides).
    lon, lat = _north_of(hs[5].building_id, 800, db_session)
    make.visit(hs[5], result="nobody_home", at=datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc),
               geom=from_shape(Point(lon, lat), 4326), accuracy_m=5)
    lon, lat = _north_of(hs[5].building_id, 5, db_session)
    make.visit(hs[5], result="verified", awareness=True, satisfaction=True, geom=from_shape(Point(lon, lat), 4326),
               accuracy_m=5)
    # The geodesic distances are what we placed (to the metre).
    rows = db_session.execute(text(
        "SELECT v.household_id, ST_Distance(v.geom::geography, b.geom::geography) FROM visit v "
        "JOIN building b ON b.id = v.building_id WHERE v.geom IS NOT NULL AND v.household_id = ANY(:ids)"),
        {"ids": [h.id for h in hs[:5]]}).all()
    assert {h: round(d) for h, d in rows} == {hs[0].id: 20, hs[1].id: 400, hs[3].id: 200, hs[4].id: 200}
    assert FAR_VISIT_M == 150
    # 20 m: near; 400 m: far; no location: never; 200 m ± 100 m: could be 100 m, not picked; 200 m: far.
    assert far_visit_households(db_session, [h.id for h in hs]) == sorted([hs[1].id, hs[4].id])

    post = _api(client, "insp_all")
    r = _plan(post, grid_ids=[gb.id], size=1, leader_floor=False, targeted=["far_visit"], targeted_count=5)
    assert r.status_code == 201, r.get_json()
    sample = r.get_json()["sample"]
    random_ids = {s["household_id"] for s in sample if s["pick"] == "random"}
    far_ids = {s["household_id"] for s in sample if s["pick"] == "far_visit"}
    assert len(random_ids) == 1 and far_ids == {hs[1].id, hs[4].id} - random_ids
    assert r.get_json()["design"]["targeted"] == ["far_visit"]
    page = client.get(f"/inspections/{r.get_json()['id']}").get_data(as_text=True)
    assert page.count("走访位置距楼栋过远") >= len(far_ids) > 0
    # A count of 1 draws one of the two far households (one is left even if the random draw took the other).
    r1 = _plan(post, grid_ids=[gb.id], size=1, leader_floor=False, targeted=["far_visit"], targeted_count=1)
    assert len([s for s in r1.get_json()["sample"] if s["pick"] == "far_visit"]) == 1


def test_short_visit_and_only_verified_picks_with_hand_placed_visits(client, area, make, db_session):
    from webgis.inspections.services import only_verified_grids, short_visit_households

    _ga, gb, gc = area["grids"]
    l1, l2 = area["leaders"]
    hb, hc = area["households"][gb.id], area["households"][gc.id]
    day = datetime(2026, 9, 1, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
    # Leader 1 in grid b: gaps of 30, 30, 30 and 5 minutes → median 30; 5 < 30/3 → the fifth is short.
    # One visit found a change, so grid b is not "only 核对无误".
    for h, minutes, result in zip(hb, (0, 30, 60, 90, 95), ("verified", "changed", "verified", "verified",
                                                             "verified")):
        make.visit(h, result=result, at=day + timedelta(minutes=minutes), visitor_id=l1.id, awareness=True,
                   satisfaction=True)
    # Leader 2 in grid c: every 20 minutes, all 核对无误.
    for i, h in enumerate(hc[:4]):
        make.visit(h, result="verified", at=day + timedelta(minutes=20 * i), visitor_id=l2.id, awareness=True,
                   satisfaction=True)
    ids = [h.id for h in hb + hc]
    assert short_visit_households(db_session, ids) == [hb[4].id]
    assert only_verified_grids(db_session, [gb.id, gc.id]) == [gc.id]

    post = _api(client, "insp_all")
    r = _plan(post, grid_ids=[gb.id, gc.id], size=2, leader_floor=False, targeted=["short_visit", "only_verified"],
              targeted_count=3)
    assert r.status_code == 201, r.get_json()
    sample = r.get_json()["sample"]
    by_pick = {}
    for s in sample:
        by_pick.setdefault(s["pick"], set()).add(s["household_id"])
    assert by_pick.get("short_visit", set()) == {hb[4].id} - by_pick["random"]
    assert len(by_pick["only_verified"]) == 3 and by_pick["only_verified"] <= {h.id for h in hc}
    assert not by_pick["only_verified"] & by_pick["random"]


def test_rates_per_leader_village_and_overall_by_hand(client, area):
    post = _api(client, "insp_all")
    ga, _gb, gc = area["grids"]
    l1, l2 = area["leaders"]
    # 4 households over grid a (40) and grid c (12): quotas 3.08 and 0.92 → 3 + 1 (largest remainder).
    plan = _plan(post, grid_ids=[ga.id, gc.id], size=4, leader_floor=False).get_json()
    in_a = [s for s in plan["sample"] if s["grid_id"] == ga.id]
    in_c = [s for s in plan["sample"] if s["grid_id"] == gc.id]
    assert (len(in_a), len(in_c)) == (3, 1)
    for i, s in enumerate(in_a + in_c):
        assert _check(client, post, s["id"], wrong_phone=(i == 0)).status_code == 201
    res = client.get(f"/api/inspections/{plan['id']}").get_json()["results"]
    leaders = {u["id"]: (u["checked"], u["matched"], u["households"], u["sampled"]) for u in res["leaders"]}
    assert leaders == {l1.id: (21, 20, 40, 3), l2.id: (7, 7, 12, 1)}
    assert [(v["id"], v["checked"], v["matched"]) for v in res["villages"]] == [(area["village"].id, 28, 27)]
    o = res["overall"]
    assert (o["checked"], o["matched"], o["households"]) == (28, 27, 52)
    assert o["rate"] == pytest.approx(27 / 28) and not o["below_goal"]  # 96.4% ≥ 95%
    assert res["below_goal"] == []  # grid a: 20/21 = 95.2% ≥ 95%, grid c: 7/7
