"""The data-quality checks find the records they name (and only those)."""
from datetime import date

from tests.conftest import login
from webgis.people.idcard import make_id_number
from webgis.quality import queries


def _by_key(session):
    return {c["key"]: c for c in queries.run(session)}


def test_checks_find_planted_problems(small_town, make, db_session):
    g1, g2 = small_town["grids"]
    h1, h2 = small_town["households"]
    p1 = small_town["persons"][0]
    base = _by_key(db_session)
    make.residence(p1, h2, relation="10")  # the same ID in two rooms
    b = make.building(g2, 121.616, 31.816)
    flat = make.household(b, room="1户")
    for n in range(6):  # 群租: six unrelated adults
        make.person(g2, flat, relation="10", birth_date=date(1990, 1, 1),
                    id_number=make_id_number("320681", date(1990, 1, 1), 300 + n))
    kid_room = make.household(b, room="2户")
    make.person(g2, kid_room, relation="1", birth_date=date(2015, 5, 5), name="小明",
                id_number=make_id_number("320681", date(2015, 5, 5), 11))
    make.person(g1, None, name="王建国", birth_date=date(1980, 1, 1),
                id_number=make_id_number("320681", date(1980, 1, 1), 500))
    make.person(g1, None, name="王建国", birth_date=date(1980, 1, 1),
                id_number=make_id_number("320681", date(1980, 1, 1), 501))
    # 启东县 (320626) became a city in 1989: a number issued there to someone born in 2010 is impossible.
    make.person(g1, None, name="李错", id_number=make_id_number("320626", date(2010, 1, 1), 5))
    found = _by_key(db_session)
    assert found["same_id_two_rooms"]["total"] == base["same_id_two_rooms"]["total"] + 2
    assert found["group_rental"]["total"] == base["group_rental"]["total"] + 1
    assert any(r["label"] == "小明" for r in found["minor_alone"]["rows"])
    assert found["same_person_twice"]["total"] == base["same_person_twice"]["total"] + 2
    assert found["same_person_twice"]["per_grid"][0][1] >= 2
    assert [r["label"] for r in found["region_at_birth"]["rows"]] == ["李错（320626）"]


def test_quality_page_renders_for_town_admin(client, small_town):
    login(client, "t_admin")
    html = client.get("/quality/").get_data(as_text=True)
    assert "数据质量" in html and "疑似群租" in html
