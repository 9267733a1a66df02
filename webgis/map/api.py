"""Layer endpoints: vector tiles and label points for the current view.

Tiles are normally answered in one database call by webgis/map/tileserver.py, in front of
Flask; the route below serves them only when that path is not installed."""
from flask import Blueprint, Response, request
from flask_login import login_required

from webgis.api import ApiError
from webgis.map import layers
from webgis.map.revalidate import conditional_json

bp = Blueprint("layers", __name__)


@bp.route("/tiles/<layer>/<int:z>/<int:x>/<int:y>.pbf")
@login_required
def tile(layer: str, z: int, x: int, y: int):
    """One Mapbox vector tile of a map layer."""
    try:
        data = layers.tile(layer, z, x, y)
    except layers.LayerParamError as exc:
        raise ApiError(400, str(exc), "bad_tile") from None
    resp = Response(data, mimetype="application/vnd.mapbox-vector-tile")
    # Tiles carry no personal data but change with every visit: cache privately, revalidate.
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp


@bp.route("/api/layers/labels")
@login_required
def labels():
    """Village and grid label points inside the bbox."""
    try:
        bbox = layers.parse_bbox(request.args.get("bbox"), 1.0)
        z = int(request.args.get("z", "13"))
    except ValueError as exc:
        raise ApiError(400, str(exc) if isinstance(exc, layers.LayerParamError) else "z 应为整数",
                       "bad_bbox") from None
    return conditional_json(f"labels/{z}/{','.join(map(str, bbox))}", bbox, lambda: layers.labels(bbox, z))
