"""The door-to-door pages as the server renders them: who gets 登记/核对, the map's edit actions,
the 民警核验 link, and the form and queue pages (their scripts served locally, no inline code)."""
import re

import pytest

from tests.conftest import login


@pytest.fixture()
def people(small_town, make):
    g1, _g2 = small_town["grids"]
    town, station = small_town["town"], small_town["station"]
    return {
        "leader": make.user(town, role="grid_leader", username="leader1", grids=[g1]),
        "liaison": make.user(town, role="liaison", username="liaison1", grids=[g1]),
        "police": make.user(town, role="police", username="police1", station_id=station.id),
        "inspector": make.user(town, role="inspector", username="inspector1", grids=[g1]),
    }


def _shell(html: str) -> dict:
    tag = re.search(r'<main class="map-shell"[^>]*>', html, re.S).group(0)
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag))


@pytest.mark.parametrize("username, register, edit", [
    ("leader1", "1", "1"),      # REGISTER_ROLES and MAP_EDIT_ROLES
    ("police1", "1", "0"),      # VERIFY_ROLES: the form for doors to collect, no map edits
    ("liaison1", "0", "0"),
    ("inspector1", "0", "0"),
])
def test_map_tells_the_panel_what_the_role_may_do(client, people, username, register, edit):
    login(client, username)
    shell = _shell(client.get("/").get_data(as_text=True))
    assert (shell["may-register"], shell["may-edit"]) == (register, edit)
    assert shell["register-url"] == "/households/0/register"
    assert "租住" in shell["house-natures"]  # the code list for 添加房间, as JSON in the attribute


@pytest.mark.parametrize("username, sees", [("police1", True), ("leader1", False), ("liaison1", False)])
def test_police_queue_link_only_for_verify_roles(client, people, username, sees):
    login(client, username)
    html = client.get("/").get_data(as_text=True)
    assert ('href="/police"' in html) is sees
    assert (client.get("/police").status_code == 200) is sees


def test_register_page_loads_its_scripts_from_the_app(client, people, small_town):
    h1 = small_town["households"][0]
    login(client, "leader1")
    resp = client.get(f"/households/{h1.id}/register")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f'data-form-url="/api/households/{h1.id}/form"' in html
    assert f'data-save-url="/api/households/{h1.id}/registration"' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    # position.js (a classic script: window.GCPosition) and one ES module, which imports
    # /static/js/api.js and /static/js/offline.js itself (modules run after classic scripts).
    assert [re.search(r'src="([^"]+)"', a).group(1) for a, _ in scripts] == ["/static/js/position.js",
                                                                           "/static/js/register.js"]
    assert 'type="module"' in scripts[1][0] and 'type="module"' not in scripts[0][0]
    assert all(not body.strip() for _, body in scripts)  # CSP: no inline code
    register_js = client.get("/static/js/register.js").get_data(as_text=True)
    assert 'import * as api from "./api.js";' in register_js and 'from "./offline.js"' in register_js
    for path in ("/static/js/api.js", "/static/js/register.js", "/static/css/register.css"):
        assert client.get(path).status_code == 200


def test_register_page_refuses_roles_that_may_not_register(client, people, small_town):
    h1 = small_town["households"][0]
    login(client, "liaison1")
    assert client.get(f"/households/{h1.id}/register").status_code == 404


def test_queue_page_shows_counts_and_loads_police_js(client, people, small_town, make):
    h1 = small_town["households"][0]
    make.visit(h1, result="changed", awareness=True, satisfaction=True)
    login(client, "police1")
    html = client.get("/police").get_data(as_text=True)
    count = re.search(r'data-count="sign">(\d+)<', html).group(1)
    assert int(count) >= 1
    assert '/static/js/police.js' in html and 'data-verify-url="/api/police/verifications"' in html


def _post(client, username):
    from tests.conftest import csrf_token

    login(client, username)
    token = csrf_token(client, "/")
    return lambda path, body: client.post(path, json=body, headers={"X-CSRFToken": token})


def test_a_building_registered_on_the_map_is_shown_as_new(client, people, db_session):
    """登记新楼栋 from the map's draw bar: the building is 新建 (the 新增 badge) and, with no room
    visited yet, 未走访 (revision 0010: 新增 is a badge, not a collection state)."""
    import uuid

    from webgis.buildings.models import Building

    post = _post(client, "leader1")
    ring = [[121.6040, 31.8060], [121.6042, 31.8060], [121.6042, 31.8061], [121.6040, 31.8061], [121.6040, 31.8060]]
    resp = post("/api/buildings", {"client_uuid": str(uuid.uuid4()), "geometry": {"type": "Polygon", "coordinates": [ring]},
                                   "address_form": "rural", "group_name": "9组", "house_no": "3号",
                                   "building_type": "rural_house", "floors": 2, "rooms_count": 1})
    assert resp.status_code == 201, resp.get_json()
    db_session.expire_all()
    b = db_session.get(Building, resp.get_json()["id"])
    assert (b.status, b.collection_status) == ("new", "not_visited")


def test_a_room_added_to_a_verified_building_makes_it_unverified(client, people, small_town, make, db_session):
    import uuid

    from webgis.buildings.models import Building

    h1 = small_town["households"][0]
    b1 = db_session.get(Building, h1.building_id)
    make.visit(h1, result="verified", awareness=True, satisfaction=True)
    make.verification(h1)
    db_session.expire_all()
    assert db_session.get(Building, b1.id).collection_status == "verified"
    post = _post(client, "leader1")
    resp = post(f"/api/buildings/{b1.id}/households", {"client_uuid": str(uuid.uuid4()), "unit": "1单元",
                                                        "room": "车库", "house_nature": "self_built"})
    assert resp.status_code == 201, resp.get_json()
    db_session.expire_all()
    assert db_session.get(Building, b1.id).collection_status == "visited"  # the new room is still to visit
