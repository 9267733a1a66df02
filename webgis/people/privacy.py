"""Field-level rules for personal data: who may receive ID numbers and phones, masked.

Masking happens here, on the server: the full values never leave it unless a
later, audited reveal asks for them.
"""
from webgis.people.idcard import mask_id_number, mask_phone

from webgis.permissions import NO_IDENTIFIER_ROLES, REVEAL_ROLES


def may_reveal(role: str) -> bool:
    """Return True if the role may reveal a person's full ID number and phone."""
    return role in REVEAL_ROLES


def may_receive_identifiers(role: str) -> bool:
    """Return True if the role may receive (masked) ID numbers and phones."""
    return role not in NO_IDENTIFIER_ROLES


def identifiers(role: str, id_number: str | None, phone: str | None) -> dict:
    """Return the identifier fields a role may receive, masked."""
    if not may_receive_identifiers(role):
        return {}
    return {"id_number": mask_id_number(id_number), "phone": mask_phone(phone)}
