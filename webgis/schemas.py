"""Input schemas shared by every write: parse a request body into plain, validated objects.

Each domain package keeps its own `schemas.py` built from these parts (pydantic models with
`extra="forbid"`); nothing here knows HTTP. `parse(Model, data)` returns the model or raises
`ValidationFailed` whose details map a field path ("members.0.id_number") to a Chinese
message shown next to that field. Field rules live here once: ID numbers (GB 11643), phones,
code lists, short texts.

pydantic is used for the structure (types, nesting, unknown fields, lengths) because it is
well kept and fast; the Chinese messages are ours (`_message`).
"""
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from webgis.codes.data import CODE_LISTS
from webgis.errors import ValidationFailed
from webgis.people.idcard import normalize_id_number
from webgis.people.phones import normalize_phone

_TYPE_MESSAGES = {
    "missing": "请填写",
    "string_type": "应为文本",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "bool_type": "应为是或否", "bool_parsing": "应为是或否",
    "float_type": "应为数字", "float_parsing": "应为数字",
    "list_type": "应为列表", "dict_type": "格式不正确", "model_type": "格式不正确",
    "model_attributes_type": "格式不正确",
    "date_type": "日期格式应为YYYY-MM-DD", "date_parsing": "日期格式应为YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD",
    "datetime_type": "时间格式不正确", "datetime_parsing": "时间格式不正确",
    "datetime_from_date_parsing": "时间格式不正确",
    "uuid_type": "应为UUID", "uuid_parsing": "应为UUID",
    "extra_forbidden": "不认识的字段",
    "literal_error": "取值无效", "enum": "取值无效",
    "too_short": "至少需要一项",
    "greater_than_equal": "数值过小", "less_than_equal": "数值过大",
    "greater_than": "数值过小", "less_than": "数值过大",
}
INT4_MAX = 2_147_483_647


class Schema(BaseModel):
    """Base of every input schema: unknown fields refused, text stripped, frozen after parsing."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class FieldErrors(ValueError):
    """Raised by a model rule that finds several fields wrong at once (paths relative to the model)."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def _message(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "value_error":
        # Our own validators raise ValueError with the final Chinese message.
        ctx_error = (err.get("ctx") or {}).get("error")
        return str(ctx_error) if ctx_error is not None else str(err.get("msg", "取值无效"))
    if kind == "string_too_long":
        return f"不能超过{(err.get('ctx') or {}).get('max_length')}个字"
    if kind == "too_long":
        return f"最多{(err.get('ctx') or {}).get('max_length')}项"
    return _TYPE_MESSAGES.get(kind, "取值无效")


def _path(loc) -> str:
    return ".".join(str(part) for part in loc) or "_"


def parse(model: type[BaseModel], data: Any) -> BaseModel:
    """Validate `data` (a decoded JSON body or form dict) into `model`, or raise ValidationFailed."""
    if not isinstance(data, dict):
        raise ValidationFailed({"_": "请求内容应为JSON对象"})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details: dict[str, str] = {}
        for err in exc.errors(include_url=False):
            loc = tuple(err.get("loc", ()))
            problems = getattr((err.get("ctx") or {}).get("error"), "problems", None)
            if problems:
                for field, message in problems.items():
                    details.setdefault(_path(loc + tuple(field.split("."))), message)
            else:
                details.setdefault(_path(loc), _message(err))
        raise ValidationFailed(details) from None


def fail(field: str, message: str):
    """Raise ValidationFailed for one field (for rules a service checks against the database)."""
    raise ValidationFailed({field: message})


# --- field types ----------------------------------------------------------------------


def _clean_text(value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("应为文本")
    value = unicodedata.normalize("NFC", value)
    if "\x00" in value or any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise ValueError("包含不可见的控制字符")
    value = value.strip()
    return value or None


def text(max_length: int):
    """An optional text of at most `max_length` characters ("" → None), no control characters."""

    def check(value):
        if value is not None and len(value) > max_length:
            raise ValueError(f"不能超过{max_length}个字")
        return value

    return Annotated[str | None, BeforeValidator(_clean_text), AfterValidator(check)]


def required_text(max_length: int):
    """A required text of at most `max_length` characters."""

    def check(value):
        if value is None:
            raise ValueError("请填写")
        if len(value) > max_length:
            raise ValueError(f"不能超过{max_length}个字")
        return value

    return Annotated[str | None, BeforeValidator(_clean_text), AfterValidator(check)]


def code(list_name: str, required: bool = True):
    """A code of the code list `list_name` (附件2 说明); the message names the list."""
    allowed = {c for c, _ in CODE_LISTS[list_name]["items"]}
    title = CODE_LISTS[list_name]["title"]

    def check(value):
        if value is None:
            if required:
                raise ValueError(f"请选择{title}")
            return None
        if not isinstance(value, str):
            value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if value not in allowed:
            raise ValueError(f"{title}取值无效")
        return value

    def before(value):
        if value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    return Annotated[str | None, BeforeValidator(before), AfterValidator(check)]


def _id_number(value):
    return normalize_id_number(value)


def _phone(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError("应为文本")
    return normalize_phone(value)


def _row_id(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("应为整数")
    if not 1 <= value <= INT4_MAX:
        raise ValueError("编号超出范围")
    return value


def _version(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("应为整数")
    if not 1 <= value <= INT4_MAX:
        raise ValueError("版本号无效")
    return value


def _strict_bool(value):
    if value is None or isinstance(value, bool):
        return value
    raise ValueError("应为是或否")


def _not_future(value: datetime | date | None):
    if value is None:
        return None
    now = datetime.now(value.tzinfo) if isinstance(value, datetime) else date.today()
    if value > now:
        raise ValueError("不能晚于现在")
    return value


IdNumber = Annotated[str, BeforeValidator(_id_number)]
Phone = Annotated[str | None, BeforeValidator(_phone)]
RowId = Annotated[int, BeforeValidator(_row_id)]
Version = Annotated[int, BeforeValidator(_version)]
YesNo = Annotated[bool | None, BeforeValidator(_strict_bool)]
PastDateTime = Annotated[datetime | None, AfterValidator(_not_future)]
PastDate = Annotated[date | None, AfterValidator(_not_future)]
