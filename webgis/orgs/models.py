"""Organisations (实有单位) and key-attention records (重点关注)."""
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from webgis.extensions import db


class Organisation(db.Model):
    """实有单位: legal entity, activity site, self-employed business or social organisation."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(20))  # code list org_category
    address: Mapped[str | None] = mapped_column(String(120))
    principal: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="active")
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class KeyAttention(db.Model):
    """重点关注: a key unit, place or person with its attention level (the most sensitive data)."""

    __tablename__ = "key_attention"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))  # code list key_category
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    level: Mapped[str | None] = mapped_column(String(2))  # code list attention_level; NULL = not yet set
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
