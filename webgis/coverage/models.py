"""Coverage tables: the target definitions and the per-grid aggregates and gap items that
triggers keep in step with the records (webgis/sql/0005_coverage.sql), plus the read-only views.

The application only reads them: every row is written by SECURITY DEFINER trigger
functions in the same transaction as the visit, verification, link or spot check that
changed it, so the next request already sees the change.
"""
from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (ARRAY, BigInteger, Boolean, Column, Computed, Date, DateTime, Float, ForeignKey, Integer, MetaData,
                        Numeric, String, Table, Text)
from sqlalchemy.orm import Mapped, mapped_column

from webgis.extensions import db


class CoverageTarget(db.Model):
    """目标: one of the six targets of seed §二 (awareness and satisfaction also apart)."""

    __tablename__ = "coverage_target"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    seed_no: Mapped[int] = mapped_column(Integer)  # the number in seed §二 (1–6)
    name: Mapped[str] = mapped_column(String(20))
    goal: Mapped[float] = mapped_column(Numeric(5, 1))  # percent
    sort_order: Mapped[int] = mapped_column(Integer)
    part_of: Mapped[str | None] = mapped_column(String(20))  # awareness, satisfaction -> opinion


class CoverageGrid(db.Model):
    """Numerators and denominators of the targets of one grid (key attention apart)."""

    __tablename__ = "coverage_grid"
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id", ondelete="CASCADE"), primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id", ondelete="CASCADE"), index=True)
    households: Mapped[int] = mapped_column(Integer, default=0)
    households_visited: Mapped[int] = mapped_column(Integer, default=0)
    households_verified: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    persons_linked: Mapped[int] = mapped_column(Integer, default=0)
    spot_items: Mapped[int] = mapped_column(Integer, default=0)
    spot_matched: Mapped[int] = mapped_column(Integer, default=0)
    aware_answers: Mapped[int] = mapped_column(Integer, default=0)
    aware_yes: Mapped[int] = mapped_column(Integer, default=0)
    satisfied_answers: Mapped[int] = mapped_column(Integer, default=0)
    satisfied_yes: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoverageKeyGrid(db.Model):
    """Key-attention counts of one grid: apart, under the key-attention policy (police roles only)."""

    __tablename__ = "coverage_key_grid"
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id", ondelete="CASCADE"), primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id", ondelete="CASCADE"), index=True)
    key_total: Mapped[int] = mapped_column(Integer, default=0)
    key_set: Mapped[int] = mapped_column(Integer, default=0)


class CoverageGap(db.Model):
    """One gap item on the map: a building with unvisited households, the unlinked persons last
    known at one place, a room whose registered people are linked nowhere, or a visit that
    needs police verification; `weight` counts households / persons.

    `geom_3857` is where the heat layers draw it (a building point, or the grid's point on
    surface for a person the platform knows no room of).
    """

    __tablename__ = "coverage_gap"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id", ondelete="CASCADE"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # unvisited / unlinked_person / orphan_room / verification_due
    building_id: Mapped[int | None] = mapped_column(Integer)
    household_id: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(Integer)
    visit_id: Mapped[int | None] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    visited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geom_3857: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=3857, spatial_index=False))
    x: Mapped[float] = mapped_column(Float, Computed("ST_X(geom_3857)", persisted=True))
    y: Mapped[float] = mapped_column(Float, Computed("ST_Y(geom_3857)", persisted=True))


class CoverageDay(db.Model):
    """Events of one grid on one day (Asia/Shanghai): the progress chart sums these."""

    __tablename__ = "coverage_day"
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id", ondelete="CASCADE"))
    visits: Mapped[int] = mapped_column(Integer, default=0)
    signed: Mapped[int] = mapped_column(Integer, default=0)  # signed verifications
    first_visits: Mapped[int] = mapped_column(Integer, default=0)  # counted households first visited
    verified_delta: Mapped[int] = mapped_column(Integer, default=0)  # change of households verified


# Views of webgis/sql/0005_coverage.sql (security_invoker: row-level security applies to the reader).
# Kept out of the models' metadata so that Alembic never tries to create them as tables.
views = MetaData()

coverage_rate = Table(
    "coverage_rate", views,
    Column("level", Text), Column("unit_id", Integer), Column("town_id", Integer), Column("village_id", Integer),
    Column("grid_id", Integer), Column("grids", Integer), Column("target", String(20)), Column("goal", Numeric),
    Column("num", BigInteger), Column("den", BigInteger), Column("rate", Numeric), Column("status", Text),
    Column("gap", Numeric),
)

coverage_household = Table(
    "coverage_household", views,
    Column("id", Integer), Column("town_id", Integer), Column("grid_id", Integer), Column("building_id", Integer),
    Column("visited", Boolean), Column("verified", Boolean), Column("surveyed", Boolean),
)

coverage_revisit = Table(
    "coverage_revisit", views,
    Column("household_id", Integer), Column("building_id", Integer), Column("grid_id", Integer),
    Column("town_id", Integer), Column("reason", Text), Column("since", DateTime(timezone=True)),
    Column("attempts", BigInteger),
)

coverage_attention_subject = Table(
    "coverage_attention_subject", views,
    Column("subject_kind", Text), Column("subject_id", Integer), Column("town_id", Integer),
    Column("grid_id", Integer), Column("reasons", ARRAY(Text)), Column("level_set", Boolean),
    Column("level", Text), Column("records", BigInteger),
)
