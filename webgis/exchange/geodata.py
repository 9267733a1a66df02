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


LAYERS = {"buildings": "楼栋", "villages": "村（社区）", "grids": "网格", "roads": "道路"}

# Villages and grids: polygons repaired like buildings (all parts kept: a boundary may be a
# multipolygon); a village must lie in the town, a grid in one of the town's villages (the
# village its point-on-surface falls in).
AREA_SQL = text("""
  WITH f AS (
    SELECT n, ST_SetSRID(ST_GeomFromWKB(w), 4326) AS g FROM unnest(CAST(:wkb AS bytea[])) WITH ORDINALITY AS u(w, n)
  ), v AS (
    SELECT n, ST_IsValid(g) AS ok, ST_IsValidReason(g) AS why,
           ST_Multi(ST_CollectionExtract(ST_MakeValid(g, 'method=structure'), 3)) AS fixed FROM f
  )
  SELECT n, ok, why, ST_AsGeoJSON(fixed, 7) AS fixed_json,
         CASE WHEN ST_Area(fixed) > 0 THEN ST_NumGeometries(fixed) ELSE 0 END AS parts,
         EXISTS (SELECT 1 FROM town t WHERE t.id = :t AND ST_Intersects(t.geom, ST_PointOnSurface(fixed))) AS in_town,
         (SELECT vi.id FROM village vi WHERE vi.town_id = :t AND ST_Intersects(vi.geom, ST_PointOnSurface(fixed))
           ORDER BY vi.id LIMIT 1) AS village_id
    FROM v ORDER BY n
""")
# Roads: lines (a multi-line feature is one road of several pieces, stored one row per piece).
LINE_SQL = text("""
  WITH f AS (
    SELECT n, ST_SetSRID(ST_GeomFromWKB(w), 4326) AS g FROM unnest(CAST(:wkb AS bytea[])) WITH ORDINALITY AS u(w, n)
  ), v AS (
    SELECT n, ST_IsValid(g) AS ok, ST_IsValidReason(g) AS why,
           ST_LineMerge(ST_CollectionExtract(ST_MakeValid(g, 'method=structure'), 2)) AS fixed FROM f
  )
  SELECT n, ok, why, ST_AsGeoJSON(fixed, 7) AS fixed_json,
         CASE WHEN ST_IsEmpty(fixed) OR ST_Length(fixed) = 0 THEN 0 ELSE ST_NumGeometries(fixed) END AS parts,
         EXISTS (SELECT 1 FROM town t WHERE t.id = :t AND ST_Intersects(t.geom, fixed)) AS in_town,
         NULL::integer AS village_id
    FROM v ORDER BY n
""")


def _read(actor: writes.Actor, data: bytes, filename: str, zone: int | None):
    geoms, fields, declared = read_features(data, filename)
    if len(geoms) == 0:
        raise ValidationFailed({"file": "文件中没有要素"})
    epsg = detect_crs(declared, _first_x(geoms), zone)
    return to_wgs84(geoms, epsg), fields, declared, epsg


def preview(session: Session, actor: writes.Actor, data: bytes, filename: str, zone: int | None = None,
            layer: str = "buildings") -> dict:
    """The features transformed to EPSG:4326, validity per feature, repaired geometry and where each
    falls (buildings: grid; grids: village; villages and roads: the town)."""
    writes.require(actor, GEODATA_IMPORT_ROLES, "geodata")
    if layer not in LAYERS:
        raise ValidationFailed({"layer": "请选择导入的图层：楼栋、村（社区）、网格或道路"})
    wgs, fields, declared, epsg = _read(actor, data, filename, zone)
    sql = {"buildings": PREVIEW_SQL, "roads": LINE_SQL}.get(layer, AREA_SQL)
    rows = session.execute(sql, {"wkb": [shapely.to_wkb(g) for g in wgs], "t": actor.town_id}).all()
    features, problems = [], {}
    kind_of = {"buildings": "面", "villages": "面", "grids": "面", "roads": "线"}[layer]
    for r in rows:
        i = r.n - 1
        props = {k: (None if v is None else str(v)) for k, v in ((k, vals[i]) for k, vals in fields.items())}
        status = "ok" if r.ok else ("repaired" if r.parts else "invalid")
        placed = {"buildings": lambda: r.grid_id, "grids": lambda: r.village_id}.get(layer, lambda: r.in_town or None)()
        if not r.parts:
            why = r.why if not r.ok else ("面积为0" if kind_of == "面" else "长度为0")
            problems[f"feature.{r.n}"] = f"第{r.n}个要素几何无效（{why}），无法修复为{kind_of}"
        elif placed is None:
            where = {"buildings": "本镇任何网格内", "grids": "本镇任何村（社区）内"}.get(layer, "本镇范围内")
            problems[f"feature.{r.n}"] = f"第{r.n}个要素不在{where}"
        else:
            problem = _attribute_problem(layer, props, r.n)
            if problem:
                problems[f"feature.{r.n}"] = problem
        extra = {"_grid_id": r.grid_id, "_village_id": r.village_id} if layer == "buildings" else \
            {"_village_id": r.village_id, "_grid_id": None if placed is None else 0}
        features.append({"type": "Feature", "id": r.n,
                         "geometry": json.loads(r.fixed_json) if r.fixed_json else None,
                         "properties": {**props, "_valid": r.ok, "_reason": None if r.ok else r.why,
                                        "_status": status, **extra}})
    return {"epsg": epsg, "declared_epsg": declared, "count": len(features), "problems": problems, "layer": layer,
            "features": {"type": "FeatureCollection", "features": features}}


def _prop(props: dict, *names, default=None):
    for n in names:
        if props.get(n) not in (None, ""):
            return props[n]
    return default


def _int(value) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


ROAD_KINDS = {"main": "main", "street": "street", "lane": "lane", "主干道": "main", "街道": "street", "巷": "lane",
              "小路": "lane"}
VILLAGE_KINDS = {"village": "village", "community": "community", "村": "village", "社区": "community"}


def _attribute_problem(layer: str, props: dict, n: int) -> str | None:
    """What a feature's attributes lack for its layer (None: nothing)."""
    if layer == "villages":
        if not _prop(props, "code", "编码", "村编码") or not _prop(props, "name", "名称", "村名"):
            return f"第{n}个要素缺少编码（code）或名称（name）"
        if _prop(props, "kind", "类型") and _prop(props, "kind", "类型") not in VILLAGE_KINDS:
            return f"第{n}个要素的类型应为“村”或“社区”"
    elif layer == "grids":
        if _int(_prop(props, "number", "网格号", "编号")) is None:
            return f"第{n}个要素缺少网格号（number）"
    elif layer == "roads":
        if _prop(props, "kind", "等级") and _prop(props, "kind", "等级") not in ROAD_KINDS:
            return f"第{n}个要素的道路等级应为 main / street / lane（主干道、街道、巷）"
    elif layer == "buildings":
        if _prop(props, "floors", "层数") is not None and _int(_prop(props, "floors", "层数")) is None:
            return f"第{n}个要素的层数不是数字"
    return None


def commit(session: Session, actor: writes.Actor, data: bytes, filename: str, zone: int | None = None,
           layer: str = "buildings", progress=None) -> dict:
    """Write the file's features of one layer, all or nothing (one transaction; domain history by the trigger)."""
    p = preview(session, actor, data, filename, zone, layer)
    if p["problems"]:
        raise ValidationFailed(p["problems"], message=f"有{len(p['problems'])}个要素有问题，未导入任何数据")
    feats = p["features"]["features"]
    out = {"buildings": _commit_buildings, "villages": _commit_villages, "grids": _commit_grids,
           "roads": _commit_roads}[layer](session, actor, feats, progress)
    session.commit()
    return {"applied": True, "layer": layer, "epsg": p["epsg"], **out}


def _commit_buildings(session: Session, actor: writes.Actor, feats: list, progress) -> dict:
    from geoalchemy2.shape import from_shape
    from shapely.geometry import shape

    from webgis.buildings.models import Building

    for n, f in enumerate(feats, 1):
        props = f["properties"]
        poly = shape(f["geometry"])
        if poly.geom_type == "MultiPolygon":
            poly = max(poly.geoms, key=lambda g: g.area)
        compound = _prop(props, "compound", "小区", "路")
        floors = _int(_prop(props, "floors", "层数", default=1)) or 1
        session.add(Building(town_id=actor.town_id, village_id=props["_village_id"], grid_id=props["_grid_id"],
                             address_form="urban" if compound else "rural",
                             group_name=None if compound else _prop(props, "group_name", "组"),
                             house_no=None if compound else _prop(props, "house_no", "号"),
                             compound=compound, building_no=_prop(props, "building_no", "幢") if compound else None,
                             building_type=_prop(props, "building_type",
                                                 default="residential" if compound else "rural_house"),
                             floors=max(1, min(floors, 200)), rooms_count=1, status="existing",
                             geom=from_shape(poly, 4326), geom_pt=from_shape(poly.representative_point(), 4326)))
        if progress and n % 500 == 0:
            progress(n, len(feats))
    session.flush()
    return {"buildings": len(feats), "features": len(feats)}


def _geojson_params(feats: list) -> list[str]:
    return [json.dumps(f["geometry"]) for f in feats]


def _commit_villages(session: Session, actor: writes.Actor, feats: list, progress) -> dict:
    """Villages by code: an existing code gets the file's boundary and name, a new one is added
    (its police station: the `station` attribute — code or name —, or the town's only station)."""
    stations = session.execute(text("SELECT id, code, name FROM police_station WHERE town_id = :t ORDER BY id"),
                               {"t": actor.town_id}).all()
    rows, problems = [], {}
    for f in feats:
        props = f["properties"]
        wanted = _prop(props, "station", "派出所")
        match = [s.id for s in stations if wanted in (s.code, s.name)] if wanted else \
            ([stations[0].id] if len(stations) == 1 else [])
        rows.append({"code": str(_prop(props, "code", "编码", "村编码"))[:20],
                     "name": str(_prop(props, "name", "名称", "村名"))[:40],
                     "kind": VILLAGE_KINDS.get(_prop(props, "kind", "类型"), None), "station_id": match[0] if match else None,
                     "geom": json.dumps(f["geometry"]), "n": f["id"]})
    existing = {c for (c,) in session.execute(text("SELECT code FROM village WHERE town_id = :t"), {"t": actor.town_id})}
    for r in rows:
        if r["code"] not in existing and r["station_id"] is None:
            problems[f"feature.{r['n']}"] = f"第{r['n']}个要素是新的村（社区），请用station属性写明所属派出所（编码或名称）"
    if problems:
        raise ValidationFailed(problems, message=f"有{len(problems)}个要素有问题，未导入任何数据")
    session.execute(text("""
      INSERT INTO village (town_id, station_id, code, name, kind, geom)
      VALUES (:t, :station_id, :code, :name, coalesce(:kind, 'village'), ST_SetSRID(ST_GeomFromGeoJSON(:geom), 4326))
      ON CONFLICT (town_id, code) DO UPDATE
        SET name = EXCLUDED.name, geom = EXCLUDED.geom, kind = coalesce(:kind, village.kind),
            station_id = coalesce(:station_id, village.station_id)"""),
        [dict(r, t=actor.town_id) for r in rows])
    added = sum(r["code"] not in existing for r in rows)
    return {"villages": len(rows), "added": added, "updated": len(rows) - added, "features": len(rows)}


def _commit_grids(session: Session, actor: writes.Actor, feats: list, progress) -> dict:
    """Grids by code (default: village code + 2-digit number): in the village they fall in; then the
    buildings that fall in an imported grid are re-assigned to it, and their rooms, current
    residences and residents follow (each change a row of the change history)."""
    villages = {v.id: v for v in session.execute(text("SELECT id, code, name FROM village WHERE town_id = :t"),
                                                 {"t": actor.town_id})}
    rows = []
    for f in feats:
        props, v = f["properties"], villages[f["properties"]["_village_id"]]
        number = _int(_prop(props, "number", "网格号", "编号"))
        rows.append({"t": actor.town_id, "village_id": v.id, "number": number,
                     "code": str(_prop(props, "code", "编码", default=f"{v.code}{number:02d}"))[:24],
                     "name": str(_prop(props, "name", "名称", default=f"{v.name}第{number}网格"))[:60],
                     "geom": json.dumps(f["geometry"])})
    session.execute(text("""
      INSERT INTO grid (town_id, village_id, code, number, name, geom)
      VALUES (:t, :village_id, :code, :number, :name, ST_SetSRID(ST_GeomFromGeoJSON(:geom), 4326))
      ON CONFLICT (town_id, code) DO UPDATE
        SET village_id = EXCLUDED.village_id, number = EXCLUDED.number, name = EXCLUDED.name, geom = EXCLUDED.geom"""),
        rows)
    if progress:
        progress(1, 2, "网格已写入，正在把楼栋归入所在网格")
    ids = session.execute(text("SELECT id FROM grid WHERE town_id = :t AND code = ANY (:codes)"),
                          {"t": actor.town_id, "codes": [r["code"] for r in rows]}).scalars().all()
    moved = reassign_buildings(session, actor.town_id, list(ids))
    return {"grids": len(rows), "buildings_moved": moved, "features": len(rows)}


REASSIGN_SQL = text("""
  WITH target AS (
    SELECT b.id, g.id AS grid_id, g.village_id
      FROM building b
      CROSS JOIN LATERAL (SELECT g.id, g.village_id FROM grid g
                           WHERE g.id = ANY (:grids) AND ST_Intersects(g.geom, b.geom_pt)
                           ORDER BY g.id LIMIT 1) g
     WHERE b.town_id = :t AND b.grid_id IS DISTINCT FROM g.id
  ), b AS (
    UPDATE building x SET grid_id = target.grid_id, village_id = target.village_id, version = x.version + 1
      FROM target WHERE x.id = target.id RETURNING x.id, x.grid_id
  ), h AS (
    UPDATE household x SET grid_id = b.grid_id, version = x.version + 1
      FROM b WHERE x.building_id = b.id AND x.grid_id IS DISTINCT FROM b.grid_id RETURNING x.id, x.grid_id
  ), r AS (
    UPDATE residence x SET grid_id = h.grid_id
      FROM h WHERE x.household_id = h.id AND x.end_date IS NULL AND x.grid_id IS DISTINCT FROM h.grid_id
    RETURNING x.person_id, x.grid_id
  ), p AS (
    UPDATE person x SET grid_id = r.grid_id, version = x.version + 1
      FROM r WHERE x.id = r.person_id AND x.grid_id IS DISTINCT FROM r.grid_id RETURNING x.id
  )
  SELECT (SELECT count(*) FROM b), (SELECT count(*) FROM h), (SELECT count(*) FROM r), (SELECT count(*) FROM p)
""")


def reassign_buildings(session: Session, town_id: int, grid_ids: list[int]) -> int:
    """Put the town's buildings that fall in one of `grid_ids` (the grids just imported, which take
    precedence over older overlapping ones) in that grid; rooms, current residences and residents
    follow. Buildings outside them keep their grid. Returns the buildings moved."""
    moved, *_ = session.execute(REASSIGN_SQL, {"t": town_id, "grids": grid_ids}).one()
    session.expire_all()
    return int(moved)


def _commit_roads(session: Session, actor: writes.Actor, feats: list, progress) -> dict:
    """The file is the town's road network: the roads are replaced (the walking routes read them per
    request, webgis/routes/graph.py:load_roads, so the next plan walks the new network; the map's
    road tiles follow through the reference-version trigger of revision 0011)."""
    session.execute(text("DELETE FROM road WHERE town_id = :t"), {"t": actor.town_id})
    rows = [{"t": actor.town_id, "name": (_prop(f["properties"], "name", "名称", "路名") or None),
             "kind": ROAD_KINDS.get(_prop(f["properties"], "kind", "等级"), "street"),
             "geom": json.dumps(f["geometry"])} for f in feats]
    session.execute(text("""
      INSERT INTO road (town_id, name, kind, geom)
      SELECT :t, left(:name, 60), :kind, (ST_Dump(ST_SetSRID(ST_GeomFromGeoJSON(:geom), 4326))).geom"""), rows)
    pieces = session.execute(text("SELECT count(*) FROM road WHERE town_id = :t"), {"t": actor.town_id}).scalar()
    return {"roads": len(rows), "pieces": int(pieces), "features": len(rows)}
