"""Visit and verification events. Append-only: a household's and a building's
current state is derived from them by triggers (webgis/sql/status_triggers.sql)."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from webgis.extensions import db


class Visit(db.Model):
    """入户记录: one door-to-door visit of a household by the grid team."""

    __tablename__ = "visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    result: Mapped[str] = mapped_column(String(20))  # code list visit_result
    awareness: Mapped[bool | None] = mapped_column(Boolean)  # 知晓
    satisfaction: Mapped[bool | None] = mapped_column(Boolean)  # 满意
    form_filler: Mapped[str | None] = mapped_column(String(40))  # 填表人
    police_officer: Mapped[str | None] = mapped_column(String(40))  # 驻村民警
    note: Mapped[str | None] = mapped_column(Text)


class Verification(db.Model):
    """民警核验: a police officer signs off (or disputes) a visited household."""

    __tablename__ = "verification"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # code list verification_outcome
    note: Mapped[str | None] = mapped_column(Text)
