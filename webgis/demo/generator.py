"""Deterministic demo generator: from geodata/ and a seed to the rows of every table.

`generate(scale, seed)` is pure Python (no database): the same scale and seed give
byte-identical rows (see `digest`). Every random choice comes from a `random.Random`
seeded by (seed, scale, what, where), so one grid's data does not depend on how many
random numbers another grid used. Ids are assigned here, from 1; the loader shifts
them if the database already holds other towns.
"""
import hashlib
import logging
import math
import random
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point

from webgis.demo import names
from webgis.demo.buildings import fill_grid, number_buildings
from webgis.demo.campaign import AS_OF, BASE_CREATED, Campaign, CampaignLog, Staff
from webgis.demo.geography import Frame, load_base, to_lonlat
from webgis.demo.inspections import spot_checks
from webgis.demo.orgs import OrgResult, key_attention, village_orgs
from webgis.demo.people import PeopleMaker, former_end, populate_grid, unlink_rooms
from webgis.demo.tables import COLUMNS
from webgis.demo.territory import (Grid, Village, build_blocks, build_roads, footpaths, grid_polygons, town_main_roads,
                                   village_polygons)
from webgis.demo.users import INSPECTED_VILLAGE, STORY_VILLAGE, demo_users

log = logging.getLogger(__name__)

SCALES = ("small", "town")
DEFAULT_SEED = 2019
TARGETS = {"town": (310, 470), "small": (80, 120)}
# Profiles of the small scale, by village and grid number (the test story).
SMALL_PROFILES = {"汇东村": ("lagging", "on_track"), "东郊村": ("finished", "behind"),
                  "南郊村": ("finished", "finished")}


@dataclass
class DemoData:
    """The generated rows, table by table (columns as in webgis.demo.tables.COLUMNS)."""

    scale: str
    seed: int
    town_code: str
    town_name: str
    tables: dict[str, list[tuple]] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, scope

    def counts(self) -> dict[str, int]:
        return {t: len(rows) for t, rows in self.tables.items()}


def _rng(seed: int, scale: str, *where) -> random.Random:
    return random.Random("/".join([str(seed), scale, *map(str, where)]))


def _ewkb(geoms: list) -> list[str | None]:
    """Convert local-metre geometries to hex EWKB in EPSG:4326 (None stays None)."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    out = shapely.to_wkb(shapely.set_srid(to_lonlat(arr), 4326), hex=True, include_srid=True)
    return out.tolist()


# Where the phone was when a visit was saved (visit.geom, revision 0016): most phones give a fix a few
# metres to a few tens of metres from the door; some give none (permission refused, no signal); a
# few visits are recorded far from the building (typed up later at the service station, or never
# at the door), which the spot check's targeted pick "走访位置距楼栋过远" finds.
VISIT_NO_FIX = 0.12
VISIT_FAR = 0.004


def _visit_positions(visits: list, rng: random.Random) -> tuple[list, list]:
    """Return each visit's position (local metres, None: no fix) and accuracy radius (metres)."""
    where, accuracy = [], []
    for e in visits:
        b = e.household.building
        r = rng.random()
        if r < VISIT_NO_FIX:
            where.append(None)
            accuracy.append(None)
            continue
        if r < VISIT_NO_FIX + VISIT_FAR:
            dist, acc = rng.uniform(300, 1500), rng.uniform(8, 30)
        else:
            acc = math.exp(rng.uniform(math.log(4), math.log(60)))  # a fix indoors or under eaves: 4-60 m
            dist = min(abs(rng.gauss(0, acc / 2)), acc) + rng.uniform(1, 8)
        angle = rng.uniform(0, 2 * math.pi)
        where.append(Point(b.x + dist * math.cos(angle), b.y + dist * math.sin(angle)))
        accuracy.append(max(1, round(acc)))  # whole metres: the loader writes ints and text as they are
    return where, accuracy


def _multi(g) -> MultiPolygon:
    return g if isinstance(g, MultiPolygon) else MultiPolygon([g])


def _profiles(villages: list[Village], scale: str, seed: int) -> dict:
    """Give every grid a campaign profile and a household target; return the story grids."""
    lo, hi = TARGETS[scale]
    for v in villages:
        rng = _rng(seed, scale, v.spec.code, "profile")
        pace = rng.random()
        weights = (("finished", 10 + 30 * pace), ("on_track", 45), ("behind", 28 - 12 * pace),
                   ("lagging", 14 - 10 * pace))
        for g in v.grids:
            g.target = rng.randint(lo, hi)
            if scale == "small":
                g.profile = SMALL_PROFILES[v.name][g.number - 1]
            elif v.name == INSPECTED_VILLAGE:
                g.profile = "finished" if g.number != len(v.grids) else "on_track"
            else:
                r = rng.random() * sum(w for _, w in weights)
                for name, w in weights:
                    r -= w
                    if r < 0:
                        g.profile = name
                        break
    story_v = next(v for v in villages if v.name == STORY_VILLAGE)
    centre = story_v.geom.centroid
    if scale == "small":
        lag, nxt = story_v.grids[0], story_v.grids[1]
    else:
        lag = min(story_v.grids, key=lambda g: (g.geom.centroid.distance(centre), g.number))
        nxt = next(g for g in story_v.grids if g.number == (lag.number % len(story_v.grids)) + 1)
        lag.profile, nxt.profile = "lagging", "on_track"
    return {"lagging": lag, "next": nxt, "property": nxt}


def generate(scale: str = "town", seed: int = DEFAULT_SEED) -> DemoData:
    """Generate the whole demo town for `scale` ('small' or 'town') and `seed`."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}")
    base = load_base()
    counters: dict[str, int] = {}

    def next_id(table: str) -> int:
        counters[table] = counters.get(table, 0) + 1
        return counters[table]

    stations = {i: (i, s.name) for i, s in enumerate(base.stations, 1)}
    station_ids = {s.code: i for i, s in enumerate(base.stations, 1)}
    main_roads = town_main_roads(base, lambda: next_id("road"))
    street_names = list(names.URBAN_STREETS)
    compound_names = names.compound_names()
    villages: list[Village] = []
    for spec, poly in zip(base.villages, village_polygons(base)):
        if scale == "small" and not spec.small:
            continue
        rng = _rng(seed, scale, spec.code, "territory")
        c = poly.centroid
        v = Village(next_id("village"), spec, station_ids[spec.station_code], poly,
                    Frame((c.x, c.y), math.radians(6 + rng.uniform(-6, 6))))
        build_roads(v, main_roads, rng, street_names, lambda: next_id("road"))
        if v.urban:
            build_blocks(v)
        count = spec.grids if scale == "town" else 2
        for n, gpoly in enumerate(grid_polygons(poly, count, rng), 1):
            v.grids.append(Grid(0, v, n, gpoly))
        villages.append(v)
    grids = [g for v in villages for g in v.grids]
    for g in grids:
        g.id = next_id("grid")
    story = _profiles(villages, scale, seed)
    by_name = {v.name: v for v in villages}
    users = demo_users(by_name, stations, story)

    # Buildings and households.
    for v in villages:
        kfq = v.spec.station_code == "KFQPCS"
        for g in v.grids:
            rng = _rng(seed, scale, g.code, "buildings")
            redevelop = (not v.urban) and (rng.random() < 0.08 or (scale == "small" and g.profile == "behind"))
            factories = (not v.urban) and rng.random() < (0.5 if kfq else 0.1)
            fill_grid(g, rng, redevelop, factories)
        number_buildings(v, compound_names)
        footpaths(v, [b for g in v.grids for b in g.buildings], lambda: next_id("road"))
    buildings = [b for g in grids for b in g.buildings]
    households = [h for b in buildings for h in b.households]
    for b in buildings:
        b.id = next_id("building")
    for h in households:
        h.id = next_id("household")

    # People.
    factories = sorted({b.factory for b in buildings if b.factory})
    maker = PeopleMaker(AS_OF, factories, [s.name for s in base.villages])
    persons = []
    per_grid = {}
    for g in grids:
        per_grid[g.id] = populate_grid(maker, g, _rng(seed, scale, g.code, "people"))
        persons += per_grid[g.id]

    # The campaign so far.
    user_of = {u.username: u for u in users}
    log_ = CampaignLog()
    campaign = Campaign(log_)
    for v in villages:
        officer = _rng(seed, scale, v.spec.code, "officer")
        officer_name = (user_of["police"].display_name if v.name == STORY_VILLAGE
                        else officer.choice(names.LOCAL_SURNAMES) + maker.given_name(officer, "1", 1980))
        for g in v.grids:
            rng = _rng(seed, scale, g.code, "campaign")
            staff = Staff(rng.choice(names.LOCAL_SURNAMES) + maker.given_name(rng, rng.choice("122"), 1985),
                          officer_name)
            if g in user_of["leader"].grids:
                staff.leader_name, staff.leader_id = user_of["leader"].display_name, user_of["leader"].id
            if g in user_of["liaison"].grids:
                staff.liaison_id = user_of["liaison"].id
            if v.name == STORY_VILLAGE:
                staff.officer_id = user_of["police"].id
            campaign.run_grid(g, per_grid[g.id], staff, rng)
    log_.visits.sort(key=lambda e: (e.at, e.household.id))
    for e in log_.visits:
        e.id = next_id("visit")
    log_.verifications.sort(key=lambda e: (e.at, e.household.id))
    for e in log_.verifications:
        e.id = next_id("verification")
    for p in persons:
        p.id = next_id("person")
    visited = {id(e.household) for e in log_.visits}
    for g in grids:
        unlink_rooms(g, visited, _rng(seed, scale, g.code, "unlinked-rooms"))

    # Organisations and key attention.
    orgs = OrgResult()
    for v in villages:
        village_orgs(v, maker, _rng(seed, scale, v.spec.code, "orgs"), orgs)
    for o in orgs.organisations:
        o.id = next_id("organisation")
    key_attention(grids, persons, orgs, f"{seed}/{scale}", AS_OF)
    for k in orgs.key_attention:
        k.id = next_id("key_attention")

    # Spot checks of the grids in the acceptance stage (检查验收).
    last_visit = {}
    for e in log_.visits:
        g = e.household.building.grid
        last_visit[id(g)] = max(last_visit.get(id(g), e.at.date()), e.at.date())
    town_admin = next(u.id for u in users if u.role == "town_admin")
    inspector = next(u for u in users if u.role == "inspector")
    inspected = {id(g) for g in inspector.grids}
    spots = spot_checks(grids, last_visit, lambda g: inspector.id if id(g) in inspected else town_admin,
                        f"{seed}/{scale}")
    for sc in spots:
        sc.id = next_id("spot_check")

    data = DemoData(scale, seed, base.town_code, base.town_name)
    _rows(data, base, stations, villages, main_roads, grids, users, buildings, households, persons, log_, orgs,
          spots)
    data.logins = [(u.username, u.role, u.scope_text(base.town_name)) for u in users]
    return data


def _rows(data, base, stations, villages, main_roads, grids, users, buildings, households, persons, log_, orgs,
          spots):
    """Turn the generator's objects into table rows (the column order of tables.COLUMNS)."""
    T = 1  # the town's id
    created = BASE_CREATED
    t = data.tables
    t["town"] = [(T, base.town_code, base.town_name, _ewkb([_multi(base.boundary)])[0])]
    st_geoms = _ewkb([s.point for s in base.stations])
    t["police_station"] = [(i, T, s.code, s.name, gm) for (i, s), gm in zip(enumerate(base.stations, 1), st_geoms)]
    t["village"] = [(v.id, T, v.station_id, v.spec.code, v.name, v.spec.kind, gm)
                    for v, gm in zip(villages, _ewkb([_multi(v.geom) for v in villages]))]
    t["grid"] = [(g.id, T, g.village.id, g.code, g.number, g.name, gm)
                 for g, gm in zip(grids, _ewkb([g.geom for g in grids]))]
    roads = main_roads + [r for v in villages for r in v.roads]
    roads.sort(key=lambda r: r.id)
    t["road"] = [(r.id, T, r.name, r.kind, gm) for r, gm in zip(roads, _ewkb([r.geom for r in roads]))]
    areas = _ewkb([_multi(u.area_village.geom) if u.area_village else None for u in users])
    t["app_user"] = [(u.id, T, u.username, u.display_name, None, u.role, u.village.id if u.village else None,
                      u.station[0] if u.station else None, a, True, 1, created) for u, a in zip(users, areas)]
    t["user_grid"] = [(u.id, g.id) for u in users for g in u.grids]
    fps = _ewkb([b.footprint for b in buildings])
    pts = _ewkb([Point(b.x, b.y) for b in buildings])
    t["building"] = [
        (b.id, T, b.grid.village.id, b.grid.id, b.address_form, b.group_name, b.house_no, b.compound,
         b.building_no, b.btype, b.floors, b.rooms, b.status, fp, pt, b.created_at or created,
         b.created_at or created)
        for b, fp, pt in zip(buildings, fps, pts)]
    t["household"] = [
        (h.id, T, h.building.grid.id, h.building.id, h.unit, h.room, h.sort_key, h.nature, h.landlord,
         h.lease_period, h.lease_reason, h.cotenants, h.special, h.remarks, h.status)
        for h in households]
    t["person"] = [
        (p.id, T, p.grid.id, p.name, p.gender, p.ethnicity, p.id_number, p.birth, p.occupation, p.employer,
         p.marital, p.hukou_consistent, p.registered_address, p.phone, p.category, p.status,
         p.created_at or created)
        for p in persons]
    res = [p for p in persons if p.household is not None]
    t["residence"] = [(i, T, p.grid.id, p.id, p.household.id, p.relation, p.start, p.end)
                      for i, p in enumerate(res, 1)]
    # Link gaps with a last known room: their residence there has ended.
    former = [p for p in persons if p.household is None and p.former is not None]
    end_rng = random.Random(f"{data.seed}/{data.scale}/former-rooms")
    t["residence"] += [(len(res) + i, T, p.former.building.grid.id, p.id, p.former.id, p.relation, p.start,
                        former_end(p, end_rng)) for i, p in enumerate(former, 1)]
    o_pts = _ewkb([Point(o.x, o.y) for o in orgs.organisations])
    t["organisation"] = [
        (o.id, T, o.grid.id, o.building.id if o.building else None, o.name, o.category, o.address, o.principal,
         o.phone, "active", gm)
        for o, gm in zip(orgs.organisations, o_pts)]
    t["key_attention"] = [
        (k.id, T, k.grid.id, k.category, k.person.id if k.person else None,
         k.organisation.id if k.organisation else None, k.household.id if k.household else None,
         k.level, k.note, created)
        for k in orgs.key_attention]
    where, accuracy = _visit_positions(log_.visits, random.Random(f"{data.seed}/{data.scale}/visit-positions"))
    t["visit"] = [
        (e.id, T, e.household.building.grid.id, e.household.building.id, e.household.id, e.visitor_id, e.at,
         e.result, e.awareness, e.satisfaction, e.form_filler, e.police_officer, e.note, gm, acc)
        for e, gm, acc in zip(log_.visits, _ewkb(where), accuracy)]
    t["verification"] = [
        (e.id, T, e.household.building.grid.id, e.household.id, e.visit.id, e.officer_id, e.at, e.outcome, e.note)
        for e in log_.verifications]
    t["spot_check"] = [
        (sc.id, T, sc.grid.id, sc.building.id, sc.household.id if sc.household else None, sc.inspector_id, sc.at,
         sc.items_checked, sc.items_matched, sc.note)
        for sc in spots]
    for name, rows in t.items():
        assert not rows or len(rows[0]) == len(COLUMNS[name]), name


def digest(data: DemoData) -> str:
    """SHA-256 over every row of every table: equal digests mean identical demo data."""
    h = hashlib.sha256()
    for name in sorted(data.tables):
        h.update(name.encode())
        for row in data.tables[name]:
            h.update(repr(row).encode())
    return h.hexdigest()
