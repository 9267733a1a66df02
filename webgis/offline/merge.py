"""The merge rules of an offline submission (ODK's "parallel update" / "conflict", stricter).

Pure functions, no database: `services.py` gathers the versions and the fields changed on the
server since the phone's copy (from `change_history`), these rules decide.

- every base version equals the current one → applied;
- a version differs, but no field the phone changed was changed on the server since the phone's
  copy → applied, and flagged 并行修改 (parallel) when someone else changed other fields;
- a field the phone changed was also changed on the server → 冲突 (conflict): nothing is
  overwritten, both values are kept and the item goes to review.
"""
from dataclasses import dataclass, field

APPLIED, PARALLEL, CONFLICT = "applied", "parallel", "conflict"


@dataclass(frozen=True)
class Decision:
    status: str
    overlap: frozenset = field(default_factory=frozenset)


def decide(base_versions: dict, current_versions: dict, item_fields, changed_since_base) -> Decision:
    """Apply the merge rules to one item.

    `base_versions` / `current_versions`: {"household": 3, "person:12": 1}; `item_fields`: the
    diff keys of the item ("household.remarks"); `changed_since_base`: the same kind of keys,
    changed on the server since the phone's copy by anyone but this device.
    """
    item_fields, changed = frozenset(item_fields), frozenset(changed_since_base)
    overlap = item_fields & changed
    if overlap:
        return Decision(CONFLICT, overlap)
    if all(current_versions.get(key) == version for key, version in base_versions.items()):
        return Decision(APPLIED)
    return Decision(PARALLEL if changed else APPLIED)


def same_value(a, b) -> bool:
    """Compare a stored value with a phone's copy of it ("" and None are both no value)."""
    a = None if a == "" else a
    b = None if b == "" else b
    return a == b
