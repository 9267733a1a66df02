"""Exchange batches (导入/交换批次), their staged rows (导入行, the review queue) and the
column mappings remembered per source (webgis/sql/0013_data_exchange.sql)."""
import uuid
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webgis.extensions import db


class ExchangeMapping(db.Model):
    """导入列对应: which column of a source's sheet holds which field."""

    __tablename__ = "exchange_mapping"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    source: Mapped[str] = mapped_column(Text)
    mapping: Mapped[dict] = mapped_column(JSONB)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ExchangeBatch(db.Model):
    """导入/交换批次: one uploaded list, geodata file or police exchange."""

    __tablename__ = "exchange_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="dry_run", server_default="dry_run")
    counts: Mapped[dict] = mapped_column(JSONB, default=dict)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    since_history_id: Mapped[int | None] = mapped_column()
    upto_history_id: Mapped[int | None] = mapped_column()
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ExchangeRow(db.Model):
    """导入行: one staged row of a list — its outcome in the dry run, or an entry of the review queue."""

    __tablename__ = "exchange_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("exchange_batch.id"))
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    row_no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONB)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    score: Mapped[float | None] = mapped_column(Float)
    candidates: Mapped[list | None] = mapped_column(JSONB)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ExchangeJob(db.Model):
    """导入进度: progress of one long import step, written outside its transaction (webgis/exchange/jobs.py)."""

    __tablename__ = "exchange_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    town_id: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), server_default="running")
    done: Mapped[int] = mapped_column(Integer, server_default="0")
    total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
