"""The validation table of the registration form: good and bad ID numbers, phones and codes,
each with the exact message the user sees next to the field."""
import uuid

import pytest

from webgis.errors import ValidationFailed
from webgis.people.idcard import normalize_id_number
from webgis.people.phones import normalize_phone
from webgis.schemas import parse
from webgis.visits.schemas import RegistrationInput

GOOD_ID = "320681198503152316"


@pytest.mark.parametrize("written,stored", [
    (GOOD_ID, GOOD_ID),
    ("11010519491231002X", "11010519491231002X"),
    ("11010519491231002x", "11010519491231002X"),                    # lower-case x
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),          # full-width digits and Ｘ
    (" 3206811985 0315 2316 ", GOOD_ID),                               # spaces
    ("320684201005012314", "320684201005012314"),                     # 海门市 code, born while it existed
    ("810000199001012313", "810000199001012313"),                     # 港澳居民居住证
    ("830000199001012325", "830000199001012325"),                     # 台湾居民居住证
    ("441900199001012314", "441900199001012314"),                     # 东莞市: a city without counties
])
def test_good_id_numbers_are_stored_canonical(written, stored):
    assert normalize_id_number(written) == stored


@pytest.mark.parametrize("written,message", [
    ("", "请填写身份证号码"),
    ("   ", "请填写身份证号码"),
    ("32068119850315231", "身份证号码应为18位，现为17位"),
    ("3206811985031523160", "身份证号码应为18位，现为19位"),
    ("٣٢٠٦٨١١٩٨٥٠٣١٥٢٣١٦", "身份证号码只能由数字组成（末位可为X）"),   # Arabic-Indic digits
    ("32068119850315231Y", "身份证号码只能由数字组成（末位可为X）"),
    ("320681198503152315", "身份证号码校验位错误"),
    ("32068119850230231X", "身份证号码中的出生日期19850230不存在"),
    ("320681203101012314", "身份证号码中的出生日期晚于今天"),
    ("320681189912312312", "身份证号码中的出生日期早于1900年"),
    ("000000198503152310", "地区码000000不存在（GB/T 2260）"),
    ("999999198503152319", "地区码999999不存在（GB/T 2260）"),
    ("320000198001010018", "地区码320000是省级代码，不能作为身份证号码的地区码"),
    ("320684202105012316", "地区码320684（海门市）2019年后已撤销，与出生年份2021不符"),
    ("810100199001012327", "地区码810100不存在（港澳台居民居住证应为810000）"),
])
def test_bad_id_numbers_get_the_exact_message(written, message):
    with pytest.raises(ValueError) as exc:
        normalize_id_number(written)
    assert str(exc.value) == message


@pytest.mark.parametrize("written,stored", [
    ("13812345678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("+86-138-1234-5678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("0086 13812345678", "13812345678"),
    ("(+86) 13812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    ("199 1234 5678", "19912345678"),
    ("0513-83123456", "0513-83123456"),
    ("(0513) 8312 3456", "0513-83123456"),
    ("051383123456", "0513-83123456"),
    ("+86 513 8312 3456", "0513-83123456"),
    ("010-12345678", "010-12345678"),
])
def test_good_phones_are_stored_canonical(written, stored):
    assert normalize_phone(written) == stored


@pytest.mark.parametrize("written,message", [
    ("14012345678", "手机号码号段140未分配或号码无效"),
    ("12012345678", "手机号码号段120未分配或号码无效"),
    ("1381234567", "电话号码无效：手机号应为11位，座机应为区号+号码（如0513-83123456）"),
    ("83123456", "电话号码无效：手机号应为11位，座机应为区号+号码（如0513-83123456）"),
    ("+1 650 253 0000", "仅支持中国大陆的电话号码（+86）"),
    ("٠١٣٨١٢٣٤٥٦٧٨", "联系电话只能使用数字0–9"),
    ("138-1234-567a", "联系电话只能包含数字、空格、括号、短横线和+86"),
])
def test_bad_phones_get_the_exact_message(written, message):
    with pytest.raises(ValueError) as exc:
        normalize_phone(written)
    assert str(exc.value) == message


def _form(**member):
    row = {"name": "王小明", "gender": "1", "ethnicity": "01", "id_number": GOOD_ID, "relation": "1",
           "category": "registered", **member}
    return {"client_uuid": str(uuid.uuid4()), "household": {"version": 1, "house_nature": "self_built"},
            "members": [row], "visit": {"result": "new", "awareness": True, "satisfaction": True}}


@pytest.mark.parametrize("member,field,message", [
    ({"ethnicity": "99"}, "ethnicity", "民族取值无效"),
    ({"occupation": "7"}, "occupation", "职业取值无效"),
    ({"relation": "11"}, "relation", "与户主关系取值无效"),
    ({"marital": "5"}, "marital", "婚姻状况取值无效"),
    ({"category": "tourist"}, "category", "人口类别取值无效"),
    ({"gender": "2"}, "gender", "性别与身份证号码第17位不符"),
    ({"name": ""}, "name", "请填写"),
    ({"name": "王" * 41}, "name", "不能超过40个字"),
    ({"name": "王\x00明"}, "name", "包含不可见的控制字符"),
    ({"hukou_consistent": False}, "registered_address", "人户不一致时请填写户籍地址"),
    ({"hukou_consistent": "yes"}, "hukou_consistent", "应为是或否"),
    ({"phone": "14012345678"}, "phone", "手机号码号段140未分配或号码无效"),
    ({"id_number": "320681198503152315"}, "id_number", "身份证号码校验位错误"),
    ({"surprise": 1}, "surprise", "不认识的字段"),
])
def test_member_field_errors_are_named_by_path(member, field, message):
    with pytest.raises(ValidationFailed) as exc:
        parse(RegistrationInput, _form(**member))
    assert exc.value.details == {f"members.0.{field}": message}


def test_rental_details_required_when_rented():
    body = _form()
    body["household"] = {"version": 1, "house_nature": "rented", "landlord": "张三"}
    with pytest.raises(ValidationFailed) as exc:
        parse(RegistrationInput, body)
    assert exc.value.details == {"household.lease_period": "租住房屋请填写承租期限"}


def test_same_id_twice_and_two_heads_in_one_household():
    body = _form()
    body["members"].append(dict(body["members"][0], name="王小红"))
    with pytest.raises(ValidationFailed) as exc:
        parse(RegistrationInput, body)
    assert exc.value.details == {"members.1.id_number": "与第1行的身份证号码重复", "members.1.relation": "一户只能有一位户主"}


@pytest.mark.parametrize("body", [[], "x", 3, None, [{"client_uuid": "x"}]])
def test_a_body_that_is_not_an_object(body):
    with pytest.raises(ValidationFailed) as exc:
        parse(RegistrationInput, body)
    assert exc.value.details == {"_": "请求内容应为JSON对象"}
