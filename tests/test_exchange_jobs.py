"""Progress of long imports: the job row moves while the import's transaction is still open (read
from another connection), and the page's poll endpoint shows the final state."""
import re
import uuid
from datetime import date

import pytest
from sqlalchemy import text

from tests.conftest import csrf_token, login
from tests.test_exchange_lists import MAPPING, estate, xlsx  # noqa: F401  (estate is a fixture)
from webgis.database import owner_engine
from webgis.exchange import jobs
from webgis.people.idcard import make_id_number


def _outside(key):
    """The job as another connection sees it (committed data only)."""
    with owner_engine().connect() as conn:
        return conn.execute(text("SELECT status, done, total FROM exchange_job WHERE key = :k"), {"k": key}).one_or_none()


@pytest.fixture()
def seen(monkeypatch):
    """Every progress update of the request, as read from outside its transaction right after it."""
    monkeypatch.setattr(jobs, "EVERY", 0.0)
    observed = []
    original = jobs.Progress.__call__

    def spy(self, done, total=None, message=None):
        original(self, done, total, message)
        observed.append((self.key, _outside(self.key)))
    monkeypatch.setattr(jobs.Progress, "__call__", spy)
    return observed


def _upload(client, rows):
    token = csrf_token(client, "/exchange/")
    import io
    resp = client.post("/exchange/lists/upload", data={"csrf_token": token, "source": "进度测试",
                                                       "file": (io.BytesIO(xlsx(rows)), "名单.xlsx")},
                       content_type="multipart/form-data")
    upload = re.search(r'name="token" value="([0-9a-f]+)"', resp.get_data(as_text=True)).group(1)
    return token, upload


def test_dry_run_and_commit_progress_seen_from_outside(client, estate, seen):  # noqa: F811
    login(client, "t_admin")
    rows = [[n, f"孙{n}", make_id_number("320681", date(1970, 1, 1 + n // 999), n % 999 + 1), "", "", "",
             "阳光小区1幢1单元101室", ""] for n in range(1, 5001)]
    token, upload = _upload(client, rows)
    key = uuid.uuid4()
    resp = client.post("/exchange/lists/dry-run", data={"csrf_token": token, "token": upload, "source": "进度测试",
                                                       "job": str(key),
                                                       **{f"col_{f}": c for f, c in MAPPING.items()}})
    assert resp.status_code == 302
    # Chunks of 2,000 rows: the numbers another connection saw while the dry run was running.
    assert [s for k, s in seen if k == key] == [("running", 0, 5000), ("running", 0, 5000),  # index, then rows
                                                ("running", 2000, 5000), ("running", 4000, 5000),
                                                ("running", 5000, 5000)]
    job = client.get(f"/exchange/jobs/{key}").get_json()
    batch_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    assert (job["status"], job["done"], job["total"], job["batch_id"]) == ("done", 5000, 5000, batch_id)

    key2 = uuid.uuid4()
    resp = client.post(f"/exchange/batches/{batch_id}/commit", data={"csrf_token": token, "job": str(key2)})
    assert resp.status_code == 302
    steps = [s for k, s in seen if k == key2]
    assert [s[1] for s in steps] == [1, 2, 3, 4] and {s[2] for s in steps} == {4}
    job = client.get(f"/exchange/jobs/{key2}").get_json()
    assert (job["status"], job["kind"]) == ("done", "person_list_commit") and "5000" in job["message"]


def test_a_failed_commit_shows_failed_with_the_row(client, estate, seen):  # noqa: F811
    login(client, "t_admin")
    rows = [[1, "甲", make_id_number("320681", date(1991, 2, 3), 5), "", "", "", "阳光小区1幢1单元101室", ""],
            [2, "乙", "320681199102030000", "", "", "", "阳光小区1幢1单元102室", ""]]
    token, upload = _upload(client, rows)
    resp = client.post("/exchange/lists/dry-run", data={"csrf_token": token, "token": upload, "source": "进度测试",
                                                       **{f"col_{f}": c for f, c in MAPPING.items()}})
    batch_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    key = uuid.uuid4()
    client.post(f"/exchange/batches/{batch_id}/commit", data={"csrf_token": token, "job": str(key)})
    job = client.get(f"/exchange/jobs/{key}").get_json()
    assert job["status"] == "failed" and "未导入任何数据" in job["message"] and "第3行" in job["message"]


def test_jobs_are_seen_by_their_town_only(client, estate, make):  # noqa: F811
    from webgis.scope import Scope

    other = make.user(estate["town"], role="property", username="wuye9", grids=[estate["grids"][0]])
    mine, foreign = uuid.uuid4(), uuid.uuid4()
    jobs.Progress(mine, Scope(town_id=estate["town"].id, role="property", user_id=other.id,
                              grid_ids=(estate["grids"][0].id,)), "person_list_dry_run", 10)
    jobs.Progress(foreign, Scope(town_id=estate["town"].id + 1000, role="town_admin", user_id=other.id,
                                 all_grids=True), "person_list_dry_run", 10)
    login(client, "t_admin")  # an all-grid role of the town sees its town's jobs, not another town's
    assert client.get(f"/exchange/jobs/{mine}").get_json()["total"] == 10
    resp = client.get(f"/exchange/jobs/{foreign}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
