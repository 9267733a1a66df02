"""Data-quality checks (seed §七.4: clean out stale, wrong and garbage data), read from the
named queries of webgis/quality/checks.sql under the user's row-level security.

Each check yields (grid, room, person, label) rows; the page shows the count per grid and the
first rows with a link to the registration form of the room, where the record is fixed.
The region-code check (a GB/T 2260 code that did not exist in the birth year) uses the same
rule as the ID validation (webgis/people/idcard.region_error), over the persons in scope.
"""
import re
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from webgis.geo.models import Grid
from webgis.people.idcard import region_error
from webgis.people.models import Person, Residence

STALE_DAYS = 180
RENTAL_ADULTS = 6
CHECKS = {
    "same_id_two_rooms": "同一身份证号登记在两个房间",
    "same_person_twice": "同一人登记两次（姓名+出生日期相同）",
    "conflicts": "核验有争议未重访",
    "stale": f"超过{STALE_DAYS}天未核验",
    "group_rental": f"疑似群租（一室{RENTAL_ADULTS}名以上无亲属关系的成年人）",
    "minor_alone": "未成年人独自为户主",
    "region_at_birth": "出生时尚不存在的行政区划代码",
}


def _queries() -> dict[str, str]:
    body = (Path(__file__).with_name("checks.sql")).read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\n", body, flags=re.M)
    return {parts[i]: parts[i + 1].strip().rstrip(";") for i in range(1, len(parts), 2)}


def _region_rows(session: Session) -> list[tuple]:
    rows = session.execute(
        select(Person.grid_id, Residence.household_id, Person.id, Person.name, Person.id_number)
        .outerjoin(Residence, (Residence.person_id == Person.id) & Residence.end_date.is_(None))
        .where(Person.status == "active").execution_options(yield_per=20000))
    out = []
    for grid_id, household_id, pid, name, idn in rows:
        if idn and len(idn) == 18 and idn[6:10].isdigit() and region_error(idn[:6], int(idn[6:10])):
            out.append((grid_id, household_id, pid, f"{name}（{idn[:6]}）"))
    return out


def run(session: Session, limit: int = 50) -> list[dict]:
    """Every check: total, count per grid, first rows."""
    grids = dict(session.execute(select(Grid.id, Grid.name)).all())
    results = []
    sql = _queries()
    for key, title in CHECKS.items():
        if key == "region_at_birth":
            rows = _region_rows(session)
        else:
            rows = session.execute(text(sql[key]), {"stale_days": STALE_DAYS, "rental_adults": RENTAL_ADULTS}).all()
        per_grid: dict[int, int] = {}
        for r in rows:
            per_grid[r[0]] = per_grid.get(r[0], 0) + 1
        results.append({"key": key, "title": title, "total": len(rows),
                        "per_grid": sorted(((grids.get(g, str(g)), n) for g, n in per_grid.items()),
                                           key=lambda x: -x[1])[:20],
                        "rows": [{"grid": grids.get(r[0]), "household_id": r[1], "person_id": r[2], "label": r[3]}
                                 for r in rows[:limit]]})
    return results
