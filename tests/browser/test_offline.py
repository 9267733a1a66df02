"""User story (issue 12): a grid leader takes the grid along, loses the signal, keeps working, and
gets everything back to the server without losing or hiding anything.

Online: log in, the service worker takes control, 下载离线包. Offline (`context.set_offline`): the
registration page is reloaded from the worker, two visits and a correction are recorded into the
outbox ("同步（3 条待上传）"). Meanwhile the town office corrects the same household on the server
(through the write service). Online again — no `sync` event fires, the page's 同步 button flushes:
one item applied, one 并行修改, one 冲突 in the police review queue, nothing lost, each UUID applied
once, nothing overwritten."""
import re

import pytest
from sqlalchemy import func, select

from geoalchemy2.functions import ST_PointOnSurface, ST_X, ST_Y

from tests.browser.test_map import _open_building
from webgis.buildings.models import Building, Household
from webgis.geo.models import Grid, Village
from webgis.offline.models import OfflineSubmission
from webgis.people.models import Residence
from webgis.visits.models import Visit

pytestmark = pytest.mark.browser

PASSWORD = "Huilong#2026"
LEADER = "leader_offline"
OFFICE = "office_offline"
SERVER_REMARKS = "办公室：房东已更换（电话核实）"
PHONE_REMARKS = "手机：租户说下月搬走"


def _story(app) -> dict:
    """Two unvisited, lived-in households of one 东郊村 grid, its grid leader and a town-office user
    (made here, committed: the live server must see them)."""
    from sqlalchemy.orm import Session

    from webgis.auth.models import User
    from webgis.auth.services import set_password
    from webgis.database import owner_engine

    with app.app_context(), Session(owner_engine()) as session:
        lived = select(Residence.household_id).where(Residence.end_date.is_(None)).distinct().subquery()
        rows = session.execute(
            select(Household.id, Household.grid_id, Household.town_id)
            .join(lived, lived.c.household_id == Household.id)
            .join(Grid, Grid.id == Household.grid_id).join(Village, Village.id == Grid.village_id)
            .where(Village.name == "东郊村", Household.status == "active", Household.last_visit_at.is_(None))
            .order_by(Household.grid_id.desc(), Household.id.desc()).limit(40)).all()
        grid_id = rows[0][1]
        ids = [r[0] for r in rows if r[1] == grid_id][:2]
        assert len(ids) == 2
        shape = func.coalesce(Building.geom, Building.geom_pt)
        building = session.execute(
            select(Building.id, ST_X(ST_PointOnSurface(shape)), ST_Y(ST_PointOnSurface(shape)))
            .join(Household, Household.building_id == Building.id).where(Household.id == ids[0])).one()
        users = {}
        for username, role, name in ((LEADER, "grid_leader", "郑网格"), (OFFICE, "town_admin", "镇网格办")):
            u = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if u is None:
                u = User(town_id=rows[0][2], username=username, display_name=name, role=role)
                session.add(u)
            set_password(u, PASSWORD)
            users[username] = u
        grid = session.get(Grid, grid_id)
        if grid not in users[LEADER].grids:
            users[LEADER].grids.append(grid)
        session.commit()
    return {"grid_id": grid_id, "a": ids[0], "h": ids[1],
            "building": {"id": building[0], "lon": building[1], "lat": building[2]}}


def _login(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def _record(page, base_url: str, household_id: int, remarks: str | None = None, go: bool = True) -> None:
    """Open the household's form (offline: from the worker and the package) and save 核对无误."""
    if go:
        page.goto(f"{base_url}/households/{household_id}/register")
    page.wait_for_selector("#gc-reg-form:not([hidden]) .member")
    assert "离线包" in page.locator("#gc-reg-alert").text_content()  # the form says where its data is from
    if remarks is not None:
        page.locator('.field[data-key="remarks"] textarea').fill(remarks)
    page.get_by_role("radio", name="核对无误").check(force=True)
    page.locator('.field[data-key="awareness"]').get_by_text("是", exact=True).click()
    page.locator('.field[data-key="satisfaction"]').get_by_text("是", exact=True).click()
    page.click("#gc-reg-save")
    page.wait_for_selector("#gc-reg-done:not([hidden])")
    assert "已保存在本机，待上传" in page.locator("#gc-reg-done").text_content()


def _server_correction(app, live_server: str, household_id: int) -> None:
    """The town office corrects the household's remarks on the server, through the write service."""
    import uuid

    from tests.conftest import login
    from tests.conftest import csrf_token

    client = app.test_client()
    assert login(client, OFFICE, PASSWORD).status_code == 302
    form = client.get(f"/api/households/{household_id}/form").get_json()
    members = [{k: m[k] for k in ("person_id", "version", "name", "gender", "ethnicity", "relation", "category",
                                  "occupation", "employer", "marital", "hukou_consistent", "registered_address")}
               for m in form["members"]]
    body = {"client_uuid": str(uuid.uuid4()), "household": {**form["household"], "remarks": SERVER_REMARKS},
            "members": members, "visit": {"result": "changed", "awareness": True, "satisfaction": True}}
    resp = client.post(f"/api/households/{household_id}/registration", json=body,
                       headers={"X-CSRFToken": csrf_token(client, "/")})
    assert resp.status_code == 201, resp.get_data(as_text=True)


def test_offline_visits_sync_applied_parallel_conflict(app, live_server, chromium, artifacts):
    s = _story(app)
    ctx = chromium.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", device_scale_factor=2,
                               is_mobile=True, has_touch=True)
    page = ctx.new_page()
    outside: list[str] = []
    errors: list[str] = []
    ctx.on("request", lambda r: r.url.startswith(live_server) or r.url.startswith(("data:", "blob:"))
           or outside.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Offline, the requests the pages try anyway fail (the form API, the labels, tiles beyond the
    # package): "Failed to load resource" is the point. Any other console error is a defect.
    page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
            and errors.append(f"console: {m.text}"))

    # --- online: the worker takes control, the grid is taken along ----------------------------
    _login(page, live_server, LEADER)
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
                           timeout=30_000)
    page.wait_for_selector("#gc-offline:not([hidden]) #gc-offline-sync")
    page.locator("#gc-offline .offline__more").click()
    page.select_option("#gc-offline .offline__grid", str(s["grid_id"]))
    with page.expect_response(lambda r: f"/api/offline/grids/{s['grid_id']}/package" in r.url) as pkg:
        page.click("#gc-offline-download")
    assert pkg.value.status == 200
    page.wait_for_function("() => /离线包已下载/.test(document.getElementById('gc-offline-msg').textContent)",
                           timeout=180_000)
    assert page.locator("#gc-offline-age").text_content() == "离线包：不到 1 小时前"
    page.screenshot(path=str(artifacts / "offline_map_375x812.png"))
    page.goto(f"{live_server}/households/{s['a']}/register")  # the form page is now in the worker's cache
    page.wait_for_selector("#gc-reg-form:not([hidden]) .member")

    # --- no signal: the page comes from the worker, the work goes to the outbox --------------------
    ctx.set_offline(True)
    page.reload()
    page.wait_for_selector("#gc-reg-form:not([hidden]) .member")
    assert page.evaluate("() => navigator.serviceWorker.controller !== null && !navigator.onLine")
    # The map comes from the worker too: its tiles and the building panel from the package.
    page.goto(f"{live_server}/")
    page.wait_for_selector(".leaflet-gc-grids-pane canvas.leaflet-tile-loaded", state="attached")
    _open_building(page, s["building"])
    page.screenshot(path=str(artifacts / "offline_panel_375x812.png"))
    page.locator(f'#gc-panel a.household__register[href$="/households/{s["a"]}/register"]').click()
    _record(page, live_server, s["a"], go=False)                  # visit 1, from the map
    _record(page, live_server, s["h"])                            # visit 2 (a page never opened online)
    _record(page, live_server, s["h"], remarks=PHONE_REMARKS)     # the correction
    sync = page.locator("#gc-offline-sync")
    sync.filter(has_text="同步（3 条待上传）").wait_for()
    assert page.locator("#gc-offline-net").text_content() == "离线"
    page.screenshot(path=str(artifacts / "offline_outbox_375x812.png"), full_page=True)
    uuids = page.evaluate("""async () => {
        const req = indexedDB.open("gridcheck");
        const db = await new Promise((ok) => { req.onsuccess = () => ok(req.result); });
        const all = await new Promise((ok) => {
          const r = db.transaction("outbox").objectStore("outbox").getAll(); r.onsuccess = () => ok(r.result); });
        return all.sort((a, b) => a.seq - b.seq).map((i) => [i.seq, i.client_uuid, Object.keys(i.body.diff)]);
    }""")
    assert [len(u[2]) for u in uuids] == [0, 0, 1] and uuids[2][2] == ["household.remarks"]
    seqs = [u[0] for u in uuids]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3

    # --- meanwhile, on the server ------------------------------------------------------------------
    _server_correction(app, live_server, s["h"])

    # The button works offline too: nothing can be sent, nothing leaves the outbox.
    page.click("#gc-offline-sync")
    page.wait_for_function("() => /无网络/.test(document.getElementById('gc-offline-msg').textContent)")
    sync.filter(has_text="同步（3 条待上传）").wait_for()

    # --- back online: the page flushes by itself (going online fires no `sync` event, the page's
    # `online` handler sends the outbox, in order) ---------------------------------------------------
    with page.expect_response(lambda r: r.url.endswith("/api/offline/sync")) as first:
        ctx.set_offline(False)
    assert first.value.status == 201
    sync.filter(has_text="同步（0 条待上传）").wait_for(timeout=30_000)
    page.locator("#gc-offline-results [data-status=conflict]").wait_for()
    statuses = page.locator("#gc-offline-results .offline__tag").all_text_contents()
    assert sorted(statuses) == sorted(["已同步", "并行修改", "冲突"])
    page.locator("#gc-offline-detail").screenshot(path=str(artifacts / "offline_synced_375x812.png"))
    ctx.close()

    # --- what the server made of it --------------------------------------------------------------------
    from sqlalchemy.orm import Session

    from webgis.database import owner_engine

    ids = [u[1] for u in uuids]
    with app.app_context(), Session(owner_engine()) as session:
        subs = session.execute(select(OfflineSubmission).where(OfflineSubmission.client_uuid.in_(ids))
                               .order_by(OfflineSubmission.device_seq)).scalars().all()
        assert [(str(x.client_uuid), x.status) for x in subs] == list(zip(ids, ["applied", "parallel", "conflict"]))
        assert subs[2].conflicts["household.remarks"]["server"] == SERVER_REMARKS
        assert subs[2].conflicts["household.remarks"]["device"] == PHONE_REMARKS
        visits = dict(session.execute(select(Visit.client_uuid, func.count()).where(Visit.client_uuid.in_(ids))
                                      .group_by(Visit.client_uuid)).all())
        assert {str(k): v for k, v in visits.items()} == {ids[0]: 1, ids[1]: 1}  # the conflict awaits review
        assert session.get(Household, s["h"]).remarks == SERVER_REMARKS  # nothing overwritten

    # --- the conflict is in the police review queue --------------------------------------------------
    police = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = police.new_page()
    _login(page, live_server, "police")
    queue = page.request.get(f"{live_server}/api/police/queue?kind=sync").json()
    mine = [i for i in queue["items"] if i["client_uuid"] in ids]
    assert sorted(i["status"] for i in mine) == ["conflict", "parallel"]
    conflict = next(i for i in mine if i["status"] == "conflict")
    assert conflict["household_id"] == s["h"] and conflict["status_label"] == "冲突"
    # ... and on the page: both values side by side, decided there (the platform's value kept).
    page.goto(f"{live_server}/police")
    page.click("#gc-tab-sync")
    item = page.locator(f'.q-sync--conflict[data-submission-id="{conflict["submission_id"]}"]')
    item.wait_for()
    assert PHONE_REMARKS in item.locator(".q-sync__device").text_content()
    assert SERVER_REMARKS in item.locator(".q-sync__server").text_content()
    page.screenshot(path=str(artifacts / "offline_review_1280.png"), full_page=True)
    with page.expect_response(lambda r: "/api/police/sync/" in r.url) as decided:
        item.get_by_role("button", name="保留平台现值").click()
    assert decided.value.status == 200, decided.value.text()
    item.locator(".q-item__msg.is-ok").wait_for()
    police.close()
    with app.app_context(), Session(owner_engine()) as session:
        assert session.execute(select(func.count()).select_from(Visit).where(Visit.client_uuid == ids[2])).scalar() == 1
        assert session.get(Household, s["h"]).remarks == SERVER_REMARKS
    # The offline bar on a desk screen (1280 px): the map keeps its controls.
    desk = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = desk.new_page()
    _login(page, live_server, LEADER)
    page.wait_for_selector("#gc-offline:not([hidden]) #gc-offline-sync")
    page.wait_for_selector(".leaflet-gc-grids-pane canvas.leaflet-tile-loaded", state="attached")
    page.locator("#gc-offline .offline__more").click()
    page.screenshot(path=str(artifacts / "offline_map_1280.png"))
    desk.close()
    assert outside == [], f"requests left the app: {outside}"
    assert errors == [], errors
