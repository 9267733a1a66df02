"""Buildings (楼栋) and households/rooms (户/室) of the demo, placed grid by grid.

Rural grids get self-built houses (~12 x 10 m) on both sides of the village lanes and
streets, a few factories in the development zone; urban grids get residential blocks
(~60 x 15 m) on a lattice inside the street blocks (compounds, 小区) and mixed
shop-and-flat buildings along the streets. Every footprint lies at least GRID_MARGIN
inside its grid and off the road surface, and no two footprints overlap; buildings are
added until the grid's target of active households is reached.
"""
import datetime as dt
import random
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import STRtree

from webgis.demo import names
from webgis.demo.rand import weighted
from webgis.demo.territory import ROAD_HALF_WIDTH, Grid, Village

GRID_MARGIN = 2.0  # metres a footprint keeps inside its grid
# Footprint (along the road, across) and spacing by candidate kind; "back" is the second
# row of houses behind a lane, used only when the front rows cannot hold the target.
SIZES = {"house": (12.0, 10.0), "back": (12.0, 10.0), "residential": (60.0, 15.0), "mixed": (30.0, 12.0),
         "factory": (70.0, 35.0)}
SPACING = {"house": 24.0, "back": 24.0, "mixed": 40.0, "factory": 110.0}
LATTICE = (75.0, 42.0)  # residential block lattice (along, across) inside compounds


@dataclass(slots=True, eq=False)
class Household:
    """户/室 under construction; persons are attached by webgis.demo.people."""

    building: "Building"
    unit: str | None
    room: str | None
    sort_key: int
    nature: str
    status: str = "active"
    special: str | None = None
    landlord: str | None = None
    lease_period: str | None = None
    lease_start: dt.date | None = None
    lease_reason: str | None = None
    cotenants: str | None = None
    remarks: str | None = None
    id: int = 0
    members: list = field(default_factory=list)  # persons, filled by webgis.demo.people


@dataclass(slots=True, eq=False)
class Building:
    """楼栋 under construction."""

    grid: Grid
    kind: str  # house / residential / mixed / factory
    btype: str  # code list building_type
    address_form: str
    floors: int
    rooms: int
    footprint: object
    x: float
    y: float
    series: str  # numbering series: 组 (rural), compound stem or street name (urban)
    along: float  # position in the series
    side: int = 1
    group_name: str | None = None
    house_no: str | None = None
    compound: str | None = None
    building_no: str | None = None
    status: str = "existing"
    created_at: dt.datetime | None = None
    households: list[Household] = field(default_factory=list)
    shops: list[str] = field(default_factory=list)  # shop kinds at ground level
    factory: str | None = None  # company name of a factory
    id: int = 0


def _rects(centres: np.ndarray, u: np.ndarray, width: float, depth: float) -> np.ndarray:
    """Rectangles of width (along unit vectors u) x depth around centres."""
    n = np.column_stack((-u[:, 1], u[:, 0]))
    cw = np.array([-1, 1, 1, -1, -1]) * width / 2
    cd = np.array([-1, -1, 1, 1, -1]) * depth / 2
    coords = centres[:, None, :] + cw[None, :, None] * u[:, None, :] + cd[None, :, None] * n[:, None, :]
    return shapely.polygons(coords)


class _Pool:
    """Candidate footprints of one grid, of several kinds, sharing one overlap check."""

    def __init__(self):
        self.rects, self.centres, self.kind, self.series, self.along, self.side = [], [], [], [], [], []

    def add(self, rects, centres, kind, series, along, side):
        self.rects.append(rects)
        self.centres.append(centres)
        k = len(rects)
        self.kind += [kind] * k
        self.series += list(series) if not isinstance(series, str) else [series] * k
        self.along += list(along)
        self.side += list(side) if not isinstance(side, int) else [side] * k

    def along_roads(self, pieces, kind: str, offset_extra: float, rng: random.Random):
        """Add candidates on both sides of road pieces [(road, piece)] every SPACING[kind]."""
        width, depth = SIZES[kind]
        spacing = SPACING[kind]
        for road, piece in pieces:
            length = piece.length
            if length < width:
                continue
            t = np.arange(rng.uniform(width / 2, spacing), length - width / 2, spacing)
            if not len(t):
                continue
            p = shapely.get_coordinates(shapely.line_interpolate_point(piece, t))
            a = shapely.get_coordinates(shapely.line_interpolate_point(piece, np.minimum(t + 1, length)))
            b = shapely.get_coordinates(shapely.line_interpolate_point(piece, np.maximum(t - 1, 0)))
            u = a - b
            u /= np.linalg.norm(u, axis=1)[:, None]
            n = np.column_stack((-u[:, 1], u[:, 0]))
            offset = ROAD_HALF_WIDTH[road.kind] + 1.5 + depth / 2 + offset_extra
            d = road_direction(road)
            for side in (1, -1):
                c = p + side * offset * n
                self.add(_rects(c, u, width, depth), c, kind, road.name or "", c @ d, side)

    def finish(self, inner, road_area):
        """Concatenate, and drop candidates outside `inner` or on the road surface."""
        self.rects = np.concatenate(self.rects) if self.rects else np.array([], dtype=object)
        self.centres = np.concatenate(self.centres) if self.centres else np.zeros((0, 2))
        ok = shapely.contains(inner, self.rects) & ~shapely.intersects(road_area, self.rects)
        self.valid = ok
        tree = STRtree(self.rects)
        pairs = tree.query(self.rects, predicate="intersects")
        self.neighbours = [[] for _ in range(len(self.rects))]
        for i, j in zip(pairs[0].tolist(), pairs[1].tolist()):
            if i != j:
                self.neighbours[i].append(j)


def road_direction(road) -> np.ndarray:
    """Unit vector from the start to the end of a road (numbering direction of its houses)."""
    if road.direction is None:
        c = shapely.get_coordinates(road.geom)
        v = c[-1] - c[0]
        road.direction = v / (np.linalg.norm(v) or 1.0)
    return road.direction


RURAL_FIRST = (("self_built", 90), ("dilapidated", 3), ("other", 2), ("vacant", 5))
RURAL_EXTRA = (("self_built", 68), ("rented", 24), ("other", 5), ("vacant", 3))
URBAN_FLAT = (("self_bought", 72), ("rented", 17), ("vacant", 7), ("other", 2), ("self_built", 1), ("dormitory", 1))
MIXED_FLAT = (("rented", 45), ("self_bought", 45), ("vacant", 6), ("other", 4))
GARAGE = (("rented", 55), ("other", 25), ("self_bought", 20))


def _lease(h: Household, rng: random.Random, rural: bool) -> None:
    """Fill in the rental fields (承租期限, 租赁原因) of a rented household."""
    y, m = rng.choice((2023, 2024, 2025, 2025, 2026, 2026)), rng.randint(1, 12)
    if y == 2026:
        m = min(m, 7)
    months = rng.choice((12, 12, 24, 36))
    end = (y * 12 + m - 1) + months - 1
    h.lease_start = dt.date(y, m, 1)
    h.lease_period = f"{y}年{m}月至{end // 12}年{end % 12 + 1}月"
    h.lease_reason = rng.choice(names.LEASE_REASONS[:2] if rural else names.LEASE_REASONS)


def _household(b: Building, rng: random.Random, unit, room, sort_key, table, special=None) -> Household:
    nature = weighted(rng, table)
    h = Household(b, unit, room, sort_key, nature, special=special)
    if nature == "vacant":
        h.status = "vacant"
    elif nature == "rented":
        _lease(h, rng, b.address_form == "rural")
    if b.status == "pending_demolition" and nature in ("self_built", "dilapidated"):
        h.nature = "pending_demolition"
    if b.status == "demolished":
        h.status = "demolished"
    b.households.append(h)
    return h


def _rural_house(b: Building, rng: random.Random) -> None:
    b.floors = rng.choice((1, 2, 2, 2, 2, 3, 3))
    b.rooms = b.floors * 3 + rng.randint(0, 2)
    n = rng.choices((1, 2, 3), (50, 36, 14))[0]
    for i in range(n):
        table = RURAL_FIRST if i == 0 else RURAL_EXTRA
        if i == 2 and rng.random() < 0.5:
            _household(b, rng, None, "附房", 3, (("rented", 80), ("other", 20)), special="附房")
        else:
            _household(b, rng, None, f"{i + 1}户" if n > 1 else None, i + 1, table)
    if rng.random() < 0.03:
        b.shops.append(rng.choice(names.RURAL_SHOP_KINDS))


def _residential(b: Building, rng: random.Random, room_left: int, tall: float) -> None:
    if rng.random() < tall:
        units, floors = rng.choice((1, 2, 2) if tall < 1 else (2, 3)), rng.choice((11, 12, 15, 18, 18, 24))
    else:
        units, floors = rng.choice((2, 3, 3, 4)), rng.choice((5, 6, 6))
    while units * floors * 2 > room_left + 12 and floors > 2:
        floors -= 1
    b.floors = floors
    for u in range(1, units + 1):
        for f in range(1, floors + 1):
            for r in (1, 2):
                _household(b, rng, f"{u}单元", f"{f}{r:02d}室", u * 10000 + f * 100 + r, URBAN_FLAT)
    if floors <= 6 and rng.random() < 0.35:
        for k in range(1, rng.randint(1, 3) + 1):
            _household(b, rng, None, f"车库{k:02d}", 90000 + k, GARAGE, special="车库")
    b.rooms = len(b.households)


def _mixed(b: Building, rng: random.Random) -> None:
    b.floors = rng.randint(3, 5)
    for f in range(2, b.floors + 1):
        for r in (1, 2):
            _household(b, rng, None, f"{f}{r:02d}室", f * 100 + r, MIXED_FLAT)
    b.rooms = len(b.households) + 2
    b.shops += rng.sample(names.SHOP_KINDS, rng.randint(1, 2))


def _factory(b: Building, rng: random.Random) -> None:
    b.floors = rng.randint(1, 3)
    b.factory = f"启东{rng.choice(names.FACTORY_STEMS)}{rng.choice(names.FACTORY_KINDS)}"
    for k in range(1, rng.randint(2, 5) + 1):
        _household(b, rng, None, f"宿舍{k:02d}", k, (("dormitory", 1),))
    b.rooms = len(b.households) + 6


def _new_building(grid: Grid, kind: str, rect, centre, series, along, side) -> Building:
    btype = {"house": "rural_house", "residential": "residential", "mixed": "mixed", "factory": "factory"}[kind]
    form = "urban" if kind in ("residential", "mixed") else "rural"
    return Building(grid, kind, btype, form, 1, 1, rect, float(centre[0]), float(centre[1]), series, along, side)


def _active(b: Building) -> int:
    return sum(1 for h in b.households if h.status == "active")


def fill_grid(grid: Grid, rng: random.Random, redevelop: bool, factories: bool) -> int:
    """Place buildings in `grid` until its household target is reached; return active households."""
    v: Village = grid.village
    inner = grid.geom.buffer(-GRID_MARGIN)
    shapely.prepare(inner)
    reach = grid.geom.buffer(60)
    pieces = []
    for road in v.roads + v.main_roads:
        if road.geom.intersects(reach):
            pieces += [(road, p) for p in shapely.get_parts(road.geom.intersection(reach)) if p.geom_type == "LineString"]
    pool = _Pool()
    streets = [(r, p) for r, p in pieces if r.kind in ("street", "main")]
    if v.urban:
        pool.along_roads(streets, "mixed", 0.0, rng)
        _lattice(pool, v, grid, inner)
    else:
        if factories:
            pool.along_roads(streets, "factory", 0.0, rng)
        pool.along_roads(pieces, "house", 0.0, rng)
        pool.along_roads([(r, p) for r, p in pieces if r.kind == "lane"], "back", 28.0, rng)
    pool.finish(inner, v.road_area)

    idx = [i for i in range(len(pool.rects)) if pool.valid[i]]
    by_kind = {k: [i for i in idx if pool.kind[i] == k] for k in ("factory", "mixed", "house", "back", "residential")}
    for k in ("factory", "mixed", "house", "back"):
        rng.shuffle(by_kind[k])
    order = by_kind["factory"][: rng.choice((1, 1, 2, 3)) if factories else 0]
    if v.urban:
        order += by_kind["mixed"][: max(2, grid.target // 60)]
        res = by_kind["residential"]
        need = grid.target / 36
        p = min(1.0, 1.4 * need / max(1, len(res)))
        # Where the compounds are small, build high-rise blocks instead of more blocks.
        tall = 0.3 if len(res) > 1.6 * need else 1.0
        take = [rng.random() < p for _ in res]
        order += [i for i, t in zip(res, take) if t] + [i for i, t in zip(res, take) if not t]
    else:
        order += by_kind["house"] + by_kind["back"]
    blocked = bytearray(len(pool.rects))
    active = 0
    for i in order:
        if active >= grid.target:
            break
        if blocked[i]:
            continue
        for j in pool.neighbours[i]:
            blocked[j] = 1
        blocked[i] = 1
        kind = "house" if pool.kind[i] == "back" else pool.kind[i]
        b = _new_building(grid, kind, pool.rects[i], pool.centres[i], pool.series[i], pool.along[i], pool.side[i])
        if kind == "house" and (redevelop or rng.random() < 0.004):
            r = rng.random()
            if redevelop and r < 0.12:
                b.status = "pending_demolition"
            elif r < (0.17 if redevelop else 1.0):
                b.status = "demolished"
        if kind == "house":
            _rural_house(b, rng)
        elif kind == "residential":
            _residential(b, rng, grid.target - active, tall)
        elif kind == "mixed":
            _mixed(b, rng)
        else:
            _factory(b, rng)
        grid.buildings.append(b)
        active += _active(b)
    return active


def _lattice(pool: _Pool, v: Village, grid: Grid, inner) -> None:
    """Add residential block candidates on a lattice inside each compound piece of the grid."""
    width, depth = SIZES["residential"]
    step_x, step_y = LATTICE
    f = v.frame
    for k, block in enumerate(v.blocks):
        if not block.intersects(grid.geom):
            continue
        piece = block.buffer(-6).intersection(inner)
        if piece.is_empty or piece.area < width * depth:
            continue
        local = f.to_local(shapely.get_coordinates(piece))
        minx, miny = local.min(axis=0)
        maxx, maxy = local.max(axis=0)
        best = None
        # Try a few lattice phases and keep the one that fits the most blocks.
        for px in (0.0, step_x / 3, 2 * step_x / 3):
            for py in (0.0, step_y / 2):
                xs = np.arange(minx + 2 + width / 2 + px, maxx - width / 2 + 1e-6, step_x)
                ys = np.arange(maxy - 2 - depth / 2 - py, miny + depth / 2 - 1e-6, -step_y)
                if not len(xs) or not len(ys):
                    continue
                gx, gy = np.meshgrid(xs, ys)
                centres_local = np.column_stack((gx.ravel(), gy.ravel()))
                rects = f.rectangles(centres_local, width, depth)
                inside = shapely.contains(piece, rects)
                if best is None or inside.sum() > best[2].sum():
                    best = (centres_local, rects, inside)
        if best is None or not best[2].any():
            continue
        centres_local, rects, inside = best
        # Numbering order inside a compound: rows from the north, then west to east.
        cl = centres_local[inside]
        along = -np.round(cl[:, 1] / step_y) * 1e5 + cl[:, 0]
        pool.add(rects[inside], f.to_world(cl), "residential", f"block{k:04d}", along, 1)


def number_buildings(village: Village, compound_names: list[str]) -> None:
    """Give the buildings of a village their addresses: 组 + 号 (rural), 小区 + 幢 or 路 + 号 (urban).

    Compounds are named here, in block order, from `compound_names` (consumed), so only
    blocks that received buildings use up a name.
    """
    series: dict[tuple[str, str], list[Building]] = {}
    for g in village.grids:
        for b in g.buildings:
            if b.address_form == "rural":
                local = village.frame.to_local(np.array([[b.x, b.y]]))[0]
                b.group_name = f"{village.group_of(local[1])}组"
                b.along = float(local[0])
                key = ("rural", b.group_name)
            elif b.kind == "residential":
                key = ("compound", b.series)
            else:
                b.compound = b.series
                key = ("street", b.series)
            series.setdefault(key, []).append(b)
    for kind, label in sorted(series):
        items = series[(kind, label)]
        if kind == "street":
            # Odd numbers on one side of the road, even on the other, as on the street plates.
            odd = sorted((b for b in items if b.side > 0), key=lambda b: b.along)
            even = sorted((b for b in items if b.side < 0), key=lambda b: b.along)
            for n, b in enumerate(odd):
                b.building_no = f"{2 * n + 1}号"
            for n, b in enumerate(even):
                b.building_no = f"{2 * n + 2}号"
            continue
        items.sort(key=lambda b: b.along)
        if kind == "compound":
            name = f"{compound_names.pop(0) if compound_names else village.name.removesuffix('村') + label[-3:]}小区"
            for n, b in enumerate(items, 1):
                b.compound, b.building_no = name, f"{n}幢"
        else:
            for n, b in enumerate(items, 1):
                b.house_no = f"{n}号"
