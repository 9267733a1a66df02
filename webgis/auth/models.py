"""Users (用户) with role and scope, their server-side sessions and login throttles."""
from datetime import datetime

from flask_login import UserMixin
from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (BigInteger, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, func,
                        text)
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
    # Lockout after consecutive failures (ASVS 2.2.1); reset by a successful login.
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when an administrator chose the password: the user must replace it first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Optional TOTP second factor (RFC 6238); the last accepted time step blocks code replay.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    grids = relationship("Grid", secondary=user_grid)

    @property
    def is_active(self) -> bool:  # flask-login
        return bool(self.active)

    @property
    def totp_enabled(self) -> bool:
        return bool(self.totp_secret)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class UserSession(db.Model):
    """登录会话: one server-side login session; the cookie carries only its token.

    `id` is the SHA-256 of the token, so a database read does not yield usable cookies.
    A session ends at logout, after 30 min idle or 12 h in all, or when the user is
    disabled or changes the password; an ended session is never revived.
    """

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_open", "user_id", postgresql_where=text("ended_at IS NULL")),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class AuthThrottle(db.Model):
    """登录限流: a counter per key — a client IP (rate limit) or an unknown username (lockout).

    A table rather than process memory, so that every gunicorn worker sees the same counts.
    """

    __tablename__ = "auth_throttle"
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)  # ip / username
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
