"""Base geography of the demo town, read from geodata/, and the local metric frame.

The generator works in a local equirectangular frame in metres centred on Huilong
(121.66E, 31.81N): over a 14 km town the scale error is far below a building's size,
and it keeps every distance (building sizes, road offsets, spacings) a plain number.
Output geometry is converted back to EPSG:4326 (lon/lat) by `to_lonlat`.
"""
import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, shape

from webgis.config import ROOT

GEODATA = ROOT / "geodata"
LON0, LAT0 = 121.66, 31.81
# Metres per degree of longitude / latitude at LAT0 (spherical approximation).
KX = 111_320.0 * math.cos(math.radians(LAT0))
KY = 110_850.0


def to_metres(geom):
    """Project lon/lat geometry (or an array of them) into the local metric frame."""
    return shapely.transform(geom, lambda c: (c - (LON0, LAT0)) * (KX, KY))


def to_lonlat(geom):
    """Project local metric geometry (or an array of them) back to lon/lat (EPSG:4326)."""
    return shapely.transform(geom, lambda c: c / (KX, KY) + (LON0, LAT0))


@dataclass(frozen=True)
class StationSpec:
    """A police station of geodata/police_stations.csv (point in metres)."""

    code: str
    name: str
    point: Point


@dataclass(frozen=True)
class VillageSpec:
    """A village/community of geodata/villages.csv (centre in metres)."""

    code: str
    name: str
    kind: str
    station_code: str
    centre: Point
    grids: int  # grids at town scale
    small: bool  # part of the small (test) scale


@dataclass(frozen=True)
class RoadSpec:
    """A main road of geodata/main_roads.geojson (line in metres)."""

    name: str
    kind: str
    line: LineString


@dataclass(frozen=True)
class BaseGeography:
    """Everything the generator starts from."""

    town_code: str
    town_name: str
    boundary: Polygon
    stations: tuple[StationSpec, ...]
    villages: tuple[VillageSpec, ...]
    main_roads: tuple[RoadSpec, ...]


def _point(lon: str, lat: str) -> Point:
    return to_metres(Point(float(lon), float(lat)))


def load_base(folder: Path = GEODATA) -> BaseGeography:
    """Read the town boundary, police stations, villages and main roads from `folder`."""
    town = json.loads((folder / "town.geojson").read_text(encoding="utf-8"))["features"][0]
    with open(folder / "police_stations.csv", encoding="utf-8", newline="") as f:
        stations = tuple(StationSpec(r["code"], r["name"], _point(r["lon"], r["lat"])) for r in csv.DictReader(f))
    with open(folder / "villages.csv", encoding="utf-8", newline="") as f:
        villages = tuple(
            VillageSpec(r["code"], r["name"], r["kind"], r["station"], _point(r["lon"], r["lat"]),
                        int(r["grids"]), r["small"] == "1")
            for r in csv.DictReader(f)
        )
    roads = json.loads((folder / "main_roads.geojson").read_text(encoding="utf-8"))["features"]
    return BaseGeography(
        town_code=town["properties"]["code"],
        town_name=town["properties"]["name"],
        boundary=to_metres(shape(town["geometry"])),
        stations=stations,
        villages=villages,
        main_roads=tuple(RoadSpec(r["properties"]["name"], r["properties"]["kind"],
                                  to_metres(shape(r["geometry"]))) for r in roads),
    )


class Frame:
    """A local frame rotated by `theta` about `origin`: x' along the village's lanes."""

    def __init__(self, origin: tuple[float, float], theta: float):
        self.ox, self.oy = origin
        self.c, self.s = math.cos(theta), math.sin(theta)

    def to_local(self, xy: np.ndarray) -> np.ndarray:
        """Rotate world (n, 2) coordinates into the frame."""
        dx, dy = xy[:, 0] - self.ox, xy[:, 1] - self.oy
        return np.column_stack((self.c * dx + self.s * dy, -self.s * dx + self.c * dy))

    def to_world(self, xy: np.ndarray) -> np.ndarray:
        """Rotate frame (n, 2) coordinates back into the world."""
        x, y = xy[:, 0], xy[:, 1]
        return np.column_stack((self.ox + self.c * x - self.s * y, self.oy + self.s * x + self.c * y))

    def rectangles(self, centres: np.ndarray, width: float, depth: float) -> np.ndarray:
        """Return frame-aligned rectangles (width along x', depth along y') around local centres."""
        hw, hd = width / 2, depth / 2
        corners = np.array([(-hw, -hd), (hw, -hd), (hw, hd), (-hw, hd), (-hw, -hd)])
        local = centres[:, None, :] + corners[None, :, :]
        world = self.to_world(local.reshape(-1, 2)).reshape(-1, 5, 2)
        return shapely.polygons(world)
