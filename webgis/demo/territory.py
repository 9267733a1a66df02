"""Villages, grids, roads and compounds of the demo town (geometry in local metres).

Village polygons are the Voronoi cells of the village centres of geodata/ clipped to
the town boundary; each village is tiled by its grids, the Voronoi cells of seeded
points inside it (relaxed with a few Lloyd iterations so the grids come out of
similar size), clipped to the village. Grids therefore never overlap and cover
their village exactly. Roads follow the Qidong pattern of straight, parallel lanes.
"""
import math
import random
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import LineString, MultiPoint, MultiPolygon, Polygon

from webgis.demo import names
from webgis.demo.geography import BaseGeography, Frame, VillageSpec

RURAL_LANE_SPACING = 150.0  # metres between the east-west house lanes of a village
RURAL_STREET_SPACING = 650.0  # metres between the north-south village streets
URBAN_STREET_SPACING = 260.0  # street grid of an urban community
ROAD_HALF_WIDTH = {"main": 12.0, "street": 7.0, "lane": 4.0}


@dataclass
class Road:
    """A road centre line (one row of table `road`)."""

    id: int
    name: str | None
    kind: str
    geom: LineString
    band: int | None = None  # lane band index in its village frame (rural groups)
    direction: np.ndarray | None = None  # unit vector start -> end, computed on first use


@dataclass
class Village:
    """A village/community with its frame, roads and (urban) compound blocks."""

    id: int
    spec: VillageSpec
    station_id: int
    geom: Polygon | MultiPolygon
    frame: Frame
    roads: list[Road] = field(default_factory=list)
    road_area: object = None  # union of buffered roads, prepared
    band_groups: dict[int, int] = field(default_factory=dict)  # lane band -> 组 number
    lane_phase: float = 0.0
    blocks: list[Polygon] = field(default_factory=list)  # street blocks = compounds (urban)
    main_roads: list[Road] = field(default_factory=list)  # town main roads crossing the village
    grids: list["Grid"] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def urban(self) -> bool:
        return self.spec.kind == "community"

    def group_of(self, local_y: float) -> int:
        """Return the 组 number of a point from its y' in the village frame."""
        band = round((local_y - self.lane_phase) / RURAL_LANE_SPACING)
        if band in self.band_groups:
            return self.band_groups[band]
        nearest = min(self.band_groups, key=lambda b: (abs(b - band), b))
        return self.band_groups[nearest]


@dataclass
class Grid:
    """A grid: the unit of door-to-door work, with its campaign profile and household target."""

    id: int
    village: Village
    number: int
    geom: MultiPolygon
    profile: str = "on_track"  # finished / on_track / behind / lagging
    target: int = 0  # active households to generate
    buildings: list = field(default_factory=list)

    @property
    def code(self) -> str:
        return f"{self.village.spec.code}{self.number:02d}"

    @property
    def name(self) -> str:
        return f"第{self.number}网格"


def _as_multipolygon(geom) -> MultiPolygon:
    """Keep the polygonal parts of `geom` as one MultiPolygon."""
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    return MultiPolygon(parts)


def village_polygons(base: BaseGeography) -> list[MultiPolygon]:
    """Return the Voronoi cell of each village centre clipped to the town, in geodata order."""
    centres = MultiPoint([v.centre for v in base.villages])
    cells = shapely.voronoi_polygons(centres, extend_to=base.boundary.buffer(5000), ordered=True)
    return [_as_multipolygon(cell.intersection(base.boundary)) for cell in shapely.get_parts(cells)]


def _sample_inside(geom, n: int, rng: random.Random) -> np.ndarray:
    """Return n uniform random points inside `geom` (rejection sampling)."""
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        xs = np.array([rng.uniform(minx, maxx) for _ in range(2 * n)])
        ys = np.array([rng.uniform(miny, maxy) for _ in range(2 * n)])
        inside = shapely.contains_xy(geom, xs, ys)
        pts = np.column_stack((xs[inside], ys[inside]))
        out.append(pts)
        have += len(pts)
    return np.concatenate(out)[:n]


def grid_polygons(village: MultiPolygon, count: int, rng: random.Random) -> list[MultiPolygon]:
    """Tile `village` with `count` grids of similar area, numbered north-west to south-east."""
    if count == 1:
        return [village]
    pts = _sample_inside(village, 90 * count, rng)
    # Farthest-point initialisation, then Lloyd iterations on the sample (a discrete
    # centroidal Voronoi tessellation): cells of near-equal area and compact shape.
    centres = [pts[0]]
    dist = np.linalg.norm(pts - pts[0], axis=1)
    for _ in range(count - 1):
        i = int(np.argmax(dist))
        centres.append(pts[i])
        dist = np.minimum(dist, np.linalg.norm(pts - pts[i], axis=1))
    c = np.array(centres)
    for _ in range(25):
        d = ((pts[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        label = d.argmin(axis=1)
        c = np.array([pts[label == k].mean(axis=0) if (label == k).any() else c[k] for k in range(count)])
    cells = shapely.voronoi_polygons(MultiPoint(c), extend_to=village.envelope.buffer(2000), ordered=True)
    grids = [_as_multipolygon(cell.intersection(village)) for cell in shapely.get_parts(cells)]
    grids = [g for g in grids if not g.is_empty]
    band = math.sqrt(village.area / count)
    grids.sort(key=lambda g: (-math.floor(g.centroid.y / band), g.centroid.x))
    return grids


def _parallel_lines(frame: Frame, extent: float, spacing: float, phase: float, vertical: bool):
    """Yield (band index, world LineString) for frame-parallel lines covering +-extent."""
    k0, k1 = math.floor((-extent - phase) / spacing), math.ceil((extent - phase) / spacing)
    for k in range(k0, k1 + 1):
        c = phase + k * spacing
        ends = np.array([(c, -extent), (c, extent)] if vertical else [(-extent, c), (extent, c)])
        yield k, LineString(frame.to_world(ends))


def _clip(line: LineString, geom, min_length: float) -> list[LineString]:
    """Return the parts of `line` inside `geom` longer than `min_length`."""
    parts = shapely.get_parts(shapely.line_merge(line.intersection(geom)))
    return [p for p in parts if isinstance(p, LineString) and p.length >= min_length]


def build_roads(village: Village, main_roads: list[Road], rng: random.Random,
                street_names: list[str], next_id) -> None:
    """Lay out the village's streets and lanes; record them and the road area on `village`."""
    g = village.geom
    cx, cy = village.frame.ox, village.frame.oy
    minx, miny, maxx, maxy = g.bounds
    extent = math.hypot(max(maxx - cx, cx - minx), max(maxy - cy, cy - miny)) + 50
    stem = village.name.removesuffix("村")
    roads: list[Road] = []
    if village.urban:
        phase_x, phase_y = rng.uniform(0, URBAN_STREET_SPACING), rng.uniform(0, URBAN_STREET_SPACING)
        for vertical, phase in ((False, phase_y), (True, phase_x)):
            for _, line in _parallel_lines(village.frame, extent, URBAN_STREET_SPACING, phase, vertical):
                parts = _clip(line, g, 120)
                if parts:
                    street = street_names.pop(0) if street_names else f"{stem}{len(roads) + 1}号路"
                    roads += [Road(next_id(), street, "street", p) for p in parts]
    else:
        village.lane_phase = rng.uniform(0, RURAL_LANE_SPACING)
        lanes = []
        for k, line in _parallel_lines(village.frame, extent, RURAL_LANE_SPACING, village.lane_phase, False):
            lanes += [(k, p) for p in _clip(line, g, 80)]
        bands = sorted({k for k, _ in lanes}, reverse=True)  # 1组 in the north
        village.band_groups = {k: i + 1 for i, k in enumerate(bands)}
        roads += [Road(next_id(), f"{village.band_groups[k]}组路", "lane", p, band=k) for k, p in lanes]
        streets = list(_parallel_lines(village.frame, extent, RURAL_STREET_SPACING,
                                       rng.uniform(0, RURAL_STREET_SPACING), True))
        n = 0
        for _, line in streets:
            parts = _clip(line, g, 150)
            if parts:
                n += 1
                label = f"{stem}{names.CHINESE_NUMERALS[n - 1] if n <= 10 else n}路"
                roads += [Road(next_id(), label, "street", p) for p in parts]
    village.roads = roads
    touching = [r for r in main_roads if r.geom.intersects(g)]
    buffers = [r.geom.buffer(ROAD_HALF_WIDTH[r.kind]) for r in roads + touching]
    village.road_area = shapely.union_all(buffers) if buffers else Polygon()
    shapely.prepare(village.road_area)
    village.main_roads = touching


def build_blocks(village: Village) -> None:
    """Split an urban community into street blocks: the compounds (小区) of its buildings."""
    rest = village.geom.difference(village.road_area)
    blocks = [p for p in shapely.get_parts(rest) if isinstance(p, Polygon) and p.area > 3000]
    blocks.sort(key=lambda p: (-round(p.centroid.y / 100), p.centroid.x))
    village.blocks = blocks


def town_main_roads(base: BaseGeography, next_id) -> list[Road]:
    """Clip the main roads of geodata/ to the town (one row per continuous piece)."""
    out = []
    for spec in base.main_roads:
        out += [Road(next_id(), spec.name, spec.kind, p) for p in _clip(spec.line, base.boundary, 200)]
    return out


# --- footpaths: the walking network reaches every building ---------------------------------
PATH_REACH = 20.0  # metres: a building whose footprint is farther from every road gets a footpath
PATH_OFFSET = 6.0  # metres between a row of buildings and the footpath in front of it


def footpaths(village: Village, buildings: list, next_id) -> list[Road]:
    """Add footpaths (kind `path`) so that every building of `village` can be walked to.

    Urban compounds are lattices of blocks set back from the streets and rural back rows sit
    behind the front houses: each such row of buildings (same numbering series, same y' in the
    village frame) gets a walkway along its face, `PATH_OFFSET` in front of it, joined to the
    nearest road or walkway by the shortest connector that crosses no footprint (rows nearest
    the roads first, so deeper rows join the walkways of the rows before them). Deterministic:
    no randomness, buildings in their generation order.
    """
    roads = village.roads + village.main_roads
    if not roads or not buildings:
        return []
    f = village.frame
    feet = [b.footprint for b in buildings]
    shapely.prepare(feet)
    tree = STRtree(feet)
    network = [r.geom for r in roads]
    road_tree = STRtree(network)
    far = []
    for i, fp in enumerate(feet):
        j = road_tree.query_nearest(fp)[0]
        d = fp.distance(network[j])
        if d > PATH_REACH:
            far.append((d, i))
    rows: dict[tuple, list[int]] = {}
    for d, i in far:
        local = f.to_local(shapely.get_coordinates(feet[i]))
        key = (buildings[i].series, round(float(local[:, 1].mean()) / 5.0))
        rows.setdefault(key, []).append(i)
    order = sorted(rows.values(), key=lambda idx: (min(feet[i].distance(network[road_tree.query_nearest(feet[i])[0]])
                                                        for i in idx), min(idx)))
    added: list[Road] = []
    walk: list[LineString] = []
    for idx in order:
        local = f.to_local(np.concatenate([shapely.get_coordinates(feet[i]) for i in idx]))
        x0, x1 = local[:, 0].min() - 4.0, local[:, 0].max() + 4.0
        y0, y1 = local[:, 1].min(), local[:, 1].max()
        centre = Polygon(f.to_world(np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]))).centroid
        near = network[road_tree.query_nearest(centre)[0]]
        # The walkway runs on the side of the row that faces its nearest road.
        toward = f.to_local(np.array(near.interpolate(near.project(centre)).coords))[0, 1]
        y = y1 + PATH_OFFSET if toward > (y0 + y1) / 2 else y0 - PATH_OFFSET
        path = LineString(f.to_world(np.array([(x0, y), (x1, y)])))
        if any(path.intersects(feet[j]) for j in tree.query(path)):
            continue  # no clear line in front of this row: it stays on the straight-line fallback
        starts = [path.interpolate(t) for t in np.arange(0.0, path.length + 1e-6, 3.0)]
        best = None
        for p in starts:
            for g in (near, *walk[-8:]):
                c = shapely.shortest_line(p, g)
                if c.length < 0.01 or (best is not None and c.length >= best.length):
                    continue
                if not any(c.intersects(feet[j]) for j in tree.query(c)):
                    best = c
        if best is None:
            continue
        for line in (path, best):
            walk.append(line)
            added.append(Road(next_id(), None, "path", line))
    village.roads += added
    return added
