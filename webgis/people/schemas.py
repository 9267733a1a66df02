"""Input schemas of person edits outside a visit: moving a person between rooms."""
import uuid

from webgis.schemas import RowId, Schema, Version, code


class MovePersonInput(Schema):
    """迁移住户: the person (as loaded) moves to another room of the user's grids."""

    client_uuid: uuid.UUID
    version: Version
    to_household_id: RowId
    relation: code("relation")
