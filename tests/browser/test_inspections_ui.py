"""User story: the town office designs a spot check of one village on a desktop, opens the sample
(list, map, 规划路线), checks one household item by item on a phone (one mismatch with a note),
and prints the 绩效评估报告 — and no page asks anything of the internet."""
import re

import pytest
from sqlalchemy import text

from tests.browser.guard import Guard
from tests.browser.test_map import DESKTOP, PHONE, _login

pytestmark = pytest.mark.browser


@pytest.fixture()
def cleanup(app):
    """Remove the spot checks this story creates (committed by the live server) afterwards."""
    yield
    from webgis.database import owner_engine

    with app.app_context(), owner_engine().begin() as conn:
        conn.execute(text("DELETE FROM spot_check_item WHERE spot_check_id IN "
                          "(SELECT id FROM spot_check WHERE plan_id IN (SELECT id FROM spot_check_plan WHERE title = '浏览器抽查'))"))
        conn.execute(text("DELETE FROM spot_check WHERE plan_id IN (SELECT id FROM spot_check_plan WHERE title = '浏览器抽查')"))
        conn.execute(text("DELETE FROM spot_check_plan WHERE title = '浏览器抽查'"))


def test_design_check_on_phone_and_report(live_server, chromium, artifacts, cleanup):
    guard = Guard(live_server)
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    guard.attach(page)
    _login(page, live_server)
    page.goto(f"{live_server}/inspections")
    page.wait_for_selector("#area-map .leaflet-interactive", timeout=20000)
    page.fill("input[name=title]", "浏览器抽查")
    page.locator("input[name=village]").first.check()
    page.locator("input[name=mode][value=size]").check()
    page.fill("input[name=size]", "20")
    page.screenshot(path=str(artifacts / "inspections_design_desktop.png"))
    page.click("#plan-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/inspections/\d+$"), timeout=30000)
    page.wait_for_selector("#sample-map .leaflet-interactive", timeout=20000)
    page.screenshot(path=str(artifacts / "inspections_plan_desktop.png"), full_page=True)
    route = page.get_by_text("规划路线").first.get_attribute("href")
    assert re.fullmatch(r"/routes/plan\?grid=\d+&buildings=\d+(,\d+)*", route)
    rows = page.locator("main table").nth(1).locator("tbody tr")
    assert rows.count() >= 20
    # The household checked in the field: the first sampled one with a resident who has a phone.
    check_urls = [a.get_attribute("href") for a in page.get_by_text("实地核查").all()[:15]]
    plan_url = page.url

    phone = chromium.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    guard.attach(mobile)
    _login(mobile, live_server)
    for check_url in check_urls:
        mobile.goto(f"{live_server}{check_url}")
        mobile.wait_for_selector(".check-item")
        if mobile.locator(".check-item", has=mobile.locator("text=联系电话")).count():
            break
    for radio in mobile.locator(".check-item input[value=yes], .check-item input[value=present]").all():
        radio.check()
    phone_card = mobile.locator(".check-item", has=mobile.locator("text=联系电话")).first
    phone_card.locator("input[value=no]").check()
    phone_card.locator("input[name^=found-]").fill("13900001111")
    phone_card.locator("input[name^=note-]").fill("住户已换号")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the field form scrolls sideways ({width}px)"
    mobile.click("#check-form button[type=submit]")
    mobile.wait_for_selector("#check-status .ok", timeout=20000)
    assert "项一致" in mobile.inner_text("#check-status")
    mobile.screenshot(path=str(artifacts / "inspections_check_phone.png"), full_page=True)

    page.goto(plan_url.rstrip("/") + "/report")
    assert "住户已换号" in page.inner_text("main")
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "inspections_report_print.png"), full_page=True)
    assert guard.external == [] and guard.console_errors == []
    phone.close()
    context.close()
