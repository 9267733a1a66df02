"""Exports: buildings GeoJSON/GeoPackage and persons XLSX, and their round trips through the imports."""
import io

import pyzipper
import shapely
from sqlalchemy import select

from tests.test_exchange_lists import MAPPING, estate  # noqa: F401  (fixture)
from webgis.audit.models import AuditEntry
from webgis.buildings.models import Building
from webgis.exchange import exports, geodata, lists
from webgis.writes import Actor


def test_buildings_geojson_round_trip(estate, db_session):  # noqa: F811
    admin = Actor.of(estate["admin"])
    data = exports.buildings_geojson(db_session, admin)
    p = geodata.preview(db_session, admin, data, "buildings.geojson")
    assert p["epsg"] in (4326, 4490) and not p["problems"]
    stored = {b.id: b for b in db_session.execute(select(Building)).scalars()}
    assert p["count"] == len(stored)
    from geoalchemy2.shape import to_shape

    for f in p["features"]["features"]:
        b = stored[int(f["properties"]["id"])]
        got = shapely.geometry.shape(f["geometry"])
        assert got.normalize().equals_exact(to_shape(b.geom).normalize(), 1e-7)  # same footprint, ring order aside
        assert f["properties"]["_grid_id"] == b.grid_id


def test_buildings_gpkg_opens_with_gdal(estate, db_session, tmp_path):  # noqa: F811
    from pyogrio import read_info

    data = exports.buildings_gpkg(db_session, Actor.of(estate["admin"]))
    path = tmp_path / "b.gpkg"
    path.write_bytes(data)
    info = read_info(path, layer="buildings")
    assert info["features"] == db_session.query(Building).count() and "standard_address" in list(info["fields"])
    assert info["crs"] == "EPSG:4326"


def test_persons_xlsx_round_trip_and_audit(estate, db_session):  # noqa: F811
    admin = Actor.of(estate["admin"])
    body, password, n = exports.persons_xlsx(db_session, admin)
    with pyzipper.AESZipFile(io.BytesIO(body)) as zf:
        zf.setpassword(password.encode())
        xlsx = zf.read("实有人口.xlsx")
    mapping = {"name": "姓名", "id_number": "公民身份号码", "gender": "性别", "ethnicity": "民族",
               "birth_date": "出生日期", "phone": "联系电话", "address": "现住址", "relation": "与户主关系",
               "category": "人员类别"}
    r = lists.dry_run(db_session, admin, xlsx, "实有人口.xlsx", "本平台导出", mapping)
    # Export → import gives the same records: every person found, in the same room, nothing new.
    assert r["counts"]["rows"] == n and r["counts"]["matched"] == n and r["counts"]["new"] == 0
    same = lists.batch_report(db_session, r["batch_id"], "matched")["rows"]
    assert {x["reason"] for x in same} == {"同一房间"}
    entry = db_session.execute(select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.object_type == "persons")
                               .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.detail["count"] == n and entry.detail["encrypted"] is True
