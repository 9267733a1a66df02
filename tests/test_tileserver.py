"""The one-call tile path (webgis/map/tileserver.py, gc_tile_request): session checks per tile,
ETags from per-grid change counters, 304 without building, a cache that never crosses scopes,
gzip; and the same revalidation for the heat layers and the labels."""
import gzip

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from tests.conftest import csrf_token, login
from tests.test_layers import tile_of
from webgis.map import tileserver

Z = 16
A = tile_of(121.605, 31.805, Z)  # over grid 1 (building b1)
B = tile_of(121.615, 31.815, Z)  # over grid 2 (building b2), far from grid 1 at z16


def url(xy, z=Z, layer="buildings"):
    return f"/tiles/{layer}/{z}/{xy[0]}/{xy[1]}.pbf"


def ids(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    data = resp.data
    if resp.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return {f["id"] for f in mapbox_vector_tile.decode(data).get("buildings", {"features": []})["features"]}


@pytest.fixture()
def admin_client(client, small_town):
    assert login(client, "t_admin").status_code == 302
    return client


def test_tile_path_is_one_database_call(admin_client, small_town, app, monkeypatch):
    """Session check, scope and tile: one statement on the connection (the call is PREPAREd once
    per connection, then each tile is one EXECUTE), no Flask request work."""
    server = app.wsgi_app
    executed = []
    real = server._connection

    def counting():
        cur, release = real()

        class Cursor:
            def execute(self, sql, params=None):
                executed.append(sql)
                return cur.execute(sql, params)

            def fetchone(self):
                return cur.fetchone()

            @property
            def connection(self):
                return cur.connection
        return Cursor(), release

    monkeypatch.setattr(server, "_connection", counting)
    flask_requests = []
    monkeypatch.setattr(server, "wsgi_app", lambda *a: flask_requests.append(a))
    cur, release = real()  # make the connection one seen for the first time
    try:
        cur.execute("DEALLOCATE ALL")
        tileserver._PREPARED.pop(cur.connection, None)
    finally:
        release()
    resp = admin_client.get(url(A))
    assert ids(resp) == {small_town["buildings"][0].id}
    assert len(executed) == 2 and executed[0].startswith("PREPARE") and "gc_tile_request" in executed[0]
    assert executed[1].startswith("EXECUTE gc_tile_call")
    executed.clear()
    resp = admin_client.get(url(A), headers={"If-None-Match": resp.headers["ETag"]})
    assert resp.status_code == 304
    assert len(executed) == 1 and executed[0].startswith("EXECUTE gc_tile_call")
    assert flask_requests == []


def test_logout_refuses_the_same_cookie_at_once(admin_client, small_town):
    assert admin_client.get(url(A)).status_code == 200
    cookie = admin_client.get_cookie("session").value
    assert admin_client.post("/logout", data={"csrf_token": csrf_token(admin_client, "/")}).status_code == 302
    admin_client.set_cookie("session", cookie)  # a copy of the cookie taken before the logout
    resp = admin_client.get(url(A))
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"


def test_no_cookie_and_forged_cookie_are_401(client, small_town):
    assert client.get(url(A)).status_code == 401
    client.set_cookie("session", "eyJzaWQiOiJ4In0.forged.signature")
    assert client.get(url(A)).status_code == 401


def test_disabled_user_and_new_session_version_are_refused(admin_client, small_town, db_session):
    assert admin_client.get(url(A)).status_code == 200
    db_session.execute(text("UPDATE app_user SET session_version = session_version + 1 WHERE id = :id"),
                       {"id": small_town["admin"].id})
    assert admin_client.get(url(A)).status_code == 401


def test_idle_session_is_refused(admin_client, small_town, db_session):
    assert admin_client.get(url(A)).status_code == 200
    db_session.execute(text("UPDATE user_session SET last_seen_at = now() - interval '31 minutes' "
                            "WHERE user_id = :id"), {"id": small_town["admin"].id})
    assert admin_client.get(url(A)).status_code == 401


def test_etag_changes_over_the_changed_grid_only(admin_client, small_town, db_session):
    a1, b1 = admin_client.get(url(A)), admin_client.get(url(B))
    ea, eb = a1.headers["ETag"], b1.headers["ETag"]
    assert ea != eb
    # Unchanged: 304 and no body.
    again = admin_client.get(url(A), headers={"If-None-Match": ea})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == ea
    # A change in grid 1 (the building's status, as any writer would make it).
    b = small_town["buildings"][0]
    db_session.execute(text("UPDATE building SET collection_status = 'visited' WHERE id = :id"), {"id": b.id})
    a2 = admin_client.get(url(A), headers={"If-None-Match": ea})
    assert a2.status_code == 200 and a2.headers["ETag"] != ea
    layer = mapbox_vector_tile.decode(a2.data)["buildings"]["features"]
    assert [f["properties"]["status"] for f in layer] == ["visited"]
    assert admin_client.get(url(B), headers={"If-None-Match": eb}).status_code == 304


def test_a_visit_changes_the_etag_over_its_grid(admin_client, small_town, db_session):
    """A visit (the door-to-door write path) reaches the building status through the status
    triggers, and the tile's counters through theirs: no writer needs to know about tiles."""
    from webgis.visits.models import Visit

    ea, eb = admin_client.get(url(A)).headers["ETag"], admin_client.get(url(B)).headers["ETag"]
    b1, h1 = small_town["buildings"][0], small_town["households"][0]
    db_session.add(Visit(town_id=b1.town_id, grid_id=b1.grid_id, building_id=b1.id, household_id=h1.id,
                         result="verified"))
    db_session.flush()
    assert admin_client.get(url(A), headers={"If-None-Match": ea}).status_code == 200
    assert admin_client.get(url(B), headers={"If-None-Match": eb}).status_code == 304
    grids_tile = url(tile_of(121.605, 31.805, 13), z=13, layer="grids")
    eg = admin_client.get(grids_tile).headers["ETag"]
    assert admin_client.get(grids_tile, headers={"If-None-Match": eg}).status_code == 304


def test_cached_tile_never_reaches_another_scope(admin_client, small_town, make, app):
    g1, g2 = small_town["grids"]
    make.user(small_town["town"], role="grid_leader", username="leader2", grids=[g2])
    # The town admin's tile over grid 1 is now in the cache.
    assert ids(admin_client.get(url(A))) == {small_town["buildings"][0].id}
    cache = app.wsgi_app.cache
    assert cache.etags(("buildings", Z, *A))
    leader = app.test_client()
    assert login(leader, "leader2").status_code == 302
    resp = leader.get(url(A))
    assert ids(resp) == set()  # grid 1 is not the leader's
    assert resp.headers["ETag"] not in cache.etags(("buildings", Z, *A))[:-1]
    assert ids(leader.get(url(B))) == {small_town["buildings"][1].id}


def test_cache_serves_current_bytes(admin_client, small_town, app):
    first = admin_client.get(url(A))
    second = admin_client.get(url(A))
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert app.wsgi_app.cache.get(first.headers["ETag"]) is not None


def test_gzip_when_accepted(admin_client, small_town):
    plain = admin_client.get(url(A, z=14))
    gz = admin_client.get(url(A, z=14), headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    if len(plain.data) >= 256:
        assert gz.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(gz.data) == plain.data
        assert gz.headers["ETag"] != plain.headers["ETag"] and gz.headers["ETag"].endswith('-gz"')
        assert admin_client.get(url(A, z=14), headers={"Accept-Encoding": "gzip",
                                                       "If-None-Match": gz.headers["ETag"]}).status_code == 304
    assert "Accept-Encoding" in plain.headers["Vary"]


def test_bad_tiles_are_400_json(admin_client):
    resp = admin_client.get("/tiles/buildings/3/0/0.pbf")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_tile"
    assert admin_client.get("/tiles/nope/14/1/1.pbf").status_code == 400
    assert admin_client.get("/tiles/buildings/14/99999/1.pbf").status_code == 400


def test_password_change_required_is_403(client, small_town, make, db_session):
    make.user(small_town["town"], role="town_admin", username="fresh_admin")
    assert login(client, "fresh_admin").status_code == 302
    db_session.execute(text("UPDATE app_user SET must_change_password = true WHERE username = 'fresh_admin'"))
    resp = client.get(url(A))
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "password_change_required"


def test_labels_revalidate(admin_client, small_town, db_session):
    q = "/api/layers/labels?bbox=121.59,31.79,121.63,31.83&z=14"
    first = admin_client.get(q)
    etag = first.headers["ETag"]
    assert admin_client.get(q, headers={"If-None-Match": etag}).status_code == 304
    g1 = small_town["grids"][0]
    db_session.execute(text("SET LOCAL ROLE NONE"))
    db_session.execute(text("UPDATE grid SET name = '新名字' WHERE id = :id"), {"id": g1.id})
    db_session.execute(text("SET LOCAL ROLE gridcheck_app"))
    changed = admin_client.get(q, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "新名字" in {f["properties"]["name"] for f in changed.get_json()["features"]}


def test_heat_revalidates_and_compresses(admin_client, small_town, app, monkeypatch):
    monkeypatch.setitem(app.config, "CAMPAIGN_TODAY", "2026-10-23")
    q = "/api/coverage/heat/unvisited?bbox=121.59,31.79,121.63,31.83&z=14"
    first = admin_client.get(q)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert admin_client.get(q, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    far = admin_client.get("/api/coverage/heat/unvisited?bbox=116.3,39.8,116.5,40.0&z=14")
    assert far.headers["ETag"] != first.headers["ETag"]
