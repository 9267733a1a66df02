"""Demo logins: one user per role of design.md §2, all with the same demo password.

The scopes tell the story of the demo: the grid leader and liaison work a lagging grid
of the urban community 汇东村, the village chief runs that community, the police and
station admin belong to its station (开发区派出所), the inspector checks the finished
village 南郊村, and the property company manages a compound in a neighbouring grid.
"""
import unicodedata
from dataclasses import dataclass, field

from webgis.codes.data import label

DEMO_PASSWORD = "Huilong#2026"
STORY_VILLAGE = "汇东村"
INSPECTED_VILLAGE = "南郊村"


@dataclass
class DemoUser:
    """One app_user row and its scope (objects of the generator)."""

    id: int
    username: str
    display_name: str
    role: str
    village: object = None
    station: object = None  # (id, name)
    area_village: object = None  # the inspector's village: area = its polygon
    grids: list = field(default_factory=list)

    def scope_text(self, town_name: str) -> str:
        """Chinese description of the user's scope."""
        if self.role == "town_admin":
            return f"{town_name}（全镇）"
        if self.village is not None:
            return self.village.name
        if self.station is not None:
            return f"{self.station[1]}辖区"
        if self.area_village is not None:
            return f"{self.area_village.name}（检查区域）"
        return "、".join(f"{g.village.name}{g.name}" for g in self.grids)


def demo_users(villages_by_name: dict, stations: dict, story: dict) -> list[DemoUser]:
    """Return the demo users for the chosen story grids (ids 1..n)."""
    v = villages_by_name[STORY_VILLAGE]
    station = stations[v.station_id]
    lag, nxt, prop = story["lagging"], story["next"], story["property"]
    users = [
        DemoUser(1, "town", "陆晓东", "town_admin"),
        DemoUser(2, "village", "顾海燕", "village_admin", village=v),
        DemoUser(3, "leader", "沈晓丽", "grid_leader", grids=[lag, nxt]),
        DemoUser(4, "liaison", "黄志强", "liaison", grids=[lag]),
        DemoUser(5, "police", "袁立新", "police", station=station),
        DemoUser(6, "station", "季卫东", "station_admin", station=station),
        DemoUser(7, "inspector", "茅春华", "inspector", area_village=villages_by_name[INSPECTED_VILLAGE],
                 grids=list(villages_by_name[INSPECTED_VILLAGE].grids)),
        DemoUser(8, "property", "江海物业朱婷", "property", grids=[prop]),
    ]
    return users


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Format rows as an aligned plain-text table (CJK characters count double)."""
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(r):
        return "  ".join(str(c) + " " * (w - _width(str(c))) for c, w in zip(r, widths)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def logins_table(rows: list[tuple[str, str, str]]) -> str:
    """The demo logins as a table: (username, role code, scope) rows, with the demo password."""
    body = [(u, label("role", role) or role, scope, DEMO_PASSWORD) for u, role, scope in rows]
    return format_table(("用户名", "角色", "范围", "密码"), body)
