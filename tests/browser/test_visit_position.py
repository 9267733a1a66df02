"""User story at 375×812 and 1280×800: the door-to-door form records where the phone was when the
visit was saved, and saves just the same when the phone gives no position (refused permission)."""
import re

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.browser.guard import Guard
from tests.browser.test_door_to_door import STORY_LEADER, _login, _story_building

pytestmark = pytest.mark.browser


def _saved_position(app, visit_id: int):
    from webgis.database import owner_engine

    with app.app_context(), Session(owner_engine()) as session:
        return session.execute(select(text("ST_X(geom), ST_Y(geom), accuracy_m")).select_from(text("visit"))
                               .where(text("id = :id")).params(id=visit_id)).one()


def _record_nobody_home(page, base_url: str, household_id: int, shot) -> int:
    page.goto(f"{base_url}/households/{household_id}/register")
    page.wait_for_selector("#gc-reg-form:not([hidden]) .member")
    page.get_by_role("radio", name="敲不开门").check(force=True)
    shot(page)
    with page.expect_response(lambda r: r.url.endswith(f"/households/{household_id}/registration")) as saved:
        page.click("#gc-reg-save")
    assert saved.value.status == 201, saved.value.text()
    page.locator("#gc-reg-done").wait_for()
    return saved.value.json()["visit_id"]


def test_position_recorded_when_given_and_optional(app, live_server, chromium, artifacts):
    b = _story_building(app)
    guard = Guard(live_server)
    where = {"latitude": b["lat"] + 0.0001, "longitude": b["lon"], "accuracy": 12}
    for size, ctx_kw in (({"width": 375, "height": 812}, dict(is_mobile=True, has_touch=True, device_scale_factor=2)),
                         ({"width": 1280, "height": 800}, {})):
        ctx = chromium.new_context(viewport=size, locale="zh-CN", geolocation=where, permissions=["geolocation"],
                                   **ctx_kw)
        page = ctx.new_page()
        guard.attach(page)
        _login(page, live_server, STORY_LEADER)

        def shot(p, name=f"door_position_{size['width']}.png"):
            p.wait_for_function("document.getElementById('gc-reg-position').textContent.indexOf('已记录') >= 0")
            assert re.search(r"精度约 12 米", p.locator("#gc-reg-position").text_content())
            p.screenshot(path=str(artifacts / name), full_page=True)

        visit_id = _record_nobody_home(page, live_server, b["household_id"], shot)
        lon, lat, accuracy = _saved_position(app, visit_id)
        assert (lon, lat, accuracy) == (pytest.approx(where["longitude"], abs=1e-7),
                                        pytest.approx(where["latitude"], abs=1e-7), pytest.approx(12))
        ctx.close()

    # No permission: the form says so and saves without a position.
    ctx = chromium.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True, has_touch=True)
    page = ctx.new_page()
    guard.attach(page)
    _login(page, live_server, STORY_LEADER)

    def refused(p):
        p.wait_for_function("document.getElementById('gc-reg-position').textContent.indexOf('不影响保存') >= 0")
        p.screenshot(path=str(artifacts / "door_position_refused_375.png"), full_page=True)

    visit_id = _record_nobody_home(page, live_server, b["household_id"], refused)
    assert _saved_position(app, visit_id) == (None, None, None)
    ctx.close()
    assert guard.external == [] and guard.console_errors == []
