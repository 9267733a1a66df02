"""Address grammar: a written address (as police, village and property-company lists spell it)
into the structured parts of a standard address (标准地址, webgis/buildings/address.py).

Real lists write one room many ways: full-width digits (３幢), Chinese numerals (三幢二单元
一零一室), 幢/栋/号楼/座 for a building, 室/户/号 for a room, "3-2-301", with or without the
village, with spaces. `parse()` normalises (NFKC, numerals by cn2an, markers unified) and reads
the parts with a small grammar of our own; `room_key()` / `building_key()` give the exact keys the
matcher looks up, and `canonical()` the string the fuzzy score compares. The platform's own
addresses go through the same functions, so both sides meet in one form.

cn2an is used for the numerals because it handles 十/百/千 and 两 correctly; digit-by-digit
runs (一零一) are mapped directly.
"""
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import cn2an

_CN_DIGITS = {"零": "0", "〇": "0", "○": "0", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_RUN = re.compile(r"[零〇○一二两三四五六七八九十百千]+(?=(网格|组|队|号楼|号|幢|栋|座|单元|室|户|层|楼|$|[-—]))")
_BUILDING_MARKERS = re.compile(r"(号楼|栋|座|幢)")
_DASHES = re.compile(r"[‐‑‒–—―－~～]")
_SPACE = re.compile(r"\s+")
_JUNK = re.compile(r"[/|、，,。;；:：()（）\[\]【】\"'“”]")

_PLACE_END = r"(?:村|社区|居委会|居委)"
_SERIES_END = r"(?:小区|花园|家园|新村|公寓|苑|园|城|府|湾|大道|路|街|巷|弄)"
_GRAMMAR = re.compile(
    r"^(?:(?P<town>[^\d]*?镇))?"
    r"(?:(?P<village>[^/]*?" + _PLACE_END + r"))?"
    r"(?:第?(?P<grid>\d+)网格)?"
    r"(?:(?P<group>\d+)(?:组|队))?"
    r"(?:(?P<series>[^\d]*?" + _SERIES_END + r"))?"
    r"(?:(?P<number>\d+)(?:号|幢)?)?"
    r"(?:-?(?P<unit>\d+)单元)?"
    r"(?:-?(?P<room>\d+)(?:室|户|号)?)?$"
)
# Anything before the first number is a name (a misspelt compound or road, maybe after a village).
_LOOSE = re.compile(r"^(?P<head>[^\d]+?)(?P<number>\d+)(?:号|幢)(?:(?P<unit>\d+)单元)?(?:(?P<room>\d+)(?:室|户|号)?)?$")
# "3-2-301", "3-301": building-unit-room / building-room, after a compound name.
_DASHED = re.compile(r"^(?P<head>.*?)(?P<number>\d+)-(?:(?P<unit>\d+)-)?(?P<room>\d+)(?:室|户|号)?$")


@dataclass(frozen=True)
class Address:
    """The structured parts of one written address (numbers as digit strings, no markers)."""

    village: str | None = None
    grid: str | None = None
    group: str | None = None
    series: str | None = None
    number: str | None = None
    unit: str | None = None
    room: str | None = None
    raw: str = ""

    @property
    def form(self) -> str:
        return "rural" if self.group and not self.series else "urban"


def _numerals(text: str) -> str:
    def repl(m: re.Match) -> str:
        run = m.group(0)
        if not any(ch in run for ch in "十百千"):
            return "".join(_CN_DIGITS[ch] for ch in run)
        try:
            return str(cn2an.cn2an(run, "smart"))
        except ValueError:
            return run
    return _CN_RUN.sub(repl, text)


def normalize(text: str | None) -> str:
    """NFKC, no spaces or punctuation, Chinese numerals as digits, one marker per part."""
    if not text:
        return ""
    return _normalize(str(text))


@lru_cache(maxsize=50_000)
def _normalize(text: str) -> str:
    # Cached per distinct string: a town's rooms repeat the same parts (3单元, 301室, 阳光小区)
    # and a list repeats its addresses; bench/import.py measured the uncached cost.
    s = unicodedata.normalize("NFKC", str(text))
    s = _SPACE.sub("", s)
    s = _DASHES.sub("-", s)
    s = _JUNK.sub("", s)
    s = s.replace("#", "号")
    s = _numerals(s)
    s = re.sub(r"(\d)号楼", r"\1幢", s)
    s = _BUILDING_MARKERS.sub("幢", s)
    s = s.replace("居委会", "社区").replace("居委", "社区")
    s = re.sub(r"(\d)楼(\d)", r"\1幢\2", s)  # "3楼201" on a compound: building 3, room 201
    return s


def parse(text: str | None) -> Address:
    """Read a written address into its parts (unknown shapes keep what could be read)."""
    return _parse(normalize(text))


@lru_cache(maxsize=50_000)
def _parse(s: str) -> Address:
    """The parts of a normalised address (cached per distinct address; Address is frozen)."""
    m = _GRAMMAR.match(s)
    if m is None and (loose := _LOOSE.match(s)):
        head = loose.group("head")
        place = re.match(r"^(.*?" + _PLACE_END + r")(.+)$", head)
        village, series = (place.group(1), place.group(2)) if place else (None, head)
        return Address(village=village, series=series, number=_n(loose.group("number")),
                       unit=_n(loose.group("unit")), room=_n(loose.group("room")), raw=s)
    if m is None:
        d = _DASHED.match(s)
        if d is None:
            return Address(raw=s)
        head = _GRAMMAR.match(d.group("head")) if d.group("head") else None
        hp = head.groupdict() if head else {}
        series = hp.get("series") or (d.group("head") if d.group("head") and not head else None)
        return Address(village=hp.get("village"), grid=_n(hp.get("grid")), group=_n(hp.get("group")),
                       series=series, number=_n(d.group("number")), unit=_n(d.group("unit")),
                       room=_n(d.group("room")), raw=s)
    p = m.groupdict()
    return Address(village=p["village"], grid=_n(p["grid"]), group=_n(p["group"]), series=p["series"],
                   number=_n(p["number"]), unit=_n(p["unit"]), room=_n(p["room"]), raw=s)


def _n(digits: str | None) -> str | None:
    """A number part without leading zeros ("0301" and "301" are one room)."""
    return str(int(digits)) if digits else None


def of_household(village: str, building, household) -> Address:
    """The platform's own address of a room, from its stored parts (each read by the grammar)."""
    num = _number_of
    urban = building.address_form == "urban"
    return Address(village=normalize(village) or None,
                   group=None if urban else num(building.group_name),
                   series=normalize(building.compound) or None if urban else None,
                   number=num(building.building_no if urban else building.house_no),
                   unit=num(household.unit) if household is not None else None,
                   room=num(household.room) if household is not None else None)


@lru_cache(maxsize=100_000)
def _number_of(part: str | None) -> str | None:
    """The number in a stored address part (3单元 → 3, 0301室 → 301)."""
    m = re.search(r"\d+", normalize(part)) if part else None
    return _n(m.group(0)) if m else None


def _village_stem(village: str | None) -> str | None:
    if not village:
        return None
    return re.sub(_PLACE_END + "$", "", village)


def building_key(a: Address, with_village: bool = True) -> tuple | None:
    """The exact key of the building an address names (None when it names none)."""
    if not a.number:
        return None
    series = a.series if a.series else (f"{a.group}组" if a.group else None)
    if series is None:
        return None
    return (_village_stem(a.village) if with_village else None, series, a.number)


def room_key(a: Address, with_village: bool = True) -> tuple | None:
    """The exact key of the room (building key + 单元 + 室)."""
    b = building_key(a, with_village)
    return None if b is None else b + (a.unit or "", a.room or "")


def canonical(a: Address, with_village: bool = True) -> str:
    """One string per address, compared by the fuzzy score."""
    parts = [(_village_stem(a.village) or "") if with_village else "", f"{a.group}组" if a.group else "",
             a.series or "", f"{a.number}号" if a.number else "", f"{a.unit}单元" if a.unit else "",
             f"{a.room}室" if a.room else ""]
    return "".join(parts)
