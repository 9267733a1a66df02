from flask import Blueprint
bp = Blueprint("buildings", __name__)
