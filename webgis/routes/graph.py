"""The walking graph: roads noded into a graph, buildings snapped onto it, a distance matrix.

Per request, the roads around the stops are read from PostGIS in the local UTM zone (metres),
noded with GEOS snap-rounding (`shapely.union_all(grid_size=...)` splits lines at every
crossing and joins T-junctions closer than the grid size) and turned into a sparse graph;
`scipy.sparse.csgraph.dijkstra` then gives every stop-to-stop walking distance. pgRouting's
`pgr_dijkstraCostMatrix` would need the noded graph in a table first; loading it took longer than
the whole scipy step (docs/routes.md, bench/routes.py).

Each stop is snapped to its nearest road segment; the straight connector from the building to
that segment is walked too. A stop whose nearest segment is a fragment not joined to the start's
network (a compound path meeting no street) is snapped to the start's network instead when a
segment of it lies within `SNAP_M`. A stop with no road within `SNAP_M` is still attached to its nearest
road up to `FALLBACK_M`, and marked `fallback` (the connector is a straight line, not a path);
beyond that, or in a part of the network not joined to the start, it is unreachable.
"""
import logging
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely import STRtree
from shapely.geometry import LineString, Point
from shapely.ops import substring
from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from webgis.geo.models import Road

log = logging.getLogger(__name__)

SNAP_M = 60.0  # a building within this distance of a road is walked to along its connector
FALLBACK_M = 500.0  # beyond SNAP_M up to this, a straight-line connector, labelled as such
MARGINS_M = (600.0, 3000.0)  # roads read around the stops' envelope; the wider one if some stop is cut off
NODE_GRID_M = 0.5  # snap-rounding grid of the noding: ends closer than this to a line join it
WALK_M_PER_MIN = 75.0  # 4.5 km/h, a walking pace with a clipboard


def utm_srid(lon: float, lat: float) -> int:
    """Return the EPSG code of the WGS 84 / UTM zone of a point (metres, small distortion)."""
    zone = int((lon + 180.0) // 6.0) + 1
    return (32600 if lat >= 0 else 32700) + zone


def project_points(session: Session, lonlat: list[tuple[float, float]], srid: int) -> np.ndarray:
    """Return (n, 2) coordinates of lon/lat points in `srid` (PostGIS does the transform)."""
    if not len(lonlat):
        return np.zeros((0, 2))
    arr = np.asarray(lonlat, dtype=float)
    pts = func.unnest(type_coerce([float(x) for x in arr[:, 0]], _FLOAT_ARRAY),
                      type_coerce([float(y) for y in arr[:, 1]], _FLOAT_ARRAY)
                      ).table_valued("lon", "lat", with_ordinality="n").render_derived()
    geom = func.ST_Transform(func.ST_SetSRID(func.ST_MakePoint(pts.c.lon, pts.c.lat), 4326), srid)
    rows = session.execute(select(func.ST_X(geom), func.ST_Y(geom)).select_from(pts).order_by(pts.c.n)).all()
    return np.array(rows, dtype=float)


def to_lonlat(session: Session, lines: list[LineString], srid: int) -> list[list[list[float]]]:
    """Return the coordinates of metric lines as lon/lat lists (one round trip)."""
    if not lines:
        return []
    wkb = [shapely.to_wkb(ln) for ln in lines]
    rows_in = func.unnest(type_coerce(wkb, _BYTEA_ARRAY)).table_valued("g", with_ordinality="n").render_derived()
    geom = func.ST_Transform(func.ST_SetSRID(func.ST_GeomFromWKB(rows_in.c.g), srid), 4326)
    rows = session.execute(select(func.ST_AsBinary(geom)).select_from(rows_in).order_by(rows_in.c.n)).scalars().all()
    return [[[round(x, 7), round(y, 7)] for x, y in shapely.from_wkb(bytes(r)).coords] for r in rows]


from sqlalchemy.dialects.postgresql import ARRAY, BYTEA, DOUBLE_PRECISION  # noqa: E402

_BYTEA_ARRAY = ARRAY(BYTEA)
_FLOAT_ARRAY = ARRAY(DOUBLE_PRECISION)


def load_roads(session: Session, town_id: int, lonlat: np.ndarray, srid: int,
               margin: float = MARGINS_M[0]) -> list[LineString]:
    """Read the roads within `margin` metres of the stops' envelope, in `srid` metres."""
    lon0, lat0 = (float(x) for x in lonlat.min(axis=0))
    lon1, lat1 = (float(x) for x in lonlat.max(axis=0))
    dlat = margin / 111_320.0
    dlon = dlat / max(0.2, float(np.cos(np.radians((lat0 + lat1) / 2))))
    env = func.ST_MakeEnvelope(lon0 - dlon, lat0 - dlat, lon1 + dlon, lat1 + dlat, 4326)
    rows = session.execute(
        select(func.ST_AsBinary(func.ST_Transform(Road.geom, srid)))
        .where(Road.town_id == town_id, func.ST_Intersects(Road.geom, env))).scalars().all()
    return [shapely.from_wkb(bytes(r)) for r in rows]


@dataclass
class Snap:
    """Where a stop joins the network: segment, position along it, connector length."""

    segment: int | None
    along: float = 0.0
    connector: float = 0.0
    fallback: bool = False


@dataclass
class WalkGraph:
    """A noded walking network: segments, their end nodes, and the sparse graph."""

    segments: list[LineString]
    ends: np.ndarray  # (m, 2) node index of each segment's start and end
    lengths: np.ndarray
    nodes: int
    graph: object = None
    edge_of: dict = field(default_factory=dict)  # (u, v) -> shortest segment between them
    node_xy: np.ndarray = None  # (nodes, 2) metres

    @classmethod
    def build(cls, lines: list[LineString]) -> "WalkGraph":
        """Node `lines` and build the graph (parallel segments keep the shorter)."""
        if not lines:
            return cls([], np.zeros((0, 2), dtype=np.int64), np.zeros(0), 0)
        noded = shapely.union_all(shapely.set_precision(np.array(lines, dtype=object), NODE_GRID_M),
                                  grid_size=NODE_GRID_M)
        segs = [s for s in shapely.get_parts(shapely.get_parts(noded)) if s.geom_type == "LineString" and s.length > 0]
        coords = shapely.get_coordinates(segs)
        counts = shapely.get_num_coordinates(segs)
        last = np.cumsum(counts) - 1
        first = last - counts + 1
        ends_xy = np.concatenate([coords[first], coords[last]])
        keys, inverse = np.unique(np.round(ends_xy / NODE_GRID_M).astype(np.int64), axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        m = len(segs)
        ends = np.column_stack((inverse[:m], inverse[m:]))
        lengths = shapely.length(segs)
        g = cls(segs, ends, lengths, len(keys), node_xy=keys * NODE_GRID_M)
        for i in np.argsort(lengths):
            u, v = ends[i]
            g.edge_of.setdefault((min(u, v), max(u, v)), int(i))
        pairs = np.array(list(g.edge_of.keys()), dtype=np.int64).reshape(-1, 2)
        w = lengths[list(g.edge_of.values())]
        keep = pairs[:, 0] != pairs[:, 1]
        pairs, w = pairs[keep], w[keep]
        g.graph = coo_matrix((np.concatenate([w, w]), (np.concatenate([pairs[:, 0], pairs[:, 1]]),
                                                       np.concatenate([pairs[:, 1], pairs[:, 0]]))),
                             shape=(g.nodes, g.nodes)).tocsr()
        return g

    def snap(self, points: np.ndarray) -> list[Snap]:
        """Snap each point to its nearest segment (within FALLBACK_M; fallback beyond SNAP_M), off
        fragments not joined to point 0's network where that network is within SNAP_M."""
        if not self.segments:
            return [Snap(None) for _ in points]
        tree = STRtree(self.segments)
        pts = shapely.points(points)
        (src, seg), dist = tree.query_nearest(pts, max_distance=FALLBACK_M, return_distance=True, all_matches=False)
        out = [Snap(None) for _ in points]
        for i, s, d in zip(src, seg, dist):
            out[i] = Snap(int(s), float(self.segments[s].project(pts[i])), float(d), bool(d > SNAP_M))
        if out[0].segment is not None:
            self._onto_network_of(out, 0, tree, pts)
        return out

    def _onto_network_of(self, snaps: list[Snap], anchor: int, tree: STRtree, pts: np.ndarray) -> None:
        """Move stops snapped onto a fragment not joined to the anchor's network (a path in a
        compound that meets no street) to the nearest segment of the anchor's network within
        SNAP_M, if there is one: the connector is then walked as for any stop. Farther than
        that, the stop stays where it is, and is unreachable (a river with no bridge)."""
        _n, label = connected_components(self.graph, directed=False)
        seg_label = label[self.ends[:, 0]]
        home = seg_label[snaps[anchor].segment]
        away = [i for i, sn in enumerate(snaps) if sn.segment is not None and seg_label[sn.segment] != home]
        if not away:
            return
        src, seg = tree.query(pts[away], predicate="dwithin", distance=SNAP_M)
        best: dict[int, tuple[float, int]] = {}
        for k, s in zip(src, seg):
            if seg_label[s] != home:
                continue
            d = float(shapely.distance(pts[away[k]], self.segments[s]))
            if away[k] not in best or d < best[away[k]][0]:
                best[away[k]] = (d, int(s))
        for i, (d, s) in best.items():
            snaps[i] = Snap(s, float(self.segments[s].project(pts[i])), d, False)


def wider_may_join(m: "Matrix", margin: float) -> bool:
    """Whether reading the roads farther out could join a stop cut off from the start (point 0).

    Roads are read whole when they cross the read area, so a network component lying entirely
    inside it is complete: nothing farther out touches it. Only when both the start's component
    and some cut-off stop's reach beyond the area can a wider read join them (a distant bridge).
    """
    g = m.graph
    if g.graph is None or m.snaps[0].segment is None:
        return False
    _n, label = connected_components(g.graph, directed=False)
    lo = m.points.min(axis=0) - 0.95 * margin
    hi = m.points.max(axis=0) + 0.95 * margin
    outside = ((g.node_xy < lo) | (g.node_xy > hi)).any(axis=1)
    open_components = set(np.unique(label[outside]).tolist())

    def component(k: int) -> int:
        return int(label[g.ends[m.snaps[k].segment][0]])

    if component(0) not in open_components:
        return False
    return any(component(k) in open_components for k, sn in enumerate(m.snaps)
               if sn.segment is not None and not np.isfinite(m.distance[0, k]))


@dataclass
class Matrix:
    """Walking distances (metres) between snapped points; inf where not joined."""

    distance: np.ndarray
    snaps: list[Snap]
    graph: WalkGraph
    points: np.ndarray
    _sources: np.ndarray = None
    _pred: np.ndarray = None
    _row_of: dict = field(default_factory=dict)
    _dist: np.ndarray = None

    def leg(self, i: int, j: int) -> LineString | None:
        """Return the walking line from point i to point j (None if not joined)."""
        if not np.isfinite(self.distance[i, j]) or i == j:
            return None
        g, a, b = self.graph, self.snaps[i], self.snaps[j]
        pa, pb = Point(self.points[i]), Point(self.points[j])
        sa, sb = g.segments[a.segment], g.segments[b.segment]
        parts: list[LineString] = [LineString([pa, sa.interpolate(a.along)])]
        if a.segment == b.segment and abs(self.distance[i, j] - abs(a.along - b.along) - a.connector - b.connector) < 1e-6:
            parts.append(substring(sa, a.along, b.along))
        else:
            best = None
            for ka, na in enumerate(g.ends[a.segment]):
                off_a = a.along if ka == 0 else g.lengths[a.segment] - a.along
                row = self._row_of[na]
                for kb, nb in enumerate(g.ends[b.segment]):
                    off_b = b.along if kb == 0 else g.lengths[b.segment] - b.along
                    d = off_a + self._dist[row, nb] + off_b
                    if best is None or d < best[0]:
                        best = (d, ka, na, kb, nb, row)
            _, ka, na, kb, nb, row = best
            parts.append(substring(sa, a.along, 0.0 if ka == 0 else g.lengths[a.segment]))
            chain = [nb]
            while chain[-1] != na:
                p = self._pred[row, chain[-1]]
                if p < 0:
                    break
                chain.append(p)
            chain.reverse()
            for u, v in zip(chain, chain[1:]):
                s = g.edge_of[(min(u, v), max(u, v))]
                seg = g.segments[s]
                parts.append(seg if g.ends[s][0] == u else seg.reverse())
            parts.append(substring(sb, 0.0 if kb == 0 else g.lengths[b.segment], b.along))
        parts.append(LineString([sb.interpolate(b.along), pb]))
        coords = []
        for p in parts:
            c = list(p.coords) if p.geom_type == "LineString" else [p.coords[0]] * 2
            coords += c if not coords else c[1:]
        return LineString(coords) if len(coords) >= 2 else None


def walking_matrix(graph: WalkGraph, points: np.ndarray) -> Matrix:
    """Return the walking distance between every pair of `points` over `graph`."""
    n = len(points)
    snaps = graph.snap(points)
    dist = np.full((n, n), np.inf)
    np.fill_diagonal(dist, 0.0)
    ok = [i for i, s in enumerate(snaps) if s.segment is not None]
    m = Matrix(dist, snaps, graph, points)
    if not ok:
        return m
    seg = np.array([snaps[i].segment for i in ok])
    along = np.array([snaps[i].along for i in ok])
    conn = np.array([snaps[i].connector for i in ok])
    ends = graph.ends[seg]  # (k, 2)
    off = np.column_stack((along, graph.lengths[seg] - along)) + conn[:, None]  # to each end node
    sources = np.unique(ends)
    d, pred = dijkstra(graph.graph, directed=False, indices=sources, return_predecessors=True)
    m._sources, m._pred, m._dist = sources, pred, d
    m._row_of = {int(s): r for r, s in enumerate(sources)}
    rows = np.searchsorted(sources, ends)  # (k, 2) row of each end node
    best = np.full((len(ok), len(ok)), np.inf)
    for ka in (0, 1):
        for kb in (0, 1):
            via = off[:, ka][:, None] + d[rows[:, ka]][:, ends[:, kb]] + off[:, kb][None, :]
            best = np.minimum(best, via)
    same = seg[:, None] == seg[None, :]
    direct = np.abs(along[:, None] - along[None, :]) + conn[:, None] + conn[None, :]
    best = np.where(same, np.minimum(best, direct), best)
    np.fill_diagonal(best, 0.0)
    idx = np.array(ok)
    dist[np.ix_(idx, idx)] = best
    return m
