"""Input schemas of the exchange: one row of a person list, the mapping step, a review decision.

A list row is validated by the same field types as the registration form (webgis/schemas.py:
IdNumber — GB 11643 + GB/T 2260 —, Phone, code lists); code-list columns may hold the label
(男, 汉族, 户主) as lists are written, which `LABEL_FIELDS` turns into the code first.
"""
import uuid
from typing import Annotated

from pydantic import BeforeValidator, model_validator

from webgis.codes.data import CODE_LISTS
from webgis.people.idcard import normalize_id_number
from webgis.schemas import (FieldErrors, PastDate, Phone, RowId, Schema, code, required_text,
                            text)

# field → (Chinese column title, header spellings recognised when suggesting a mapping)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("姓名", ("姓名", "户主姓名", "业主姓名", "租户姓名", "名字")),
    "id_number": ("公民身份号码", ("公民身份号码", "身份证号", "身份证号码", "证件号码", "身份证")),
    "gender": ("性别", ("性别",)),
    "ethnicity": ("民族", ("民族",)),
    "birth_date": ("出生日期", ("出生日期", "出生年月", "生日")),
    "phone": ("联系电话", ("联系电话", "手机", "手机号", "电话", "联系方式")),
    "address": ("居住地址", ("居住地址", "现住址", "地址", "住址", "房屋地址", "标准地址", "门牌")),
    "relation": ("与户主关系", ("与户主关系", "关系")),
    "category": ("人员类别", ("人员类别", "人口类别", "类别")),
    "registered_address": ("户籍地址", ("户籍地址", "户籍地")),
}
REQUIRED = ("name", "address")

# The ID number rule of webgis/schemas.IdNumber, for a column that may be empty.
OptionalIdNumber = Annotated[str | None, BeforeValidator(lambda v: None if v is None else normalize_id_number(v))]
LABEL_FIELDS = {"gender": "gender", "ethnicity": "ethnicity", "relation": "relation", "category": "person_category"}
_LABELS = {f: {lab: c for c, lab in CODE_LISTS[lst]["items"]} for f, lst in LABEL_FIELDS.items()}
_LABELS["gender"].update({"男性": "1", "女性": "2"})
_LABELS["category"].update({"户籍": "registered", "流动": "floating", "境外": "foreign"})


def label_to_code(field: str, value):
    """A code-list cell written as its label (汉族) → its code (01); codes pass through."""
    if field in _LABELS and isinstance(value, str):
        return _LABELS[field].get(value.strip(), value.strip())
    return value


class PersonRow(Schema):
    """一行人员名单: a person and the written address of the room they live in."""

    name: required_text(40)
    id_number: OptionalIdNumber = None
    gender: code("gender", required=False) = None
    ethnicity: code("ethnicity", required=False) = None
    birth_date: PastDate = None
    phone: Phone = None
    address: required_text(120)
    relation: code("relation", required=False) = None
    category: code("person_category", required=False) = None
    registered_address: text(120) = None

    @model_validator(mode="after")
    def _identified(self):
        if self.id_number is None and self.birth_date is None:
            raise FieldErrors({"id_number": "请填写公民身份号码（无证件时填写出生日期）"})
        return self


class MappingInput(Schema):
    """列对应: the source's name and {field: column header}."""

    source: required_text(60)
    mapping: dict[str, str]

    @model_validator(mode="after")
    def _known(self):
        problems = {f"mapping.{f}": "不认识的字段" for f in self.mapping if f not in FIELDS}
        problems.update({f"mapping.{f}": f"请指定“{FIELDS[f][0]}”所在的列" for f in REQUIRED
                         if not self.mapping.get(f)})
        if problems:
            raise FieldErrors(problems)
        return self


class ReviewDecision(Schema):
    """A reviewer's decision on one queued row: the room picked on the map, or reject."""

    version: RowId
    household_id: RowId | None = None
    reject: bool = False
    client_uuid: uuid.UUID
