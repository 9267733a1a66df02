"""Offline sync: the merge rules (pure), and an outbox replayed on real rows — applied, 并行修改, 冲突
(kept for review in the police queue, decided there), refused items kept, each UUID applied once,
one device's items strictly in order; the offline package is one grid, masked as the role sees it."""
import uuid

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login
from webgis.buildings.models import Household
from webgis.offline import merge
from webgis.offline.models import OfflineSubmission
from webgis.visits.models import Visit


# --- the rules, without a database ---------------------------------------------------------------

@pytest.mark.parametrize("base, current, fields, changed, status, overlap", [
    ({"household": 3}, {"household": 3}, {"household.remarks"}, set(), "applied", set()),
    ({"household": 3, "person:7": 1}, {"household": 3, "person:7": 1}, set(), set(), "applied", set()),
    # another user changed other fields since the phone's copy
    ({"household": 3}, {"household": 4}, {"household.remarks"}, {"household.landlord"}, "parallel", set()),
    ({"household": 3}, {"household": 4}, set(), {"household.remarks"}, "parallel", set()),
    # only this device's own earlier items changed it: nothing parallel happened
    ({"household": 3}, {"household": 5}, {"household.remarks"}, set(), "applied", set()),
    # the same field on both sides
    ({"household": 3}, {"household": 4}, {"household.remarks", "members.7.phone"}, {"household.remarks"},
     "conflict", {"household.remarks"}),
    ({"household": 3, "person:7": 1}, {"household": 3, "person:7": 2}, {"members.7.phone"},
     {"members.7.phone", "members.7.name"}, "conflict", {"members.7.phone"}),
])
def test_merge_rules(base, current, fields, changed, status, overlap):
    decision = merge.decide(base, current, fields, changed)
    assert decision.status == status and set(decision.overlap) == overlap


def test_no_value_and_empty_text_are_the_same():
    assert merge.same_value(None, "") and merge.same_value("a", "a") and not merge.same_value("a", None)


# --- an outbox on real rows ------------------------------------------------------------------------

@pytest.fixture()
def town(small_town, make):
    g1, _g2 = small_town["grids"]
    b1 = small_town["buildings"][0]
    h3 = make.household(b1, room="2户")
    make.person(g1, h3, relation="1", name="赵小梅")
    leader = make.user(small_town["town"], role="grid_leader", username="leader1", grids=[g1])
    police = make.user(small_town["town"], role="police", username="police1", station_id=small_town["station"].id)
    return dict(small_town, h3=h3, leader=leader, police=police)


def _poster(client, username):
    if client.get("/api/offline/session").status_code == 200:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, username)
    token = csrf_token(client, "/")
    return lambda path, body: client.post(path, json=body, headers={"X-CSRFToken": token})


def _form_payload(form, result="verified", household=None):
    members = [{k: m[k] for k in ("person_id", "version", "name", "gender", "ethnicity", "relation", "category",
                                  "occupation", "employer", "marital", "hukou_consistent", "registered_address")}
               for m in form["members"]]
    answers = {"awareness": True, "satisfaction": True} if result in ("verified", "changed", "new") else {}
    return {"client_uuid": str(uuid.uuid4()), "household": {**form["household"], **(household or {})},
            "members": members, "visit": {"result": result, **answers}}


def _item(device, seq, form, mark, result="verified", household=None):
    payload = _form_payload(form, result, household)
    diff = {f"household.{k}": [form["household"].get(k), v] for k, v in (household or {}).items()}
    return {"client_uuid": payload["client_uuid"], "device_id": str(device), "seq": seq,
            "household_id": form["household_id"], "recorded_at": "2026-10-20T09:00:00+08:00",
            "base_mark": mark, "diff": diff, "payload": payload}


def test_outbox_applied_parallel_conflict_and_review(client, town, db_session):
    h1, h3 = town["households"][0], town["h3"]
    post = _poster(client, "leader1")
    pkg = client.get(f"/api/offline/grids/{h1.grid_id}/package")
    assert pkg.status_code == 200, pkg.get_data(as_text=True)
    pkg = pkg.get_json()
    assert pkg["grid"]["id"] == h1.grid_id
    assert sorted(h["household_id"] for h in pkg["households"]) == sorted([h1.id, h3.id])  # one grid only
    forms = {h["household_id"]: h for h in pkg["households"]}
    assert forms[h1.id]["members"][0]["id_number"] == "110105********002X"  # masked as the role sees it
    assert pkg["tiles"] and all(u.startswith("/tiles/") for u in pkg["tiles"])
    device = uuid.uuid4()
    items = [_item(device, 1, forms[h3.id], pkg["history_mark"]),                      # a visit
             _item(device, 2, forms[h1.id], pkg["history_mark"]),                      # a visit
             _item(device, 3, forms[h1.id], pkg["history_mark"], result="changed",     # a correction
                   household={"remarks": "手机：租户已换"})]

    # Meanwhile the household is corrected on the server (through the service, by the town office).
    admin_post = _poster(client, "t_admin")
    server = _form_payload(client.get(f"/api/households/{h1.id}/form").get_json(), "changed",
                           {"remarks": "办公室：已核实"})
    assert admin_post(f"/api/households/{h1.id}/registration", server).status_code == 201

    post = _poster(client, "leader1")
    answers = []
    for item in items:
        resp = post("/api/offline/sync", item)
        assert resp.status_code == 201, resp.get_json()
        answers.append(resp.get_json())
    assert [a["status"] for a in answers] == ["applied", "parallel", "conflict"]
    assert [a["status_label"] for a in answers] == ["已同步", "并行修改", "冲突"]
    assert answers[2]["conflicts"]["household.remarks"]["server"] == "办公室：已核实"
    assert answers[2]["conflicts"]["household.remarks"]["device"] == "手机：租户已换"
    db_session.expire_all()
    assert db_session.get(Household, h1.id).remarks == "办公室：已核实"  # nothing overwritten
    # the parallel item was applied on today's record (its stale copy undid nothing)
    # a retry is applied once; an item out of the device's order is refused
    again = post("/api/offline/sync", items[1])
    assert again.status_code == 200 and again.get_json()["duplicate"] and again.get_json()["status"] == "parallel"
    late = post("/api/offline/sync", {**items[1], "client_uuid": str(uuid.uuid4()), "seq": 2})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "out_of_order"
    uuids = [uuid.UUID(i["client_uuid"]) for i in items]
    counts = dict(db_session.execute(select(Visit.client_uuid, func.count()).where(Visit.client_uuid.in_(uuids))
                                     .group_by(Visit.client_uuid)).all())
    assert counts == {uuids[0]: 1, uuids[1]: 1}  # the conflict waits for review
    assert db_session.execute(select(func.count()).select_from(OfflineSubmission)).scalar() == 3

    # The leader sees the conflict; the police queue holds it, and decides it.
    mine = client.get(f"/api/offline/submissions?device_id={device}").get_json()["items"]
    assert sorted(i["status"] for i in mine) == ["applied", "conflict", "parallel"]
    police_post = _poster(client, "police1")
    queue = client.get("/api/police/queue?kind=sync").get_json()
    assert [i["status"] for i in queue["items"]] == ["conflict", "parallel"]
    assert queue["counts"]["sync"]["conflict"] == 1
    resp = police_post(f"/api/police/sync/{answers[2]['submission_id']}/resolve", {"keep": "device"})
    assert resp.status_code == 200, resp.get_json()
    db_session.expire_all()
    assert db_session.get(Household, h1.id).remarks == "手机：租户已换"
    visit = db_session.execute(select(Visit).where(Visit.client_uuid == uuids[2])).scalar_one()
    assert (visit.result, visit.visitor_id) == ("changed", town["leader"].id)
    again = police_post(f"/api/police/sync/{answers[2]['submission_id']}/resolve", {"keep": "device"})
    assert again.status_code == 409


def test_village_office_reviews_conflicts_only(client, town, make, db_session):
    h1 = town["households"][0]
    make.user(town["town"], role="village_admin", username="village1", village_id=town["village"].id)
    post = _poster(client, "leader1")
    pkg = client.get(f"/api/offline/grids/{h1.grid_id}/package").get_json()
    form = next(h for h in pkg["households"] if h["household_id"] == h1.id)
    admin_post = _poster(client, "t_admin")
    server = _form_payload(client.get(f"/api/households/{h1.id}/form").get_json(), "changed",
                           {"remarks": "办公室：已核实"})
    assert admin_post(f"/api/households/{h1.id}/registration", server).status_code == 201
    post = _poster(client, "leader1")
    item = _item(uuid.uuid4(), 1, form, pkg["history_mark"], result="changed", household={"remarks": "手机"})
    answer = post("/api/offline/sync", item).get_json()
    assert answer["status"] == "conflict"
    village_post = _poster(client, "village1")
    assert client.get("/api/police/queue?kind=sign").status_code == 404  # the police's own queues are not theirs
    page = client.get("/police").get_data(as_text=True)
    assert 'data-kind="sync"' in page and 'id="gc-tab-sign"' not in page
    queue = client.get("/api/police/queue?kind=sync").get_json()
    assert [i["submission_id"] for i in queue["items"]] == [answer["submission_id"]]
    resp = village_post(f"/api/police/sync/{answer['submission_id']}/resolve", {"keep": "server"})
    assert resp.status_code == 200, resp.get_json()
    db_session.expire_all()
    assert db_session.get(Household, h1.id).remarks == "办公室：已核实"
    visit = db_session.execute(select(Visit).where(Visit.client_uuid == uuid.UUID(item["client_uuid"]))).scalar_one()
    assert visit.visitor_id == town["leader"].id


def test_refused_item_is_kept_and_the_order_goes_on(client, town, db_session):
    h1 = town["households"][0]
    post = _poster(client, "leader1")
    pkg = client.get(f"/api/offline/grids/{h1.grid_id}/package").get_json()
    form = next(h for h in pkg["households"] if h["household_id"] == h1.id)
    device = uuid.uuid4()
    bad = _item(device, 1, form, pkg["history_mark"], result="verified")
    del bad["payload"]["visit"]["awareness"]  # the questionnaire was not asked
    resp = post("/api/offline/sync", bad)
    assert resp.status_code == 201 and resp.get_json()["status"] == "refused"
    assert "visit.awareness" in resp.get_json()["error"]["details"]
    ok = post("/api/offline/sync", _item(device, 2, form, pkg["history_mark"]))
    assert ok.get_json()["status"] == "applied"
    assert db_session.execute(select(OfflineSubmission.status).where(
        OfflineSubmission.device_id == device).order_by(OfflineSubmission.device_seq)).scalars().all() == [
        "refused", "applied"]


def test_new_person_recorded_offline_is_added_once(client, town, db_session):
    from webgis.people.idcard import make_id_number
    from webgis.people.models import Person
    from datetime import date

    h3 = town["h3"]
    post = _poster(client, "leader1")
    pkg = client.get(f"/api/offline/grids/{h3.grid_id}/package").get_json()
    form = next(h for h in pkg["households"] if h["household_id"] == h3.id)
    id_number = make_id_number("320681", date(1990, 5, 4), 777)
    item = _item(uuid.uuid4(), 1, form, pkg["history_mark"], result="new")
    new = {"name": "钱新来", "gender": "1" if int(id_number[16]) % 2 else "2", "ethnicity": "01",
           "id_number": id_number, "relation": "3", "category": "floating"}
    item["payload"]["members"].append(new)
    item["diff"]["members.new.1"] = [None, "钱新来"]
    first = post("/api/offline/sync", item)
    assert first.status_code == 201 and first.get_json()["status"] == "applied", first.get_json()
    again = post("/api/offline/sync", item)
    assert again.status_code == 200 and again.get_json()["duplicate"]
    assert db_session.execute(select(func.count()).select_from(Person)
                              .where(Person.id_number == id_number)).scalar() == 1


def test_package_of_a_grid_out_of_scope_is_404(client, town):
    _poster(client, "leader1")
    g2 = town["grids"][1]
    assert client.get(f"/api/offline/grids/{g2.id}/package").status_code == 404
