"""Geodata import: buildings from GeoPackage, zipped Shapefile or GeoJSON (pyogrio, which bundles
GDAL), the CRS read from the file and transformed with pyproj (always_xy=True) to EPSG:4326.

Qidong lies within ~0.2° of the boundary of the Gauss–Krüger 3° zones 40 (CM 120°E) and 41
(CM 123°E), so a projected file's zone matters: an easting with the zone prefix (40xxxxxx.x /
41xxxxxx.x) names its zone (EPSG:4528 / 4529) whatever the file claims; without the prefix the
file's CRS (EPSG:4549 / 4550) is taken, and a file with no CRS and prefix-less eastings is
refused until the user says which zone (`zone=40|41`). Web Mercator (x ≈ 1.35e7) and degrees are
told apart by their ranges.

`preview()` returns the features as GeoJSON (for the map), each with `ST_IsValidReason` and
the repaired geometry (`ST_MakeValid(..., 'method=structure')`; a repair into several parts keeps
the largest as the footprint), and the grid each building
falls in; `commit()` writes all or nothing: a feature outside every grid of the town, or one
that cannot be repaired into a polygon, stops the import and is named.
"""
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from webgis import writes
from webgis.errors import ValidationFailed
from webgis.permissions import GEODATA_IMPORT_ROLES

MAX_FEATURES = 100_000
GK = {40: (4528, 4549), 41: (4529, 4550)}  # zone → (with prefix, without)
ACCEPTED = {4490, 4326, 3857, 4528, 4529, 4549, 4550}


def _epsg(crs_text: str | None) -> int | None:
    if not crs_text:
        return None
    try:
        return CRS.from_user_input(crs_text).to_epsg(min_confidence=70)
    except Exception:
        return None


def detect_crs(declared: int | None, xs: np.ndarray, zone: int | None = None) -> int:
    """The EPSG code the coordinates are really in (see the module docstring for the rules)."""
    x = float(np.nanmedian(xs)) if len(xs) else 0.0
    if 40_000_000 <= x < 42_000_000:  # easting with the zone prefix
        return GK[int(x // 1_000_000)][0]
    if -180 <= x <= 180:
        return declared if declared in (4490, 4326) else 4490
    if 1.2e7 <= x <= 1.5e7:
        return 3857
    if 100_000 <= x <= 900_000:
        if declared in (4549, 4550):
            return declared
        if declared in (4528, 4529):
            return GK[40 if declared == 4528 else 41][1]
        if zone in GK:
            return GK[zone][1]
        raise ValidationFailed({"zone": "坐标为高斯-克吕格3度带（无带号前缀），请选择第40带（中央经线120°）"
                                        "或第41带（中央经线123°）"})
    raise ValidationFailed({"crs": f"无法识别坐标系（东坐标约{x:,.0f}），支持CGCS2000、WGS84、Web墨卡托和3度带40/41带"})


def to_wgs84(geoms: np.ndarray, epsg: int) -> np.ndarray:
    """Transform shapely geometries from `epsg` to EPSG:4326 (lon, lat order)."""
    if epsg in (4326, 4490):  # CGCS2000 and WGS84 agree to well under a metre here
        return geoms
    t = Transformer.from_crs(epsg, 4326, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def read_features(data: bytes, filename: str) -> tuple[np.ndarray, dict, int | None]:
    """(geometries, {field: values}, declared EPSG) of the file's first layer."""
    from pyogrio import raw

    name = (filename or "").lower()
    with tempfile.TemporaryDirectory() as tmp:
        if name.endswith(".zip"):
            try:
                with zipfile.ZipFile(__import__("io").BytesIO(data)) as zf:
                    members = [m for m in zf.namelist() if not m.startswith(("/", "..")) and ".." not in m]
                    zf.extractall(tmp, members)
            except zipfile.BadZipFile:
                raise ValidationFailed({"file": "压缩包已损坏"}) from None
            shp = sorted(Path(tmp).rglob("*.shp"))
            if not shp:
                raise ValidationFailed({"file": "压缩包中没有.shp文件"})
            path = shp[0]
        elif name.endswith((".gpkg", ".geojson", ".json")):
            path = Path(tmp) / ("upload" + Path(name).suffix)
            path.write_bytes(data)
        else:
            raise ValidationFailed({"file": "只支持GeoPackage、GeoJSON或压缩的Shapefile（.zip）"})
        try:
            meta, _, wkb, field_data = raw.read(path, encoding="UTF-8" if path.suffix == ".shp" else None)[:4]
        except Exception as exc:
            raise ValidationFailed({"file": f"无法读取该文件：{str(exc)[:120]}"}) from None
    if len(wkb) > MAX_FEATURES:
        raise ValidationFailed({"file": f"一次最多导入{MAX_FEATURES}个要素"})
    geoms = shapely.from_wkb(wkb)
    fields = {n: list(v) for n, v in zip(meta["fields"], field_data)}
    return geoms, fields, _epsg(meta.get("crs"))


def _first_x(geoms: np.ndarray) -> np.ndarray:
    pts = shapely.get_coordinates(geoms)
    return pts[:, 0] if len(pts) else np.array([])


PREVIEW_SQL = text("""
  WITH f AS (
    SELECT n, ST_SetSRID(ST_GeomFromWKB(w), 4326) AS g FROM unnest(CAST(:wkb AS bytea[])) WITH ORDINALITY AS u(w, n)
  ), v AS (
    SELECT n, g, ST_IsValid(g) AS ok, ST_IsValidReason(g) AS why,
           ST_CollectionExtract(ST_MakeValid(g, 'method=structure'), 3) AS fixed FROM f
  )
  SELECT n, ok, why, ST_AsGeoJSON(fixed, 7) AS fixed_json, ST_NumGeometries(fixed) AS parts,
         (SELECT gr.id FROM grid gr WHERE gr.town_id = :t AND ST_Intersects(gr.geom, ST_PointOnSurface(fixed))
           ORDER BY gr.id LIMIT 1) AS grid_id,
         (SELECT gr.village_id FROM grid gr WHERE gr.town_id = :t AND ST_Intersects(gr.geom, ST_PointOnSurface(fixed))
           ORDER BY gr.id LIMIT 1) AS village_id
    FROM v ORDER BY n
""")


def preview(session: Session, actor: writes.Actor, data: bytes, filename: str, zone: int | None = None) -> dict:
    """The features transformed to EPSG:4326, validity per feature, repaired geometry and grid."""
    writes.require(actor, GEODATA_IMPORT_ROLES, "geodata")
    geoms, fields, declared = read_features(data, filename)
    if len(geoms) == 0:
        raise ValidationFailed({"file": "文件中没有要素"})
    epsg = detect_crs(declared, _first_x(geoms), zone)
    wgs = to_wgs84(geoms, epsg)
    rows = session.execute(PREVIEW_SQL, {"wkb": [shapely.to_wkb(g) for g in wgs], "t": actor.town_id}).all()
    features, problems = [], {}
    for r in rows:
        i = r.n - 1
        props = {k: (None if v is None else str(v)) for k, v in ((k, vals[i]) for k, vals in fields.items())}
        status = "ok" if r.ok else ("repaired" if r.parts else "invalid")
        if not r.parts:
            problems[f"feature.{r.n}"] = f"第{r.n}个要素几何无效（{r.why}），无法修复为面"
        elif r.grid_id is None:
            problems[f"feature.{r.n}"] = f"第{r.n}个要素不在本镇任何网格内"
        features.append({"type": "Feature", "id": r.n,
                         "geometry": json.loads(r.fixed_json) if r.fixed_json else None,
                         "properties": {**props, "_valid": r.ok, "_reason": None if r.ok else r.why,
                                        "_status": status, "_grid_id": r.grid_id, "_village_id": r.village_id}})
    return {"epsg": epsg, "declared_epsg": declared, "count": len(features), "problems": problems,
            "features": {"type": "FeatureCollection", "features": features}}


def _prop(props: dict, *names, default=None):
    for n in names:
        if props.get(n) not in (None, ""):
            return props[n]
    return default


def commit(session: Session, actor: writes.Actor, data: bytes, filename: str, zone: int | None = None) -> dict:
    """Write the file's buildings, all or nothing (one transaction, history by the trigger)."""
    from geoalchemy2.shape import from_shape
    from shapely.geometry import shape

    from webgis.buildings.models import Building

    p = preview(session, actor, data, filename, zone)
    if p["problems"]:
        raise ValidationFailed(p["problems"], message=f"有{len(p['problems'])}个要素有问题，未导入任何数据")
    n = 0
    for f in p["features"]["features"]:
        props = f["properties"]
        poly = shape(f["geometry"])
        if poly.geom_type == "MultiPolygon":
            poly = max(poly.geoms, key=lambda g: g.area)
        compound = _prop(props, "compound", "小区", "路")
        try:
            floors = int(float(_prop(props, "floors", "层数", default=1)))
        except ValueError:
            raise ValidationFailed({f"feature.{f['id']}": f"第{f['id']}个要素的层数不是数字"}) from None
        b = Building(town_id=actor.town_id, village_id=props["_village_id"], grid_id=props["_grid_id"],
                     address_form="urban" if compound else "rural",
                     group_name=None if compound else _prop(props, "group_name", "组"),
                     house_no=None if compound else _prop(props, "house_no", "号"),
                     compound=compound, building_no=_prop(props, "building_no", "幢") if compound else None,
                     building_type=_prop(props, "building_type", default="residential" if compound else "rural_house"),
                     floors=max(1, min(floors, 200)), rooms_count=1, status="existing",
                     geom=from_shape(poly, 4326), geom_pt=from_shape(poly.representative_point(), 4326))
        session.add(b)
        n += 1
    session.flush()
    session.commit()
    return {"applied": True, "buildings": n, "epsg": p["epsg"]}
