"""GET /api/buildings/<id>: address, households and masked residents."""
import re

from tests.conftest import login

FULL_ID = re.compile(r"\d{17}[\dX]")
FULL_PHONE = re.compile(r"1[3-9]\d{9}")


def test_building_detail_with_masked_residents(client, small_town):
    assert login(client, "t_admin").status_code == 302
    b1 = small_town["buildings"][0]
    resp = client.get(f"/api/buildings/{b1.id}")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    v = small_town["village"]
    assert body["standard_address"] == f"{v.name} / 第1网格 / 1组 / {b1.house_no}"
    assert body["collection_status"] == "not_visited" and body["collection_status_label"] == "未走访"
    (hh,) = body["households"]
    names = [r["name"] for r in hh["residents"]]
    assert names == ["王建国", "李秀英"]  # head of household first
    head = hh["residents"][0]
    assert head["relation_label"] == "户主" and head["gender_label"] == "女"  # 11010519491231002X: 17th digit even
    assert head["id_number"] == "110105********002X"
    assert head["phone"] == "138****5678"
    text = resp.get_data(as_text=True)
    assert not FULL_ID.search(text) and not FULL_PHONE.search(text)


def test_liaison_receives_no_identifiers(client, small_town, make):
    make.user(small_town["town"], role="liaison", username="t_liaison", grids=[small_town["grids"][0]])
    assert login(client, "t_liaison").status_code == 302
    body = client.get(f"/api/buildings/{small_town['buildings'][0].id}").get_json()
    for r in body["households"][0]["residents"]:
        assert "id_number" not in r and "phone" not in r


def test_unknown_building_is_404_json(client, small_town):
    login(client, "t_admin")
    resp = client.get("/api/buildings/999999999")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_building_api_needs_login(client, small_town):
    resp = client.get(f"/api/buildings/{small_town['buildings'][0].id}")
    assert resp.status_code == 401


def test_visit_event_updates_derived_status(db_session, small_town):
    """The building's colour follows the event log: visit → visited, police sign-off → verified."""
    from webgis.buildings.models import Building
    from webgis.visits.models import Verification, Visit

    b1 = small_town["buildings"][0]
    h1 = small_town["households"][0]
    v = Visit(town_id=b1.town_id, grid_id=b1.grid_id, building_id=b1.id, household_id=h1.id, result="changed")
    db_session.add(v)
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(Building, b1.id).collection_status == "visited"
    db_session.add(Verification(town_id=b1.town_id, grid_id=b1.grid_id, household_id=h1.id, visit_id=v.id,
                                outcome="signed"))
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(Building, b1.id).collection_status == "verified"
    b = db_session.get(Building, b1.id)
    b.status = "demolished"
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(Building, b1.id).collection_status == "demolished"
