"""Set-up behaviour: a missing or unreachable database gives one clear message naming the variable."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(url: str, variable: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "webgis.devdb", "check", url, variable],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)


def test_unreachable_database_names_the_variable():
    r = run_check("postgresql://nobody@127.0.0.1:1/nothing", "DATABASE_URL")
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_URL" in lines[0] and "cannot reach" in lines[0]


def test_missing_database_names_the_variable():
    r = run_check("", "TEST_DATABASE_URL")
    assert r.returncode != 0 and "TEST_DATABASE_URL" in r.stderr


def test_reachable_database_passes(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert run_check(url, "TEST_DATABASE_URL").returncode == 0


def test_app_without_database_url_explains(monkeypatch):
    import pytest

    from webgis import create_app

    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": None})
