"""Geodata import of villages, grids and roads: CRS from the file (Gauss–Krüger zones 40/41), repair or
refusal per feature, grids in their village and buildings re-assigned to them, roads feeding the
walking graph, all or nothing. Fixtures are written in the test with pyogrio (GeoPackage, zipped
Shapefile, GeoJSON)."""
import io
import json
import zipfile

import numpy as np
import pytest
import shapely
from pyogrio.raw import write
from pyproj import Transformer
from shapely.geometry import LineString, MultiLineString, Polygon, box
from sqlalchemy import func, select, text

from webgis.buildings.models import Building, Household
from webgis.errors import ValidationFailed
from webgis.exchange import geodata
from webgis.geo.models import Grid, Road, Village
from webgis.people.models import Person, Residence
from webgis.routes import graph as walkgraph
from webgis.visits.models import ChangeHistory
from webgis.writes import Actor


def _project(geom, epsg):
    t = Transformer.from_crs(4326, epsg, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def _write(tmp_path, name, geoms, fields: dict, epsg, driver=None, geometry_type="Polygon"):
    path = tmp_path / name
    write(path, geometry=np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
          field_data=[np.array(v, dtype=object) for v in fields.values()], fields=list(fields),
          geometry_type=geometry_type, crs=f"EPSG:{epsg}", driver=driver, encoding="UTF-8")
    return path


def _zip(folder) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f.name)
    return buf.getvalue()


def test_grids_from_geopackage_in_zone_40_take_their_buildings(small_town, db_session, tmp_path):
    admin = Actor.of(small_town["admin"])
    g1, g2 = small_town["grids"]
    b1, b2 = small_town["buildings"]
    h1, _ = small_town["households"]
    v = small_town["village"]
    new_grid = _project(box(121.603, 31.803, 121.608, 31.808), 4549)  # CGCS2000 GK zone 40, no prefix
    path = _write(tmp_path, "wangge.gpkg", [new_grid], {"number": [3], "name": ["新港第3网格"]}, 4549, driver="GPKG")
    data = path.read_bytes()
    p = geodata.preview(db_session, admin, data, "wangge.gpkg", layer="grids")
    assert p["epsg"] == 4549 and not p["problems"] and p["features"]["features"][0]["properties"]["_village_id"] == v.id
    before = db_session.scalar(select(func.count()).select_from(ChangeHistory))
    out = geodata.commit(db_session, admin, data, "wangge.gpkg", layer="grids")
    assert (out["grids"], out["buildings_moved"]) == (1, 1)  # b1 lies in the new grid, b2 does not
    g3 = db_session.execute(select(Grid).where(Grid.code == f"{v.code}03")).scalar_one()
    assert (g3.village_id, g3.number, g3.name) == (v.id, 3, "新港第3网格")
    assert db_session.get(Building, b1.id).grid_id == g3.id and db_session.get(Building, b2.id).grid_id == g2.id
    assert db_session.get(Household, h1.id).grid_id == g3.id
    p1, p2, p3 = small_town["persons"]
    assert [db_session.get(Person, p.id).grid_id for p in (p1, p2, p3)] == [g3.id, g3.id, g2.id]
    assert set(db_session.execute(select(Residence.grid_id).where(Residence.household_id == h1.id)).scalars()) == {g3.id}
    # building 1 + household 1 + 2 residences + 2 persons, each one history row
    assert db_session.scalar(select(func.count()).select_from(ChangeHistory)) - before == 6


def test_villages_from_zipped_shapefile_in_zone_41_with_prefix(small_town, db_session, tmp_path):
    admin = Actor.of(small_town["admin"])
    v = small_town["village"]
    folder = tmp_path / "shp"
    folder.mkdir()
    geoms = [_project(box(121.60, 31.80, 121.62, 31.82), 4529), _project(box(121.62, 31.80, 121.64, 31.82), 4529)]
    assert 41_000_000 < geoms[0].centroid.x < 42_000_000  # the zone prefix written in the eastings
    _write(folder, "cun.shp", geoms, {"code": [v.code, "V-NEW"], "name": ["新港村", "东海村"], "kind": ["村", "社区"]},
           4529)
    data = _zip(folder)
    out = geodata.commit(db_session, admin, data, "cun.zip", layer="villages")
    assert (out["villages"], out["added"], out["updated"], out["epsg"]) == (2, 1, 1, 4529)
    db_session.expire_all()
    assert db_session.get(Village, v.id).name == "新港村"
    new = db_session.execute(select(Village).where(Village.code == "V-NEW")).scalar_one()
    assert (new.name, new.kind, new.station_id) == ("东海村", "community", small_town["station"].id)
    # within half a metre of where it was drawn (GK zone 41 → WGS84)
    assert db_session.scalar(select(func.ST_HausdorffDistance(
        func.ST_Transform(new.geom, 32651),
        func.ST_Transform(func.ST_GeomFromText(box(121.62, 31.80, 121.64, 31.82).wkt, 4326), 32651)))) < 0.5


def test_roads_from_geojson_replace_the_network_the_walking_graph_reads(small_town, make, db_session):
    admin = Actor.of(small_town["admin"])
    town = small_town["town"]
    from geoalchemy2.shape import from_shape
    with make.as_owner():
        db_session.add(Road(town_id=town.id, name="旧路", kind="lane",
                            geom=from_shape(LineString([(121.601, 31.801), (121.602, 31.802)]), 4326)))
        db_session.flush()
    feats = [(LineString([(121.600, 31.810), (121.620, 31.810)]), {"name": "人民路", "kind": "main"}),
             (MultiLineString([[(121.605, 31.800), (121.605, 31.809)], [(121.615, 31.811), (121.615, 31.820)]]),
              {"name": "和平街", "kind": "街道"})]
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": pr, "geometry": shapely.geometry.mapping(g)} for g, pr in feats]}).encode()
    p = geodata.preview(db_session, admin, data, "roads.geojson", layer="roads")
    assert p["epsg"] == 4326 and not p["problems"]  # GeoJSON: WGS84 unless it says otherwise
    out = geodata.commit(db_session, admin, data, "roads.geojson", layer="roads")
    assert (out["roads"], out["pieces"]) == (2, 3)
    rows = db_session.execute(select(Road.name, Road.kind).where(Road.town_id == town.id).order_by(Road.id)).all()
    assert rows == [("人民路", "main"), ("和平街", "street"), ("和平街", "street")]
    lines = walkgraph.load_roads(db_session, town.id, np.array([[121.605, 31.805], [121.615, 31.815]]), 32651)
    assert len(lines) == 3 and round(sum(ln.length for ln in lines)) == round(
        db_session.scalar(select(func.sum(func.ST_Length(func.ST_Transform(Road.geom, 32651))))
                          .where(Road.town_id == town.id)))


def test_one_bad_feature_commits_nothing_and_is_named(small_town, db_session):
    admin = Actor.of(small_town["admin"])
    v = small_town["village"]
    flat = Polygon([(121.601, 31.805), (121.609, 31.805), (121.605, 31.805), (121.601, 31.805)])  # no area
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"number": 7}, "geometry": shapely.geometry.mapping(box(121.60, 31.80, 121.61, 31.81))},
        {"type": "Feature", "properties": {"number": 8}, "geometry": shapely.geometry.mapping(flat)}]}
    grids = db_session.scalar(select(func.count()).select_from(Grid))
    with pytest.raises(ValidationFailed) as err:
        geodata.commit(db_session, admin, json.dumps(fc).encode(), "g.geojson", layer="grids")
    assert list(err.value.details) == ["feature.2"] and "无法修复为面" in err.value.details["feature.2"]
    assert db_session.scalar(select(func.count()).select_from(Grid)) == grids
    roads = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(LineString([(121.6, 31.8), (121.61, 31.8)]))},
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(LineString([(100.0, 20.0), (100.1, 20.0)]))}]}
    with pytest.raises(ValidationFailed) as err:
        geodata.commit(db_session, admin, json.dumps(roads).encode(), "r.geojson", layer="roads")
    assert list(err.value.details) == ["feature.2"] and "本镇范围内" in err.value.details["feature.2"]
    assert db_session.scalar(select(func.count()).select_from(Road).where(Road.town_id == small_town["town"].id)) == 0
    assert db_session.get(Village, v.id) is not None


def test_a_grid_worker_cannot_write_reference_data(small_town, make, db_session):
    """Row-level security (revision 0020): only an all-grid scope of the town writes its grids."""
    from webgis.scope import Scope, apply

    g1, _ = small_town["grids"]
    worker = make.user(small_town["town"], role="grid_worker", username="gw1", grids=[g1])
    apply(db_session.connection(), Scope(town_id=small_town["town"].id, role="grid_worker", user_id=worker.id,
                                         grid_ids=(g1.id,)))
    n = db_session.execute(text("UPDATE grid SET name = 'x' WHERE id = :g"), {"g": g1.id}).rowcount
    assert n == 0
