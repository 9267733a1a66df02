"""The offline app shell as built (docs/offline.md): the committed static/sw.js precaches exactly the
current files (a stale build would keep serving yesterday's scripts to the phones), the service
worker is served at the root, the pages load the ES modules and nothing from outside."""
import hashlib
import json
import re
from pathlib import Path

from tests.conftest import login

STATIC = Path(__file__).resolve().parent.parent / "static"


def _manifest() -> list[dict]:
    text = (STATIC / "sw.js").read_text(encoding="utf-8")
    m = re.search(r"precacheAndRoute\((\[.*?\])\)", text, re.S)
    assert m, "static/sw.js has no precache manifest: run `npm run build`"
    return json.loads(m.group(1))


def test_built_worker_matches_the_files_it_precaches():
    entries = _manifest()
    assert entries
    for e in entries:
        path = STATIC / e["url"].removeprefix("/static/")
        assert path.exists(), f"{e['url']} is precached but missing"
        assert hashlib.md5(path.read_bytes()).hexdigest() == e["revision"], \
            f"{e['url']} changed since static/sw.js was built: run `npm run build`"
    urls = {e["url"] for e in entries}
    scripts = {f"/static/js/{p.name}" for p in (STATIC / "js").glob("*.js")}
    assert scripts <= urls, scripts - urls  # every page script is in the shell
    assert "/static/vendor/dexie/dexie.mjs" in urls
    assert (STATIC / "vendor" / "workbox" / "workbox-sw.js").exists()
    source = (STATIC / "sw.js").read_text(encoding="utf-8")
    assert "http://" not in source and "https://" not in source and "googleapis" not in source


def test_service_worker_served_at_the_root(client):
    resp = client.get("/sw.js")
    assert resp.status_code == 200 and resp.mimetype == "text/javascript"
    assert resp.headers["Service-Worker-Allowed"] == "/" and resp.headers["Cache-Control"] == "no-cache"


def test_pages_load_modules_with_no_inline_script(client, small_town, make):
    g1 = small_town["grids"][0]
    make.user(small_town["town"], role="grid_leader", username="leader1", grids=[g1])
    login(client, "leader1")
    h1 = small_town["households"][0]
    html = client.get(f"/households/{h1.id}/register").get_data(as_text=True)
    assert '<script type="module" src="/static/js/register.js">' in html and "<script>" not in html
    assert 'id="gc-offline"' in html
    page = client.get("/").get_data(as_text=True)
    assert '<script type="module" src="/static/js/offline-page.js">' in page
    session = client.get("/api/offline/session").get_json()
    assert session["offline"] and [g["id"] for g in session["grids"]] == [g1.id] and session["csrf_token"]
