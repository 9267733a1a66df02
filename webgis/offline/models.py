"""离线提交: one outbox item a phone sent back, with what the server made of it."""
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.extensions import db

# Merge outcomes (the words the leader and the review queue see).
STATUS_LABELS = {"applied": "已同步", "parallel": "并行修改", "conflict": "冲突", "refused": "未通过校验",
                 "resolved": "已处理"}


class OfflineSubmission(db.Model):
    """离线提交: an outbox item (one registration form saved without signal), ordered per device."""

    __tablename__ = "offline_submission"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    user_role: Mapped[str] = mapped_column(Text)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    device_seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text, default="registration")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    base_mark: Mapped[int | None] = mapped_column(BigInteger)
    base_versions: Mapped[dict] = mapped_column(JSONB, default=dict)
    diff: Mapped[dict] = mapped_column(JSONB, default=dict)
    payload: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text)
    conflicts: Mapped[dict | None] = mapped_column(JSONB)
    server_changes: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[dict | None] = mapped_column(JSONB)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
