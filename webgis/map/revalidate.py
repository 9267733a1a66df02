"""Conditional, compressed JSON for view-sized layers (heat layers, labels).

The ETag of a view is gc_view_etag (webgis/sql/0011_tile_server.sql): a hash of the request's
key, the scope of the current transaction and the change counters of the grids meeting the
box. A current `If-None-Match` is answered 304 before the layer is built; a body worth it is
gzip'd when the client accepts it.
"""
import gzip
import json

from flask import Response, request
from geoalchemy2.functions import ST_MakeEnvelope, ST_Transform
from sqlalchemy import func, select

from webgis.extensions import db

GZIP_MIN_BYTES = 1024


def view_etag(key: str, bbox: tuple[float, float, float, float]) -> str:
    """The ETag of the view `key` over `bbox` (lon/lat) for the current scope."""
    env = ST_Transform(ST_MakeEnvelope(*bbox, 4326), 3857)
    return db.session.execute(select(func.gc_view_etag(key, env))).scalar()


def conditional_json(key: str, bbox: tuple[float, float, float, float], build) -> Response:
    """304 if the client's copy of the view is current, else `build()` as (gzip'd) JSON."""
    etag = view_etag(key, bbox)
    gz_ok = "gzip" in request.headers.get("Accept-Encoding", "")
    tags = {etag, etag[:-1] + '-gz"'}
    matched = [t for t in request.if_none_match.as_set() if f'"{t}"' in tags]
    if matched:
        resp = Response(status=304)
        resp.headers["ETag"] = f'"{matched[0]}"'
    else:
        body = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        resp = Response(mimetype="application/json")
        if gz_ok and len(body) >= GZIP_MIN_BYTES:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            resp.headers["Content-Encoding"] = "gzip"
            etag = etag[:-1] + '-gz"'
        resp.set_data(body)
        resp.headers["ETag"] = etag
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.headers["Vary"] = "Cookie, Accept-Encoding"
    return resp
