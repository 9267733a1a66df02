"""Layer endpoints: vector tiles hold only the features of their tile; labels only the bbox's."""
import math

import mapbox_vector_tile
import pytest

from tests.conftest import login


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """Return the XYZ tile holding a point (slippy-map formula)."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture()
def admin_client(client, small_town):
    assert login(client, "t_admin").status_code == 302
    return client


def decode(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(resp.data)


def test_building_tile_holds_exactly_the_buildings_in_it(admin_client, small_town):
    b1, b2 = small_town["buildings"]
    where = {b1.id: (121.605, 31.805), b2.id: (121.615, 31.815)}
    assert tile_of(*where[b1.id], 16) != tile_of(*where[b2.id], 16)  # the check below can fail
    for z in (14, 16, 18):
        x, y = tile_of(121.605, 31.805, z)
        layer = decode(admin_client.get(f"/tiles/buildings/{z}/{x}/{y}.pbf")).get("buildings", {"features": []})
        ids = {f["id"] for f in layer["features"]}
        assert ids == {bid for bid, pt in where.items() if tile_of(*pt, z) == (x, y)}, z
        feat = next(f for f in layer["features"] if f["id"] == b1.id)
        assert feat["properties"]["status"] == "not_visited"
        assert feat["geometry"]["type"] == ("Polygon" if z >= 16 else "Point")


def test_tile_far_away_is_empty(admin_client, small_town):
    x, y = tile_of(116.4, 39.9, 16)  # Beijing
    assert admin_client.get(f"/tiles/buildings/16/{x}/{y}.pbf").data == b""


def test_grid_tile_carries_progress_counts(admin_client, small_town, db_session):
    from webgis.visits.models import Visit

    b1 = small_town["buildings"][0]
    h1 = small_town["households"][0]
    db_session.add(Visit(town_id=b1.town_id, grid_id=b1.grid_id, building_id=b1.id, household_id=h1.id,
                         result="verified"))
    db_session.flush()
    x, y = tile_of(121.605, 31.805, 13)
    grids = decode(admin_client.get(f"/tiles/grids/13/{x}/{y}.pbf"))["grids"]["features"]
    g1, g2 = small_town["grids"]
    by_id = {f["id"]: f["properties"] for f in grids}
    assert by_id[g1.id]["visited"] == 1 and by_id[g1.id]["not_visited"] == 0
    assert by_id[g2.id]["not_visited"] == 1
    assert by_id[g1.id]["name"] == "第1网格"


@pytest.mark.parametrize("url", [
    "/tiles/buildings/12/3430/1655.pbf",   # buildings below their minimum zoom
    "/tiles/buildings/16/70000/1.pbf",     # x out of range for z16
    "/tiles/nonsense/14/1/1.pbf",
    "/tiles/grids/23/1/1.pbf",
])
def test_bad_tile_params_are_400_json(admin_client, url):
    resp = admin_client.get(url)
    assert resp.status_code == 400
    body = resp.get_json()
    assert set(body["error"]) == {"code", "message", "details"} and body["error"]["message"]


def test_labels_only_in_bbox(admin_client, small_town):
    g1, g2 = small_town["grids"]
    fc = admin_client.get("/api/layers/labels?bbox=121.600,31.80,121.609,31.82&z=16").get_json()
    ids = {f["properties"]["id"] for f in fc["features"] if f["properties"]["kind"] == "grid"}
    assert g1.id in ids and g2.id not in ids
    fc = admin_client.get("/api/layers/labels?bbox=121.59,31.79,121.63,31.83&z=13").get_json()
    kinds = {f["properties"]["kind"] for f in fc["features"]}
    assert kinds == {"village", "grid"}


@pytest.mark.parametrize("bbox", ["", "1,2,3", "a,b,c,d", "121.7,31.8,121.6,31.9", "100,20,120,40"])
def test_bad_bbox_is_400(admin_client, bbox):
    resp = admin_client.get(f"/api/layers/labels?bbox={bbox}&z=14")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_bbox"


def test_layers_need_login(client, small_town):
    resp = client.get("/tiles/grids/13/6861/3310.pbf")
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"


def test_map_opens_at_the_grid_asked_for_and_scoped_users_at_their_grids(client, small_town, make):
    """?grid= (the 目标 table's map link) opens the map at that grid, not at the town first."""
    import re

    from tests.conftest import login

    g1, g2 = small_town["grids"]
    make.user(small_town["town"], role="grid_leader", username="gl_focus", grids=[g2])
    assert login(client, "gl_focus").status_code == 302

    def fitted(query=""):
        # The page hands its ?grid= to its configuration (GET /api/map/config), which map.js fits to.
        html = client.get("/" + query).get_data(as_text=True)
        url = re.search(r'"configUrl": "([^"]+)"', html).group(1)
        assert url == "/api/map/config" + query
        (south, west), (north, east) = client.get(url).get_json()["focus"]
        return tuple(round(float(v), 3) for v in (south, west, north, east))

    assert fitted() == (31.80, 121.61, 31.82, 121.62)  # its own grid
    assert fitted(f"?grid={g2.id}") == (31.80, 121.61, 31.82, 121.62)
    # A grid out of scope is not disclosed: the map opens at the user's grids.
    assert fitted(f"?grid={g1.id}") == (31.80, 121.61, 31.82, 121.62)
