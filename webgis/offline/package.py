"""下载离线包: one grid (never more per response) as the role sees it through the existing APIs.

The registration form of every household (webgis.visits.services.registration_form, masked for
the role), every building as GET /api/buildings/<id> answers it (the panel offline), the code
lists, the re-visit list, the history mark the copy was read at (the base of the merge,
services.py) and the tile addresses of the grid at the zooms a leader uses.
"""
import math

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webgis import writes
from webgis.buildings import address
from webgis.buildings.models import Building, Household
from webgis.codes.data import CODE_LISTS
from webgis.errors import NotFound
from webgis.geo.models import Grid, Village
from webgis.offline.services import history_mark
from webgis.permissions import OFFLINE_ROLES
from webgis.visits.services import registration_form

# The vector tile layers of the app drawn on a leader's map, and the zooms a leader works at
# (12–13 the overview the map opens with, buildings from BUILDING_MIN_ZOOM, 18 footprints room
# by room; higher zooms over-zoom the z18 tile in Leaflet).
TILE_LAYERS = ("villages", "grids", "roads", "buildings")
PACKAGE_MIN_ZOOM, PACKAGE_MAX_ZOOM = 12, 18
# How far around the grid tiles are taken (a share of the grid's width/height on each side):
# wide at the overview zooms (the map opens showing the neighbourhood), narrow close up.
OVERVIEW_MARGIN, DETAIL_MARGIN = 1.0, 0.15
MAX_TILES = 1500  # per layer: a grid of 500 households is a few dozen tiles per zoom
PACKAGE_CODE_LISTS = ("gender", "ethnicity", "occupation", "relation", "marital", "person_category",
                      "house_nature", "visit_result", "person_status", "building_type", "building_status",
                      "collection_status", "household_status")
def _tiles(bbox: tuple[float, float, float, float], zooms: range) -> list[tuple[int, int, int]]:
    """Web-Mercator tiles (z, x, y) covering a lon/lat box at each zoom."""
    west, south, east, north = bbox
    out = []
    for z in zooms:
        n = 2 ** z

        def tx(lon):
            return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))

        def ty(lat):
            r = math.radians(lat)
            return min(n - 1, max(0, int((1.0 - math.asinh(math.tan(r)) / math.pi) / 2.0 * n)))

        for x in range(tx(west), tx(east) + 1):
            for y in range(ty(north), ty(south) + 1):
                out.append((z, x, y))
    return out


def package(session: Session, actor: writes.Actor, grid_id: int, scope, root: str = "") -> dict:
    """下载离线包: one grid's records as the role sees them, the code lists and the tile URLs."""
    from webgis.coverage.queries import revisit

    writes.require(actor, OFFLINE_ROLES, "grid", grid_id)
    if not scope.sees_grid(grid_id):
        raise NotFound("grid", grid_id)
    row = session.execute(
        select(Grid.id, Grid.name, Village.name, func.ST_XMin(Grid.geom), func.ST_YMin(Grid.geom),
               func.ST_XMax(Grid.geom), func.ST_YMax(Grid.geom), func.now())
        .join(Village, Village.id == Grid.village_id).where(Grid.id == grid_id)).first()
    if row is None:
        raise NotFound("grid", grid_id)
    gid, grid_name, village_name, west, south, east, north, as_of = row
    buildings = []
    for b, lon, lat in session.execute(
            select(Building, func.ST_X(Building.geom_pt), func.ST_Y(Building.geom_pt))
            .where(Building.grid_id == gid).order_by(Building.id)):
        buildings.append({"id": b.id, "address": address.building_address(village_name, grid_name, b),
                          "building_type": b.building_type, "floors": b.floors, "status": b.status,
                          "collection_status": b.collection_status, "version": b.version,
                          "lon": round(lon, 7), "lat": round(lat, 7)})
    ids = session.execute(select(Household.id).where(Household.grid_id == gid, Household.status != "demolished")
                          .order_by(Household.building_id, Household.sort_key, Household.id)).scalars().all()
    mark = history_mark(session)  # before the records are read: a change in between is seen as later
    households = [registration_form(session, hid, actor.role) for hid in ids]
    # The building panel offline: each building as GET /api/buildings/<id> answers the role.
    from webgis.buildings.services import building_detail

    details = [d for d in (building_detail(b["id"], actor.role) for b in buildings) if d is not None]
    cfg = current_app.config if has_app_context() else {}
    zooms = range(PACKAGE_MIN_ZOOM, PACKAGE_MAX_ZOOM + 1)
    tiles = []
    for z in zooms:
        # Around the grid too: the map opens on the grid with the phone's screen showing more.
        m = OVERVIEW_MARGIN if z < int(cfg.get("BUILDING_MIN_ZOOM", 14)) + 2 else DETAIL_MARGIN if z < 17 else 0.0
        dx, dy = (east - west) * m, (north - south) * m
        tiles += _tiles((west - dx, south - dy, east + dx, north + dy), range(z, z + 1))
    tiles = tiles[:MAX_TILES]
    tile_urls = [f"{root}/tiles/{layer}/{z}/{x}/{y}.pbf" for layer in TILE_LAYERS for z, x, y in tiles]
    basemap = cfg.get("BASEMAP_URL") or ""
    if basemap:
        tile_urls += [basemap.replace("{s}", "a").replace("{z}", str(z)).replace("{x}", str(x))
                      .replace("{y}", str(y)) for z, x, y in tiles]
    from webgis.audit import services as audit

    audit.record("offline_package", "grid", gid, {"households": len(households)}, grid_id=gid)
    session.commit()
    return {
        "grid": {"id": gid, "name": grid_name, "village": village_name,
                 "bounds": [[south, west], [north, east]]},
        "as_of": as_of.isoformat(),
        "history_mark": mark,
        "role": actor.role,
        "buildings": buildings,
        "building_details": details,
        "households": households,
        "codes": {name: CODE_LISTS[name]["items"] for name in PACKAGE_CODE_LISTS if name in CODE_LISTS},
        "revisit": revisit(gid, limit=None)["rows"],
        "tiles": tile_urls,
        "zooms": [zooms.start, zooms.stop - 1],
    }
