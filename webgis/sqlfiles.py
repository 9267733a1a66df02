"""Read the versioned SQL files under webgis/sql/ (applied by Alembic revisions).

A revision applies SQL frozen for it: `webgis/sql/<revision number>_<name>.sql`, never a
shared file edited later (see README "Migrations"). A later change is a new versioned file
with CREATE OR REPLACE, applied by a new revision.
"""
import re
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"
VERSIONED = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")


def read(name: str) -> str:
    """Return the text of webgis/sql/<name>; only versioned names (0006_tiles.sql) are accepted."""
    if not VERSIONED.match(name):
        raise ValueError(f"{name!r}: a revision applies a versioned SQL file (NNNN_name.sql)")
    return (SQL_DIR / name).read_text(encoding="utf-8")
