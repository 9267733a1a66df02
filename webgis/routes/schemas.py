"""The route planner's input: stops, start, return, day capacity (and, to save, a client UUID)."""
import math
import uuid
from typing import Literal

from pydantic import Field, model_validator

from webgis.schemas import FieldErrors, RowId, Schema, YesNo, text

MAX_STOPS = 300  # buildings in one plan (the matrix and the solvers are measured up to this)
MAX_DAYS = 10
START_KINDS = {"station": "网格服务站", "point": "地图上选定的点", "location": "手机定位", "resume": "上次停下的地方"}


class StartInput(Schema):
    """Where the walk starts: the grid's service station, a clicked point, the phone, or where the last plan stopped."""

    kind: Literal["station", "point", "location", "resume"] = "station"
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)

    @model_validator(mode="after")
    def _rules(self):
        if self.kind in ("point", "location"):
            problems = {}
            for f in ("lon", "lat"):
                v = getattr(self, f)
                if v is None or not math.isfinite(v):
                    problems[f] = "请在地图上选择起点" if self.kind == "point" else "未取得手机定位，请改选其他起点"
            if problems:
                raise FieldErrors(problems)
        return self


class PlanInput(Schema):
    """A planning request: which buildings, from where, and how much fits in a day."""

    grid_id: RowId | None = None
    building_ids: list[RowId] = Field(default_factory=list, max_length=20_000)
    start: StartInput = Field(default_factory=StartInput)
    return_to_start: YesNo = True
    capacity_kind: Literal["households", "hours"] = "households"
    households_per_day: int | None = Field(default=None, ge=1, le=2000)
    hours_per_day: float | None = Field(default=None, ge=0.5, le=12)
    minutes_per_household: int | None = Field(default=None, ge=1, le=120)
    days: int = Field(default=1, ge=1, le=MAX_DAYS)

    @model_validator(mode="after")
    def _rules(self):
        problems = {}
        n = len(set(self.building_ids))
        if n == 0:
            problems["building_ids"] = "请至少选择一栋楼作为停靠点"
        elif n > MAX_STOPS:
            problems["building_ids"] = f"一次最多规划{MAX_STOPS}栋楼（当前{n}栋），请减少或分批规划"
        if len(set(self.building_ids)) != len(self.building_ids):
            problems["building_ids"] = "停靠点中有重复的楼栋"
        if self.capacity_kind == "households" and self.days > 1 and self.households_per_day is None:
            problems["households_per_day"] = "多日规划请填写每天走访户数"
        if self.capacity_kind == "hours":
            if self.hours_per_day is None:
                problems["hours_per_day"] = "请填写每天工作小时数"
            if self.minutes_per_household is None:
                problems["minutes_per_household"] = "请填写每户所需分钟数"
        if problems:
            raise FieldErrors(problems)
        return self


class SavePlanInput(PlanInput):
    """Save a plan (applied once per client UUID)."""

    client_uuid: uuid.UUID
    title: text(60) = None
