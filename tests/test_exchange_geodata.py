"""Geodata import: CRS detection (Gauss–Krüger zones 40/41 by easting prefix), transform accuracy,
repair of invalid geometry, grid assignment, all or nothing."""
import io
import json
import zipfile

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box
from sqlalchemy import func, select

from webgis.buildings.models import Building
from webgis.errors import ValidationFailed
from webgis.exchange import geodata
from webgis.writes import Actor

# A landmark near Qidong (121.6573°E, 31.8087°N) in the CRSs of the issue, frozen as the
# coordinates a surveyor's file would hold (zone 40: CM 120°E, zone 41: CM 123°E).
LANDMARK = (121.6573, 31.8087)
KNOWN = {4528: (40656937.559, 3521836.657), 4549: (656937.559, 3521836.657),
         4550: (372856.128, 3521425.436), 4529: (41372856.128, 3521425.436), 3857: (13542828.687, 3738225.641)}
GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize("epsg", sorted(KNOWN))
def test_landmark_transforms_to_wgs84_within_half_a_metre(epsg):
    x, y = KNOWN[epsg]
    declared = 4549 if epsg in (4528, 4549) else 4550 if epsg in (4529, 4550) else epsg
    detected = geodata.detect_crs(declared, np.array([x]))
    assert detected == epsg
    (pt,) = geodata.to_wgs84(np.array([shapely.Point(x, y)]), detected)
    _, _, dist = GEOD.inv(pt.x, pt.y, *LANDMARK)
    assert dist < 0.5


def test_zone_from_prefix_wins_over_the_declared_crs_and_is_asked_when_unknown():
    assert geodata.detect_crs(4549, np.array([41372856.0])) == 4529  # prefix 41 although the file says 4549
    assert geodata.detect_crs(None, np.array([121.6])) == 4490
    with pytest.raises(ValidationFailed) as err:
        geodata.detect_crs(None, np.array([656937.0]))
    assert "zone" in err.value.details
    assert geodata.detect_crs(None, np.array([656937.0]), zone=40) == 4549


def _geojson(features, crs=None) -> bytes:
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(g)} for g, props in features]}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(fc).encode()


def test_preview_repairs_bowtie_and_commit_assigns_grids(small_town, db_session):
    from pyproj import Transformer

    admin = Actor.of(small_town["admin"])
    t = Transformer.from_crs(4326, 4528, always_xy=True)
    def gk_box(lon, lat, d=0.00005):
        (x0, x1), (y0, y1) = t.transform([lon - d, lon + d], [lat - d, lat + d])
        return box(x0, y0, x1, y1)
    bowtie_ll = [(121.6151, 31.8151), (121.6152, 31.8152), (121.6152, 31.8151), (121.6151, 31.8152)]
    xs, ys = t.transform([p[0] for p in bowtie_ll], [p[1] for p in bowtie_ll])
    bowtie = Polygon(list(zip(xs, ys)))
    data = _geojson([(gk_box(121.6055, 31.8055), {"group_name": "2组", "house_no": "8号", "floors": "3"}),
                     (bowtie, {"compound": "阳光小区", "building_no": "9幢", "floors": 6})], crs="EPSG:4528")
    p = geodata.preview(db_session, admin, data, "楼栋.geojson")
    assert p["epsg"] == 4528 and not p["problems"]
    f1, f2 = p["features"]["features"]
    assert f1["properties"]["_valid"] and not f2["properties"]["_valid"]
    assert "Self-intersection" in f2["properties"]["_reason"] and f2["properties"]["_status"] == "repaired"
    g1, g2 = small_town["grids"]
    assert (f1["properties"]["_grid_id"], f2["properties"]["_grid_id"]) == (g1.id, g2.id)
    out = geodata.commit(db_session, admin, data, "楼栋.geojson")
    assert out["buildings"] == 2
    b = db_session.execute(select(Building).where(Building.building_no == "9幢")).scalar_one()
    assert (b.grid_id, b.floors, b.address_form) == (g2.id, 6, "urban")
    assert db_session.scalar(select(func.ST_IsValid(Building.geom)).where(Building.id == b.id))


def test_a_feature_outside_the_town_commits_nothing(small_town, db_session):
    admin = Actor.of(small_town["admin"])
    before = db_session.scalar(select(func.count()).select_from(Building))
    data = _geojson([(box(121.6050, 31.8050, 121.6051, 31.8051), {}), (box(100.0, 20.0, 100.001, 20.001), {})])
    with pytest.raises(ValidationFailed) as err:
        geodata.commit(db_session, admin, data, "b.geojson")
    assert "feature.2" in err.value.details
    assert db_session.scalar(select(func.count()).select_from(Building)) == before


def test_zipped_shapefile_is_read(small_town, db_session, tmp_path):
    import pyogrio

    path = tmp_path / "lou.shp"
    pyogrio.write_dataframe if False else None
    from pyogrio.raw import write

    geoms = np.array([shapely.to_wkb(box(121.6050, 31.8050, 121.6051, 31.8051))], dtype=object)
    write(path, geometry=geoms, field_data=[np.array(["3组"], dtype=object)], fields=["组"],
          geometry_type="Polygon", crs="EPSG:4490", encoding="UTF-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in tmp_path.iterdir():
            zf.write(f, f.name)
    p = geodata.preview(db_session, Actor.of(small_town["admin"]), buf.getvalue(), "lou.zip")
    assert p["epsg"] == 4490 and p["features"]["features"][0]["properties"]["组"] == "3组"
