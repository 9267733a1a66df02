"""Police exchange (同增同减): the delta read from the change history, the protected zip, the import."""
import io
from datetime import date

import pyzipper
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.test_exchange_lists import MAPPING, estate, xlsx  # noqa: F401  (fixture)
from webgis.exchange import lists, police
from webgis.people.idcard import make_id_number
from webgis.people.models import Person
from webgis.writes import Actor, assign


def _open(result) -> dict[str, list[list]]:
    with pyzipper.AESZipFile(io.BytesIO(result["zip"])) as zf:
        zf.setpassword(result["password"].encode())
        (name,) = zf.namelist()
        wb = load_workbook(io.BytesIO(zf.read(name)), read_only=True)
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


@pytest.fixture()
def exchanged(estate, db_session):  # noqa: F811
    """The fixture town after a first exchange, then one add, one removal, one change."""
    admin = Actor.of(estate["admin"])
    police.export_delta(db_session, admin)  # baseline: everything so far has been exchanged
    new_id = make_id_number("320681", date(1995, 7, 7), 21)
    r = lists.dry_run(db_session, admin, xlsx([[1, "何新", new_id, "男", "汉族", "", "阳光小区1幢1单元101室", "户主"]]),
                      "a.xlsx", "a", MAPPING)
    lists.commit(db_session, admin, r["batch_id"])
    gone, changed = estate["persons"][1], estate["persons"][2]
    assign(gone, {"status": "moved_out"})
    assign(changed, {"phone": "13700000000"})
    db_session.flush()
    return dict(estate, admin_actor=admin, new_id=new_id, gone=gone, changed=changed)


def test_delta_since_the_last_exchange(exchanged, db_session):
    out = police.export_delta(db_session, exchanged["admin_actor"])
    sheets = _open(out)
    rows = sheets[police.PERSON_SHEET]
    assert rows[0] == police.PERSON_COLUMNS
    by_id = {r[1]: r for r in rows[1:]}
    assert set(by_id) == {exchanged["new_id"], exchanged["gone"].id_number, exchanged["changed"].id_number}
    assert by_id[exchanged["new_id"]][0] == "新增" and "阳光小区" in by_id[exchanged["new_id"]][6]
    assert by_id[exchanged["gone"].id_number][0] == "注销" and by_id[exchanged["gone"].id_number][8] == "已搬离"
    assert by_id[exchanged["changed"].id_number][0] == "变更" and by_id[exchanged["changed"].id_number][8] == "联系电话"
    assert (out["counts"]["persons_added"], out["counts"]["persons_removed"], out["counts"]["persons_changed"]) == (1, 1, 1)
    # The next exchange starts where this one stopped.
    again = _open(police.export_delta(db_session, exchanged["admin_actor"]))
    assert again[police.PERSON_SHEET][1:] == []
    listed = police.batches(db_session, exchanged["admin_actor"], "police_export")
    assert [b["id"] for b in listed][1] == out["batch_id"]
    redo = police.download_again(db_session, exchanged["admin_actor"], out["batch_id"])
    assert redo["password"] != out["password"] and _open(redo) == sheets


def test_export_zip_opens_only_with_its_password(exchanged, db_session):
    out = police.export_delta(db_session, exchanged["admin_actor"])
    with pyzipper.AESZipFile(io.BytesIO(out["zip"])) as zf:
        name = zf.namelist()[0]
        with pytest.raises(RuntimeError):
            zf.read(name)  # no password
        zf.setpassword(b"wrong-password-123")
        with pytest.raises(RuntimeError):
            zf.read(name)
        info = zf.getinfo(name)
        assert info.flag_bits & 0x1 and b"\x01\x99" in info.extra  # encrypted, WinZip AES extra field
        assert info.extra[info.extra.index(b"\x01\x99") + 8] == 3  # AES strength 3 = 256 bits


def test_round_trip_export_then_import_is_all_known(exchanged, db_session):
    out = police.export_delta(db_session, exchanged["admin_actor"])
    with pyzipper.AESZipFile(io.BytesIO(out["zip"])) as zf:
        zf.setpassword(out["password"].encode())
        data = zf.read(zf.namelist()[0])
    result = police.import_changes(db_session, exchanged["admin_actor"], data, "police.xlsx")
    assert result["counts"] == {"rows": 3, "apply": 0, "known": 3, "conflict": 0, "rejected": 0}


def test_police_changes_reconciled(exchanged, db_session):
    arrival = make_id_number("320681", date(1999, 9, 1), 31)
    data = xlsx([["新增", arrival, "罗来", "女", None, None, "阳光小区2幢2单元201室", None, None, None],
                 ["注销", exchanged["persons"][0].id_number, "王建国", None, None, None, None, None, None, None],
                 ["注销", make_id_number("320681", date(1960, 1, 1), 41), "不存在", None, None, None, None, None, None, None],
                 ["新增", make_id_number("320681", date(1960, 1, 1), 51), "无房", None, None, None, "幸福路99号", None, None, None],
                 ["变更", "123", "坏号", None, None, None, None, None, None, None]], header=police.PERSON_COLUMNS)
    result = police.import_changes(db_session, exchanged["admin_actor"], data, "gaj.xlsx")
    assert result["counts"] == {"rows": 5, "apply": 2, "known": 0, "conflict": 2, "rejected": 1}
    police.apply_changes(db_session, exchanged["admin_actor"], result["batch_id"])
    db_session.expire_all()
    p = db_session.execute(select(Person).where(Person.id_number == arrival)).scalar_one()
    assert (p.name, p.gender, p.grid_id) == ("罗来", "2", exchanged["grids"][1].id)
    assert db_session.get(Person, exchanged["persons"][0].id).status == "moved_out"
    report = lists.batch_report(db_session, result["batch_id"], "review")
    assert {r["row_no"] for r in report["rows"]} == {4, 5}
