"""Map layer queries: vector tiles from the tile functions in webgis/sql/0006_tiles.sql,
and label points for the current view. Callable without HTTP."""
import json

from geoalchemy2.functions import ST_AsGeoJSON, ST_MakeEnvelope, ST_PointOnSurface, ST_Intersects
from sqlalchemy import func, select

from webgis.extensions import db
from webgis.geo.models import Grid, Village

# Layer name -> the plpgsql tile function that draws it, and the lowest zoom served.
TILE_LAYERS = {
    "buildings": (func.gc_tile_buildings, 14),
    "grids": (func.gc_tile_grids, 8),
    "villages": (func.gc_tile_villages, 6),
    "roads": (func.gc_tile_roads, 10),
    # Target choropleth (webgis/sql/0005_coverage.sql): whole villages below z13, grids above.
    "coverage": (func.gc_tile_coverage, 8),
}
MAX_ZOOM = 22


class LayerParamError(ValueError):
    """A tile or bbox parameter is out of range (answered as HTTP 400)."""


def check_tile(layer: str, z: int, x: int, y: int) -> None:
    """Raise LayerParamError unless (layer, z, x, y) names a tile this layer serves."""
    if layer not in TILE_LAYERS:
        raise LayerParamError(f"未知图层: {layer}")
    min_zoom = TILE_LAYERS[layer][1]
    if not (min_zoom <= z <= MAX_ZOOM):
        raise LayerParamError(f"图层 {layer} 的缩放级别应在 {min_zoom}–{MAX_ZOOM} 之间")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise LayerParamError("瓦片行列号超出范围")


def tile(layer: str, z: int, x: int, y: int) -> bytes:
    """Return the MVT bytes of one tile of `layer` (empty bytes when nothing is there)."""
    check_tile(layer, z, x, y)
    fn = TILE_LAYERS[layer][0]
    data = db.session.execute(select(fn(z, x, y))).scalar()
    return bytes(data or b"")


def parse_bbox(text: str | None, max_degrees: float) -> tuple[float, float, float, float]:
    """Parse 'minlon,minlat,maxlon,maxlat' and cap its size; raise LayerParamError if invalid."""
    if not text:
        raise LayerParamError("缺少 bbox 参数（minlon,minlat,maxlon,maxlat）")
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        raise LayerParamError("bbox 应为四个数字：minlon,minlat,maxlon,maxlat") from None
    if len(parts) != 4:
        raise LayerParamError("bbox 应为四个数字：minlon,minlat,maxlon,maxlat")
    minx, miny, maxx, maxy = parts
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise LayerParamError("bbox 范围无效")
    if maxx - minx > max_degrees or maxy - miny > max_degrees:
        raise LayerParamError(f"bbox 过大（每边不超过 {max_degrees} 度），请放大地图")
    return minx, miny, maxx, maxy


def feature(geometry_json: str, properties: dict) -> dict:
    """Build one GeoJSON Feature from a PostGIS ST_AsGeoJSON text and properties."""
    return {"type": "Feature", "geometry": json.loads(geometry_json), "properties": properties}


def labels(bbox: tuple[float, float, float, float], z: int) -> dict:
    """Return label points for the view: village names below z15, grid names from z13."""
    env = ST_MakeEnvelope(*bbox, 4326)
    features = []
    if z < 15:
        rows = db.session.execute(
            select(Village.id, Village.name, Village.kind,
                   ST_AsGeoJSON(ST_PointOnSurface(Village.geom), 6))
            .where(ST_Intersects(Village.geom, env)).order_by(Village.id)
        ).all()
        features += [feature(g, {"id": i, "name": n, "kind": "village", "village_kind": k})
                     for i, n, k, g in rows]
    if z >= 13:
        rows = db.session.execute(
            select(Grid.id, Grid.name, ST_AsGeoJSON(ST_PointOnSurface(Grid.geom), 6))
            .where(ST_Intersects(Grid.geom, env)).order_by(Grid.id).limit(500)
        ).all()
        features += [feature(g, {"id": i, "name": n, "kind": "grid"}) for i, n, g in rows]
    return {"type": "FeatureCollection", "features": features}
