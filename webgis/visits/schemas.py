"""The registration form (住户基础信息登记表, 附件2) and the police verification, as input schemas.

One submission of the form is one visit of one household: its facts (房屋性质, rental
details, remarks), every member row (confirmed, corrected, added, or leaving), and the visit's
outcome with the 知晓/满意 answers. Rules that need only the submission live here; rules that
need the database (versions, an ID living elsewhere, scope) live in services.py.
"""
import math
import uuid
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from webgis.people.idcard import gender_of
from webgis.schemas import (FieldErrors, IdNumber, PastDateTime, Phone, RowId, Schema, Version, YesNo, code,
                            required_text, text)

# Outcomes where somebody was met and answered: the questionnaire (知晓/满意) is asked.
PRESENT_RESULTS = frozenset({"verified", "changed", "new", "police_collected"})
# Outcomes a grid team records; the police record their own collection (police_collected).
TEAM_RESULTS = frozenset({"verified", "changed", "new", "nobody_home", "refused", "moved_out", "vacant",
                          "demolished"})
# Outcomes after which nobody lives in the room any more.
EMPTY_RESULTS = frozenset({"moved_out", "vacant", "demolished"})
# A fix less precise than this (metres) is not a position worth keeping: refused as bad input.
MAX_ACCURACY_M = 100_000
# Why a member leaves the household (person_status codes).
LEAVE_REASONS = ("moved_out", "deceased", "long_absent")


class MemberInput(Schema):
    """One member row of 附件2: a person of the household (existing, corrected, new or leaving)."""

    person_id: RowId | None = None  # None: a person new to the platform (or moved in, see move)
    version: Version | None = None  # the person's version as loaded (required with person_id)
    name: required_text(40)
    gender: code("gender")
    ethnicity: code("ethnicity")
    # Pre-filled rows show the ID masked: leave it out to keep it, send a full number to correct it.
    id_number: IdNumber | None = None
    occupation: code("occupation", required=False) = None
    employer: text(80) = None
    relation: code("relation")
    marital: code("marital", required=False) = None
    hukou_consistent: YesNo = True
    registered_address: text(120) = None
    # Left out: unchanged (pre-filled rows show it masked); null or "": no phone.
    phone: Phone = None
    category: code("person_category")
    # The person leaves this household: moved out, deceased or long absent (kept, never deleted).
    leave: Literal["moved_out", "deceased", "long_absent"] | None = None
    # Confirmed: the ID already lives in another room of the user's grids; move the person here.
    move: bool = False

    @model_validator(mode="after")
    def _rules(self):
        problems = {}
        if self.person_id is not None and self.version is None:
            problems["version"] = "缺少版本号，请刷新后重试"
        if self.person_id is None and self.id_number is None:
            problems["id_number"] = "请填写身份证号码"
        if self.id_number and self.gender and gender_of(self.id_number) != self.gender:
            problems["gender"] = "性别与身份证号码第17位不符"
        if self.hukou_consistent is False and not self.registered_address:
            problems["registered_address"] = "人户不一致时请填写户籍地址"
        if problems:
            raise FieldErrors(problems)
        return self


class HouseholdInput(Schema):
    """The room's facts (房屋性质 and the rental details of 附件2)."""

    version: Version
    house_nature: code("house_nature")
    landlord: text(40) = None
    lease_period: text(60) = None
    lease_reason: text(120) = None
    cotenant_relation: text(120) = None
    special_space: text(40) = None
    remarks: text(500) = None

    @model_validator(mode="after")
    def _rules(self):
        if self.house_nature == "rented":
            problems = {f: "租住房屋请填写" + label for f, label in
                        (("landlord", "房东姓名"), ("lease_period", "承租期限")) if not getattr(self, f)}
            if problems:
                raise FieldErrors(problems)
        return self


def _number_between(name: str, low: float, high: float):
    """A finite JSON number in [low, high] (no strings, no booleans), with a message naming it."""

    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name}应为数字")
        if not low <= value <= high:
            raise ValueError(f"{name}应在{low:g}到{high:g}之间")
        return float(value)

    return Annotated[float, BeforeValidator(check)]


class LocationInput(Schema):
    """Where the phone was when the form was saved (the browser's Geolocation API, WGS 84)."""

    lat: _number_between("纬度", -90, 90)
    lon: _number_between("经度", -180, 180)
    # Radius of the fix's accuracy circle in metres (GeolocationCoordinates.accuracy).
    accuracy_m: _number_between("定位精度（米）", 0, MAX_ACCURACY_M) | None = None


class VisitInput(Schema):
    """The outcome of the visit and the questionnaire, with the form's signatures."""

    result: code("visit_result")
    awareness: YesNo = None  # 知晓
    satisfaction: YesNo = None  # 满意
    form_filler: text(40) = None  # 填表人
    police_officer: text(40) = None  # 驻村民警
    visited_at: PastDateTime = None  # default: now
    note: text(500) = None
    # Optional: no fix or a refused permission never blocks saving.
    location: LocationInput | None = None

    @model_validator(mode="after")
    def _rules(self):
        problems = {}
        if self.result in PRESENT_RESULTS - {"police_collected"}:
            for f, label in (("awareness", "知晓"), ("satisfaction", "满意")):
                if getattr(self, f) is None:
                    problems[f] = f"请询问在场住户是否{label}"
        elif self.result not in PRESENT_RESULTS:
            for f in ("awareness", "satisfaction"):
                if getattr(self, f) is not None:
                    problems[f] = "无人在场（或拒绝、空置）时不记录知晓/满意"
        if problems:
            raise FieldErrors(problems)
        return self


class RegistrationInput(Schema):
    """One submission of the registration form for one household."""

    client_uuid: uuid.UUID
    household: HouseholdInput
    members: list[MemberInput] = Field(default_factory=list, max_length=60)
    visit: VisitInput

    @model_validator(mode="after")
    def _rules(self):
        problems = {}
        seen: dict[str, int] = {}
        heads = []
        people: dict[int, int] = {}
        for i, m in enumerate(self.members):
            if m.person_id is not None:
                if m.person_id in people:
                    problems[f"members.{i}.person_id"] = f"与第{people[m.person_id] + 1}行是同一人"
                people.setdefault(m.person_id, i)
            if m.leave is None and m.relation == "1":
                heads.append(i)
            if m.id_number is None:
                continue
            if m.id_number in seen:
                problems[f"members.{i}.id_number"] = f"与第{seen[m.id_number] + 1}行的身份证号码重复"
            seen.setdefault(m.id_number, i)
        for i in heads[1:]:
            problems[f"members.{i}.relation"] = "一户只能有一位户主"
        staying = [i for i, m in enumerate(self.members) if m.leave is None]
        if self.visit.result in EMPTY_RESULTS and staying:
            problems["visit.result"] = "选择“已搬离/空置/已拆除”时，所有成员应标记为离开"
        if self.visit.result == "new" and not staying:
            problems["visit.result"] = "新增登记至少需要一名在住成员"
        if problems:
            raise FieldErrors(problems)
        return self


class VerificationInput(Schema):
    """A police officer signs the latest visit of a household, or returns it for a re-visit."""

    client_uuid: uuid.UUID
    visit_id: RowId
    outcome: code("verification_outcome")
    note: text(500) = None

    @model_validator(mode="after")
    def _rules(self):
        if self.outcome == "disputed" and not self.note:
            raise FieldErrors({"note": "退回重访时请写明原因"})
        return self


class BatchSignInput(Schema):
    """Sign several unchanged visits at once (核对无误 rows of the queue)."""

    items: list[VerificationInput] = Field(min_length=1, max_length=200)
