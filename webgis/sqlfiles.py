"""Read the named SQL files under webgis/sql/ (applied by Alembic revisions)."""
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


def read(name: str) -> str:
    """Return the text of webgis/sql/<name>."""
    return (SQL_DIR / name).read_text(encoding="utf-8")
