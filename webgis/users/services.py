"""User and scope management, callable without HTTP.

Scope by role (design.md §2): village_admin → one village; grid_leader, liaison and
property → assigned grids (user_grid, so a grid leader's scope follows grid assignment);
police and station_admin → one police station; inspector → an area (the union of chosen
villages' polygons) and/or grids; town_admin → the whole town. Every change is validated
in full before anything is written (all or nothing) and audited with before/after.
"""
import re
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, or_, select

from webgis.audit import services as audit
from webgis.auth import services as auth
from webgis.auth import sessions
from webgis.auth.models import User, UserSession, user_grid
from webgis.auth.passwords import password_problems
from webgis.extensions import db
from webgis.geo.models import Grid, PoliceStation, Village

from webgis.permissions import ALL_GRID_ROLES, ROLES, SCOPE_BY_ROLE
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,40}$")


class UserValidationError(Exception):
    """The submitted user data is not acceptable; `errors` maps field names to Chinese messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass
class UserData:
    """What the admin submits for a user (username and password only at creation)."""

    display_name: str = ""
    role: str = ""
    village_id: int | None = None
    station_id: int | None = None
    grid_ids: list[int] = field(default_factory=list)
    area_village_ids: list[int] = field(default_factory=list)
    username: str | None = None
    password: str | None = None
    confirm: str | None = None


# --- reading ---------------------------------------------------------------------------

def list_users(town_id: int, role: str | None = None, village_id: int | None = None) -> list[User]:
    """Return the town's users, optionally only one role or those working in one village."""
    stmt = select(User).where(User.town_id == town_id)
    if role:
        stmt = stmt.where(User.role == role)
    if village_id:
        in_village_grid = exists().where(and_(user_grid.c.user_id == User.id, user_grid.c.grid_id == Grid.id,
                                              Grid.village_id == village_id))
        stmt = stmt.where(or_(User.village_id == village_id, in_village_grid))
    return list(db.session.execute(stmt.order_by(User.role, User.username)).scalars())


def last_logins(user_ids: list[int]) -> dict[int, object]:
    """Return the time of each user's latest login."""
    if not user_ids:
        return {}
    rows = db.session.execute(select(UserSession.user_id, func.max(UserSession.created_at))
                              .where(UserSession.user_id.in_(user_ids)).group_by(UserSession.user_id))
    return dict(rows.all())


def area_village_ids(user: User) -> list[int]:
    """Return the villages whose polygons make up an inspector's area (≥99% covered)."""
    if user.area is None:
        return []
    inter = func.ST_Area(func.ST_Intersection(Village.geom, User.area))
    return list(db.session.execute(
        select(Village.id).join(User, User.id == user.id)
        .where(Village.town_id == user.town_id, func.ST_Intersects(Village.geom, User.area),
               inter >= 0.99 * func.ST_Area(Village.geom))
        .order_by(Village.id)).scalars())


def scope_text(user: User) -> str:
    """Return the user's scope in words, e.g. "测试村1 第1网格、第2网格"."""
    kind = SCOPE_BY_ROLE.get(user.role)
    parts: list[str] = []
    if kind == "town":
        return "全镇"
    if kind == "village" and user.village_id:
        parts.append(db.session.get(Village, user.village_id).name)
    if kind == "station" and user.station_id:
        parts.append(db.session.get(PoliceStation, user.station_id).name)
    if kind == "area":
        parts += [db.session.get(Village, v).name for v in area_village_ids(user)]
    if kind in ("grids", "area"):
        parts += [f"{g.village.name}{g.name}" for g in sorted(user.grids, key=lambda g: (g.village_id, g.number))]
    return "、".join(parts) or "（未设置）"


def snapshot(user: User) -> dict:
    """Return the user's audited fields in readable form (never the password hash)."""
    village = db.session.get(Village, user.village_id) if user.village_id else None
    station = db.session.get(PoliceStation, user.station_id) if user.station_id else None
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "active": bool(user.active),
        "village": village.name if village else None,
        "station": station.name if station else None,
        "grids": sorted(g.code for g in user.grids),
        "area_villages": sorted(db.session.get(Village, v).name for v in area_village_ids(user)),
    }


# --- validation ------------------------------------------------------------------------

def _ids_in_town(model, ids: list[int], town_id: int) -> set[int]:
    if not ids:
        return set()
    return set(db.session.execute(select(model.id).where(model.id.in_(ids), model.town_id == town_id)).scalars())


def validate(town_id: int, data: UserData, user: User | None = None) -> dict[str, list[str]]:
    """Return every objection to `data` (creating when `user` is None) by form field."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if user is None:
        username = (data.username or "").strip()
        if not USERNAME_RE.match(username):
            add("username", "用户名须为3-40位英文字母、数字或 _ . -")
        elif db.session.execute(select(User.id).where(func.lower(User.username) == username.lower())).first():
            add("username", "该用户名已被使用")
        problems = password_problems(data.password or "", username)
        for p in problems:
            add("password", p)
        if (data.password or "") != (data.confirm or ""):
            add("confirm", "两次输入的密码不一致")
    name = (data.display_name or "").strip()
    if not name:
        add("display_name", "请输入姓名")
    elif len(name) > 40:
        add("display_name", "姓名不能超过40个字")
    if data.role not in ROLES:
        add("role", "请选择角色")
        return errors
    kind = SCOPE_BY_ROLE[data.role]
    if kind == "village":
        if not data.village_id:
            add("village_id", "村级网格办须选择所属村（居）")
        elif not _ids_in_town(Village, [data.village_id], town_id):
            add("village_id", "所选村（居）不存在")
    if kind == "station":
        if not data.station_id:
            add("station_id", "民警和派出所账户须选择所属派出所")
        elif not _ids_in_town(PoliceStation, [data.station_id], town_id):
            add("station_id", "所选派出所不存在")
    if kind in ("grids", "area"):
        unknown = set(data.grid_ids) - _ids_in_town(Grid, data.grid_ids, town_id)
        if unknown:
            add("grid_ids", "所选网格中有不存在的网格")
        elif kind == "grids" and not data.grid_ids:
            add("grid_ids", "该角色须至少选择一个网格")
    if kind == "area":
        if set(data.area_village_ids) - _ids_in_town(Village, data.area_village_ids, town_id):
            add("area_village_ids", "所选检查区域中有不存在的村（居）")
        elif not data.area_village_ids and not data.grid_ids:
            add("area_village_ids", "检查验收须选择检查区域（村或网格）")
    return errors


def _check_self_and_last_admin(admin: User, user: User, role: str | None, active: bool) -> dict:
    errors: dict[str, list[str]] = {}
    if user.id == admin.id and role is not None and role != user.role:
        errors["role"] = ["不能修改自己的角色"]
    if user.id == admin.id and not active:
        errors["active"] = ["不能停用自己的账户"]
    losing_admin = user.role in ALL_GRID_ROLES and user.active and (role not in ALL_GRID_ROLES or not active)
    if losing_admin:
        others = db.session.execute(select(func.count()).select_from(User).where(
            User.town_id == user.town_id, User.role.in_(ALL_GRID_ROLES), User.active.is_(True),
            User.id != user.id)).scalar_one()
        if others == 0:
            errors.setdefault("role" if active else "active", []).append("至少须保留一个启用的镇网格办账户")
    return errors


# --- writing ---------------------------------------------------------------------------

def _apply_scope(user: User, data: UserData) -> None:
    """Set the scope fields the role uses and clear the others."""
    kind = SCOPE_BY_ROLE[data.role]
    user.village_id = data.village_id if kind == "village" else None
    user.station_id = data.station_id if kind == "station" else None
    user.grids = (list(db.session.execute(select(Grid).where(Grid.id.in_(data.grid_ids))).scalars())
                  if kind in ("grids", "area") and data.grid_ids else [])
    if kind == "area" and data.area_village_ids:
        user.area = db.session.execute(select(func.ST_Multi(func.ST_Union(Village.geom)))
                                       .where(Village.id.in_(data.area_village_ids))).scalar_one()
    else:
        user.area = None


def create_user(admin: User, data: UserData) -> User:
    """Create a user in the admin's town; the initial password must be changed at first login."""
    errors = validate(admin.town_id, data)
    if errors:
        raise UserValidationError(errors)
    user = User(town_id=admin.town_id, username=data.username.strip(), display_name=data.display_name.strip(),
                role=data.role, password_hash=auth.hash_password(data.password), active=True,
                must_change_password=True, password_changed_at=sessions.now())
    _apply_scope(user, data)
    db.session.add(user)
    db.session.flush()
    audit.change("user", user.id, None, snapshot(user), action="user_admin", op="create")
    return user


def update_user(admin: User, user: User, data: UserData) -> bool:
    """Change name, role and scope; return False if nothing changed."""
    errors = validate(admin.town_id, data, user)
    errors.update(_check_self_and_last_admin(admin, user, data.role, bool(user.active)))
    if errors:
        raise UserValidationError(errors)
    before = snapshot(user)
    user.display_name = data.display_name.strip()
    user.role = data.role
    _apply_scope(user, data)
    db.session.flush()
    after = snapshot(user)
    if after == before:
        return False
    if before["role"] != after["role"]:
        # A new role is a new set of rights: sessions opened under the old one end.
        user.session_version = (user.session_version or 1) + 1
        sessions.end_all(user.id, "role_changed")
    audit.change("user", user.id, before, after, action="user_admin", op="update")
    return True


def set_active(admin: User, user: User, active: bool) -> None:
    """Enable or disable a user; disabling ends all their sessions at once."""
    errors = _check_self_and_last_admin(admin, user, None, active)
    if errors:
        raise UserValidationError(errors)
    if bool(user.active) == active:
        return
    before = snapshot(user)
    user.active = active
    ended = 0
    if not active:
        user.session_version = (user.session_version or 1) + 1
        ended = sessions.end_all(user.id, "disabled")
    db.session.flush()
    audit.change("user", user.id, before, snapshot(user), action="user_admin",
                 op="enable" if active else "disable", sessions_ended=ended)


def reset_password(admin: User, user: User, password: str, confirm: str) -> None:
    """Set a new password chosen by the admin (to be changed at next login); end sessions, unlock."""
    errors: dict[str, list[str]] = {}
    problems = password_problems(password or "", user.username)
    if problems:
        errors["password"] = problems
    if password != confirm:
        errors["confirm"] = ["两次输入的密码不一致"]
    if errors:
        raise UserValidationError(errors)
    auth.set_password(user, password, must_change=True)
    ended = sessions.end_all(user.id, "password_reset")
    db.session.flush()
    audit.record("user_admin", "user", user.id, {"op": "reset_password", "sessions_ended": ended})


def unlock(admin: User, user: User) -> None:
    """Lift a lockout after failed logins."""
    was = user.locked_until
    auth.clear_failures(user)
    db.session.flush()
    audit.record("user_admin", "user", user.id, {"op": "unlock", "before": {"locked_until": was}})
