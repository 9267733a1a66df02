"""Spot checks (实地抽查) of the inspection and acceptance stage (检查验收).

An inspector (or the town grid office with the police, seed §六.2) samples buildings,
walks them and compares what they find with the platform, item by item. The
consistency target (一致率) is the share of checked items that matched, summed over
spot checks (webgis/sql/0005_coverage.sql, then 0014_spot_checks.sql). A spot check designed on the platform is a
`SpotCheckPlan` (area, sample design, seed); each sampled household is a `SpotCheck` of the
plan and its findings are `SpotCheckItem` rows, whose counts a trigger writes into the
SpotCheck (webgis/sql/0014_spot_checks.sql).
"""
import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, Text, Uuid, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.extensions import db


class SpotCheck(db.Model):
    """抽查: one inspector's spot check of a building (or one household of it)."""

    __tablename__ = "spot_check"
    __table_args__ = (
        CheckConstraint("items_checked >= 0", name="ck_spot_check_items_checked"),
        CheckConstraint("items_matched >= 0 AND items_matched <= items_checked", name="ck_spot_check_items_matched"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    # NULL: a sampled household not yet checked.
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=func.now(), index=True)
    items_checked: Mapped[int] = mapped_column(Integer, default=0)  # 抽查项数
    items_matched: Mapped[int] = mapped_column(Integer, default=0)  # 与平台一致的项数
    note: Mapped[str | None] = mapped_column(Text)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("spot_check_plan.id"))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # the grid leader checked
    pick: Mapped[str | None] = mapped_column(Text)  # random / floor / short_visit / only_verified / far_visit
    draw_no: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class SpotCheckPlan(db.Model):
    """抽查方案: the area, sample design and seed of one spot check."""

    __tablename__ = "spot_check_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    title: Mapped[str] = mapped_column(Text)
    area: Mapped[WKBElement | None] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))
    village_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list)
    grid_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    design: Mapped[dict] = mapped_column(JSONB)
    seed: Mapped[int] = mapped_column(BigInteger)
    population: Mapped[int] = mapped_column(Integer)
    sample_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text, default="open")
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class SpotCheckItem(db.Model):
    """抽查项: what the platform says next to what the inspector found."""

    __tablename__ = "spot_check_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_check.id"))
    item: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    extra_no: Mapped[int | None] = mapped_column(Integer)
    presence: Mapped[str | None] = mapped_column(Text)
    platform_value: Mapped[str | None] = mapped_column(Text)
    found_value: Mapped[str | None] = mapped_column(Text)
    matched: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
