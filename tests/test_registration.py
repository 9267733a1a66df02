"""The registration form (附件2) saved as one visit: validation, outcomes, versions, UUIDs, history."""
import uuid

import pytest
from sqlalchemy import select, text

from tests.conftest import csrf_token, login
from webgis.buildings.models import Building, Household
from webgis.people.models import Person, Residence
from webgis.visits.models import ChangeHistory, Verification, Visit


@pytest.fixture()
def town(small_town, make):
    g1, g2 = small_town["grids"]
    leader = make.user(small_town["town"], role="grid_leader", username="leader1", grids=[g1])
    police = make.user(small_town["town"], role="police", username="police1", station_id=small_town["station"].id)
    liaison = make.user(small_town["town"], role="liaison", username="liaison1", grids=[g1])
    return dict(small_town, leader=leader, police=police, liaison=liaison)


def _api(client, username):
    login(client, username)
    token = csrf_token(client, "/")
    return lambda path, body: client.post(path, json=body, headers={"X-CSRFToken": token})


def _form(client, household_id):
    resp = client.get(f"/api/households/{household_id}/form")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def _submission(form, result="verified", members=None, **visit):
    rows = members if members is not None else [
        {k: m[k] for k in ("person_id", "version", "name", "gender", "ethnicity", "relation", "category",
                           "occupation", "employer", "marital", "hukou_consistent", "registered_address")}
        for m in form["members"]]
    answers = {"awareness": True, "satisfaction": True} if result in ("verified", "changed", "new") else {}
    return {"client_uuid": str(uuid.uuid4()), "household": form["household"], "members": rows,
            "visit": {"result": result, **answers, **visit}}


def test_confirm_unchanged_household_records_a_verified_visit(client, town, db_session):
    h1 = town["households"][0]
    post = _api(client, "leader1")
    form = _form(client, h1.id)
    assert [m["name"] for m in form["members"]] == ["王建国", "李秀英"]
    assert form["members"][0]["id_number"] == "110105********002X"  # masked in the pre-filled form
    resp = post(f"/api/households/{h1.id}/registration", _submission(form))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["applied"] and body["result"] == "verified" and body["changed_fields"] == []
    visit = db_session.get(Visit, body["visit_id"])
    assert (visit.result, visit.awareness, visit.satisfaction, visit.visitor_id) == ("verified", True, True,
                                                                                     town["leader"].id)
    db_session.expire_all()
    assert db_session.get(Household, h1.id).last_visit_result == "verified"
    assert db_session.get(Building, h1.building_id).collection_status == "visited"


def test_corrected_phone_becomes_a_changed_visit_with_history(client, town, db_session):
    h1, p1 = town["households"][0], town["persons"][0]
    post = _api(client, "leader1")
    form = _form(client, h1.id)
    sub = _submission(form)
    sub["members"][0]["phone"] = "+86 139-0513-0000"
    resp = post(f"/api/households/{h1.id}/registration", sub)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["result"] == "changed"
    db_session.expire_all()
    person = db_session.get(Person, p1.id)
    assert person.phone == "13905130000" and person.version == 2
    rows = db_session.execute(select(ChangeHistory).where(ChangeHistory.table_name == "person",
                                                          ChangeHistory.row_id == p1.id,
                                                          ChangeHistory.action == "update")).scalars().all()
    assert [(r.before, r.after, r.changed_by, str(r.client_uuid)) for r in rows] == [
        ({"phone": "13812345678"}, {"phone": "13905130000"}, town["leader"].id, sub["client_uuid"])]
    hist = client.get(f"/api/households/{h1.id}/history").get_json()["changes"]
    phone_change = [f for c in hist for f in c["fields"] if f["field"] == "phone"][0]
    assert phone_change == {"field": "phone", "label": "联系电话", "before": "138****5678", "after": "139****0000"}


def test_same_uuid_twice_is_applied_once(client, town, db_session):
    h1 = town["households"][0]
    post = _api(client, "leader1")
    sub = _submission(_form(client, h1.id))
    first, second = (post(f"/api/households/{h1.id}/registration", sub) for _ in range(2))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json()["applied"] is False
    assert second.get_json()["visit_id"] == first.get_json()["visit_id"]
    n = db_session.execute(select(Visit).where(Visit.client_uuid == uuid.UUID(sub["client_uuid"]))).scalars().all()
    assert len(n) == 1


def test_stale_household_version_is_refused_with_both_versions(client, town, db_session):
    h1 = town["households"][0]
    post = _api(client, "leader1")
    form = _form(client, h1.id)
    first = _submission(form)
    first["household"] = dict(form["household"], remarks="东侧有车库住人")
    assert post(f"/api/households/{h1.id}/registration", first).status_code == 201
    late = _submission(form)  # loaded before the first save
    late["household"] = dict(form["household"], house_nature="rented", landlord="张三", lease_period="一年")
    resp = post(f"/api/households/{h1.id}/registration", late)
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "stale_version"
    assert err["details"]["current"]["remarks"] == "东侧有车库住人"
    assert err["details"]["yours"]["house_nature"] == "rented"
    assert (err["details"]["current_version"], err["details"]["your_version"]) == (2, 1)
    db_session.expire_all()
    assert db_session.get(Household, h1.id).house_nature == "self_built"  # nothing of the stale save
    assert len(db_session.execute(select(Visit).where(Visit.household_id == h1.id)).all()) == 1


@pytest.mark.parametrize("field,value,message", [
    ("id_number", "11010519491231002", "身份证号码应为18位，现为17位"),
    ("id_number", "110105194912310021", "身份证号码校验位错误"),
    ("id_number", "", "请填写身份证号码"),
    ("phone", "14012345678", "手机号码号段140未分配或号码无效"),
    ("ethnicity", "99", "民族取值无效"),
])
def test_bad_new_member_gets_the_field_error_and_nothing_is_saved(client, town, db_session, field, value, message):
    h1 = town["households"][0]
    post = _api(client, "leader1")
    form = _form(client, h1.id)
    sub = _submission(form, result="changed")
    new = {"name": "王小明", "gender": "1", "ethnicity": "01", "id_number": "320681201001010013",
           "relation": "3", "category": "registered", "phone": "13800000000", field: value}
    sub["members"].append(new)
    resp = post(f"/api/households/{h1.id}/registration", sub)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["details"] == {f"members.2.{field}": message}
    assert db_session.execute(select(Visit).where(Visit.household_id == h1.id)).first() is None
    assert db_session.execute(select(Person).where(Person.name == "王小明")).first() is None


def test_new_member_is_added_and_linked(client, town, db_session):
    h1 = town["households"][0]
    post = _api(client, "leader1")
    sub = _submission(_form(client, h1.id))
    sub["members"].append({"name": "王小明", "gender": "1", "ethnicity": "01", "id_number": "３２０６８１２０１００１０１００１３",
                           "relation": "3", "category": "registered"})
    resp = post(f"/api/households/{h1.id}/registration", sub)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["result"] == "changed"
    p = db_session.execute(select(Person).where(Person.name == "王小明")).scalar_one()
    assert p.id_number == "320681201001010013" and p.grid_id == h1.grid_id
    assert db_session.execute(select(Residence).where(Residence.person_id == p.id)).scalar_one().household_id == h1.id


def test_an_id_living_in_another_room_is_offered_as_a_move_never_duplicated(client, town, make, db_session):
    h1 = town["households"][0]
    b1 = town["buildings"][0]
    h_other = make.household(b1, room="2户")
    mover = make.person(town["grids"][0], h_other, name="赵流动", id_number="320681199001010013")
    post = _api(client, "leader1")
    form = _form(client, h1.id)
    sub = _submission(form)
    row = {"name": "赵流动", "gender": "1", "ethnicity": "01", "id_number": "320681199001010013", "relation": "9",
           "category": "registered"}
    resp = post(f"/api/households/{h1.id}/registration", dict(sub, members=sub["members"] + [row]))
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "id_registered_elsewhere" and err["details"]["person_id"] == mover.id
    moved = dict(row, person_id=mover.id, version=err["details"]["version"], move=True)
    moved.pop("id_number")
    resp = post(f"/api/households/{h1.id}/registration",
                dict(sub, client_uuid=str(uuid.uuid4()), members=sub["members"] + [moved]))
    assert resp.status_code == 201, resp.get_json()
    links = db_session.execute(select(Residence).where(Residence.person_id == mover.id)
                               .order_by(Residence.id)).scalars().all()
    assert [(r.household_id, r.end_date is None) for r in links] == [(h_other.id, False), (h1.id, True)]
    assert len(db_session.execute(select(Person).where(Person.id_number == "320681199001010013")).all()) == 1


def test_out_of_scope_household_is_404_and_nothing_written(client, town, db_session):
    h2 = town["households"][1]  # grid 2: not the leader's
    post = _api(client, "leader1")
    assert client.get(f"/api/households/{h2.id}/form").status_code == 404
    sub = {"client_uuid": str(uuid.uuid4()), "household": {"version": 1, "house_nature": "self_built"},
           "members": [], "visit": {"result": "nobody_home"}}
    resp = post(f"/api/households/{h2.id}/registration", sub)
    assert resp.status_code == 404
    assert db_session.execute(select(Visit).where(Visit.household_id == h2.id)).first() is None


def test_liaison_may_not_register(client, town, db_session):
    h1 = town["households"][0]
    post = _api(client, "liaison1")
    sub = {"client_uuid": str(uuid.uuid4()), "household": {"version": 1, "house_nature": "self_built"},
           "members": [], "visit": {"result": "nobody_home"}}
    assert post(f"/api/households/{h1.id}/registration", sub).status_code == 404


@pytest.mark.parametrize("result,household_status,person_status,building_status", [
    ("nobody_home", "active", "active", "existing"),
    ("refused", "active", "active", "existing"),
    ("moved_out", "vacant", "moved_out", "existing"),
    ("vacant", "vacant", "moved_out", "existing"),
    ("demolished", "demolished", "moved_out", "demolished"),
])
def test_visit_outcomes_change_status_and_keep_the_records(client, town, db_session, result, household_status,
                                                           person_status, building_status):
    h1, p1 = town["households"][0], town["persons"][0]
    post = _api(client, "leader1")
    form = _form(client, h1.id)
    members = None
    if result in ("moved_out", "vacant", "demolished"):
        members = [{k: m[k] for k in ("person_id", "version", "name", "gender", "ethnicity", "relation", "category")}
                   | {"leave": "moved_out"} for m in form["members"]]
    elif result in ("nobody_home", "refused"):
        members = [{k: m[k] for k in ("person_id", "version", "name", "gender", "ethnicity", "relation", "category")}
                   for m in form["members"]]
    resp = post(f"/api/households/{h1.id}/registration", _submission(form, result=result, members=members))
    assert resp.status_code == 201, resp.get_json()
    db_session.expire_all()
    assert db_session.get(Household, h1.id).status == household_status
    assert db_session.get(Person, p1.id).status == person_status  # kept, never deleted
    assert db_session.get(Building, h1.building_id).status == building_status


def test_answers_only_from_a_person_present(client, town):
    h1 = town["households"][0]
    post = _api(client, "leader1")
    form = _form(client, h1.id)
    bad = _submission(form, result="nobody_home", awareness=True)
    resp = post(f"/api/households/{h1.id}/registration", bad)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["details"] == {"visit.awareness": "无人在场（或拒绝、空置）时不记录知晓/满意"}
    missing = _submission(form)
    missing["visit"].pop("satisfaction")
    resp = post(f"/api/households/{h1.id}/registration", missing)
    assert resp.get_json()["error"]["details"] == {"visit.satisfaction": "请询问在场住户是否满意"}


def test_police_sign_and_return(client, town, db_session, app):
    h1 = town["households"][0]
    post = _api(client, "leader1")
    form = _form(client, h1.id)
    sub = _submission(form)
    sub["members"][1]["phone"] = "13905131111"
    visit_id = post(f"/api/households/{h1.id}/registration", sub).get_json()["visit_id"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    post = _api(client, "police1")
    q = client.get("/api/police/queue").get_json()
    item = [i for i in q["items"] if i["household_id"] == h1.id][0]
    assert item["result"] == "changed" and item["visit_id"] == visit_id
    assert {c["field"] for c in item["changes"]} == {"phone"}
    assert q["counts"]["sign"]["total"] >= 1
    resp = post("/api/police/verifications", {"client_uuid": str(uuid.uuid4()), "visit_id": visit_id,
                                              "outcome": "signed"})
    assert resp.status_code == 201, resp.get_json()
    db_session.expire_all()
    assert db_session.get(Household, h1.id).verified_at is not None
    assert db_session.get(Building, h1.building_id).collection_status == "verified"
    assert all(i["household_id"] != h1.id for i in client.get("/api/police/queue").get_json()["items"])
    again = post("/api/police/verifications", {"client_uuid": str(uuid.uuid4()), "visit_id": visit_id,
                                               "outcome": "disputed", "note": "电话不符"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_verified"


def test_police_collect_a_door_that_did_not_open(client, town, db_session):
    h1 = town["households"][0]
    post = _api(client, "leader1")
    form = _form(client, h1.id)
    assert post(f"/api/households/{h1.id}/registration", _submission(form, result="nobody_home")).status_code == 201
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    post = _api(client, "police1")
    q = client.get("/api/police/queue?kind=collect").get_json()
    assert [i["result"] for i in q["items"] if i["household_id"] == h1.id] == ["nobody_home"]
    form = _form(client, h1.id)
    resp = post(f"/api/households/{h1.id}/registration", _submission(form, result="police_collected"))
    assert resp.status_code == 201, resp.get_json()
    v = db_session.execute(select(Verification).where(Verification.household_id == h1.id)).scalar_one()
    assert v.outcome == "signed" and v.officer_id == town["police"].id


def test_history_trigger_writes_every_domain_table(db_session):
    triggers = set(db_session.execute(text(
        "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE '%change_history'"
    )).scalars())
    assert {"building", "household", "person", "residence", "organisation", "key_attention", "visit",
            "verification", "route_plan", "route_stop", "spot_check_plan", "spot_check", "spot_check_item"} <= triggers


def test_app_role_cannot_write_history(db_session, town):
    with pytest.raises(Exception, match="permission denied"):
        db_session.execute(text("INSERT INTO change_history (town_id, table_name, row_id, action, after) "
                                "VALUES (1, 'x', 1, 'insert', '{}')"))


@pytest.mark.parametrize("written", ["13812345678", "+86 138 1234 5678", "+8613812345678", "86-138-1234-5678",
                                     "138-1234-5678", "１３８１２３４５６７８", "0513-83123456", "(0513) 8312 3456",
                                     "051383123456", "0086 13812345678"])
def test_audit_scrubber_masks_every_phone_form(written):
    from webgis.audit.services import sanitize

    cleaned = sanitize(f"住户电话 {written} 已核实")
    digits = "".join(ch for ch in cleaned if ch.isdigit())
    assert "12345678" not in digits and "83123456" not in digits, cleaned
    assert "*" in cleaned


def test_queue_deadlines_and_overdue_count_follow_the_campaign_clock(client, town, make, app):
    from datetime import datetime, timedelta, timezone

    g1 = town["grids"][0]
    b = make.building(g1, 121.606, 31.806)
    t0 = datetime(2026, 10, 1, 10, 0, tzinfo=timezone.utc)
    rooms = [make.household(b, room=f"{i}户") for i in range(3)]
    for h, days in zip(rooms, (0, 5, 9)):  # visited 0, 5 and 9 days before "today"
        make.visit(h, result="changed", at=t0 - timedelta(days=days))
    make.visit(town["households"][0], result="refused", at=t0 - timedelta(days=8))
    _api(client, "police1")
    app.config["CAMPAIGN_TODAY"] = t0.isoformat()
    try:
        q = client.get("/api/police/queue").get_json()
        mine = {i["household_id"]: i for i in q["items"]}
        assert [mine[h.id]["overdue"] for h in rooms] == [False, False, True]
        assert [round(mine[h.id]["days_left"]) for h in rooms] == [7, 2, -2]
        assert q["counts"]["sign"] == {"total": 3, "overdue": 1, "due_soon": 1}
        assert q["counts"]["collect"] == {"total": 1, "overdue": 1, "due_soon": 0}
        only = client.get("/api/police/queue?overdue=1").get_json()["items"]
        assert [i["household_id"] for i in only] == [rooms[2].id]
        app.config["CAMPAIGN_TODAY"] = (t0 + timedelta(days=3)).isoformat()
        q = client.get("/api/police/queue").get_json()
        assert q["counts"]["sign"]["overdue"] == 2
    finally:
        app.config["CAMPAIGN_TODAY"] = None


def test_returned_visit_leaves_the_queue_and_needs_a_revisit(client, town, db_session):
    h1 = town["households"][0]
    post = _api(client, "leader1")
    visit_id = post(f"/api/households/{h1.id}/registration", _submission(_form(client, h1.id))).get_json()["visit_id"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    post = _api(client, "police1")
    resp = post("/api/police/verifications", {"client_uuid": str(uuid.uuid4()), "visit_id": visit_id,
                                              "outcome": "disputed"})
    assert resp.get_json()["error"]["details"] == {"note": "退回重访时请写明原因"}
    resp = post("/api/police/verifications", {"client_uuid": str(uuid.uuid4()), "visit_id": visit_id,
                                              "outcome": "disputed", "note": "户主身份证号码与户籍系统不符"})
    assert resp.status_code == 201
    db_session.expire_all()
    assert db_session.get(Household, h1.id).verified_at is None  # only signed data counts
    assert all(i["household_id"] != h1.id for i in client.get("/api/police/queue").get_json()["items"])
    latest = db_session.execute(select(Verification).where(Verification.household_id == h1.id)).scalar_one()
    assert latest.outcome == "disputed" and latest.visit_id == visit_id
    revisit = db_session.execute(text("SELECT reason FROM coverage_revisit WHERE household_id = :h"),
                                 {"h": h1.id}).scalars().all()
    assert revisit == ["returned"]  # back on the grid leader's re-visit list
