"""Mass reveal (issue 14 point 2): a per-user reveal budget, refusal with a clear message,
one alert row the town office sees, and the same reason not reused mechanically."""
from sqlalchemy import func, select

from tests.conftest import csrf_token, login
from webgis.audit.models import AuditEntry


def _count(db_session, action, user_id=None):
    q = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    if user_id is not None:
        q = q.where(AuditEntry.user_id == user_id)
    return db_session.execute(q).scalar()


def _people(make, grid, n):
    b = make.building(grid, 121.605, 31.805)
    h = make.household(b)
    return [make.person(grid, h, relation="2") for _ in range(n)]


def _reveal(client, pid, reason):
    token = csrf_token(client, "/")
    return client.post(f"/api/persons/{pid}/reveal", json={"reason": reason}, headers={"X-CSRFToken": token})


def test_budget_per_minute_refuses_and_alerts_once(app, client, small_town, make, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "REVEAL_PER_MINUTE", 3)
    police = make.user(small_town["town"], role="police", username="p_mass", station_id=small_town["station"].id)
    people = _people(make, small_town["grids"][0], 6)
    assert login(client, "p_mass").status_code == 302
    codes = [_reveal(client, p.id, f"核对第{i}户登记信息").status_code
             for i, p in enumerate(people)]
    assert codes == [200, 200, 200, 429, 429, 429]
    refused = _reveal(client, people[0].id, "再次核对身份信息")
    assert refused.status_code == 429 and "上限" in refused.get_json()["error"]["message"]
    assert "id_number" not in refused.get_json()
    assert _count(db_session, "reveal", police.id) == 3
    assert _count(db_session, "reveal_alert", police.id) == 1  # one alert per window, not one per refusal


def test_same_reason_is_not_reused_mechanically(app, client, small_town, make, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "REVEAL_SAME_REASON_PER_DAY", 2)
    make.user(small_town["town"], role="police", username="p_abcd", station_id=small_town["station"].id)
    people = _people(make, small_town["grids"][0], 3)
    assert login(client, "p_abcd").status_code == 302
    codes = [_reveal(client, p.id, "abcd").status_code for p in people]
    assert codes == [200, 200, 400]
    ok = _reveal(client, people[2].id, "核对户主联系电话")
    assert ok.status_code == 200


def test_town_admin_sees_the_alert_count(app, client, small_town, make, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "REVEAL_PER_MINUTE", 1)
    make.user(small_town["town"], role="police", username="p_alert", station_id=small_town["station"].id)
    people = _people(make, small_town["grids"][0], 2)
    assert login(client, "p_alert").status_code == 302
    for i, p in enumerate(people):
        _reveal(client, p.id, f"核对第{i}人信息")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, "t_admin").status_code == 302
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "查看超限告警" in html and "近 7 天有 1 次" in html
