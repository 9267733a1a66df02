"""The tables the demo writes, in load order: columns of each row and the id references.

Generated columns (geom_3857, footprint_3857) and the derived visit fields of
household / building (written by gc_refresh_all_status) are not listed: PostgreSQL
computes them. `REFS` maps a column to the table whose id it holds, so the loader can
shift ids when the database already holds rows of another town.
"""

COLUMNS: dict[str, tuple[str, ...]] = {
    "town": ("id", "code", "name", "geom"),
    "police_station": ("id", "town_id", "code", "name", "geom"),
    "village": ("id", "town_id", "station_id", "code", "name", "kind", "geom"),
    "grid": ("id", "town_id", "village_id", "code", "number", "name", "geom"),
    "road": ("id", "town_id", "name", "kind", "geom"),
    "app_user": ("id", "town_id", "username", "display_name", "password_hash", "role", "village_id",
                 "station_id", "area", "active", "session_version", "created_at"),
    "user_grid": ("user_id", "grid_id"),
    "building": ("id", "town_id", "village_id", "grid_id", "address_form", "group_name", "house_no", "compound",
                 "building_no", "building_type", "floors", "rooms_count", "status", "geom", "geom_pt",
                 "created_at", "updated_at"),
    "household": ("id", "town_id", "grid_id", "building_id", "unit", "room", "sort_key", "house_nature",
                  "landlord", "lease_period", "lease_reason", "cotenant_relation", "special_space", "remarks",
                  "status"),
    "person": ("id", "town_id", "grid_id", "name", "gender", "ethnicity", "id_number", "birth_date",
               "occupation", "employer", "marital", "hukou_consistent", "registered_address", "phone",
               "category", "status", "created_at"),
    "residence": ("id", "town_id", "grid_id", "person_id", "household_id", "relation_to_head", "start_date",
                  "end_date"),
    "organisation": ("id", "town_id", "grid_id", "building_id", "name", "category", "address", "principal",
                     "phone", "status", "geom"),
    "key_attention": ("id", "town_id", "grid_id", "category", "person_id", "organisation_id", "household_id",
                      "level", "note", "created_at"),
    "visit": ("id", "town_id", "grid_id", "building_id", "household_id", "visitor_id", "visited_at", "result",
              "awareness", "satisfaction", "form_filler", "police_officer", "note", "geom", "accuracy_m"),
    "verification": ("id", "town_id", "grid_id", "household_id", "visit_id", "officer_id", "verified_at",
                     "outcome", "note"),
    "spot_check": ("id", "town_id", "grid_id", "building_id", "household_id", "inspector_id", "checked_at",
                   "items_checked", "items_matched", "note"),
}

_COMMON = {"town_id": "town", "station_id": "police_station", "village_id": "village", "grid_id": "grid",
           "building_id": "building", "household_id": "household", "person_id": "person",
           "organisation_id": "organisation", "visit_id": "visit", "user_id": "app_user",
           "visitor_id": "app_user", "officer_id": "app_user", "inspector_id": "app_user"}

REFS: dict[str, dict[str, str]] = {
    table: {c: table if c == "id" else _COMMON[c] for c in cols if c == "id" or c in _COMMON}
    for table, cols in COLUMNS.items()
}

# Tables with a serial id, whose sequence is moved past the loaded ids.
SERIAL = tuple(t for t, cols in COLUMNS.items() if "id" in cols)
