"""Exports of what the user may see (row-level security decides): buildings with their status
as GeoJSON or GeoPackage (QGIS opens both), persons as XLSX. Every export of personal data
leaves as a protected zip (webgis/exchange/protect.py) and is audited (who, what, how many rows).
"""
import io
import json
import tempfile
from pathlib import Path

import numpy as np
import shapely
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis import writes
from webgis.audit import services as audit
from webgis.buildings import address
from webgis.buildings.models import Building, Household
from webgis.codes.data import label
from webgis.exchange.protect import protected_zip
from webgis.geo.models import Grid, Village
from webgis.people.models import Person, Residence
from webgis.permissions import EXPORT_ROLES, NO_IDENTIFIER_ROLES

PERSON_COLUMNS = ["姓名", "公民身份号码", "性别", "民族", "出生日期", "联系电话", "人员类别", "状态", "现住址",
                  "与户主关系", "网格"]


def _buildings(session: Session, grid_id: int | None):
    q = (select(Building, Village.name, Grid.name, func.ST_AsBinary(func.coalesce(Building.geom, Building.geom_pt)))
         .join(Village, Village.id == Building.village_id).join(Grid, Grid.id == Building.grid_id)
         .order_by(Building.id))
    if grid_id is not None:
        q = q.where(Building.grid_id == grid_id)
    return session.execute(q.execution_options(yield_per=5000))


def _building_props(b, village, grid) -> dict:
    return {"id": b.id, "standard_address": address.building_address(village, grid, b), "village": village,
            "grid": grid, "building_type": label("building_type", b.building_type), "floors": b.floors,
            "status": label("building_status", b.status),
            "collection_status": label("collection_status", b.collection_status)}


def buildings_geojson(session: Session, actor: writes.Actor, grid_id: int | None = None) -> bytes:
    """楼栋及状态 as GeoJSON (EPSG:4326), for QGIS or another GIS."""
    writes.require(actor, EXPORT_ROLES, "export")
    feats = [{"type": "Feature", "geometry": shapely.geometry.mapping(shapely.from_wkb(bytes(wkb))),
              "properties": _building_props(b, v, g)} for b, v, g, wkb in _buildings(session, grid_id)]
    audit.export("buildings", len(feats), {"grid": grid_id}, grid_id=grid_id, format="geojson")
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode()


def buildings_gpkg(session: Session, actor: writes.Actor, grid_id: int | None = None) -> bytes:
    """楼栋及状态 as a GeoPackage layer `buildings` (EPSG:4326) written by pyogrio."""
    from pyogrio.raw import write

    writes.require(actor, EXPORT_ROLES, "export")
    rows = list(_buildings(session, grid_id))
    props = [_building_props(b, v, g) for b, v, g, _ in rows]
    names = ["id", "standard_address", "village", "grid", "building_type", "floors", "status", "collection_status"]
    # Footprints are polygons; a building registered without one is its point (GPKG "GEOMETRY" layer).
    geoms = np.array([bytes(w) for *_, w in rows], dtype=object)
    fields = [np.array([p[n] for p in props], dtype=object if n not in ("id", "floors") else np.int64) for n in names]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "buildings.gpkg"
        write(path, geometry=geoms, field_data=fields, fields=names, layer="buildings",
              geometry_type="Unknown", crs="EPSG:4326", driver="GPKG")
        data = path.read_bytes()
    audit.export("buildings", len(rows), {"grid": grid_id}, grid_id=grid_id, format="gpkg")
    return data


def persons_xlsx(session: Session, actor: writes.Actor, grid_id: int | None = None) -> tuple[bytes, str, int]:
    """实有人口 as XLSX in a protected zip: (zip, password, rows). Full values: the zip is the guard."""
    writes.require(actor, EXPORT_ROLES, "export")
    identifiers = actor.role not in NO_IDENTIFIER_ROLES
    q = (select(Person, Residence.relation_to_head, Household, Building, Village.name, Grid.name)
         .outerjoin(Residence, (Residence.person_id == Person.id) & Residence.end_date.is_(None))
         .outerjoin(Household, Household.id == Residence.household_id)
         .outerjoin(Building, Building.id == Household.building_id)
         .outerjoin(Village, Village.id == Building.village_id)
         .join(Grid, Grid.id == Person.grid_id).order_by(Person.id))
    if grid_id is not None:
        q = q.where(Person.grid_id == grid_id)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("实有人口")
    ws.append(PERSON_COLUMNS)
    n = 0
    for p, rel, h, b, village, grid in session.execute(q.execution_options(yield_per=5000)):
        ws.append([p.name, p.id_number if identifiers else None, label("gender", p.gender),
                   label("ethnicity", p.ethnicity), p.birth_date, p.phone if identifiers else None,
                   label("person_category", p.category), label("person_status", p.status),
                   address.household_address(village, grid, b, h) if h is not None else None,
                   label("relation", rel), grid])
        n += 1
    buf = io.BytesIO()
    wb.save(buf)
    body, password = protected_zip({"实有人口.xlsx": buf.getvalue()})
    audit.export("persons", n, {"grid": grid_id}, grid_id=grid_id, encrypted=True, format="zip")
    return body, password, n
