"""Resident ID numbers (GB 11643-1999) and phone numbers: validation and masking."""
import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def check_digit(first17: str) -> str:
    """Return the GB 11643 check character (ISO 7064 MOD 11-2) for 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("需要17位数字")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK[total % 11]


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """Build an 18-digit ID number: 6-digit region, birth date, 3-digit sequence, check digit."""
    body = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + check_digit(body)


def id_number_error(value: str | None) -> str | None:
    """Return a Chinese message if `value` is not a valid ID number, else None."""
    if not value:
        return "请填写身份证号码"
    v = value.strip().upper()
    if not _ID_RE.match(v):
        return "身份证号码应为18位（前17位数字，末位数字或X）"
    try:
        date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if check_digit(v[:17]) != v[17]:
        return "身份证号码校验位错误"
    return None


def is_valid_id_number(value: str | None) -> bool:
    """Return True if `value` passes GB 11643 (format, birth date, check digit)."""
    return id_number_error(value) is None


def birth_date_of(value: str) -> date:
    """Return the birth date encoded in a valid ID number."""
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender_of(value: str) -> str:
    """Return the gender code ('1' male, '2' female) from the sequence digit."""
    return "1" if int(value[16]) % 2 else "2"


def phone_error(value: str | None) -> str | None:
    """Return a Chinese message if `value` is neither a mobile nor a landline number."""
    if not value:
        return None
    v = value.strip()
    if _PHONE_RE.match(v) or _LANDLINE_RE.match(v):
        return None
    return "联系电话应为11位手机号或区号-座机号"


def mask_id_number(value: str | None) -> str | None:
    """Mask an ID number as 320681********123X (first 6, last 4 shown)."""
    if not value:
        return value
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """Mask a phone number as 138****5678 (first 3, last 4 shown)."""
    if not value:
        return value
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
