"""GB 11643 check digit, validation messages and masking."""
from datetime import date

import pytest

from webgis.people.idcard import (check_digit, gender_of, id_number_error, is_valid_id_number, make_id_number,
                                  mask_id_number, mask_phone, phone_error)


@pytest.mark.parametrize("number", ["11010519491231002X", "44052419500101001X"])
def test_known_valid_numbers(number):
    assert is_valid_id_number(number)


def test_check_digit_by_hand():
    # 11010519491231002: weighted sum 167, 167 % 11 = 2 → 'X'
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = "11010519491231002"
    assert sum(int(d) * w for d, w in zip(body, weights)) == 167
    assert check_digit(body) == "X"


def test_every_wrong_check_digit_is_refused():
    body = "32068119850307123"
    right = check_digit(body)
    for c in "0123456789X":
        assert is_valid_id_number(body + c) == (c == right)
    assert id_number_error(body + ("0" if right != "0" else "1")) == "身份证号码校验位错误"


@pytest.mark.parametrize("bad,message", [
    ("", "请填写身份证号码"),
    ("12345", "身份证号码应为18位，现为5位"),
    ("32068119851307123X", "身份证号码中的出生日期19851307不存在"),
    ("3206811985030712A3", "身份证号码只能由数字组成（末位可为X）"),
])
def test_invalid_numbers_have_clear_messages(bad, message):
    assert id_number_error(bad) == message


def test_make_id_number_round_trip():
    n = make_id_number("320681", date(2001, 2, 28), 457)
    assert n.startswith("32068120010228457") and is_valid_id_number(n)
    assert gender_of(n) == "1"
    assert gender_of(make_id_number("320681", date(2001, 2, 28), 458)) == "2"


def test_masks():
    assert mask_id_number("32068119850307123X") == "320681********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number(None) is None


def test_phone_validation():
    assert phone_error("13812345678") is None
    assert phone_error("0513-83123456") is None
    assert phone_error("12345") == "电话号码无效：手机号应为11位，座机应为区号+号码（如0513-83123456）"
