"""The six targets as the town office reads them (issue 8), on a hand-built town: every rate
worked out by hand at grid, village and town level, the building colours, the re-visit list,
the 未采集 layer and the subjects without an attention level."""
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import select, text

from tests.conftest import login
import pytest

from tests.test_coverage import day, expected, heat, near
from tests.test_coverage import today  # noqa: F401  (the campaign's "today" fixture)

GOALS = dict(visit=100, verification=100, attention=100, consistency=95, link=95, awareness=95, satisfaction=95)


def organisation(db_session, grid, building, name, category, status="active"):
    from webgis.orgs.models import Organisation

    o = Organisation(town_id=grid.town_id, grid_id=grid.id, building_id=building.id if building else None,
                     name=name, category=category, status=status, geom=from_shape(Point(121.615, 31.81), 4326))
    db_session.add(o)
    db_session.flush()
    return o


@pytest.fixture()
def town(make, today, db_session):  # noqa: F811
    """V1 / A  bA1: hA1 verified+signed (answers yes/yes); hA2 nobody home only; hA3 refused only
                    (its recorded answers yes/yes must not count)
               bA2: a rural house whose two rooms are vacant, both visited 'vacant' and signed
               bA3: hA6 nobody home, then 民警上门采集 + signed (answers yes/no)
               bA4: hA7 changed (answers yes/yes), then the police disputed it: 民警退回重访
               pA1 floating, in hA1, with a level set
       V1 / B  bB1: 20 rooms, all verified + signed; awareness 20 yes, satisfaction 18 yes; hB1 is
                    rented (no record), pB1 floating (no record), pB2 released (record, no level),
                    pB3 drug (level set), pB4 floating but moved out (does not count)
               bB2: a building reported new, its room registered 'new' (yes/yes) and signed
               oB1 individual business with a key-place level; oB2 legal entity with no record
       V2 / C  bC1: hC1 never visited; bC2: hC2 verified + signed (answers no/yes)
    """
    t = make.town()
    st = make.station(t)
    v1 = make.village(t, st, bounds=(121.60, 31.80, 121.62, 31.82))
    v2 = make.village(t, st, bounds=(121.62, 31.80, 121.64, 31.82))
    ga = make.grid(v1, (121.60, 31.80, 121.61, 31.82), number=1)
    gb = make.grid(v1, (121.61, 31.80, 121.62, 31.82), number=2)
    gc = make.grid(v2, (121.62, 31.80, 121.64, 31.82), number=1)

    ba1, ba2 = make.building(ga, 121.602, 31.802), make.building(ga, 121.604, 31.804)
    ba3, ba4 = make.building(ga, 121.606, 31.806), make.building(ga, 121.608, 31.808)
    ha1, ha2, ha3 = (make.household(ba1, room=f"{i}户") for i in (1, 2, 3))
    ha4 = make.household(ba2, room="1户", status="vacant", house_nature="vacant")
    ha5 = make.household(ba2, room="2户", status="vacant", house_nature="vacant")
    ha6, ha7 = make.household(ba3), make.household(ba4)
    pa1 = make.person(ga, ha1, category="floating")
    v = make.visit(ha1, "verified", day(30), awareness=True, satisfaction=True)
    make.verification(ha1, v, "signed", day(28))
    make.visit(ha2, "nobody_home", day(25))
    make.visit(ha2, "nobody_home", day(20))
    make.visit(ha3, "refused", day(22), awareness=True, satisfaction=True)
    for h in (ha4, ha5):
        v = make.visit(h, "vacant", day(18))
        make.verification(h, v, "signed", day(16))
    make.visit(ha6, "nobody_home", day(15))
    v = make.visit(ha6, "police_collected", day(12), awareness=True, satisfaction=False)
    make.verification(ha6, v, "signed", day(12, hour=11))
    v = make.visit(ha7, "changed", day(10), awareness=True, satisfaction=True)
    make.verification(ha7, v, "disputed", day(8))
    make.key_attention(ga, "floating", "1", person=pa1)

    bb1 = make.building(gb, 121.612, 31.812, address_form="urban", compound="汇景苑", building_no="1幢")
    bb2 = make.building(gb, 121.614, 31.814, status="new")
    rooms = [make.household(bb1, unit="1单元", room=f"{100 + i}室",
                            house_nature="rented" if i == 0 else "self_bought") for i in range(20)]
    hb1 = rooms[0]
    for i, h in enumerate(rooms):
        v = make.visit(h, "verified", day(20), awareness=True, satisfaction=i >= 2)
        make.verification(h, v, "signed", day(18))
    hb21 = make.household(bb2)
    v = make.visit(hb21, "new", day(9), awareness=True, satisfaction=True)
    make.verification(hb21, v, "signed", day(7))
    pb1 = make.person(gb, hb1, category="floating")
    pb2 = make.person(gb, rooms[1])
    pb3 = make.person(gb)  # known, no room: a link gap
    make.person(gb, rooms[2], category="floating", status="moved_out")
    make.key_attention(gb, "released", None, person=pb2)
    make.key_attention(gb, "drug", "2", person=pb3)
    ob1 = organisation(db_session, gb, bb1, "汇景便利店", "individual")
    ob2 = organisation(db_session, gb, None, "启东华通机械有限公司", "legal_entity")
    organisation(db_session, gb, None, "已注销的公司", "legal_entity", status="closed")
    make.key_attention(gb, "key_place", "1", organisation=ob1)

    bc1, bc2 = make.building(gc, 121.63, 31.81), make.building(gc, 121.632, 31.812)
    hc1, hc2 = make.household(bc1), make.household(bc2)
    v = make.visit(hc2, "verified", day(5), awareness=False, satisfaction=True)
    make.verification(hc2, v, "signed", day(3))

    make.user(t, role="town_admin", username="r_admin")
    make.user(t, role="village_admin", username="r_village", grids=[ga, gb])
    return dict(town=t, villages=(v1, v2), grids=(ga, gb, gc),
                buildings=dict(ba1=ba1, ba2=ba2, ba3=ba3, ba4=ba4, bb1=bb1, bb2=bb2, bc1=bc1, bc2=bc2),
                households=dict(ha1=ha1, ha2=ha2, ha3=ha3, ha6=ha6, ha7=ha7, hb1=hb1, hc1=hc1),
                persons=dict(pb1=pb1, pb2=pb2), orgs=dict(ob1=ob1, ob2=ob2))


# Worked out by hand from the docstring above.
HAND = {
    # A: counted hA1..hA7 (7); surveyed hA1, hA4, hA5 (vacant confirmed), hA6 (police), hA7 = 5;
    #    signed hA1, hA4, hA5, hA6 = 4 (hA7's latest verification is disputed); attention pA1 1/1;
    #    answers from a person present: hA1 (yes/yes), hA6 (yes/no), hA7 (yes/yes) — not hA3.
    "A": dict(visit=(5, 7), verification=(4, 7), attention=(1, 1), consistency=(0, 0), link=(1, 1),
              awareness=(3, 3), satisfaction=(2, 3)),
    # B: 21 rooms, all surveyed and signed; subjects hB1, pB1, pB2, pB3, oB1, oB2 (6), with a level
    #    pB3 and oB1 (2); persons pB1, pB2 linked, pB3 not; answers 21, satisfaction 18 + 1 yes.
    "B": dict(visit=(21, 21), verification=(21, 21), attention=(2, 6), consistency=(0, 0), link=(2, 3),
              awareness=(21, 21), satisfaction=(19, 21)),
    "C": dict(visit=(1, 2), verification=(1, 2), attention=(0, 0), consistency=(0, 0), link=(0, 0),
              awareness=(0, 1), satisfaction=(1, 1)),
}


def add(*units):
    return {code: tuple(sum(u[code][i] for u in units) for i in (0, 1)) for code in units[0]}


def check(targets: dict, unit: dict):
    assert set(targets) == set(GOALS), "two targets for 知晓/满意, nothing pooled"
    for code, (num, den) in unit.items():
        rate, status = expected(num, den, GOALS[code])
        got = targets[code]
        assert (got["num"], got["den"], got["rate"], got["status"]) == (num, den, rate, status), code


@pytest.fixture()
def admin(client, town):
    assert login(client, "r_admin").status_code == 302
    return client


def test_every_rate_by_hand_at_grid_village_and_town(admin, town):
    ga, gb, gc = town["grids"]
    v1, v2 = town["villages"]
    tree = admin.get("/api/coverage/targets?level=tree").get_json()
    villages = {v["id"]: v for v in tree["villages"]}
    grids = {g["id"]: g for v in tree["villages"] for g in v["children"]}
    check(grids[ga.id]["targets"], HAND["A"])
    check(grids[gb.id]["targets"], HAND["B"])
    check(grids[gc.id]["targets"], HAND["C"])
    check(villages[v1.id]["targets"], add(HAND["A"], HAND["B"]))
    check(villages[v2.id]["targets"], HAND["C"])
    check(tree["town"]["targets"], add(HAND["A"], HAND["B"], HAND["C"]))
    town_t = tree["town"]["targets"]
    # By name, so a slip in the helpers cannot hide one: 27/30, 26/30, 3/7, 24/25, 22/25.
    assert (town_t["visit"]["rate"], town_t["verification"]["rate"]) == (90.0, 86.6)
    assert town_t["attention"]["rate"] == 42.8
    assert town_t["awareness"]["status"] == "met" and town_t["awareness"]["rate"] == 96.0
    assert town_t["satisfaction"]["status"] == "behind" and town_t["satisfaction"]["rate"] == 88.0
    # Grid B: the pooled answers (40 / 42 = 95.2%) would read 达标; satisfaction alone does not.
    b = grids[gb.id]["targets"]
    assert b["awareness"]["status"] == "met" and b["satisfaction"]["status"] == "near"
    assert b["satisfaction"]["rate"] == 90.4 and (40 * 100 >= 95 * 42)


def test_building_colours_follow_the_coverage_rule(town, db_session):
    from webgis.buildings.models import Building

    b = town["buildings"]
    got = dict(db_session.execute(select(Building.id, Building.collection_status)
                                  .where(Building.id.in_([x.id for x in b.values()]))).all())
    assert {k: got[x.id] for k, x in b.items()} == {
        "ba1": "visited",      # one room surveyed, two not (nobody home, refused)
        "ba2": "verified",     # all rooms vacant, every one visited and signed
        "ba3": "verified",     # collected by the police and signed
        "ba4": "visited",      # surveyed, sent back by the police
        "bb1": "verified", "bb2": "verified",  # the new building, once signed, is 已核验
        "bc1": "not_visited", "bc2": "verified"}
    assert db_session.get(Building, b["bb2"].id).status == "new"  # "new" stays a fact: the badge


def test_the_uncollected_layer_holds_the_unsurveyed_rooms(admin, town):
    data = heat(admin, "unvisited")
    points = sorted(data["points"], key=lambda p: p[1])
    assert len(points) == 2 and data["total"] == 3
    assert near(points[0], 121.602, 31.802) and points[0][2] == 2  # hA2 nobody home, hA3 refused
    assert near(points[1], 121.63, 31.81) and points[1][2] == 1    # hC1 never visited


def test_the_revisit_list_of_a_grid(admin, town, db_session):
    ga, gb, gc = town["grids"]
    h = town["households"]
    data = admin.get(f"/api/coverage/grids/{ga.id}").get_json()["revisit"]
    assert data["total"] == 3
    assert data["counts"] == {"returned": 1, "spot_check_mismatch": 0, "refused": 1, "nobody_home": 1, "not_visited": 0}
    rows = {r["household_id"]: r for r in data["rows"]}
    assert rows[h["ha2"].id]["reason"] == "nobody_home" and rows[h["ha2"].id]["attempts"] == 2
    assert rows[h["ha2"].id]["since"].startswith(day(20).date().isoformat())
    assert rows[h["ha3"].id]["reason_label"] == "拒绝配合（待民警处理）"
    assert rows[h["ha7"].id]["reason"] == "returned"
    assert [r["reason"] for r in data["rows"]] == ["returned", "refused", "nobody_home"]
    assert admin.get(f"/api/coverage/grids/{gb.id}").get_json()["revisit"]["total"] == 0
    assert [r["reason"] for r in admin.get(f"/api/coverage/grids/{gc.id}").get_json()["revisit"]["rows"]] \
        == ["not_visited"]
    # The view the police queue and the route planner read, with its named columns.
    cols = db_session.execute(text("SELECT household_id, building_id, grid_id, town_id, reason, since "
                                   "FROM coverage_revisit WHERE grid_id = :g ORDER BY household_id"),
                              {"g": ga.id}).all()
    assert [c.household_id for c in cols] == sorted([h["ha2"].id, h["ha3"].id, h["ha7"].id])


def test_a_new_visit_moves_the_list_the_layer_and_the_colour(admin, town, make, db_session):
    from webgis.buildings.models import Building

    ga = town["grids"][0]
    h = town["households"]
    make.visit(h["ha7"], "changed", day(1), awareness=True, satisfaction=True)
    make.visit(h["ha3"], "police_collected", day(1))
    make.visit(h["ha2"], "nobody_home", day(0))
    data = admin.get(f"/api/coverage/grids/{ga.id}").get_json()
    assert [r["household_id"] for r in data["revisit"]["rows"]] == [h["ha2"].id]
    assert data["targets"]["visit"]["num"] == 6
    assert data["uncovered"]["rows"][0]["unvisited"] == 1
    assert db_session.get(Building, town["buildings"]["ba1"].id).collection_status == "visited"
    make.visit(h["ha2"], "verified", day(0, hour=15))
    for x in ("ha2", "ha3"):
        make.verification(h[x], None, "signed", day(0, hour=16))
    db_session.expire_all()
    assert db_session.get(Building, town["buildings"]["ba1"].id).collection_status == "verified"


def test_subjects_without_a_level_are_listed_for_the_police_and_town(admin, town):
    gb = town["grids"][1]
    data = admin.get(f"/api/coverage/grids/{gb.id}").get_json()["attention_gaps"]
    got = {(r["subject_kind"], r["subject_id"]) for r in data["rows"]}
    assert data["total"] == 4 and got == {
        ("household", town["households"]["hb1"].id), ("person", town["persons"]["pb1"].id),
        ("person", town["persons"]["pb2"].id), ("organisation", town["orgs"]["ob2"].id)}
    ob2 = next(r for r in data["rows"] if r["subject_kind"] == "organisation")
    assert ob2["reasons"] == ["法人单位"] and ob2["has_record"] is False


def test_the_page_shows_both_targets_and_no_pooled_figure(admin, town):
    html = admin.get("/targets").get_data(as_text=True)
    assert "知晓率" in html and "满意率" in html and "知晓率/满意率" not in html
    assert "96.0%" in html and "88.0%" in html


def test_the_village_office_gets_the_revisit_list_but_no_key_attention(client, town):
    ga = town["grids"][0]
    assert login(client, "r_village").status_code == 302
    data = client.get(f"/api/coverage/grids/{ga.id}").get_json()
    assert data["revisit"]["total"] == 3 and "attention_gaps" not in data
    assert data["targets"]["attention"]["status"] == "restricted"
