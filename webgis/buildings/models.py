"""Buildings (楼栋) and households/rooms (户/室).

A building has a footprint polygon (may be missing for newly reported ones)
and always a point; both in EPSG:4326, with stored EPSG:3857 copies for tiles.
`collection_status` and the household visit fields are derived from the visit
and verification event log by triggers (webgis/sql/status_triggers.sql); the
application never writes them.
"""
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Computed, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webgis.extensions import db


class Building(db.Model):
    """楼栋（实有房屋）: a building with its standard address and collection status."""

    __tablename__ = "building"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    address_form: Mapped[str] = mapped_column(String(10))  # code list address_form
    group_name: Mapped[str | None] = mapped_column(String(20))  # 组 (rural)
    house_no: Mapped[str | None] = mapped_column(String(20))  # 号 (rural)
    compound: Mapped[str | None] = mapped_column(String(60))  # 小区（路） (urban)
    building_no: Mapped[str | None] = mapped_column(String(20))  # 幢（号） (urban)
    building_type: Mapped[str] = mapped_column(String(20))  # code list building_type
    floors: Mapped[int] = mapped_column(Integer)
    rooms_count: Mapped[int] = mapped_column(Integer)  # 间数
    status: Mapped[str] = mapped_column(String(20), default="existing")  # building_status
    collection_status: Mapped[str] = mapped_column(
        String(20), default="not_visited", server_default="not_visited", index=True
    )
    geom: Mapped[WKBElement | None] = mapped_column(Geometry("POLYGON", srid=4326))
    geom_pt: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
    geom_3857: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=3857), Computed("ST_Transform(geom_pt, 3857)", persisted=True)
    )
    footprint_3857: Mapped[WKBElement | None] = mapped_column(
        Geometry("POLYGON", srid=3857), Computed("ST_Transform(geom, 3857)", persisted=True)
    )
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"version_id_col": version}

    grid = relationship("Grid")
    village = relationship("Village")
    households = relationship("Household", back_populates="building", order_by="Household.sort_key")


class Household(db.Model):
    """户/室: a dwelling unit inside a building (a room, a flat, a garage people live in)."""

    __tablename__ = "household"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    unit: Mapped[str | None] = mapped_column(String(10))  # 单元 (urban)
    room: Mapped[str | None] = mapped_column(String(20))  # 室 (urban) or 户 label (rural)
    sort_key: Mapped[int] = mapped_column(Integer, default=0)
    house_nature: Mapped[str | None] = mapped_column(String(20))  # code list house_nature
    landlord: Mapped[str | None] = mapped_column(String(40))  # 房主 (rented)
    lease_period: Mapped[str | None] = mapped_column(String(60))  # 承租期限
    lease_reason: Mapped[str | None] = mapped_column(String(120))  # 租赁原因
    cotenant_relation: Mapped[str | None] = mapped_column(String(120))  # 合租人关系
    special_space: Mapped[str | None] = mapped_column(String(40))  # 车库 etc. where people live
    remarks: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="active")  # household_status
    # Derived from the event log by trigger; never written by the application.
    last_visit_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_visit_result: Mapped[str | None] = mapped_column(String(20))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The latest visit that surveyed the household (gc_visit_surveyed; 0010_targets.sql).
    surveyed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    building = relationship("Building", back_populates="households")
    residences = relationship("Residence", back_populates="household")
