"""Users (用户) with role and scope."""
from datetime import datetime

from flask_login import UserMixin
from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webgis.extensions import db

user_grid = Table(
    "user_grid",
    db.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", ForeignKey("grid.id"), primary_key=True),
)


class User(UserMixin, db.Model):
    """用户: a person who logs in, with one role (design.md §2) and a scope.

    Scope by role: town_admin → town; village_admin → village; grid_leader,
    liaison, property → assigned grids; police, station_admin → station;
    inspector → assigned area polygon (and/or grids).
    """

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # code list role
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("police_station.id"))
    area: Mapped[WKBElement | None] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    grids = relationship("Grid", secondary=user_grid)

    @property
    def is_active(self) -> bool:  # flask-login
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"
