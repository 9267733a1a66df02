"""Persons (实有人口) and residences (人房关联)."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webgis.extensions import db


class Person(db.Model):
    """实有人口: a person known to live (or to have lived) in the town.

    `grid_id` is where the platform last knew the person, so a person with no
    residence (a link gap) can still be placed and scoped.
    """

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    gender: Mapped[str] = mapped_column(String(2))  # code list gender
    ethnicity: Mapped[str] = mapped_column(String(2))  # code list ethnicity
    id_number: Mapped[str] = mapped_column(String(18), index=True)  # GB 11643
    birth_date: Mapped[date | None] = mapped_column(Date)
    occupation: Mapped[str | None] = mapped_column(String(2))  # code list occupation
    employer: Mapped[str | None] = mapped_column(String(80))
    marital: Mapped[str | None] = mapped_column(String(2))  # code list marital
    hukou_consistent: Mapped[bool] = mapped_column(Boolean, default=True)  # 人户一致
    registered_address: Mapped[str | None] = mapped_column(String(120))  # 户籍地址
    phone: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))  # code list person_category
    status: Mapped[str] = mapped_column(String(20), default="active")  # person_status
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"version_id_col": version}

    residences = relationship("Residence", back_populates="person")


class Residence(db.Model):
    """人房关联: a person lives in a household/room from `start_date` until `end_date`."""

    __tablename__ = "residence"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    relation_to_head: Mapped[str | None] = mapped_column(String(2))  # code list relation
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    person = relationship("Person", back_populates="residences")
    household = relationship("Household", back_populates="residences")
