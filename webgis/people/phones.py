"""Phone numbers (联系电话): mobiles of the current numbering plan and landlines with area code.

Parsed with `phonenumbers` (Google's libphonenumber metadata, kept current) rather than a
regex: it knows which 13x–19x mobile prefixes are allocated and which area codes exist.
Stored in one canonical form a Chinese reader expects: mobiles as 11 digits
(13812345678), landlines as area code, dash, subscriber number (0513-83123456).
"""
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_LANDLINE = {PhoneNumberType.FIXED_LINE}


def normalize_phone(value) -> str:
    """Return the canonical form of a Chinese mobile or landline number, or raise ValueError(message)."""
    if value is None or not str(value).strip():
        raise ValueError("请填写联系电话")
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    if any(ch.isdigit() and not ch.isascii() for ch in raw):
        raise ValueError("联系电话只能使用数字0–9")
    allowed = set("0123456789+-() ")
    if not set(raw) <= allowed:
        raise ValueError("联系电话只能包含数字、空格、括号、短横线和+86")
    try:
        number = phonenumbers.parse(raw, "CN")
    except NumberParseException:
        raise ValueError("联系电话格式不正确") from None
    if number.country_code != 86:
        raise ValueError("仅支持中国大陆的电话号码（+86）")
    national = str(number.national_number)
    # number_type() is UNKNOWN exactly when is_valid_number() is false (a +86 number): one metadata
    # walk instead of two (a 200,000-row list validates every phone).
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        if len(national) == 11 and national.startswith("1"):
            raise ValueError(f"手机号码号段{national[:3]}未分配或号码无效")
        raise ValueError("电话号码无效：手机号应为11位，座机应为区号+号码（如0513-83123456）")
    if kind in _MOBILE:
        return national
    if kind in _LANDLINE:
        area_len = phonenumbers.length_of_geographical_area_code(number)
        if area_len == 0:
            raise ValueError("座机号码应包含区号，例如0513-83123456")
        return f"0{national[:area_len]}-{national[area_len:]}"
    raise ValueError("仅接受手机号码或带区号的座机号码")
