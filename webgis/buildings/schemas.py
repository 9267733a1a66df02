"""Input schemas of the map's edits: a new building (point or footprint), demolition, a new room."""
import uuid

from pydantic import Field, field_validator, model_validator
from shapely.geometry import Point, Polygon, shape
from shapely.validation import explain_validity

from webgis.schemas import FieldErrors, Schema, Version, code, required_text, text

MAX_FOOTPRINT_M2 = 20_000  # larger than any single building of the town; a mis-drawn polygon


class NewBuildingInput(Schema):
    """登记新楼栋: where (a GeoJSON point or footprint polygon, WGS84) and its standard address."""

    client_uuid: uuid.UUID
    geometry: dict
    address_form: code("address_form")
    group_name: text(20) = None  # 组 (rural)
    house_no: text(20) = None  # 号 (rural)
    compound: text(60) = None  # 小区（路） (urban)
    building_no: text(20) = None  # 幢（号） (urban)
    building_type: code("building_type")
    floors: int = Field(ge=1, le=100)
    rooms_count: int = Field(ge=0, le=2000)

    @field_validator("geometry")
    @classmethod
    def _geometry(cls, value: dict):
        try:
            geom = shape(value)
        except Exception:  # noqa: BLE001 — shapely raises several kinds for malformed GeoJSON
            raise ValueError("位置应为GeoJSON点或多边形") from None
        if not isinstance(geom, (Point, Polygon)) or geom.is_empty:
            raise ValueError("位置应为一个点或一个楼栋轮廓（多边形）")
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise ValueError("坐标超出经纬度范围")
        if isinstance(geom, Polygon):
            if not geom.is_valid:
                raise ValueError(f"楼栋轮廓无效（{explain_validity(geom)}），请重新绘制")
            if len(geom.exterior.coords) < 4:
                raise ValueError("楼栋轮廓至少需要三个点")
        return value

    @model_validator(mode="after")
    def _address(self):
        need = (("group_name", "组"), ("house_no", "门牌号")) if self.address_form == "rural" else \
            (("compound", "小区（路）"), ("building_no", "幢（号）"))
        problems = {f: f"请填写{label}" for f, label in need if not getattr(self, f)}
        if problems:
            raise FieldErrors(problems)
        return self

    @property
    def shape(self):
        return shape(self.geometry)


class DemolishInput(Schema):
    """标记拆除: the building as loaded, and a note (where the residents went, the notice number)."""

    client_uuid: uuid.UUID
    version: Version
    note: text(500) = None


class NewHouseholdInput(Schema):
    """添加房间: a room, flat, or a garage or other space where people live (附件2 说明5)."""

    client_uuid: uuid.UUID
    unit: text(10) = None  # 单元 (urban)
    room: required_text(20)  # 室 / 户
    house_nature: code("house_nature")
    special_space: text(40) = None  # 车库, 阁楼 … where people live
    remarks: text(500) = None
