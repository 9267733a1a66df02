"""Persons (实有人口) and residences (人房关联) of the demo households.

Each active household gets a plausible composition for its kind of housing (elderly
rural couples, three-generation families, urban nuclear families, floating tenants,
factory dormitories). Names, birth dates, GB 11643 ID numbers (gender and birth date
consistent with the number), phones, occupations and marital status follow from age
and origin. Some persons are left without a room: the link gaps the campaign fixes,
more of them where the grid is behind.
"""
import datetime as dt
import random
from dataclasses import dataclass

from webgis.demo import names
from webgis.demo.buildings import Household
from webgis.demo.rand import weighted
from webgis.demo.territory import Grid
from webgis.people.idcard import check_digit

LOCAL_REGION = "320681"  # 启东市 (320626 启东县 for numbers given before 1989: names.REGION_YEARS)
LOCAL_REGION_BEFORE = "320626"
# 法定婚龄 (Civil Code art. 1047): men 22, women 20. Nobody younger is married, divorced or widowed.
LEGAL_AGE = {"1": 22, "2": 20}
ADULT = 18  # a head of household living alone is at least this old
# Probability that a non-head member has no room in the platform, and extra floating
# persons known only by registration (per active household), by grid profile.
GAP_RATE = {"finished": 0.012, "on_track": 0.06, "behind": 0.1, "lagging": 0.2}
EXTRA_UNPLACED = {"finished": 0.003, "on_track": 0.015, "behind": 0.03, "lagging": 0.06}
# Probability that a room not yet visited has lost the link of all its registered people.
UNLINKED_ROOM_RATE = {"finished": 0.0, "on_track": 0.008, "behind": 0.015, "lagging": 0.03}


@dataclass(slots=True, eq=False)
class Person:
    """实有人口 under construction, with its residence (None = a link gap)."""

    grid: Grid
    name: str
    gender: str
    id_number: str
    birth: dt.date
    occupation: str | None
    employer: str | None
    marital: str
    hukou_consistent: bool
    registered_address: str | None
    phone: str | None
    category: str
    ethnicity: str = "01"
    status: str = "active"
    created_at: dt.datetime | None = None
    household: Household | None = None
    former: Household | None = None  # a link gap's last known room (its residence has ended)
    relation: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    id: int = 0


class PeopleMaker:
    """Creates persons for households; one per town so ID numbers stay unique."""

    def __init__(self, as_of: dt.date, employers: list[str], village_names: list[str]):
        self.as_of = as_of
        self.factories = employers or ["启东华通机械有限公司"]
        self.village_names = village_names
        self.used_ids: set[str] = set()
        self.local_surnames = names.LOCAL_SURNAMES
        self.national_surnames = names.NATIONAL_SURNAMES
        self.cohorts = {k: (m.split(), f.split()) for k, (m, f) in names.GIVEN_NAMES.items()}
        self.chars = {k: (a.split(), b.split()) for k, (a, b) in names.GIVEN_CHARS.items()}
        self.regions = [r for r, w in zip(names.FLOATING_REGIONS, names.FLOATING_WEIGHTS) for _ in range(w)]

    # --- single attributes ---------------------------------------------------------
    def given_name(self, rng: random.Random, gender: str, year: int) -> str:
        cohort = 2000 if year >= 2000 else 1980 if year >= 1980 else 1960 if year >= 1960 else 1930
        whole = self.cohorts[cohort][0 if gender == "1" else 1]
        if rng.random() < 0.65:
            return rng.choice(whole)
        first, second = self.chars[gender]
        if rng.random() < 0.2:
            return rng.choice(second)
        return rng.choice(first) + rng.choice(second)

    def birth_date(self, rng: random.Random, age: int) -> dt.date:
        days = int((age + rng.random()) * 365.2425)
        return dt.date.fromordinal(self.as_of.toordinal() - max(days, 20))

    def id_number(self, rng: random.Random, region: str, birth: dt.date, gender: str) -> str:
        while True:
            parity = rng.choice("13579" if gender == "1" else "02468")
            body = f"{region}{birth:%Y%m%d}{rng.randrange(100):02d}{parity}"
            number = body + check_digit(body)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    @staticmethod
    def phone(rng: random.Random, age: int) -> str | None:
        chance = 0.0 if age < 14 else 0.5 if age < 18 else 0.97 if age < 70 else 0.7
        if rng.random() >= chance:
            return None
        return rng.choice(names.PHONE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"

    def occupation(self, rng: random.Random, age: int, gender: str, rural: bool, category: str):
        """Return (occupation code, employer) for an age and background."""
        if age < 6:
            return "6", None
        if age < 18:
            return "6", rng.choice(names.SCHOOLS)
        if age < 22 and rng.random() < 0.5:
            return "6", rng.choice(names.COLLEGES)
        if age >= (60 if gender == "1" else 55):
            if rural and age < 76 and rng.random() < 0.45:
                return "4", None
            return "6", None
        if category != "registered":
            table = (("2", 55), ("3", 40), ("5", 5))
        elif rural:
            table = (("4", 22), ("2", 36), ("3", 25), ("1", 8), ("5", 9))
        else:
            table = (("1", 15), ("2", 30), ("3", 40), ("5", 7), ("6", 8))
        occ = weighted(rng, table)
        if occ == "1":
            return occ, rng.choice(names.PUBLIC_EMPLOYERS)
        if occ == "2":
            return occ, rng.choice(self.factories)
        if occ == "3":
            if rng.random() < 0.35:
                return occ, "个体经营"
            return occ, rng.choice(names.SERVICE_EMPLOYERS)
        return occ, None

    @staticmethod
    def single_marital(rng: random.Random, age: int) -> str:
        if age < 22:
            return "2"
        if age < 35:
            return weighted(rng, (("2", 70), ("3", 10), ("1", 20)))
        if age < 60:
            return weighted(rng, (("1", 55), ("3", 30), ("2", 15)))
        return weighted(rng, (("4", 70), ("1", 20), ("3", 10)))

    # --- households ------------------------------------------------------------------
    def compose(self, rng: random.Random, h: Household) -> list[tuple[str, int, str | None]]:
        """Return the members of a household as (relation, age, gender or None)."""
        rural = h.building.address_form == "rural"
        nature = h.nature
        if nature == "dormitory":
            n = rng.randint(2, 6)
            g = "1" if rng.random() < 0.8 else "2"
            return [("1" if i == 0 else "10", rng.randint(18, 50), g) for i in range(n)]
        if h.special and nature != "rented":
            # An owner's elderly parents living in the garage / outbuilding.
            return self._family(rng, rng.choice(("elder_single", "elder_single", "elder_couple")), 62, 88)
        if nature == "rented":
            kind = weighted(rng, (("single", 40), ("couple", 30), ("couple_child", 18), ("cotenants", 12)))
            h.cotenants = {"couple": "夫妻", "couple_child": "夫妻及子女"}.get(kind)
            if kind == "cotenants":
                h.cotenants = rng.choice(("同事", "老乡", "朋友", "亲属"))
                g = rng.choice("12")
                return [("1", rng.randint(20, 45), g)] + [("10", rng.randint(20, 45), g) for _ in range(rng.randint(1, 2))]
            return self._family(rng, kind, 22, 50)
        if nature == "dilapidated":
            return self._family(rng, rng.choice(("elder_single", "elder_couple")), 72, 92)
        if nature == "other":
            return self._family(rng, rng.choice(("elder_single", "single", "elder_couple")), 45, 85)
        if rural:
            kind = weighted(rng, (("elder_couple", 40), ("elder_single", 17), ("nuclear", 22),
                                   ("three_gen", 16), ("with_parent", 5)))
        else:
            kind = weighted(rng, (("nuclear", 45), ("elder_couple", 20), ("single", 14),
                                   ("three_gen", 14), ("young_couple", 7)))
        return self._family(rng, kind, 30, 60)

    @staticmethod
    def _family(rng: random.Random, kind: str, lo: int, hi: int) -> list[tuple[str, int, str | None]]:
        head_g = "1" if rng.random() < 0.78 else "2"
        spouse_g = "2" if head_g == "1" else "1"
        if kind in ("elder_couple", "elder_single"):
            age = rng.randint(max(lo, 58), max(hi, 86))
            out = [("1", age, head_g if kind == "elder_couple" else rng.choice("122"))]
            if kind == "elder_couple":
                out.append(("2", max(50, age + rng.randint(-4, 3)), spouse_g))
                if rng.random() < 0.3:
                    out.append(("7", rng.randint(5, 16), None))
            return out
        if kind == "single":
            return [("1", rng.randint(max(ADULT, lo - 8), hi), None)]
        if kind == "young_couple":
            age = max(LEGAL_AGE[head_g], rng.randint(24, 34))
            return [("1", age, head_g), ("2", max(LEGAL_AGE[spouse_g], age + rng.randint(-3, 2)), spouse_g)]
        if kind in ("couple", "couple_child"):
            age = max(LEGAL_AGE[head_g], rng.randint(lo, hi))
            out = [("1", age, head_g), ("2", max(LEGAL_AGE[spouse_g], age + rng.randint(-4, 3)), spouse_g)]
            if kind == "couple_child":
                out.append(("3", max(0, age - rng.randint(22, 32)), None))
            return out
        if kind == "three_gen":
            age = rng.randint(52, 76)
            out = [("1", age, head_g), ("2", age + rng.randint(-4, 3), spouse_g)]
            child = age - rng.randint(23, 30)
            out += [("3", max(LEGAL_AGE["1"], child), "1"), ("4", max(LEGAL_AGE["2"], child + rng.randint(-3, 2)), "2")]
            for _ in range(rng.choice((1, 1, 2))):
                out.append(("7", max(0, child - rng.randint(22, 32)), None))
            return out
        if kind == "with_parent":
            age = rng.randint(40, 60)
            out = [("1", age, head_g), ("2", age + rng.randint(-4, 3), spouse_g)]
            out.append(("5" if rng.random() < 0.7 else "6", age + rng.randint(24, 32), rng.choice("122")))
            return out
        # nuclear
        age = max(LEGAL_AGE[head_g], rng.randint(lo, hi))
        out = [("1", age, head_g), ("2", max(LEGAL_AGE[spouse_g], age + rng.randint(-4, 3)), spouse_g)]
        for _ in range(rng.choice((1, 1, 1, 2))):
            out.append(("3", max(0, age - rng.randint(23, 34)), None))
        return out

    @staticmethod
    def origin(rng: random.Random, h: Household, rel: str, head_cat: str | None) -> str:
        """Return the person category (户籍, 流动, 境外) of a member; head first (head_cat None)."""
        tenants = h.nature in ("rented", "dormitory")
        if rel == "1":
            if not tenants:
                return "registered"
            if h.nature == "rented" and h.building.address_form == "urban" and rng.random() < 0.006:
                return "foreign"
            return "floating" if rng.random() < 0.86 else "registered"
        if head_cat == "foreign":
            return "foreign" if rel in ("2", "3") else "floating"
        if head_cat == "floating":
            return "floating"
        if tenants and rel == "10":
            return "floating" if rng.random() < 0.86 else "registered"
        if rel in ("2", "4") and rng.random() < 0.07:
            return "floating"  # married in from another county, hukou not moved
        return "registered"

    def person(self, rng: random.Random, grid: Grid, rel: str, age: int, gender: str | None, category: str,
               surname: str, rural: bool) -> Person:
        gender = gender or rng.choice("12")
        birth = self.birth_date(rng, age)
        if category == "registered":
            region = LOCAL_REGION if names.region_in_force(LOCAL_REGION, birth.year) else LOCAL_REGION_BEFORE
            addr_text = None
            consistent = rng.random() < 0.93
            if not consistent:
                if rng.random() < 0.6:
                    addr_text = (f"启东市汇龙镇{rng.choice(self.village_names)}"
                                 f"{rng.randint(1, 18)}组{rng.randint(1, 60)}号")
                else:
                    addr_text = (f"启东市{rng.choice(names.QIDONG_TOWNS[1:])}{rng.choice(names.HOME_VILLAGES)}"
                                 f"{rng.randint(1, 15)}组{rng.randint(1, 50)}号")
        elif category == "floating":
            region, county = rng.choice(self.regions)
            while not names.region_in_force(region, birth.year):
                region, county = rng.choice(self.regions)
            consistent = False
            addr_text = (f"{county}{rng.choice(names.HOME_TOWNS)}{rng.choice(names.HOME_VILLAGES)}"
                         f"{rng.randint(1, 12)}组{rng.randint(1, 80)}号")
        else:
            region, place = rng.choice(names.FOREIGN_REGIONS)
            consistent = False
            addr_text = place
        occ, employer = self.occupation(rng, age, gender, rural, category)
        return Person(
            grid=grid,
            name=surname + self.given_name(rng, gender, birth.year),
            gender=gender,
            id_number=self.id_number(rng, region, birth, gender),
            birth=birth,
            occupation=occ,
            employer=employer,
            marital="2" if age < 20 else "1",
            hukou_consistent=consistent,
            registered_address=addr_text,
            phone=self.phone(rng, age),
            category=category,
            relation=rel,
        )

    def fill_household(self, rng: random.Random, h: Household, owner: str | None) -> list[Person]:
        """Create the members of an active household; return them."""
        grid = h.building.grid
        rural = h.building.address_form == "rural"
        members = self.compose(rng, h)
        head_cat = self.origin(rng, h, "1", None)
        pool = self.local_surnames if head_cat == "registered" else self.national_surnames
        family = rng.choice(pool)  # the male line's surname, passed to children
        couple = any(rel == "2" for rel, _, _ in members)
        head_female = members[0][2] == "2"
        settle = _settle_date(rng, h, rural)
        out: list[Person] = []
        for rel, age, gender in members:
            cat = head_cat if rel == "1" else self.origin(rng, h, rel, head_cat)
            own = rng.choice(self.local_surnames if cat == "registered" else self.national_surnames)
            if rel == "1":
                surname = own if head_female and couple else family
            elif rel == "2":
                surname = family if head_female else own
            elif rel in ("3", "7") or (rel == "5" and gender == "1"):
                surname = family
            else:
                surname = own
            p = self.person(rng, grid, rel, max(0, age), gender, cat, surname, rural)
            if rel in ("1", "2") and couple:
                p.marital = "1"
            elif rel in ("1", "10"):
                p.marital = self.single_marital(rng, age)
            elif rel in ("3", "7", "8"):
                p.marital = "2" if age < 24 else weighted(rng, (("1", 60), ("2", 35), ("3", 5)))
            elif rel == "4":
                p.marital = "1"
            elif rel in ("5", "6", "9"):
                p.marital = weighted(rng, (("4", 75), ("1", 25)))
            if p.marital != "2" and age < LEGAL_AGE[p.gender]:
                p.marital = "2"  # under the legal age of marriage: never married
            p.household = h
            p.start = max(settle, p.birth)
            out.append(p)
        if h.nature == "rented":
            # A rural tenant rents from the family of the house; an urban flat's owner lives elsewhere.
            h.landlord = (owner if rural else None) or (
                rng.choice(self.local_surnames) + self.given_name(rng, rng.choice("12"), 1965))
        if h.special == "车库":
            landlord = owner or (rng.choice(self.local_surnames) + self.given_name(rng, "1", 1965))
            h.remarks = f"车库住人，地址：{h.building.compound}{h.building.building_no}{h.room}，房主：{landlord}"
        h.members = out
        return out

    def unplaced(self, rng: random.Random, grid: Grid) -> Person:
        """A floating person registered in the grid but linked to no room."""
        age = rng.randint(19, 50)
        p = self.person(rng, grid, None, age, None, "floating", rng.choice(self.national_surnames),
                        not grid.village.urban)
        p.marital = self.single_marital(rng, age)
        return p


def _settle_date(rng: random.Random, h: Household, rural: bool) -> dt.date:
    """The date the household moved in (residence start of its adult members)."""
    if h.lease_start:
        return h.lease_start
    if h.nature == "dormitory":
        return dt.date(rng.choice((2023, 2024, 2025, 2026)), rng.randint(1, 6), rng.randint(1, 28))
    year = rng.randint(1982, 2016) if rural else rng.randint(1998, 2024)
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))


def populate_grid(maker: PeopleMaker, grid: Grid, rng: random.Random) -> list[Person]:
    """Create the persons of every active household of `grid`, the link gaps, and the unplaced."""
    persons: list[Person] = []
    gap = GAP_RATE[grid.profile]
    active = 0
    for b in grid.buildings:
        owner = None
        for h in b.households:
            if h.status != "active":
                if h.status == "demolished":
                    # Former residents of a demolished house: moved out, residence ended.
                    for p in maker.fill_household(rng, h, owner):
                        p.status = "moved_out"
                        p.end = b.created_at.date() if b.created_at else dt.date(2026, rng.randint(3, 7), rng.randint(1, 28))
                    persons += h.members
                continue
            active += 1
            members = maker.fill_household(rng, h, owner)
            if owner is None and h.nature in ("self_built", "self_bought", "other") and members:
                owner = members[0].name
            for p in members:
                if p.relation != "1" and rng.random() < gap:
                    p.former, p.household = p.household, None  # link gap: known to the platform, no room
            persons += members
    extra = EXTRA_UNPLACED[grid.profile]
    for _ in range(round(active * extra * (0.5 + rng.random()))):
        persons.append(maker.unplaced(rng, grid))
    return persons


def unlink_rooms(grid: Grid, visited: set[int], rng: random.Random) -> None:
    """Break the links of every registered person of a few rooms the grid team has not reached
    yet: rooms with people registered and nobody linked (the other kind of link gap)."""
    rate = UNLINKED_ROOM_RATE[grid.profile]
    if not rate:
        return
    for b in grid.buildings:
        for h in b.households:
            if h.status != "active" or id(h) in visited or rng.random() >= rate:
                continue
            for p in h.members:
                if p.household is h and p.status == "active":
                    p.former, p.household = h, None


def former_end(p: Person, rng: random.Random) -> dt.date:
    """The day a link gap's residence in its former room ended: before the campaign."""
    end = dt.date(2025, 9, 1) + dt.timedelta(days=rng.randint(0, 330))
    return max(end, p.start) if p.start else end
