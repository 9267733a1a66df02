"""Access matrix: every role × every data endpoint × (object in scope, object out of scope).

Out of scope answers exactly like unknown (404, no existence leak) and is audited.
"""
import math

import mapbox_vector_tile
import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import text

from tests.conftest import csrf_token, login

ROLES = ("town_admin", "village_admin", "grid_leader", "liaison", "police", "station_admin", "inspector",
         "property")
MAY_REVEAL = {"town_admin", "village_admin", "grid_leader", "police", "station_admin"}
SEES_KEY_ATTENTION = {"town_admin", "police", "station_admin"}
A_BOUNDS, B_BOUNDS = (121.60, 31.80, 121.62, 31.82), (121.63, 31.80, 121.65, 31.82)


def tile_of(lon, lat, z):
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


@pytest.fixture()
def world(make, db_session):
    """Two villages of two stations, one grid each, a building with a resident and a key-attention
    record in each, and every role scoped to village A's side."""
    from webgis.orgs.models import KeyAttention

    t = make.town()
    sa, sb = make.station(t), make.station(t)
    va = make.village(t, sa, bounds=A_BOUNDS)
    vb = make.village(t, sb, bounds=B_BOUNDS)
    ga, gb = make.grid(va, A_BOUNDS, number=1), make.grid(vb, B_BOUNDS, number=1)
    objs = {}
    for side, grid, lon in (("a", ga, 121.61), ("b", gb, 121.64)):
        b = make.building(grid, lon, 31.81)
        h = make.household(b)
        p = make.person(grid, h)
        make._apply_scope()
        db_session.add(KeyAttention(town_id=t.id, grid_id=grid.id, category="floating", person_id=p.id, level="2"))
        db_session.flush()
        objs[side] = {"building": b.id, "person": p.id, "lon": lon}
    users = {}
    for role in ROLES:
        kw = {}
        if role == "village_admin":
            kw["village_id"] = va.id
        elif role in ("police", "station_admin"):
            kw["station_id"] = sa.id
        elif role == "inspector":
            kw["area"] = from_shape(MultiPolygon([box(*A_BOUNDS)]), 4326)
        grids = [ga] if role in ("grid_leader", "liaison", "property") else []
        users[role] = make.user(t, role=role, username=f"m_{role}", grids=grids, **kw).username
    # Town admin's "out of scope" is another town.
    t2 = make.town()
    st2 = make.station(t2)
    v2 = make.village(t2, st2, bounds=B_BOUNDS)
    g2 = make.grid(v2, B_BOUNDS, number=9)
    b2 = make.building(g2, 121.645, 31.815)
    objs["other_town"] = {"building": b2.id, "person": make.person(g2, make.household(b2)).id, "lon": 121.645}
    make._apply_scope()
    return {"objs": objs, "users": users}


def denied_rows(db_session, object_type, object_id) -> int:
    return db_session.execute(text("SELECT count(*) FROM audit_log WHERE action = 'access_denied' "
                                   "AND object_type = :t AND object_id = :i"),
                              {"t": object_type, "i": str(object_id)}).scalar()


@pytest.mark.parametrize("role", ROLES)
def test_building_api(client, world, db_session, role):
    inside, outside = world["objs"]["a"], world["objs"]["other_town" if role == "town_admin" else "b"]
    assert login(client, world["users"][role]).status_code == 302
    resp = client.get(f"/api/buildings/{inside['building']}")
    assert resp.status_code == 200
    residents = resp.get_json()["households"][0]["residents"]
    assert ("id_number" in residents[0]) == (role not in ("liaison", "property"))
    assert ("key_attention" in residents[0]) == (role in SEES_KEY_ATTENTION)
    before = denied_rows(db_session, "building", outside["building"])
    resp = client.get(f"/api/buildings/{outside['building']}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    unknown = client.get("/api/buildings/987654321")
    assert unknown.get_json() == resp.get_json() | {"error": unknown.get_json()["error"]}  # same shape
    assert unknown.get_json()["error"]["message"] == resp.get_json()["error"]["message"]
    assert denied_rows(db_session, "building", outside["building"]) == before + 1


@pytest.mark.parametrize("role", ROLES)
def test_building_tiles(client, world, role):
    assert login(client, world["users"][role]).status_code == 302
    outside_key = "other_town" if role == "town_admin" else "b"
    for key, expected in (("a", True), (outside_key, False)):
        obj = world["objs"][key]
        x, y = tile_of(obj["lon"], 31.81, 16)
        resp = client.get(f"/tiles/buildings/16/{x}/{y}.pbf")
        assert resp.status_code == 200
        ids = {f["id"] for f in mapbox_vector_tile.decode(resp.data).get("buildings", {"features": []})["features"]}
        assert (obj["building"] in ids) == expected, (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_reveal(client, world, db_session, role):
    inside, outside = world["objs"]["a"], world["objs"]["other_town" if role == "town_admin" else "b"]
    assert login(client, world["users"][role]).status_code == 302
    token = csrf_token(client, "/")
    post = lambda pid, reason="入户核对需要": client.post(  # noqa: E731
        f"/api/persons/{pid}/reveal", json={"reason": reason}, headers={"X-CSRFToken": token})
    resp = post(inside["person"])
    if role in MAY_REVEAL:
        assert resp.status_code == 200
        body = resp.get_json()
        assert len(body["id_number"]) == 18 and "*" not in body["id_number"]
        n = db_session.execute(text("SELECT count(*) FROM audit_log WHERE action = 'reveal' AND object_id = :i "
                                    "AND detail->>'reason' = '入户核对需要'"), {"i": str(inside["person"])}).scalar()
        assert n == 1
        assert post(inside["person"], reason="").status_code == 400  # a reason is required
    else:
        assert resp.status_code == 404
    before = denied_rows(db_session, "person", outside["person"])
    assert post(outside["person"]).status_code == 404
    assert denied_rows(db_session, "person", outside["person"]) == before + 1


def test_reveal_without_csrf_is_refused(client, world):
    assert login(client, world["users"]["police"]).status_code == 302
    resp = client.post(f"/api/persons/{world['objs']['a']['person']}/reveal", json={"reason": "入户核对需要"})
    assert resp.status_code == 400
