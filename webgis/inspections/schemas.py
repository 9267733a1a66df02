"""Input schemas of spot checks: designing one (area, sample design, seed) and recording the
field check of one sampled household item by item."""
import uuid
from typing import Literal

from pydantic import Field, model_validator

from webgis.schemas import FieldErrors, RowId, Schema, Version, required_text, text

ITEMS = ("address", "resident_count", "house_nature", "presence", "name", "id_number", "phone")
ITEM_LABELS = {"address": "地址", "resident_count": "居住人数", "house_nature": "房屋性质", "presence": "是否在住",
               "name": "姓名", "id_number": "身份证号码", "phone": "联系电话"}
PRESENCE_LABELS = {"present": "在住", "absent": "不在住", "unknown": "平台无此人"}
PICK_LABELS = {"random": "随机", "floor": "网格长保底", "short_visit": "走访用时过短", "only_verified": "全部核对无误",
               "far_visit": "走访位置距楼栋过远"}


class PlanInput(Schema):
    """抽查方案: the area (polygon and/or villages/grids), the sample design and the seed."""

    client_uuid: uuid.UUID
    title: required_text(60)
    # GeoJSON Polygon or MultiPolygon in EPSG:4326, drawn on the map.
    area: dict | None = None
    village_ids: list[RowId] = Field(default_factory=list, max_length=50)
    grid_ids: list[RowId] = Field(default_factory=list, max_length=500)
    mode: Literal["size", "precision"] = "precision"
    size: int | None = Field(default=None, ge=1, le=5000)
    expected_rate: float = Field(default=0.95, gt=0.5, lt=1)
    half_width: float = Field(default=0.03, ge=0.005, le=0.2)
    confidence: float = Field(default=0.95, ge=0.8, le=0.995)
    leader_floor: bool = True
    targeted: list[Literal["short_visit", "only_verified", "far_visit"]] = Field(default_factory=list, max_length=3)
    targeted_count: int = Field(default=5, ge=0, le=200)
    seed: int | None = Field(default=None, ge=0, le=2**62)

    @model_validator(mode="after")
    def _rules(self):
        problems = {}
        if self.area is None and not self.village_ids and not self.grid_ids:
            problems["area"] = "请在地图上画出抽查范围，或选择村（社区）/网格"
        if self.mode == "size" and self.size is None:
            problems["size"] = "请填写样本量"
        if problems:
            raise FieldErrors(problems)
        return self


class ItemInput(Schema):
    """One item of the check: matched or not, what was found, a note."""

    item: Literal["address", "resident_count", "house_nature", "presence", "name", "id_number", "phone"]
    person_id: RowId | None = None
    extra_no: int | None = Field(default=None, ge=1, le=60)  # a resident the platform does not know
    presence: Literal["present", "absent", "unknown"] | None = None
    matched: bool
    found_value: text(200) = None
    note: text(300) = None

    @model_validator(mode="after")
    def _rules(self):
        problems = {}
        per_person = self.item in ("presence", "name", "id_number", "phone")
        if per_person and self.person_id is None and self.extra_no is None:
            problems["person_id"] = "请指明是哪位住户"
        if not per_person and (self.person_id is not None or self.extra_no is not None):
            problems["person_id"] = "该项不针对个人"
        if self.item == "presence" and self.presence is None:
            problems["presence"] = "请选择在住、不在住或平台无此人"
        if self.extra_no is not None and self.item == "presence" and self.presence != "unknown":
            problems["presence"] = "平台无记录的住户应选“平台无此人”"
        if not self.matched and not (self.found_value or self.note):
            problems["note"] = "不一致时请填写实际情况或备注"
        if problems:
            raise FieldErrors(problems)
        return self


class CheckInput(Schema):
    """The field check of one sampled household (one submission, applied once)."""

    client_uuid: uuid.UUID
    version: Version
    items: list[ItemInput] = Field(min_length=1, max_length=400)
    note: text(500) = None

    @model_validator(mode="after")
    def _rules(self):
        seen, problems = {}, {}
        for i, it in enumerate(self.items):
            key = (it.item, it.person_id, it.extra_no)
            if key in seen:
                problems[f"items.{i}.item"] = f"与第{seen[key] + 1}项重复"
            seen.setdefault(key, i)
        if problems:
            raise FieldErrors(problems)
        return self
