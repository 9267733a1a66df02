"""Field-level rules for personal data: who may receive ID numbers and phones, masked.

Masking happens here, on the server: the full values never leave it unless a
later, audited reveal asks for them.
"""
from webgis.people.idcard import mask_id_number, mask_phone

# Liaisons and property companies never receive ID numbers or phones, not even masked.
NO_IDENTIFIERS = frozenset({"liaison", "property"})
# Who may reveal one person's full values, with a stated reason (each reveal is audited).
MAY_REVEAL = frozenset({"town_admin", "village_admin", "grid_leader", "police", "station_admin"})


def may_reveal(role: str) -> bool:
    """Return True if the role may reveal a person's full ID number and phone."""
    return role in MAY_REVEAL


def may_receive_identifiers(role: str) -> bool:
    """Return True if the role may receive (masked) ID numbers and phones."""
    return role not in NO_IDENTIFIERS


def identifiers(role: str, id_number: str | None, phone: str | None) -> dict:
    """Return the identifier fields a role may receive, masked."""
    if not may_receive_identifiers(role):
        return {}
    return {"id_number": mask_id_number(id_number), "phone": mask_phone(phone)}
