"""The verification campaign in progress: visits (入户记录) and police verifications (民警核验).

The campaign starts on 2026-08-15 (采集录入阶段 mid-August to late October, 检查验收 in
early November, as in the seed's 三、实施步骤) and the demo shows it on AS_OF. Each grid
has a profile: `finished` grids are (almost) all visited and signed off, `on_track`
and `behind` grids have a visiting front moving along the route, `lagging` grids have
barely started. Grid teams walk their grid lane by lane, so visited buildings form a
contiguous area with a few holes. Doors that do not open are revisited or handed to
the police; the police sign visited households off within about 7 days, disputing a few.
Visits also record what changed: people who moved out or died, new tenants, new buildings,
and the outcomes of the registration form: rooms found vacant (房屋空置（已核实）), households
that moved out (住户已搬离), demolished houses (房屋已拆除), and doors the police collected
themselves (民警上门采集, signed at once). Only a person present answers the awareness and
satisfaction questions: a vacant room, a door that did not open or a refusal gives no answer.
Every visit and sign-off falls in working hours (8:30–20:30, the evening slot included).
"""
import datetime as dt
import math
import random
from dataclasses import dataclass, field

import numpy as np

from webgis.demo.buildings import Building, Household
from webgis.demo.people import Person
from webgis.demo.rand import weighted
from webgis.demo.territory import Grid

CST = dt.timezone(dt.timedelta(hours=8))
CAMPAIGN_START = dt.date(2026, 8, 15)
AS_OF = dt.date(2026, 10, 23)  # the demo's "today": the last week of the collection phase
BASE_CREATED = dt.datetime(2026, 8, 1, 9, 0, tzinfo=CST)  # pre-filled sheets (核对表) loaded

# Share of the route visited, holes left behind the front, start delay and the day the
# grid team last worked (days before AS_OF), by profile.
PROFILES = {
    "finished": dict(cover=(0.997, 1.0), hole=0.0, start=(0, 4), stop=(3, 20)),
    "on_track": dict(cover=(0.6, 0.9), hole=0.03, start=(0, 6), stop=(0, 2)),
    "behind": dict(cover=(0.3, 0.55), hole=0.05, start=(3, 15), stop=(0, 5)),
    "lagging": dict(cover=(0.03, 0.12), hole=0.1, start=(28, 50), stop=(0, 6)),
}
FIRST_RESULT = (("verified", 72), ("changed", 15), ("nobody_home", 11), ("refused", 2))
SLOTS = (((8, 30), (11, 30), 45), ((14, 0), (17, 30), 40), ((18, 30), (20, 30), 15))
DAY_START, DAY_END = dt.time(8, 30), dt.time(20, 30)
# Share of visited households found moved out as a whole (their room stays, now vacant).
MOVED_OUT_RATE = 0.012


@dataclass(slots=True, eq=False)
class Visit:
    household: Household
    at: dt.datetime
    result: str
    visitor_id: int | None
    awareness: bool | None
    satisfaction: bool | None
    form_filler: str
    police_officer: str
    note: str | None = None
    id: int = 0


@dataclass(slots=True, eq=False)
class Verification:
    household: Household
    visit: Visit
    at: dt.datetime
    outcome: str
    officer_id: int | None
    note: str | None = None
    id: int = 0


@dataclass
class Staff:
    """Who does the work in a grid: names on the forms and, for the demo users, their ids."""

    leader_name: str
    officer_name: str
    leader_id: int | None = None
    liaison_id: int | None = None
    officer_id: int | None = None


@dataclass
class CampaignLog:
    visits: list[Visit] = field(default_factory=list)
    verifications: list[Verification] = field(default_factory=list)


def _at(rng: random.Random, day: dt.date, evening_ok: bool = True) -> dt.datetime:
    """A working time on `day` (the grid teams also work evenings: 错时工作制)."""
    slots = SLOTS if evening_ok else SLOTS[:2]
    (h0, m0), (h1, m1), _ = rng.choices(slots, weights=[s[2] for s in slots])[0]
    minute = rng.randint(h0 * 60 + m0, h1 * 60 + m1)
    return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=CST)


def _working(rng: random.Random, t: dt.datetime, evening_ok: bool = True) -> dt.datetime:
    """`t` if it falls in working hours, else a working time of the next day."""
    local = t.astimezone(CST)
    if DAY_START <= local.time() <= (DAY_END if evening_ok else dt.time(17, 30)):
        return t
    day = local.date() + dt.timedelta(days=1 if local.time() > DAY_START else 0)
    return _at(rng, day, evening_ok)


def _before(rng: random.Random, end: dt.datetime, hours: tuple[int, int], evening_ok: bool = True) -> dt.datetime:
    """A working time some `hours` before `end` (never after it)."""
    t = _working(rng, end - dt.timedelta(hours=rng.randint(*hours)), evening_ok)
    if t > end:
        t = _at(rng, end.date() - dt.timedelta(days=1), evening_ok)
    return t


def route(grid: Grid) -> list[Building]:
    """Buildings in walking order: lane by lane from the north, alternating direction."""
    f = grid.village.frame
    if not grid.buildings:
        return []
    local = f.to_local(np.array([[b.x, b.y] for b in grid.buildings]))
    keyed = []
    for b, (lx, ly) in zip(grid.buildings, local.tolist()):
        band = math.floor(-ly / 120.0)
        keyed.append(((band, lx if band % 2 == 0 else -lx), b))
    keyed.sort(key=lambda kb: kb[0])
    return [b for _, b in keyed]


class Campaign:
    """Generates the event log grid by grid."""

    def __init__(self, log: CampaignLog):
        self.log = log
        self.as_of_end = dt.datetime(AS_OF.year, AS_OF.month, AS_OF.day, 21, 0, tzinfo=CST)

    def run_grid(self, grid: Grid, persons: list[Person], staff: Staff, rng: random.Random) -> None:
        """Visit and verify the grid according to its profile."""
        prof = PROFILES[grid.profile]
        order = route(grid)
        total = sum(len(b.households) for b in order) or 1
        cover = rng.uniform(*prof["cover"])
        start = CAMPAIGN_START + dt.timedelta(days=rng.randint(*prof["start"]))
        stop = AS_OF - dt.timedelta(days=rng.randint(*prof["stop"]))
        if stop <= start:
            stop = start + dt.timedelta(days=1)
        visited: list[Building] = []
        seen = 0
        for b in order:
            if seen / total >= cover:
                break
            seen += len(b.households)
            if rng.random() >= prof["hole"]:
                visited.append(b)
        members: dict[int, list[Person]] = {}
        for p in persons:
            if p.household is not None:
                members.setdefault(id(p.household), []).append(p)
        span = (stop - start).days
        aware_p = 0.9 if grid.profile == "lagging" else rng.uniform(0.95, 0.99)
        satisfied_p = 0.91 if grid.profile == "lagging" else rng.uniform(0.955, 0.995)
        self.probs = (aware_p, satisfied_p)
        for i, b in enumerate(visited):
            day = start + dt.timedelta(days=min(span, max(0, round(i / len(visited) * span + rng.uniform(-1, 1)))))
            new_building = (b.kind in ("house", "mixed") and b.status == "existing" and rng.random() < 0.012)
            if new_building:
                b.status = "new"
                b.created_at = _at(rng, day, evening_ok=False)
                if rng.random() < 0.5:
                    b.footprint = None  # reported by the grid team; not yet surveyed
            for h in b.households:
                if h.status == "demolished":
                    continue
                self._household(grid, h, members.get(id(h), []), day, staff, rng, new_building)
            if b.status == "demolished":
                # Marked, never deleted: the visit records the demolition for the police.
                self.log.visits.append(Visit(b.households[0], _at(rng, day), "demolished", staff.leader_id, None,
                                             None, staff.leader_name, staff.officer_name, "房屋已拆除，住户已搬离"))

    # --- one household ---------------------------------------------------------------
    def _household(self, grid: Grid, h: Household, people: list[Person], day: dt.date, staff: Staff,
                   rng: random.Random, new_building: bool) -> None:
        finished = grid.profile == "finished"
        at = _at(rng, day)
        if at > self.as_of_end:
            return
        result = weighted(rng, FIRST_RESULT)
        lived_in = bool(people)  # a room that never had a resident gives no answers, no changes
        new_registration = lived_in and (new_building or (h.nature == "rented" and rng.random() < 0.2))
        visits = []
        if not lived_in or h.status == "vacant":
            # An empty room: nobody opens or refuses; the team confirms the vacancy (with the
            # neighbours or the property company), at once or on a later visit.
            if result in ("nobody_home", "refused"):
                visits.append(self._visit(h, at, "nobody_home", staff, rng, police=False))
                if not (finished or rng.random() < 0.7):
                    self.log.visits += visits
                    return
                at = _at(rng, at.date() + dt.timedelta(days=rng.randint(1, 6)))
                if at > self.as_of_end:
                    if not finished:
                        self.log.visits += visits
                        return
                    at = max(visits[-1].at + dt.timedelta(hours=2), _before(rng, self.as_of_end, (4, 60)))
            ok = self._visit(h, at, "vacant", staff, rng, police=False)
            ok.note = "房屋空置，已核实"
            visits.append(ok)
            self.log.visits += visits
            self._verify(grid, h, ok, staff, rng)
            return
        if result in ("nobody_home", "refused"):
            visits.append(self._visit(h, at, result, staff, rng, police=False))
            if result == "nobody_home" and rng.random() < 0.75:
                at = _at(rng, at.date() + dt.timedelta(days=rng.randint(1, 8)))
                result = weighted(rng, (("verified", 70), ("changed", 18), ("nobody_home", 12)))
                if at <= self.as_of_end:
                    visits.append(self._visit(h, at, result, staff, rng, police=False))
            if result in ("nobody_home", "refused") and (finished or rng.random() < 0.6):
                # Doors that do not open and refusals go to the community police.
                at = _at(rng, at.date() + dt.timedelta(days=rng.randint(1, 6)), evening_ok=False)
                result = "police_collected"
                if finished and at > self.as_of_end:
                    at = max(visits[-1].at + dt.timedelta(hours=2), _before(rng, self.as_of_end, (4, 60), False))
                    at = _working(rng, at, evening_ok=False)
                if at <= self.as_of_end:
                    visits.append(self._visit(h, at, result, staff, rng, police=True))
            if visits[-1].result in ("nobody_home", "refused"):
                self.log.visits += visits
                return
        else:
            visits.append(self._visit(h, at, result, staff, rng, police=False))
        ok = visits[-1]
        if ok.result == "police_collected":
            # The police collected the household themselves and sign it at once (seed §四.3).
            self._changes(h, people, ok, rng)
            self.log.visits += visits
            self.log.verifications.append(Verification(h, ok, ok.at + dt.timedelta(minutes=rng.randint(5, 40)),
                                                       "signed", staff.officer_id, "民警上门完成采集"))
            return
        if rng.random() < MOVED_OUT_RATE and h.nature in ("rented", "self_bought", "other"):
            ok.result, ok.note = "moved_out", "住户已整体搬离，房屋现空置"
            ok.awareness = ok.satisfaction = None
            for p in people:
                if p.status == "active":
                    p.status, p.end = "moved_out", ok.at.date()
            h.status = "vacant"
            self.log.visits += visits
            self._verify(grid, h, ok, staff, rng)
            return
        notes = self._changes(h, people, ok, rng)
        if new_registration:
            ok.result = "new"
            ok.note = "新建房屋，新增登记" if new_building else "新入住租户，新增登记"
            for p in people:
                p.created_at = ok.at
        elif notes:
            ok.result = "changed"
            ok.note = "；".join(notes)
        elif ok.result == "changed":
            ok.note = rng.choice(("联系电话变更", "工作单位变更", "婚姻状况变更", "职业变更", "房屋性质变更"))
        self.log.visits += visits
        self._verify(grid, h, ok, staff, rng)

    def _visit(self, h, at, result, staff: Staff, rng, police: bool) -> Visit:
        if result not in ("verified", "changed", "new", "police_collected"):
            aware = satisfied = None  # nobody answered: no one there, or a refusal (no answer)
        else:
            aware, satisfied = rng.random() < self.probs[0], rng.random() < self.probs[1]
        if police:
            visitor, note = staff.officer_id, "敲不开门或拒绝配合，民警上门完成采集"
        else:
            visitor = staff.liaison_id if staff.liaison_id and rng.random() < 0.25 else staff.leader_id
            note = "敲门无人应答" if result == "nobody_home" else "住户拒绝配合，已移交民警" if result == "refused" else None
        return Visit(h, at, result, visitor, aware, satisfied, staff.leader_name, staff.officer_name, note)

    def _changes(self, h: Household, people: list[Person], visit: Visit, rng: random.Random) -> list[str]:
        """Apply what the visit found (moved out, deceased, long absent); return the notes."""
        notes = []
        day = visit.at.date()
        for p in people:
            if p.relation == "1" or p.status != "active":
                continue
            age = (day - p.birth).days // 365
            r = rng.random()
            if age >= 80 and r < 0.02:
                p.status, p.end = "deceased", day - dt.timedelta(days=rng.randint(10, 200))
                notes.append(f"{p.name}已去世")
            elif r < (0.04 if 18 <= age <= 40 else 0.012):
                p.status, p.end = "moved_out", day
                notes.append(f"{p.name}已搬离")
            elif r < (0.05 if 18 <= age <= 40 else 0.016):
                p.status = "long_absent"
                notes.append(f"{p.name}长期在外")
        return notes

    def _verify(self, grid: Grid, h: Household, visit: Visit, staff: Staff, rng: random.Random) -> None:
        """Police sign-off of a visited household, usually within 7 days (7日内完成核验)."""
        finished = grid.profile == "finished"
        lag = weighted(rng, ((0, 5), (1, 15), (2, 20), (3, 18), (4, 14), (5, 10), (6, 8), (7, 5),
                              (9, 2), (11, 2), (14, 1)))
        day = visit.at.date() + dt.timedelta(days=lag)
        at = _working(rng, max(_at(rng, day, evening_ok=False),
                                visit.at + dt.timedelta(minutes=rng.randint(30, 240))), evening_ok=False)
        if finished and at > self.as_of_end:
            if rng.random() < 0.01:
                return  # one or two still waiting for the police
            at = _working(rng, max(visit.at + dt.timedelta(hours=2), _before(rng, self.as_of_end, (3, 30), False)),
                          evening_ok=False)
        if at > self.as_of_end:
            return
        disputed = rng.random() < 0.06
        v = Verification(h, visit, at, "disputed" if disputed else "signed", staff.officer_id,
                         rng.choice(("身份证号码与户籍信息不符", "实际居住人数与登记不符", "房屋性质存疑")) if disputed else None)
        self.log.verifications.append(v)
        if not disputed:
            return
        again = _at(rng, at.date() + dt.timedelta(days=rng.randint(1, 5)))
        if finished and again > self.as_of_end:
            again = _working(rng, at + dt.timedelta(hours=3))
        if again > self.as_of_end:
            return
        # The re-check finds the room as it is: a vacant or moved-out room stays so, without answers.
        again_result = visit.result if visit.result in ("vacant", "moved_out") else "changed"
        revisit = Visit(h, again, again_result, staff.leader_id, visit.awareness, visit.satisfaction,
                        staff.leader_name, staff.officer_name, "按民警意见重新核实")
        self.log.visits.append(revisit)
        signed = _at(rng, again.date() + dt.timedelta(days=rng.randint(1, 4)), evening_ok=False)
        if finished and signed > self.as_of_end:
            signed = _working(rng, again + dt.timedelta(hours=2), evening_ok=False)
        if signed <= self.as_of_end:
            self.log.verifications.append(Verification(h, revisit, signed, "signed", staff.officer_id))
