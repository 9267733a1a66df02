"""Database roles: the owner engine for migrations and bulk loads.

The web app's own engine (`db.engine`) connects as the application role; work
that must see or write every row regardless of user scope — migrations, the
demo loader, operator imports — uses the owner role's engine from here.
"""
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from webgis.extensions import db


def owner_engine() -> Engine:
    """Return (and cache on the app) an engine for OWNER_DATABASE_URI, else the app engine."""
    url = current_app.config.get("OWNER_DATABASE_URI")
    if not url or url == current_app.config.get("SQLALCHEMY_DATABASE_URI"):
        return db.engine
    engine = current_app.extensions.get("gc_owner_engine")
    if engine is None:
        engine = create_engine(url, pool_pre_ping=True)
        current_app.extensions["gc_owner_engine"] = engine
    return engine
