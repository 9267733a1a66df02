"""Crawler: log in as each demo role, fetch every page and API the role can reach on the
small demo, and assert that no response carries a full ID number or phone of anyone —
except the one person that role revealed, in the reveal's own answer."""
import json
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import text

from tests.conftest import csrf_token, login

DEMO_USERS = {"town": "town_admin", "village": "village_admin", "leader": "grid_leader", "liaison": "liaison",
              "police": "police", "station": "station_admin", "inspector": "inspector", "property": "property"}
PASSWORD = "Huilong#2026"
HREF = re.compile(r"""href=["']([^"'#]+)["']""")
CANDIDATE = re.compile(rb"(?<![0-9])(?:[0-9]{17}[0-9Xx]|1[3-9][0-9]{9})(?![0-9])")
SKIP = ("/static/", "/logout")
MAX_PAGES = 60


@pytest.fixture(scope="module")
def secrets(app, demo):
    """Every person's full ID number and phone in the demo (read as the owner)."""
    from webgis.database import owner_engine

    with app.app_context(), owner_engine().connect() as conn:
        rows = conn.execute(text("SELECT id_number, phone FROM person")).all()
        buildings = conn.execute(text("SELECT id FROM building ORDER BY id")).scalars().all()
        bbox = conn.execute(text("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                                 "(SELECT ST_Extent(geom) e FROM grid) s")).one()
    values = {v.encode() for r in rows for v in r if v}
    return {"values": values, "buildings": buildings[::5], "bbox": ",".join(f"{v:.5f}" for v in bbox)}


def leaks(body: bytes, secrets: set, allowed: set) -> set:
    return {m for m in CANDIDATE.findall(body) if m.upper() in secrets or m in secrets} - allowed


def crawl_pages(client) -> dict:
    """Breadth-first over same-site links from the map page; GET only."""
    seen, queue, bodies = set(), deque(["/"]), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or path.startswith(SKIP):
            continue
        seen.add(path)
        resp = client.get(path)
        bodies[path] = (resp.status_code, resp.data)
        if resp.status_code == 200 and resp.mimetype == "text/html":
            for href in HREF.findall(resp.get_data(as_text=True)):
                url = urlsplit(urljoin("http://localhost" + path, href))
                if url.netloc in ("", "localhost") and not url.path.startswith(SKIP):
                    queue.append(url.path + (f"?{url.query}" if url.query else ""))
    return bodies


@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_no_full_identifiers_reach_any_role(client, secrets, username):
    role = DEMO_USERS[username]
    assert login(client, username, PASSWORD).status_code == 302
    bodies = crawl_pages(client)
    assert bodies["/"][0] == 200
    # The data APIs the map calls, over the whole town: in-scope answers 200, the rest 404.
    statuses = {}
    for bid in secrets["buildings"]:
        resp = client.get(f"/api/buildings/{bid}")
        statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        bodies[f"/api/buildings/{bid}"] = (resp.status_code, resp.data)
    for url in (f"/api/layers/labels?bbox={secrets['bbox']}&z=14", "/tiles/grids/12/3432/1655.pbf",
                "/tiles/grids/13/6864/3310.pbf"):
        resp = client.get(url)
        bodies[url] = (resp.status_code, resp.data)
    assert statuses.get(200, 0) >= 1, f"{username} sees no building at all"
    if role in ("grid_leader", "liaison", "property", "village_admin", "inspector"):
        assert statuses.get(404, 0) >= 1, f"{username} sees every building"
    allowed = set()
    if role in ("town_admin", "village_admin", "grid_leader", "police", "station_admin"):
        # Reveal one visible person: that answer (and only it) holds their full values.
        person = next(r["id"] for p, (s, b) in bodies.items() if p.startswith("/api/buildings/") and s == 200
                      for h in json.loads(b)["households"] for r in h["residents"])
        resp = client.post(f"/api/persons/{person}/reveal", json={"reason": "抽查核对身份"},
                           headers={"X-CSRFToken": csrf_token(client, "/")})
        assert resp.status_code == 200
        allowed = {resp.get_json()["id_number"].encode(), (resp.get_json()["phone"] or "").encode()}
        assert leaks(resp.data, secrets["values"], set()) <= allowed
    for path, (status, body) in bodies.items():
        assert not leaks(body, secrets["values"], set()), f"{username}: full identifiers in {path}"
