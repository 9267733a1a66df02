"""数据质量 page."""
from flask import Blueprint, render_template

from webgis.auth.guards import roles_required
from webgis.extensions import db
from webgis.permissions import QUALITY_ROLES
from webgis.quality import queries

bp = Blueprint("quality", __name__, url_prefix="/quality")


@bp.route("/")
@roles_required(*QUALITY_ROLES)
def index():
    """The checks with counts per grid and links to fix each record."""
    return render_template("quality/index.html", checks=queries.run(db.session))
