"""Spot checks (实地抽查) of the demo's inspection and acceptance stage (检查验收).

The seed plans acceptance for early November; the campaign rolls (滚动式), so grids whose
door-to-door work is finished are inspected as soon as they are done. In each finished
grid an inspector samples a few buildings after the grid team's last visit and compares
what they find with the platform item by item (persons, ID numbers, phones, house nature,
rooms …). Most grids match well above 95%, a few do not: the consistency target (一致率)
has something to show. Every choice comes from the grid's own seeded random stream, so the
rest of the demo does not change.
"""
import datetime as dt
import random
from dataclasses import dataclass

from webgis.demo.buildings import Building, Household
from webgis.demo.campaign import AS_OF, _at
from webgis.demo.territory import Grid

MISMATCH_NOTES = ("联系电话与平台不一致", "工作单位与平台不一致", "房屋性质与平台不一致",
                  "实际居住人数与平台不一致", "婚姻状况与平台不一致")


@dataclass(slots=True, eq=False)
class SpotCheck:
    grid: Grid
    building: Building
    household: Household | None
    inspector_id: int
    at: dt.datetime
    items_checked: int
    items_matched: int
    note: str | None
    id: int = 0


def spot_checks(grids: list[Grid], last_visit: dict[int, dt.date], inspector_of, seed: str) -> list[SpotCheck]:
    """Spot checks of the finished grids; `inspector_of(grid)` is the checking user's id."""
    out = []
    for g in grids:
        if g.profile != "finished":
            continue
        rng = random.Random(f"{seed}/{g.code}/spot")
        candidates = [b for b in g.buildings if b.status != "demolished"
                      and any(h.status == "active" for h in b.households)]
        if not candidates:
            continue
        sample = rng.sample(candidates, min(len(candidates), max(4, min(12, round(len(candidates) * 0.05)))))
        # Most grids were entered carefully; about one in six has a sloppier record.
        mismatch = rng.uniform(0.06, 0.1) if rng.random() < 0.16 else rng.uniform(0.0, 0.035)
        first = min(AS_OF, last_visit.get(id(g), AS_OF - dt.timedelta(days=10)) + dt.timedelta(days=1))
        for b in sample:
            active = [h for h in b.households if h.status == "active"]
            household = rng.choice(active) if rng.random() < 0.85 else None
            people = len(household.members) if household is not None else 0
            items = 4 + 3 * max(1, people) if household is not None else rng.randint(3, 5)
            wrong = sum(rng.random() < mismatch for _ in range(items))
            day = first + dt.timedelta(days=rng.randint(0, (AS_OF - first).days))
            note = "、".join(rng.sample(MISMATCH_NOTES, min(wrong, len(MISMATCH_NOTES)))) if wrong else None
            out.append(SpotCheck(g, b, household, inspector_of(g), _at(rng, day, evening_ok=False), items,
                                 items - wrong, note))
    out.sort(key=lambda s: (s.at, s.grid.id, s.building.id))
    return out
