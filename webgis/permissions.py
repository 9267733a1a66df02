"""Who may do what: every role set of GridCheck, written down once (design.md §2).

Guards (`roles_required`), the scope resolver, templates (through `chrome_context`),
field masking and the SQL set-up (key-attention policy, see `KEY_ATTENTION_ROLES`) all
read these names; no other module spells out a set of roles.
"""
from webgis.codes.data import CODE_LISTS

# Every role, in the order of the role code list (镇网格办 … 物业公司).
ROLES: dict[str, str] = dict(CODE_LISTS["role"]["items"])

# How a role's territory is assigned (the user admin page asks for it).
SCOPE_BY_ROLE = {
    "town_admin": "town", "village_admin": "village",
    "grid_leader": "grids", "liaison": "grids", "property": "grids",
    "police": "station", "station_admin": "station",
    "inspector": "area",
}

# --- territory ---------------------------------------------------------------------------
# Sees every grid of the town.
ALL_GRID_ROLES = frozenset({"town_admin"})
# Sees the grids of the villages of the user's police station.
STATION_ROLES = frozenset({"police", "station_admin"})
# Sees the grids of the user's village.
VILLAGE_ROLES = frozenset({"village_admin"})
# Sees the grids inside the assigned area (plus any assigned grids).
AREA_ROLES = frozenset({"inspector"})
# Sees the assigned grids only.
GRID_ROLES = frozenset({"grid_leader", "liaison", "property"})

# --- personal data -----------------------------------------------------------------------
# Key-attention records (重点关注) reach police, station and town admin only. The SQL policy
# `gc_sees_key_attention()` holds the same set (webgis/sql/0004_rls.sql); a test compares them.
KEY_ATTENTION_ROLES = frozenset({"police", "station_admin", "town_admin"})
# Liaisons and property companies never receive ID numbers or phones, not even masked.
NO_IDENTIFIER_ROLES = frozenset({"liaison", "property"})
# Who may reveal one person's full values, with a stated reason (each reveal is audited).
REVEAL_ROLES = frozenset({"town_admin", "village_admin", "grid_leader", "police", "station_admin"})
# Roles whose accounts may (and are asked to) enrol a second factor.
TOTP_ROLES = frozenset({"town_admin", "police", "station_admin"})

# --- coverage ----------------------------------------------------------------------------
# The targets page and the coverage layers: every role but the property company (which
# uploads owner lists and nothing else).
TARGET_VIEW_ROLES = frozenset({"town_admin", "village_admin", "grid_leader", "liaison", "police",
                               "station_admin", "inspector"})
# Lists of records leave the platform only with the roles that organise the work.
EXPORT_ROLES = frozenset({"town_admin", "village_admin", "grid_leader", "police", "station_admin",
                          "inspector"})

# --- the door-to-door campaign (writes) --------------------------------------------------
# Record a visit with the registration form (附件2), correct households and residents.
REGISTER_ROLES = frozenset({"grid_leader", "village_admin", "town_admin"})
# Sign or return visited households within 7 days; collect doors that did not open themselves.
VERIFY_ROLES = frozenset({"police", "station_admin"})
# Work without signal: take a grid's offline package along and sync the phone's outbox.
OFFLINE_ROLES = REGISTER_ROLES | VERIFY_ROLES
# Decide a 冲突 of an offline submission (the police queue, and the village office).
SYNC_REVIEW_ROLES = VERIFY_ROLES | frozenset({"village_admin"})
# Register buildings and rooms on the map, mark demolished, move persons between rooms.
MAP_EDIT_ROLES = frozenset({"grid_leader", "village_admin", "town_admin"})
# Read a record's change history (shown masked like the record itself).
HISTORY_ROLES = frozenset({"grid_leader", "village_admin", "town_admin", "police", "station_admin",
                           "inspector"})
# Print or download the pre-filled verification sheet (住户基础信息核对表) of a grid.
SHEET_ROLES = frozenset({"grid_leader", "village_admin", "town_admin", "police", "station_admin"})

# Plan door-to-door walking routes (路线规划) over the buildings the user sees; inspectors walk
# their spot-check sample with the same planner.
ROUTE_ROLES = frozenset({"grid_leader", "liaison", "village_admin", "town_admin", "police", "station_admin",
                         "inspector"})
# --- inspection and acceptance (检查验收) -------------------------------------------------
# Design a spot check, record its field checks and read its evaluation report (绩效评估报告).
INSPECT_ROLES = frozenset({"inspector", "town_admin"})
# --- data exchange (webgis/exchange/) -------------------------------------------------------
# Upload household/person lists (police register extracts, village lists) and commit them.
IMPORT_ROLES = frozenset({"town_admin", "village_admin"})
# The same list path, for the property company's owner/tenant lists of its own compounds (its grids).
LIST_UPLOAD_ROLES = IMPORT_ROLES | frozenset({"property"})
# Import villages, grids, buildings and roads from GeoPackage / Shapefile / GeoJSON.
GEODATA_IMPORT_ROLES = frozenset({"town_admin"})
# The monthly exchange with the police system (同增同减): export the delta, import theirs.
POLICE_EXCHANGE_ROLES = frozenset({"town_admin", "station_admin"})
# The 数据交换 pages (lists, review queue, police exchange, batches).
EXCHANGE_PAGE_ROLES = LIST_UPLOAD_ROLES | POLICE_EXCHANGE_ROLES
# The data-quality page (duplicates, conflicts, stale, group rentals, impossible records).
QUALITY_ROLES = frozenset({"town_admin", "village_admin", "grid_leader", "police", "station_admin"})

# --- administration ----------------------------------------------------------------------
USER_ADMIN_ROLES = frozenset({"town_admin"})
AUDIT_VIEW_ROLES = frozenset({"town_admin"})


def may(role: str | None, role_set: frozenset[str]) -> bool:
    """Return True if `role` is one of `role_set`."""
    return role is not None and role in role_set
