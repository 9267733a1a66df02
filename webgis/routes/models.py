"""Saved route plans (路线规划) and their stops; a stop is done when a visit of its building follows the plan."""
import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Numeric, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.extensions import db


class RoutePlan(db.Model):
    """路线规划: one saved walking plan of a grid (one or several days)."""

    __tablename__ = "route_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    title: Mapped[str] = mapped_column(Text)
    start_kind: Mapped[str] = mapped_column(Text)
    start_geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
    return_to_start: Mapped[bool] = mapped_column(Boolean)
    capacity_kind: Mapped[str] = mapped_column(Text)
    households_per_day: Mapped[int | None] = mapped_column(Integer)
    hours_per_day: Mapped[float | None] = mapped_column(Numeric(4, 1))
    minutes_per_household: Mapped[int | None] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[int] = mapped_column(Integer)
    walk_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text, default="active", server_default="active")
    result: Mapped[dict] = mapped_column(JSONB)

    __mapper_args__ = {"version_id_col": version}


class RouteStop(db.Model):
    """路线停靠点: one building of a saved plan, in walking order of its day."""

    __tablename__ = "route_stop"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plan.id"))
    day: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"))
    households: Mapped[int] = mapped_column(Integer)
    leg_m: Mapped[int | None] = mapped_column(Integer)
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
