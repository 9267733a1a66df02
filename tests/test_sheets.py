"""The pre-filled verification sheet (住户基础信息核对表): print page, village split, protected XLSX."""
import io

import pyzipper
import pytest
from openpyxl import load_workbook

from tests.conftest import csrf_token, login


@pytest.fixture()
def leader(small_town, make):
    g1, _ = small_town["grids"]
    make.user(small_town["town"], role="grid_leader", username="leader1", grids=[g1])
    make.user(small_town["town"], role="liaison", username="liaison1", grids=[g1])
    return small_town


def test_grid_sheet_has_one_page_per_household_with_masked_identifiers(client, leader):
    g1 = leader["grids"][0]
    login(client, "leader1")
    html = client.get(f"/sheets/grids/{g1.id}").get_data(as_text=True)
    assert html.count('class="household-sheet"') == 1
    assert "王建国" in html and "110105********002X" in html and "138****5678" in html
    assert "11010519491231002X" not in html and "13812345678" not in html
    assert "填表人" in html and "驻村民警" in html


def test_out_of_scope_grid_and_liaison_get_404(client, leader):
    g1, g2 = leader["grids"]
    login(client, "leader1")
    assert client.get(f"/sheets/grids/{g2.id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "liaison1")
    assert client.get(f"/sheets/grids/{g1.id}").status_code == 404


def test_xlsx_export_is_an_aes_zip_that_opens_only_with_its_password(client, leader):
    g1 = leader["grids"][0]
    login(client, "leader1")
    token = csrf_token(client, f"/sheets/grids/{g1.id}")
    resp = client.post(f"/sheets/grids/{g1.id}/export", data={"csrf_token": token})
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    password = resp.headers["X-Document-Password"]
    assert len(password) == 16 and resp.headers["Cache-Control"] == "no-store"
    with pyzipper.AESZipFile(io.BytesIO(resp.data)) as zf:
        name = zf.namelist()[0]
        with pytest.raises(RuntimeError):
            zf.read(name)
        zf.setpassword(password.encode())
        wb = load_workbook(io.BytesIO(zf.read(name)))
    ws = wb.worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert [r[4] for r in rows] == ["王建国", "李秀英"]
    assert rows[0][6] == "110105********002X"
