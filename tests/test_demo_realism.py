"""The small demo holds only records a real campaign could have (issue 8, point 5), and still
tells the campaign's story (some grids finished, some behind)."""
import datetime as dt
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webgis.demo.campaign import AS_OF  # noqa: E402
from webgis.demo.generator import generate  # noqa: E402
from webgis.demo.names import REGION_YEARS, region_in_force  # noqa: E402
from webgis.demo.tables import COLUMNS  # noqa: E402

CST = dt.timezone(dt.timedelta(hours=8))
SURVEYED = {"verified", "changed", "new", "moved_out", "vacant", "police_collected"}
PERSON_PRESENT = {"verified", "changed", "new", "police_collected"}
LEGAL_AGE = {"1": 22, "2": 20}


@pytest.fixture(scope="module")
def small():
    return generate("small", 2019)


def table(data, name):
    cols = COLUMNS[name]
    return [dict(zip(cols, r)) for r in data.tables[name]]


def age(birth: dt.date, on: dt.date = AS_OF) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_no_answers_or_changes_in_rooms_that_never_had_a_resident(small):
    lived = {r["household_id"] for r in table(small, "residence")}
    visits = [v for v in table(small, "visit") if v["household_id"] not in lived]
    assert visits, "the demo has visited empty rooms"
    for v in visits:
        assert v["awareness"] is None and v["satisfaction"] is None, v
        assert v["result"] not in ("changed", "new"), v
    assert {v["result"] for v in visits} & {"vacant"}


def test_only_a_person_present_answers(small):
    visits = table(small, "visit")
    for v in visits:
        if v["result"] not in PERSON_PRESENT:
            assert v["awareness"] is None and v["satisfaction"] is None, v
    refused = [v for v in visits if v["result"] == "refused"]
    assert refused and all(v["awareness"] is None for v in refused)


def test_visits_and_sign_offs_in_working_hours(small):
    for name, col in (("visit", "visited_at"), ("verification", "verified_at")):
        for r in table(small, name):
            t = r[col].astimezone(CST).time()
            assert dt.time(8, 30) <= t <= dt.time(20, 30), (name, r[col])


def test_region_codes_in_force_when_the_number_was_given(small):
    bad = []
    for p in table(small, "person"):
        code = p["id_number"][:6]
        assert code in REGION_YEARS, code
        if not region_in_force(code, p["birth_date"].year):
            bad.append((code, p["birth_date"]))
    assert bad == []
    # The rule itself, on the cases of the issue.
    assert not region_in_force("320684", 2021) and region_in_force("320614", 2021)
    assert not region_in_force("520521", 1990) and region_in_force("520521", 2012)
    assert not region_in_force("530627", 1995) and not region_in_force("320681", 1970)
    assert region_in_force("320626", 1970)


def test_no_child_heads_living_alone_and_nobody_married_under_the_legal_age(small):
    persons = {p["id"]: p for p in table(small, "person")}
    current = defaultdict(list)
    for r in table(small, "residence"):
        if r["end_date"] is None and persons[r["person_id"]]["status"] == "active":
            current[r["household_id"]].append(r)
    for rs in current.values():
        if len(rs) == 1 and rs[0]["relation_to_head"] == "1":
            assert age(persons[rs[0]["person_id"]]["birth_date"]) >= 18
    for p in persons.values():
        if p["marital"] in ("1", "3", "4"):  # 已婚, 离婚, 丧偶
            assert age(p["birth_date"]) >= LEGAL_AGE[p["gender"]], p


def test_the_new_outcomes_and_the_campaign_story(small):
    visits = table(small, "visit")
    results = Counter(v["result"] for v in visits)
    for outcome in ("moved_out", "vacant", "police_collected", "demolished", "nobody_home", "refused"):
        assert results[outcome] > 0, outcome
    assert results["verified"] > results["changed"] > results["police_collected"]
    # Every police collection is signed.
    signed = {c["visit_id"] for c in table(small, "verification") if c["outcome"] == "signed"}
    assert all(v["id"] in signed for v in visits if v["result"] == "police_collected")
    # Some grids finished, some behind (入户调查率 per grid, by the surveyed rule).
    households = [h for h in table(small, "household") if h["status"] != "demolished"]
    per_grid = Counter(h["grid_id"] for h in households)
    surveyed = {v["household_id"] for v in visits if v["result"] in SURVEYED}
    done = Counter(h["grid_id"] for h in households if h["id"] in surveyed)
    rates = {g: done[g] / n for g, n in per_grid.items()}
    assert max(rates.values()) >= 0.99 and min(rates.values()) < 0.5
