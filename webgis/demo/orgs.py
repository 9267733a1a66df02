"""Organisations (实有单位) and key-attention records (重点关注) of the demo.

Factories are legal entities (法人单位), some with a separate workshop (产业活动场所);
shops on the ground floor of mixed buildings and in a few village houses are
self-employed businesses (个体工商户); every village has social organisations
(社会组织) and the communities kindergartens. Key attention covers rental houses,
floating people, the special-care categories of the seed and key units/places; the
attention level is still unset (NULL) on some, more of them in grids that are behind.
"""
import datetime as dt
import random
from dataclasses import dataclass, field

from webgis.demo import names
from webgis.demo.buildings import Building, Household
from webgis.demo.people import PeopleMaker, Person
from webgis.demo.rand import weighted
from webgis.demo.territory import Grid, Village

LEVEL_UNSET = {"finished": 0.0, "on_track": 0.06, "behind": 0.15, "lagging": 0.35}
LEVELS = {
    "rental_house": (("1", 85), ("2", 15)), "floating": (("1", 90), ("2", 10)),
    "released": (("2", 70), ("3", 30)), "corrections": (("2", 60), ("3", 40)),
    "mental": (("2", 60), ("3", 40)), "drug": (("3", 60), ("2", 40)), "hiv": (("2", 100),),
    "youth": (("1", 60), ("2", 40)), "key_unit": (("2", 70), ("3", 30)), "key_place": (("2", 60), ("1", 40)),
}
# Per-person probability of each special-care category among adults (youth: ages 12-25).
PERSON_CATEGORIES = (("released", 0.0015), ("corrections", 0.0006), ("mental", 0.003), ("drug", 0.0006),
                     ("hiv", 0.0002))


@dataclass(slots=True, eq=False)
class Organisation:
    grid: Grid
    building: Building | None
    name: str
    category: str
    address: str
    principal: str
    phone: str
    x: float
    y: float
    kind: str = ""  # shop kind, for key places
    id: int = 0


@dataclass(slots=True, eq=False)
class KeyAttention:
    grid: Grid
    category: str
    level: str | None
    note: str
    person: Person | None = None
    organisation: Organisation | None = None
    household: Household | None = None
    id: int = 0


@dataclass
class OrgResult:
    organisations: list[Organisation] = field(default_factory=list)
    key_attention: list[KeyAttention] = field(default_factory=list)


def address_of(b: Building) -> str:
    """The postal form of a building's standard address."""
    v = b.grid.village.name
    if b.address_form == "rural":
        return f"启东市汇龙镇{v}{b.group_name}{b.house_no}"
    return f"启东市汇龙镇{v}{b.compound}{b.building_no}"


def _landline(rng: random.Random) -> str:
    return f"0513-8{rng.randrange(10 ** 6, 10 ** 7):07d}"


def _principal(maker: PeopleMaker, rng: random.Random) -> str:
    return rng.choice(maker.local_surnames) + maker.given_name(rng, rng.choice("112"), rng.randint(1960, 1990))


def village_orgs(village: Village, maker: PeopleMaker, rng: random.Random, out: OrgResult) -> None:
    """Create the organisations of one village from its buildings."""
    first_in_grid = []
    for g in village.grids:
        for b in g.buildings:
            if b.status == "demolished":
                continue
            if b.factory:
                org = Organisation(g, b, b.factory, "legal_entity", address_of(b), _principal(maker, rng),
                                   _landline(rng), b.x, b.y)
                out.organisations.append(org)
                if rng.random() < 0.25:
                    out.organisations.append(Organisation(
                        g, b, f"{b.factory}{rng.choice(('二车间', '仓储中心', '装配车间'))}", "activity_site",
                        address_of(b), _principal(maker, rng), _landline(rng), b.x, b.y))
            for kind in b.shops:
                owner = _principal(maker, rng)
                label = f"{owner[0]}记{kind}" if rng.random() < 0.4 else f"汇龙{rng.choice(names.COMPOUNDS)}{kind}"
                category = "legal_entity" if kind in ("药房",) else "individual"
                phone = PeopleMaker.phone(rng, 40) or _landline(rng)
                out.organisations.append(Organisation(g, b, label, category, address_of(b), owner, phone,
                                                      b.x, b.y, kind=kind))
        candidates = [b for b in g.buildings if b.status == "existing" and b.kind != "factory"]
        if candidates:
            first_in_grid.append((g, candidates[len(candidates) // 2]))
    if not first_in_grid:
        return
    kinds = rng.sample(names.SOCIAL_ORGS, 2)
    for kind, (g, b) in zip(kinds, first_in_grid):
        out.organisations.append(Organisation(g, b, f"{village.name}{kind}", "social_org", address_of(b),
                                              _principal(maker, rng), _landline(rng), b.x, b.y))
    if village.urban:
        for n, (g, b) in enumerate(first_in_grid[2:4], 1):
            out.organisations.append(Organisation(
                g, b, f"启东市汇龙镇{village.name.removesuffix('村')}{'幼儿园' if n == 1 else '社区卫生服务站'}",
                "legal_entity", address_of(b), _principal(maker, rng), _landline(rng), b.x, b.y))
    elif len(first_in_grid) > 2:
        g, b = first_in_grid[2]
        out.organisations.append(Organisation(g, b, f"{village.name}卫生室", "legal_entity", address_of(b),
                                              _principal(maker, rng), _landline(rng), b.x, b.y))


def key_attention(grids: list[Grid], persons: list[Person], out: OrgResult, seed: str, as_of: dt.date) -> None:
    """Create the key-attention records of the town."""
    by_grid: dict[int, list[Person]] = {}
    for p in persons:
        by_grid.setdefault(id(p.grid), []).append(p)
    orgs_by_grid: dict[int, list[Organisation]] = {}
    for o in out.organisations:
        orgs_by_grid.setdefault(id(o.grid), []).append(o)
    for g in grids:
        rng = random.Random(f"{seed}/{g.code}/key")
        unset = LEVEL_UNSET[g.profile]

        def add(category, **ref):
            level = None if rng.random() < unset else weighted(rng, LEVELS[category])
            out.key_attention.append(KeyAttention(g, category, level, rng.choice(names.KEY_NOTES[category]), **ref))

        for o in orgs_by_grid.get(id(g), []):
            if o.kind in names.KEY_PLACE_KINDS:
                add("key_place", organisation=o)
            elif o.category == "legal_entity" and (o.building is None or o.building.factory is None
                                                   or rng.random() < 0.3):
                add("key_unit", organisation=o)
        for b in g.buildings:
            for h in b.households:
                if h.status == "active" and h.nature == "rented" and rng.random() < 0.5:
                    add("rental_house", household=h)
        for p in by_grid.get(id(g), []):
            if p.status != "active":
                continue
            if p.category == "floating" and rng.random() < 0.25:
                add("floating", person=p)
            age = (as_of - p.birth).days // 365
            if 12 <= age <= 25 and rng.random() < 0.004:
                add("youth", person=p)
            if age >= 18:
                for category, prob in PERSON_CATEGORIES:
                    if rng.random() < prob * (1.6 if p.gender == "1" and category != "mental" else 0.6):
                        add(category, person=p)
