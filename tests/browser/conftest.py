"""Browser-test fixtures: the app served from a background thread on the test database
(with the small demo loaded), and a Playwright chromium that may talk to nothing else."""
import os
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
DEMO_ARGS = ["demo", "--scale", "small", "--seed", "2019", "--if-empty"]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: end-to-end test in a real browser (Playwright + chromium)")


def _load_demo(app) -> None:
    """Load the small demo town (committed: the server thread must see it) unless it is there."""
    result = app.test_cli_runner().invoke(args=DEMO_ARGS)
    assert result.exit_code == 0, f"demo load failed:\n{result.output}"


@pytest.fixture(scope="module")
def live_server(app):
    """Serve the app on 127.0.0.1:<free port> in a daemon thread; yield its base URL."""
    from werkzeug.serving import make_server

    _load_demo(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        # Stop before other modules run: their fixtures swap db.session for a test connection.
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian chromium driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM}")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture()
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
