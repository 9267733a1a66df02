"""Opening a grid from the 目标 table's map link (issue 14 point 9), in headless chromium.

Serves the app (gunicorn, the town demo of the local cluster) on a free port, logs in as
each role given (default: police, liaison), opens /targets, opens the first grid row's 地图
link and prints the seconds until the grid panel shows the grid's name (by the page's own
clock, from the navigation's start: a MutationObserver on the panel title) and until the
network is idle, plus the slowest requests of that navigation. The link is followed once the
目标 page itself is idle (a user reads the table first); `--hurry` follows it at once, while
the 目标 page's own requests are still being answered.

    .venv/bin/python bench/grid_link.py [--hurry] [username ...]
"""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PANEL_CLOCK = """
  document.addEventListener('DOMContentLoaded', () => {
    const t = document.querySelector('#gc-panel-title');
    if (!t) return;
    new MutationObserver(() => {
      if (!window.__panelShown && t.textContent && !/正在加载/.test(t.textContent)) window.__panelShown = performance.now();
    }).observe(t, {childList: true, characterData: true, subtree: true});
  });
"""


def main(users: list[str], hurry: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    from webgis.demo.users import DEMO_PASSWORD

    port = free_port()
    env = dict(os.environ, CAMPAIGN_TODAY=os.environ.get("CAMPAIGN_TODAY", "2026-10-23"))
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "3",
                               "--worker-class", "gthread", "--threads", "1", "webgis:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-background-networking"])
            for user in users:
                page = browser.new_page(viewport={"width": 1366, "height": 800})
                page.add_init_script(PANEL_CLOCK)
                page.goto(base + "/login")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(base + "/")
                page.goto(base + "/targets")
                link = page.locator(".tt__map a[href*=\"grid=\"]").first
                link.wait_for(state="attached")  # grid rows sit folded under their village
                href = link.get_attribute("href")
                if not hurry:
                    page.wait_for_load_state("networkidle")
                timings = []
                page.on("requestfinished", lambda r: timings.append(
                    (r.timing["responseEnd"], r.url.replace(base, ""))))
                for run in range(2):  # a cold and a warm opening
                    timings.clear()
                    t0 = time.perf_counter()
                    page.goto(base + href)  # what clicking the (unfolded) link does
                    page.wait_for_function(
                        "() => { const t = document.querySelector('#gc-panel-title');"
                        " return t && t.textContent && !/正在加载/.test(t.textContent); }", timeout=60000)
                    shown = page.evaluate("window.__panelShown") / 1000
                    page.wait_for_load_state("networkidle")
                    idle = time.perf_counter() - t0  # (networkidle: 500 ms without requests, included)
                    tiles = page.evaluate("performance.getEntriesByType('resource')"
                                          ".filter(e => e.name.includes('/tiles/'))"
                                          ".reduce((a, e) => [Math.min(a[0], e.startTime), Math.max(a[1], e.responseEnd)],"
                                          " [1e9, 0])")
                    slow = sorted(timings, reverse=True)[:3]
                    print(f"{user} {'warm' if run else 'cold'} {href}: panel {shown:.2f} s, tiles {tiles[0] / 1000:.2f}–"
                          f"{tiles[1] / 1000:.2f} s, network idle {idle:.2f} s, {len(timings)} requests; slowest: "
                          + ", ".join(f"{u} {ms:.0f} ms" for ms, u in slow))
                    if run == 0:
                        page.goto(base + "/targets")
                        link = page.locator(".tt__map a[href*=\"grid=\"]").first
                        link.wait_for(state="attached")  # grid rows sit folded under their village
                        if not hurry:
                            page.wait_for_load_state("networkidle")
                page.close()
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    args = sys.argv[1:]
    hurry = "--hurry" in args
    main([a for a in args if a != "--hurry"] or ["police", "liaison", "town"], hurry)
