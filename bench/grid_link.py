"""Opening a grid from the 目标 table's map link (issue 14 point 9), in headless chromium.

Serves the app (gunicorn, the town demo of the local cluster) on a free port, logs in as
each role given (default: police, liaison), opens /targets, opens the first grid row's 地图
link and prints the seconds until the grid panel shows the grid's name and until the
network is idle, plus the slowest requests of that navigation.

    .venv/bin/python bench/grid_link.py [username ...]
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


def main(users: list[str]) -> None:
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
                page.goto(base + "/login")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(base + "/")
                page.goto(base + "/targets")
                link = page.locator(".tt__map a[href*=\"grid=\"]").first
                link.wait_for(state="attached")  # grid rows sit folded under their village
                href = link.get_attribute("href")
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
                    shown = time.perf_counter() - t0
                    page.wait_for_load_state("networkidle")
                    idle = time.perf_counter() - t0
                    slow = sorted(timings, reverse=True)[:4]
                    print(f"{user} {'warm' if run else 'cold'} {href}: panel {shown:.2f} s, network idle {idle:.2f} s, "
                          f"{len(timings)} requests; slowest: " + ", ".join(f"{u} {ms:.0f} ms" for ms, u in slow))
                    if run == 0:
                        page.goto(base + "/targets")
                        link = page.locator(".tt__map a[href*=\"grid=\"]").first
                        link.wait_for(state="attached")  # grid rows sit folded under their village
                page.close()
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main(sys.argv[1:] or ["police", "liaison"])
