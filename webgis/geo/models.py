"""Territorial units. Geometry is stored in EPSG:4326 (what every source and the
GeoJSON API speak); map tiles read a stored EPSG:3857 copy so that
`ST_AsMVTGeom` needs no per-request transform and the GiST index matches
`ST_TileEnvelope`."""
from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Computed, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webgis.extensions import db


class Town(db.Model):
    """镇: the unit a deployment serves; every record carries its town."""

    __tablename__ = "town"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))


class PoliceStation(db.Model):
    """派出所: a police station; its community police cover some villages."""

    __tablename__ = "police_station"
    __table_args__ = (UniqueConstraint("town_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))


class Village(db.Model):
    """村（居）: a village or urban community, tiled by grids."""

    __tablename__ = "village"
    __table_args__ = (UniqueConstraint("town_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("police_station.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # code list village_kind
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))
    geom_3857: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=3857), Computed("ST_Transform(geom, 3857)", persisted=True)
    )

    station = relationship("PoliceStation")
    grids = relationship("Grid", back_populates="village", order_by="Grid.number")


class Grid(db.Model):
    """网格: a polygon of roughly 300-500 households, the unit of door-to-door work."""

    __tablename__ = "grid"
    __table_args__ = (UniqueConstraint("town_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    code: Mapped[str] = mapped_column(String(24))
    number: Mapped[int] = mapped_column(Integer)  # 第N网格
    name: Mapped[str] = mapped_column(String(60))
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))
    geom_3857: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=3857), Computed("ST_Transform(geom, 3857)", persisted=True)
    )

    village = relationship("Village", back_populates="grids")


class Road(db.Model):
    """道路: road centre lines; the map's own backdrop and, later, the walking network."""

    __tablename__ = "road"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # main / street / lane
    geom: Mapped[WKBElement] = mapped_column(Geometry("LINESTRING", srid=4326))
    geom_3857: Mapped[WKBElement] = mapped_column(
        Geometry("LINESTRING", srid=3857), Computed("ST_Transform(geom, 3857)", persisted=True)
    )
