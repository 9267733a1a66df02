from flask import Blueprint
bp = Blueprint("map", __name__)
@bp.route("/")
def index():
    return "map"
