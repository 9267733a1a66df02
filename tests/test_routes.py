"""路线规划: the walking matrix follows the roads, solvers visit every stop once within the day
capacity, scope, GPX 1.1, unreachable and fallback stops, bad input, saved plans and done stops."""
import uuid
from pathlib import Path

import numpy as np
import pytest
from geoalchemy2.shape import from_shape
from lxml import etree
from shapely.geometry import LineString
from sqlalchemy import select

from tests.conftest import csrf_token, login
from webgis.geo.models import Road
from webgis.routes import graph as walkgraph
from webgis.routes.models import RoutePlan, RouteStop
from webgis.routes.schemas import MAX_STOPS
from webgis.visits.models import ChangeHistory

XSD = Path(__file__).resolve().parent / "data" / "gpx-1.1.xsd"


def _road(make, town, coords, kind="lane"):
    with make.as_owner():
        r = Road(town_id=town.id, name=None, kind=kind, geom=from_shape(LineString(coords), 4326))
        make.s.add(r)
        make.s.flush()
    return r


@pytest.fixture()
def net(make):
    """Two roads 2.2 km long with a river between them and one bridge at the north end; an
    island road joined to nothing; buildings on both banks, one 280 m off every road."""
    t = make.town()
    st = make.station(t)
    v = make.village(t, st, bounds=(121.60, 31.80, 121.64, 31.83))
    g1 = make.grid(v, (121.60, 31.80, 121.62, 31.83), number=1)
    g2 = make.grid(v, (121.62, 31.80, 121.64, 31.83), number=2)
    _road(make, t, [(121.601, 31.800), (121.601, 31.820)])  # west bank
    _road(make, t, [(121.604, 31.800), (121.604, 31.820)])  # east bank
    _road(make, t, [(121.601, 31.820), (121.604, 31.820)])  # the only bridge
    _road(make, t, [(121.617, 31.826), (121.618, 31.826)])  # an island
    _road(make, t, [(121.625, 31.805), (121.625, 31.815)])  # in grid 2
    west = [make.building(g1, 121.6013, 31.801 + 0.0004 * i) for i in range(6)]
    east = [make.building(g1, 121.6037, 31.801 + 0.0004 * i) for i in range(6)]
    for b in west + east:
        make.household(b)
        make.household(b)
    island = make.building(g1, 121.6175, 31.8262)
    make.household(island)
    far = make.building(g1, 121.6070, 31.8050)
    make.household(far)
    other = make.building(g2, 121.6253, 31.81)
    make.household(other)
    leader = make.user(t, role="grid_leader", username="leader_r", grids=[g1])
    return dict(town=t, grids=(g1, g2), west=west, east=east, island=island, far=far, other=other, leader=leader)


def _api(client, username):
    login(client, username)
    token = csrf_token(client, "/")
    return lambda path, body: client.post(path, json=body, headers={"X-CSRFToken": token})


def _plan(post, buildings, **kw):
    body = {"building_ids": [b.id for b in buildings],
            "start": {"kind": "point", "lon": 121.6012, "lat": 31.8005}, **kw}
    return post("/api/routes/plan", body)


def _matrix(db_session, lonlat):
    srid = walkgraph.utm_srid(*lonlat[0])
    pts = walkgraph.project_points(db_session, lonlat, srid)
    town_id = db_session.execute(select(Road.town_id).order_by(Road.id.desc()).limit(1)).scalar_one()
    g = walkgraph.WalkGraph.build(walkgraph.load_roads(db_session, town_id, np.array(lonlat), srid, 3000))
    return walkgraph.walking_matrix(g, pts), pts


def test_matrix_follows_the_roads_across_a_river_only_by_the_bridge(net, make, db_session):
    a, b = (121.6013, 31.801), (121.6037, 31.801)
    m, pts = _matrix(db_session, [a, b])
    straight = float(np.linalg.norm(pts[0] - pts[1]))
    assert 200 < straight < 260
    # Down the west bank to the bridge, across, and back up the east bank: about 4.4 km.
    assert 4200 < m.distance[0, 1] < 4700
    assert m.distance[0, 1] == pytest.approx(m.distance[1, 0])
    assert m.leg(0, 1).length == pytest.approx(m.distance[0, 1], rel=1e-3)
    _road(make, net["town"], [(121.601, 31.801), (121.604, 31.801)])  # a new footbridge
    m2, _ = _matrix(db_session, [a, b])
    assert m2.distance[0, 1] < 350


def test_a_stop_by_a_stray_path_is_walked_from_the_street_within_reach(net, make, db_session):
    start, house = (121.6012, 31.8005), (121.6013, 31.8030)  # the house is 28 m east of the west bank
    m0, pts = _matrix(db_session, [start, house])
    assert m0.snaps[1].connector == pytest.approx(28.4, abs=1)
    # A compound path 19 m east of the house that meets no street: the nearest segment, but a fragment.
    _road(make, net["town"], [(121.6015, 31.8028), (121.6015, 31.8032)], kind="path")
    m, _ = _matrix(db_session, [start, house])
    assert np.isfinite(m.distance[0, 1]) and m.distance[0, 1] == pytest.approx(m0.distance[0, 1], abs=0.5)
    assert m.snaps[1].connector == pytest.approx(m0.snaps[1].connector) and not m.snaps[1].fallback
    # The island's house has no street within reach: it stays cut off (and is listed as unreachable).
    m2, _ = _matrix(db_session, [start, (121.6175, 31.8262)])
    assert m2.snaps[1].segment is not None and not np.isfinite(m2.distance[0, 1])


def test_one_day_visits_every_stop_once(client, net):
    post = _api(client, "leader_r")
    stops = net["west"] + net["east"]
    resp = _plan(post, stops, return_to_start=False)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    plan = resp.get_json()
    assert len(plan["days"]) == 1
    visited = [s["building_id"] for s in plan["days"][0]["stops"]]
    assert sorted(visited) == sorted(b.id for b in stops)
    assert [s["seq"] for s in plan["days"][0]["stops"]] == list(range(1, len(stops) + 1))
    # One bank, the bridge, the other bank: the river is crossed once (not zig-zagging).
    banks = ["w" if s["lon"] < 121.6025 else "e" for s in plan["days"][0]["stops"]]
    assert sum(1 for x, y in zip(banks, banks[1:]) if x != y) == 1
    assert plan["distance_m"] == pytest.approx(sum(s["leg_m"] for s in plan["days"][0]["stops"]), abs=len(stops))
    assert plan["days"][0]["walk_minutes"] == round(plan["distance_m"] / walkgraph.WALK_M_PER_MIN)
    assert plan["days"][0]["line"]["type"] == "MultiLineString"


def test_days_respect_the_household_capacity(client, net):
    post = _api(client, "leader_r")
    stops = net["west"]  # 6 buildings of 2 households
    plan = _plan(post, stops, days=3, households_per_day=4).get_json()
    assert [d["households"] for d in plan["days"]] == [4, 4, 4]
    assert sorted(s["building_id"] for d in plan["days"] for s in d["stops"]) == sorted(b.id for b in stops)
    short = _plan(post, stops, days=2, households_per_day=4).get_json()
    assert all(d["households"] <= 4 for d in short["days"])
    assert len(short["unassigned"]) == 2 and {u["reason"] for u in short["unassigned"]} == {"over_capacity"}


def test_days_respect_the_working_time(client, net):
    post = _api(client, "leader_r")
    plan = _plan(post, net["west"] + net["east"], days=4, capacity_kind="hours", hours_per_day=1.5,
                 minutes_per_household=10).get_json()
    for d in plan["days"]:
        assert d["total_minutes"] <= 90 + 1
        assert d["visit_minutes"] == d["households"] * 10
    placed = sum(len(d["stops"]) for d in plan["days"]) + len(plan["unassigned"])
    assert placed == 12


def test_out_of_scope_building_is_refused_like_unknown(client, net, db_session):
    post = _api(client, "leader_r")
    resp = _plan(post, net["west"] + [net["other"]])
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"
    unknown = post("/api/routes/plan", {"building_ids": [2_000_000_000]})
    assert unknown.status_code == 404
    saved = post("/api/routes", {"client_uuid": str(uuid.uuid4()), "building_ids": [net["other"].id]})
    assert saved.status_code == 404
    assert db_session.execute(select(RoutePlan)).first() is None
    assert client.get(f"/api/routes/candidates?grid={net['grids'][1].id}").status_code == 404


def test_unreachable_stop_is_listed_and_the_rest_routed_fallback_labelled(client, net):
    post = _api(client, "leader_r")
    resp = _plan(post, net["west"][:2] + [net["island"], net["far"]])
    plan = resp.get_json()
    assert resp.status_code == 200
    assert [u["building_id"] for u in plan["unassigned"]] == [net["island"].id]
    assert plan["unassigned"][0]["reason"] == "unreachable" and "不连通" in plan["unassigned"][0]["label"]
    stops = {s["building_id"]: s for s in plan["days"][0]["stops"]}
    assert set(stops) == {net["west"][0].id, net["west"][1].id, net["far"].id}
    assert stops[net["far"].id]["fallback"] is True and "直线" in stops[net["far"].id]["fallback_note"]
    assert stops[net["west"][0].id]["fallback"] is False


@pytest.mark.parametrize("body, field, words", [
    ({"building_ids": []}, "building_ids", "至少选择一栋"),
    ({"building_ids": list(range(1, MAX_STOPS + 2))}, "building_ids", str(MAX_STOPS)),
    ({"building_ids": [1], "start": {"kind": "point"}}, "start.lon", "起点"),
    ({"building_ids": [1], "capacity_kind": "hours"}, "hours_per_day", "小时"),
    ({"building_ids": [1], "days": 11}, "days", "过大"),
])
def test_bad_input_gets_a_clear_message(client, net, body, field, words):
    post = _api(client, "leader_r")
    resp = post("/api/routes/plan", body)
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert words in err["details"][field]


def test_saved_plan_gpx_history_done_stops_and_resume(client, net, make, db_session):
    post = _api(client, "leader_r")
    u = str(uuid.uuid4())
    body = {"client_uuid": u, "building_ids": [b.id for b in net["west"]], "grid_id": net["grids"][0].id,
            "start": {"kind": "station"}, "return_to_start": True}
    resp = post("/api/routes", body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    plan_id = resp.get_json()["plan_id"]
    again = post("/api/routes", body)
    assert again.status_code == 200 and again.get_json() == {"applied": False, "plan_id": plan_id}
    assert len(db_session.execute(select(RouteStop).where(RouteStop.plan_id == plan_id)).all()) == 6
    history = db_session.execute(select(ChangeHistory.table_name).where(ChangeHistory.client_uuid == uuid.UUID(u))
                                 ).scalars().all()
    assert history.count("route_plan") == 1 and history.count("route_stop") == 6

    gpx = client.get(f"/api/routes/{plan_id}.gpx")
    assert gpx.status_code == 200 and gpx.mimetype == "application/gpx+xml"
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    doc = etree.fromstring(gpx.data)
    assert schema.validate(doc), schema.error_log
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    assert len(doc.findall("g:wpt", ns)) == 7 and len(doc.findall("g:trk", ns)) == 1

    detail = client.get(f"/api/routes/{plan_id}").get_json()
    first, second = detail["days"][0]["stops"][:2]
    assert detail["next"]["building_id"] == first["building_id"]
    hh = next(b for b in net["west"] if b.id == first["building_id"])
    from webgis.buildings.models import Household

    h = db_session.execute(select(Household).where(Household.building_id == hh.id)).scalars().first()
    make.visit(h, result="nobody_home")
    detail = client.get(f"/api/routes/{plan_id}").get_json()
    assert detail["days"][0]["stops"][0]["done"] is True
    assert detail["next"]["building_id"] == second["building_id"]
    resumed = post("/api/routes/plan", {"building_ids": [b.id for b in net["west"][3:]],
                                        "grid_id": net["grids"][0].id, "start": {"kind": "resume"}}).get_json()
    assert resumed["start"]["lon"] == pytest.approx(first["lon"]) and resumed["start"]["kind"] == "resume"
    printed = client.get(f"/routes/{plan_id}/print")
    assert printed.status_code == 200 and first["address"] in printed.get_data(as_text=True)


def test_candidates_preselect_what_is_still_to_visit(client, net, make):
    w = net["west"]
    from webgis.buildings.models import Household

    rooms = {b.id: make.s.execute(select(Household).where(Household.building_id == b.id)).scalars().all() for b in w}
    for room in rooms[w[0].id]:
        make.visit(room, result="verified", awareness=True, satisfaction=True)
    for room in rooms[w[1].id]:
        make.visit(room, result="nobody_home")
    for room in rooms[w[2].id]:
        v = make.visit(room, result="verified", awareness=True, satisfaction=True)
        make.verification(room, visit=v, outcome="disputed", note="住户信息有误")
    login(client, "leader_r")
    data = client.get(f"/api/routes/candidates?grid={net['grids'][0].id}").get_json()
    selected = {b["building_id"] for b in data["buildings"] if b["selected"]}
    assert w[0].id not in selected
    assert {w[1].id, w[2].id, w[3].id} <= selected
    by_id = {b["building_id"]: b for b in data["buildings"]}
    assert {m["reason"] for m in by_id[w[2].id]["missing"]} == {"returned"}
    assert {m["reason"] for m in by_id[w[1].id]["missing"]} == {"nobody_home"}
    assert data["station"]["label"].startswith("网格服务站")


def test_tour_cut_into_days_by_hand():
    # Stops on a line at 100, 200, 300 and 1000, 1100, 1200 m from the start, one household each,
    # 3 a day, back to the start: the best cut is the near three and the far three,
    # 2·300 + 2·1200 = 3000 m (any other cut of 3 + 3 walks to 1200 m and back twice or mixes).
    from webgis.routes import solver

    x = np.array([0, 100, 200, 300, 1000, 1100, 1200], dtype=float)
    d = np.abs(x[:, None] - x[None, :])
    hh = np.array([0, 1, 1, 1, 1, 1, 1])
    lim = solver._Limits(hh, 3, hh * 0, None, 1.25)
    cut = solver._cut_tour(d, [0, 1, 2, 3, 4, 5, 6], 2, True, lim)
    assert cut == [[1, 2, 3], [4, 5, 6]]
    assert solver._cut_tour(d, [0, 1, 2, 3, 4, 5, 6], 1, True, lim) is None  # 6 households never fit one day
    split = solver.split_days(d, list(hh), 2, True, per_day_households=3)
    assert split.unassigned == [] and sorted(map(sorted, split.days)) == [[1, 2, 3], [4, 5, 6]]
    assert solver._split_length(d, split.days, True) == 3000
    # Open walks (no return): the far day ends at 1200 m, the near one at 300 m: 1500 m.
    open_split = solver.split_days(d, list(hh), 2, False, per_day_households=3)
    assert solver._split_length(d, open_split.days, False) == 1500
