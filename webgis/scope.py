"""The current user's scope, handed to PostgreSQL for row-level security.

Which grids a user sees follows from the role (design.md §2):
town_admin → the whole town; village_admin → the grids of the village;
police / station_admin → the grids of the villages of the station;
inspector → the grids of the assigned area (plus any assigned grids): a grid belongs to
the area when at least AREA_GRID_SHARE of its own area lies inside it (geodesic areas), so
a neighbouring grid that only touches the boundary, or overlaps it by a sliver of
digitising error, is not in scope (`in_area`, the one place this is decided);
grid_leader / liaison / property → the assigned grids.

The scope is written with `set_config(..., true)`: transaction-local, so a
pooled connection never carries one user's scope into the next request.
Every transaction a session begins during a request gets it again
(`after_begin`), and a transaction with no scope sees no scoped rows at all.
"""
from dataclasses import dataclass, field

from flask import g, has_request_context
from sqlalchemy import event, func, text
from sqlalchemy.orm import Session

from webgis.permissions import ALL_GRID_ROLES, AREA_ROLES, STATION_ROLES, VILLAGE_ROLES

_SET = text(
    "SELECT set_config('gc.town_id', :town_id, true), set_config('gc.all_grids', :all_grids, true), "
    "set_config('gc.grid_ids', :grid_ids, true), set_config('gc.role', :role, true), "
    "set_config('gc.user_id', :user_id, true)"
)


@dataclass(frozen=True)
class Scope:
    """What one user may see: a town and all or some of its grids."""

    town_id: int | None
    role: str = ""
    user_id: int | None = None
    all_grids: bool = False
    grid_ids: tuple[int, ...] = field(default_factory=tuple)

    def params(self) -> dict:
        return {
            "town_id": "" if self.town_id is None else str(self.town_id),
            "all_grids": "on" if self.all_grids else "off",
            "grid_ids": "{" + ",".join(str(i) for i in self.grid_ids) + "}",
            "role": self.role,
            "user_id": "" if self.user_id is None else str(self.user_id),
        }

    def sees_grid(self, grid_id: int) -> bool:
        return self.all_grids or grid_id in self.grid_ids


NO_SCOPE = Scope(town_id=None)

# Share of a grid's area that must lie inside an inspector's assigned area for the grid to
# be in scope. Grids are drawn to village boundaries, so an area made of villages takes
# their grids whole (share 1) and a touching neighbour shares only its boundary (share 0);
# one half leaves room for boundaries digitised a little differently.
AREA_GRID_SHARE = 0.5


def in_area(grid_geom, area):
    """SQL condition: the grid lies in `area` — the rule gc_grid_in_area (0011_tile_server.sql)."""
    return func.gc_grid_in_area(grid_geom, area)


def scope_of(session: Session, user) -> Scope:
    """Resolve a user's scope from role and assignments. The rule is gc_user_scope
    (webgis/sql/0011_tile_server.sql), shared with the one-call tile path; the role sets
    come from webgis/permissions.py."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NO_SCOPE
    row = session.execute(text(
        "SELECT town_id, role, all_grids, grid_ids FROM gc_user_scope(:uid, :all_roles, :village_roles, "
        ":station_roles, :area_roles)"), {"uid": user.id, **role_sets()}).one()
    return Scope(town_id=row.town_id, role=row.role, user_id=user.id, all_grids=row.all_grids,
                 grid_ids=tuple(row.grid_ids or ()))


def role_sets() -> dict:
    """The role sets gc_user_scope takes, from webgis/permissions.py."""
    return {"all_roles": sorted(ALL_GRID_ROLES), "village_roles": sorted(VILLAGE_ROLES),
            "station_roles": sorted(STATION_ROLES), "area_roles": sorted(AREA_ROLES)}


def apply(connection, scope: Scope) -> None:
    """Write the scope into the current transaction of `connection`."""
    connection.execute(_SET, scope.params())


def set_request_scope(session: Session, scope: Scope) -> None:
    """Remember the scope for this request and apply it to the session's transaction now."""
    g.gc_scope = scope
    apply(session.connection(), scope)


def current_scope() -> Scope:
    """The scope of the current request (NO_SCOPE outside requests or before login)."""
    if has_request_context():
        return g.get("gc_scope", NO_SCOPE)
    return NO_SCOPE


def _after_begin(session, transaction, connection):
    # A new transaction starts with no gc.* settings (they are only ever set transaction-
    # locally), which is NO_SCOPE: only a real scope needs the round trip.
    if has_request_context():
        scope = g.get("gc_scope", NO_SCOPE)
        if scope is not NO_SCOPE:
            apply(connection, scope)


def install(session_class) -> None:
    """Apply the request's scope at the start of every transaction of sessions of `session_class`."""
    if not event.contains(session_class, "after_begin", _after_begin):
        event.listen(session_class, "after_begin", _after_begin)
