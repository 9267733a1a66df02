"""Address matching: a written address → a room (户/室) of the user's scope.

Exact keys first (webgis/exchange/address.py: with the village, then without it when the key
is unique in the town), then a fuzzy score (rapidfuzz) — on the NAME parts only (village,
compound, road): numbers are never guessed, since 301室 and 302室 differ by one character and
are different rooms. An auto-match needs a fuzzy score of at least `AUTO_THRESHOLD` and a clear
lead over the runner-up; everything else goes to the review queue with its candidates.

`AUTO_THRESHOLD` was chosen on the labelled set of tests/test_exchange_matching.py (messy
spellings with known rooms, and addresses of rooms that do not exist): the lowest threshold at
which the auto-matches are ≥ 99 % correct; `precision_at()` recomputes it.
"""
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import select

from webgis.buildings.models import Building, Household
from webgis.exchange import address as grammar
from webgis.geo.models import Village

log = logging.getLogger(__name__)

AUTO_THRESHOLD = 80.0
MIN_LEAD = 5.0
SEEN_MAX = 50_000  # matches kept per dry run (memory stays bounded on any list length)


@dataclass
class Match:
    """The outcome for one address: a room, or why not (and the candidates to review)."""

    household_id: int | None
    grid_id: int | None = None
    score: float | None = None
    reason: str | None = None
    candidates: list = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class _Room:
    household_id: int
    building_id: int
    grid_id: int


class RoomIndex:
    """The rooms the user may see, indexed by exact keys and by name parts for the fuzzy step."""

    def __init__(self, rows):
        self.by_room: dict[tuple, list[_Room]] = defaultdict(list)
        self.by_building: dict[tuple, list[_Room]] = defaultdict(list)
        self.series_by_village: dict[str | None, set[str]] = defaultdict(set)
        self.villages: set[str] = set()
        self.labels: dict[int, str] = {}
        self._seen: dict[str, Match] = {}  # normalised address → its match (a list repeats addresses)
        for village, b, h in rows:
            a = grammar.of_household(village, b, h)
            room = _Room(h.id, b.id, h.grid_id)
            stem = grammar._village_stem(a.village)
            self.villages.add(stem)
            key, bkey = grammar.room_key(a), grammar.building_key(a)
            if key is None:
                continue
            self.by_room[key].append(room)
            self.by_room[(None,) + key[1:]].append(room)
            self.by_building[bkey].append(room)
            self.by_building[(None,) + bkey[1:]].append(room)
            self.series_by_village[stem].add(bkey[1])
            self.series_by_village[None].add(bkey[1])
            self.labels[h.id] = grammar.canonical(a)

    @classmethod
    def load(cls, session, town_id: int) -> "RoomIndex":
        """Index the rooms of the town visible to the session's scope (row-level security)."""
        rows = session.execute(  # streamed: the town's ~10^5 rooms are not materialised as one list
            select(Village.name, Building.address_form, Building.group_name, Building.house_no,
                   Building.compound, Building.building_no, Building.id, Household.id, Household.unit,
                   Household.room, Household.grid_id)
            .join(Building, Building.id == Household.building_id)
            .join(Village, Village.id == Building.village_id)
            .where(Household.town_id == town_id, Household.status != "demolished",
                   Building.status != "demolished")
            .execution_options(yield_per=5000))

        class _B:  # light row objects: the index of a town holds ~10^5 rooms
            __slots__ = ("address_form", "group_name", "house_no", "compound", "building_no", "id")

        class _H:
            __slots__ = ("unit", "room", "id", "grid_id")

        def objs(r):
            b, h = _B(), _H()
            b.address_form, b.group_name, b.house_no, b.compound, b.building_no, b.id = r[1:7]
            h.id, h.unit, h.room, h.grid_id = r[7:11]
            return r[0], b, h

        return cls(objs(r) for r in rows)

    # --- lookups ------------------------------------------------------------------------

    def _exact(self, a: grammar.Address) -> Match | None:
        stem = grammar._village_stem(a.village)
        key = grammar.room_key(a, with_village=stem is not None)
        if key is None:
            return None
        if stem is not None and stem not in self.villages:
            key = (None,) + key[1:]  # a village the user does not see, or a misspelling
        hits = self.by_room.get(key, [])
        if len(hits) == 1:
            return Match(hits[0].household_id, hits[0].grid_id, 100.0)
        if len(hits) > 1:
            return Match(None, reason="多个村（社区）有相同地址，请补充村（社区）名",
                         candidates=[self._candidate(h, 100.0) for h in hits[:5]])
        bkey = key[:3]
        rooms = self.by_building.get(bkey, [])
        if rooms and not a.room and not a.unit:
            if len({r.building_id for r in rooms}) == 1 and len(rooms) == 1:
                return Match(rooms[0].household_id, rooms[0].grid_id, 100.0)
            return Match(None, reason="地址未写明单元和室号，该楼栋有多个房间",
                         candidates=[self._candidate(r, 90.0) for r in rooms[:5]])
        if rooms:
            return Match(None, reason="楼栋已找到，但没有该单元/室号的房间",
                         candidates=[self._candidate(r, 80.0) for r in rooms[:5]])
        return None

    def _candidate(self, room: _Room, score: float) -> dict:
        return {"household_id": room.household_id, "grid_id": room.grid_id, "score": round(score, 1),
                "address": self.labels.get(room.household_id, "")}

    def match(self, text: str | None) -> Match:
        """Find the room a written address names (one lookup per distinct address of a list)."""
        key = grammar.normalize(text)
        found = self._seen.get(key)
        if found is None:
            if len(self._seen) >= SEEN_MAX:  # bounded: a list's addresses come grouped, recent ones repeat
                self._seen.clear()
            found = self._seen[key] = self._match(key)
        return found

    def _match(self, text: str) -> Match:
        a = grammar.parse(text)
        if not a.number:
            return Match(None, reason="地址中没有可识别的门牌号（号/幢）")
        if not (a.series or a.group):
            return Match(None, reason="地址中没有组、小区或道路名")
        found = self._exact(a)
        if found is not None and (found.household_id is not None or found.candidates):
            return found
        # Fuzzy step on the name parts: the village and the compound / road.
        stem = grammar._village_stem(a.village)
        village, v_score = stem, 100.0
        if stem is not None and stem not in self.villages:
            best = process.extractOne(stem, [v for v in self.villages if v], scorer=fuzz.ratio)
            village, v_score = (best[0], best[1]) if best else (None, 0.0)
        series = a.series or (f"{a.group}组" if a.group else None)
        known = self.series_by_village.get(village if village in self.series_by_village else None, set())
        s_score = 100.0
        if series not in known:
            scored = process.extract(series, list(known), scorer=fuzz.ratio, limit=2)
            if not scored:
                return Match(None, reason="未找到对应的标准地址")
            s_score = scored[0][1]
            lead = scored[0][1] - (scored[1][1] if len(scored) > 1 else 0.0)
            if a.group and not a.series:
                return Match(None, reason="该村（社区）没有这个组")
            if lead < MIN_LEAD:
                return Match(None, reason="地址与多个小区/道路名相近，请人工确认",
                             candidates=self._suggest(a, village, [s for s, _, _ in scored], scored[0][1]))
            series = scored[0][0]
        score = min(v_score, s_score)
        fixed = grammar.Address(village=(village + "村") if village else None, group=a.group if not a.series else None,
                                series=series if a.series else None, number=a.number, unit=a.unit, room=a.room)
        found = self._exact(fixed)
        if found is None:
            return Match(None, reason="未找到对应的标准地址", score=score)
        if found.household_id is None:
            return found
        if score < AUTO_THRESHOLD:
            return Match(None, reason=f"地址相似度{score:.0f}分，低于自动匹配阈值，请人工确认", score=score,
                         candidates=[{"household_id": found.household_id, "grid_id": found.grid_id,
                                      "score": round(score, 1), "address": self.labels.get(found.household_id, "")}])
        return Match(found.household_id, found.grid_id, score)

    def _suggest(self, a, village, series_list, score) -> list:
        out = []
        for s in series_list:
            key = (village if village in self.villages else None, s, a.number, a.unit or "", a.room or "")
            for r in self.by_room.get(key, [])[:2]:
                out.append(self._candidate(r, score))
        return out


def precision_at(index: RoomIndex, labelled: list[tuple[str, int | None]], threshold: float) -> tuple[float, int]:
    """(precision, number of auto-matches) of the matcher at `threshold` on a labelled set."""
    global AUTO_THRESHOLD
    saved, AUTO_THRESHOLD = AUTO_THRESHOLD, threshold
    index._seen.clear()  # the cached matches were made at another threshold
    try:
        auto = [(index.match(text).household_id, truth) for text, truth in labelled]
    finally:
        AUTO_THRESHOLD = saved
        index._seen.clear()
    made = [(got, truth) for got, truth in auto if got is not None]
    if not made:
        return 1.0, 0
    return sum(got == truth for got, truth in made) / len(made), len(made)
