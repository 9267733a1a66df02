"""Spot checks (实地抽查) of the inspection and acceptance stage (检查验收).

An inspector (or the town grid office with the police, seed §六.2) samples buildings,
walks them and compares what they find with the platform, item by item. The
consistency target (一致率) is the share of checked items that matched, summed over
spot checks (webgis/sql/0005_coverage.sql).
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, Text, func
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
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    items_checked: Mapped[int] = mapped_column(Integer)  # 抽查项数
    items_matched: Mapped[int] = mapped_column(Integer)  # 与平台一致的项数
    note: Mapped[str | None] = mapped_column(Text)
