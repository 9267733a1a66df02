"""Input schemas of the offline sync: one outbox item, and the review of a conflict."""
import re
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from webgis.schemas import RowId, Schema

# A field-level diff key: "household.<field>", "members.<person_id>.<field>" or "members.new.<n>".
DIFF_KEY = re.compile(r"^(household\.[a-z_]{1,40}|members\.[0-9]{1,10}\.[a-z_]{1,40}|members\.new\.[0-9]{1,3})$")


class SyncItemInput(Schema):
    """One outbox item: a registration form saved on the phone, with its place in the device's order."""

    client_uuid: uuid.UUID
    device_id: uuid.UUID
    seq: int = Field(ge=1, le=2_000_000_000)
    kind: Literal["registration"] = "registration"
    household_id: RowId
    recorded_at: datetime
    # The change-history mark the phone's copy of the records was taken at (the package's
    # `history_mark`): what the history holds after it was changed since.
    base_mark: int | None = Field(default=None, ge=0, le=9_000_000_000_000_000_000)
    # {"household.remarks": [before, after], ...}: what the leader changed on the phone.
    diff: dict[str, list[Any]] = Field(default_factory=dict, max_length=400)
    # The registration submission itself (parsed by webgis.visits.schemas.RegistrationInput).
    payload: dict[str, Any]

    @field_validator("diff")
    @classmethod
    def _diff_keys(cls, value: dict):
        for key, pair in value.items():
            if not DIFF_KEY.match(key):
                raise ValueError(f"差异字段名无效：{key[:60]}")
            if len(pair) != 2:
                raise ValueError("差异应为[原值, 新值]")
        return value


class ResolveInput(Schema):
    """The review of a conflict: keep the phone's values or the platform's, for the conflicting fields."""

    keep: Literal["device", "server"]
    submission_id: RowId
