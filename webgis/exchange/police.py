"""The monthly exchange with the police system (同增同减, seed §四.4).

Export: what changed since the last exchange, read from the change history (change_history,
written by the database trigger, so nothing is missed): persons added, removed (moved out,
deceased) and changed, keyed by ID number, and houses added, removed (demolished) and changed,
keyed by house code — in the XLSX layout of docs/exchange.md. Each export is a recorded batch
(exchange_batch) holding its XLSX, listed and downloadable again, always as a protected zip.

Import: the police system's changes in the same layout, reconciled against ours: a row is
applied (new person in a matched room, a move, a removal), already known (our record already
says so), or conflicting (an ID we hold elsewhere, a room we cannot find, a removal of someone we
never had) → the review queue. Applying goes through the same unit of work as the lists.
"""
import io
from datetime import date, datetime, timezone

from openpyxl import Workbook
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from webgis import writes
from webgis.buildings import address as std_address
from webgis.buildings.models import Building, Household
from webgis.codes.data import label
from webgis.errors import NotFound, ValidationFailed
from webgis.exchange import lists
from webgis.exchange.matching import RoomIndex
from webgis.exchange.models import ExchangeBatch, ExchangeRow
from webgis.exchange.protect import protected_zip
from webgis.geo.models import Grid, Village
from webgis.people.idcard import normalize_id_number
from webgis.people.models import Person, Residence
from webgis.permissions import POLICE_EXCHANGE_ROLES
from webgis.visits.models import ChangeHistory

PERSON_SHEET = "人员变动"
HOUSE_SHEET = "房屋变动"
PERSON_COLUMNS = ["变动类型", "公民身份号码", "姓名", "性别", "出生日期", "人员类别", "现住址", "房屋编码",
                  "变更内容", "变动时间"]
HOUSE_COLUMNS = ["变动类型", "房屋编码", "标准地址", "房屋性质", "状态", "变动时间"]
KINDS = {"added": "新增", "removed": "注销", "changed": "变更"}
KIND_OF = {v: k for k, v in KINDS.items()}
REMOVED_STATUSES = ("moved_out", "deceased")
FIELD_TITLES = {"name": "姓名", "phone": "联系电话", "gender": "性别", "ethnicity": "民族", "birth_date": "出生日期",
                "category": "人员类别", "registered_address": "户籍地址", "status": "状态", "grid_id": "网格",
                "occupation": "职业", "employer": "服务处所", "marital": "婚姻状况", "household": "住址"}


def house_code(household_id: int) -> str:
    """The house code the exchange is keyed by (房屋编码): stable, from the room's id."""
    return f"FW{household_id:010d}"


def household_id_of(code: str | None) -> int | None:
    if code and code.startswith("FW") and code[2:].isdigit():
        return int(code[2:])
    return None


def _last_upto(session: Session, town_id: int) -> int:
    return session.execute(select(func.coalesce(func.max(ExchangeBatch.upto_history_id), 0)).where(
        ExchangeBatch.town_id == town_id, ExchangeBatch.kind == "police_export")).scalar()


def delta(session: Session, town_id: int, since: int, upto: int) -> dict:
    """The persons and houses that changed in the history window (since, upto], classified."""
    rows = session.execute(
        select(ChangeHistory.table_name, ChangeHistory.row_id, ChangeHistory.action, ChangeHistory.before,
               ChangeHistory.after, ChangeHistory.changed_at)
        .where(ChangeHistory.town_id == town_id, ChangeHistory.id > since, ChangeHistory.id <= upto,
               ChangeHistory.table_name.in_(("person", "residence", "household")))
        .order_by(ChangeHistory.id)).all()
    persons: dict[int, dict] = {}
    houses: dict[int, dict] = {}
    for table, row_id, action, before, after, at in rows:
        if table == "residence":
            pid = after.get("person_id")
            if pid is None:
                continue
            e = persons.setdefault(pid, {"kind": "changed", "fields": set(), "at": at})
            if action == "insert":
                e["fields"].add("household")
            e["at"] = at
            continue
        target = persons if table == "person" else houses
        e = target.setdefault(row_id, {"kind": None, "fields": set(), "at": at})
        e["at"] = at
        if action == "insert":
            e["kind"] = "added"
        elif e["kind"] != "added":
            status = (after or {}).get("status")
            gone = REMOVED_STATUSES if table == "person" else ("demolished",)
            if status in gone:
                e["kind"] = "removed"
            elif e["kind"] != "removed":
                e["kind"] = "changed"
            e["fields"] |= set(after or {}) - {"status"} if status in gone else set(after or {})
    for e in persons.values():
        e["kind"] = e["kind"] or "changed"
    return {"persons": persons, "houses": houses}


def _room_addresses(session: Session, household_ids) -> dict[int, tuple]:
    if not household_ids:
        return {}
    rows = session.execute(
        select(Household, Building, Village.name, Grid.name)
        .join(Building, Building.id == Household.building_id).join(Village, Village.id == Building.village_id)
        .join(Grid, Grid.id == Household.grid_id).where(Household.id.in_(list(household_ids)))).all()
    return {h.id: (std_address.household_address(v, g, b, h), h) for h, b, v, g in rows}


def build_xlsx(session: Session, town_id: int, d: dict) -> tuple[bytes, dict]:
    """The exchange workbook (layout: docs/exchange.md) and its counts."""
    pids = list(d["persons"])
    people = {p.id: p for p in session.execute(select(Person).where(Person.id.in_(pids))).scalars()} if pids else {}
    links = dict(session.execute(
        select(Residence.person_id, func.max(Residence.household_id))
        .where(Residence.person_id.in_(pids or [-1]), Residence.end_date.is_(None))
        .group_by(Residence.person_id)).all())
    rooms = _room_addresses(session, set(links.values()) | set(d["houses"]))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(PERSON_SHEET)
    ws.append(PERSON_COLUMNS)
    counts = {f"persons_{k}": 0 for k in KINDS} | {f"houses_{k}": 0 for k in KINDS}
    for pid, e in sorted(d["persons"].items()):
        p = people.get(pid)
        if p is None:
            continue
        hid = links.get(pid)
        fields = "、".join(sorted(FIELD_TITLES.get(f, f) for f in e["fields"] if f in FIELD_TITLES))
        ws.append([KINDS[e["kind"]], p.id_number, p.name, label("gender", p.gender),
                   p.birth_date.isoformat() if p.birth_date else None, label("person_category", p.category),
                   rooms[hid][0] if hid in rooms else None, house_code(hid) if hid else None,
                   fields if e["kind"] == "changed" else label("person_status", p.status) if e["kind"] == "removed" else None,
                   e["at"].astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")])
        counts[f"persons_{e['kind']}"] += 1
    ws = wb.create_sheet(HOUSE_SHEET)
    ws.append(HOUSE_COLUMNS)
    for hid, e in sorted(d["houses"].items()):
        if hid not in rooms:
            continue
        addr, h = rooms[hid]
        ws.append([KINDS[e["kind"]], house_code(hid), addr, label("house_nature", h.house_nature),
                   label("household_status", h.status), e["at"].astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")])
        counts[f"houses_{e['kind']}"] += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), counts


def export_delta(session: Session, actor: writes.Actor) -> dict:
    """Record a police export batch of everything changed since the last one; return it protected."""
    writes.require(actor, POLICE_EXCHANGE_ROLES, "exchange")
    since = _last_upto(session, actor.town_id)
    upto = session.execute(select(func.coalesce(func.max(ChangeHistory.id), 0))
                           .where(ChangeHistory.town_id == actor.town_id)).scalar()
    data, counts = build_xlsx(session, actor.town_id, delta(session, actor.town_id, since, upto))
    batch = ExchangeBatch(town_id=actor.town_id, kind="police_export", source="公安同增同减",
                          filename=f"同增同减_{date.today():%Y%m%d}.xlsx", status="committed", counts=counts,
                          since_history_id=since, upto_history_id=upto, content=data, created_by=actor.user_id,
                          committed_at=datetime.now(timezone.utc))
    session.add(batch)
    session.flush()
    return _protected(session, batch, data)


def _protected(session: Session, batch: ExchangeBatch, data: bytes) -> dict:
    from webgis.audit import services as audit

    body, password = protected_zip({batch.filename: data})
    rows = sum(v for k, v in batch.counts.items() if isinstance(v, int))
    audit.export("police_exchange", rows, {"batch": batch.id}, encrypted=True, format="zip")
    session.commit()
    return {"batch_id": batch.id, "zip": body, "password": password, "counts": batch.counts,
            "filename": batch.filename.replace(".xlsx", ".zip")}


def download_again(session: Session, actor: writes.Actor, batch_id: int) -> dict:
    """Download a recorded police export again (a new password, audited)."""
    writes.require(actor, POLICE_EXCHANGE_ROLES, "exchange_batch", batch_id)
    batch = session.execute(select(ExchangeBatch).where(ExchangeBatch.id == batch_id,
                                                        ExchangeBatch.kind == "police_export")).scalar_one_or_none()
    if batch is None or batch.content is None:
        raise NotFound("exchange_batch", batch_id)
    return _protected(session, batch, batch.content)


def batches(session: Session, actor: writes.Actor, kind: str | None = None) -> list[dict]:
    """The recorded batches the user may see, newest first."""
    q = select(ExchangeBatch).where(ExchangeBatch.town_id == actor.town_id)
    if kind:
        q = q.where(ExchangeBatch.kind == kind)
    return [{"id": b.id, "kind": b.kind, "source": b.source, "filename": b.filename, "status": b.status,
             "counts": b.counts, "created_at": b.created_at.isoformat(),
             "committed_at": b.committed_at.isoformat() if b.committed_at else None}
            for b in session.execute(q.order_by(ExchangeBatch.id.desc()).limit(100)).scalars()]


# --- import of the police system's changes ----------------------------------------------------

def import_changes(session: Session, actor: writes.Actor, data: bytes, filename: str) -> dict:
    """Reconcile the police system's 人员变动 sheet against ours and stage the outcome per row."""
    writes.require(actor, POLICE_EXCHANGE_ROLES, "exchange")
    rows = lists.read_table(data, filename)
    try:
        _, header = next(rows)
    except StopIteration:
        raise ValidationFailed({"file": "文件是空的"}) from None
    header = [c or "" for c in header]
    for col in ("变动类型", "公民身份号码", "姓名"):
        if col not in header:
            raise ValidationFailed({"file": f"缺少“{col}”列（格式见说明）"})
    col = {c: header.index(c) for c in PERSON_COLUMNS if c in header}
    batch = ExchangeBatch(town_id=actor.town_id, kind="police_import", source="公安同增同减", filename=filename[:200],
                          created_by=actor.user_id)
    session.add(batch)
    session.flush()
    index = RoomIndex.load(session, actor.town_id)
    counts = {"rows": 0, "apply": 0, "known": 0, "conflict": 0, "rejected": 0}
    staged = []
    for row_no, cells in rows:
        if not any(cells):
            continue
        counts["rows"] += 1
        get = lambda c: cells[col[c]] if c in col and col[c] < len(cells) else None  # noqa: E731
        kind = KIND_OF.get((get("变动类型") or "").strip())
        r = dict(row_no=row_no, batch_id=batch.id, town_id=actor.town_id, created_by=actor.user_id, grid_id=None,
                 household_id=None, person_id=None, score=None, candidates=None)
        try:
            id_number = normalize_id_number(get("公民身份号码"))
        except ValueError as exc:
            staged.append(r | dict(status="rejected", reason=f"公民身份号码：{exc}", data={"name": get("姓名")}))
            continue
        if kind is None:
            staged.append(r | dict(status="rejected", reason="变动类型应为新增、注销或变更", data={"name": get("姓名")}))
            continue
        known = lists._known_ids(session, actor.town_id, [id_number]).get(id_number)
        d = {"action": kind, "id_number": id_number, "name": get("姓名"), "address": get("现住址"),
             "gender": {"男": "1", "女": "2"}.get(get("性别") or ""), "birth_date": get("出生日期")}
        if known is not None and not known[4]:
            staged.append(r | dict(status="review", reason="冲突：该人员在您负责范围以外的网格", data=d))
        elif kind == "removed":
            if known is None:
                staged.append(r | dict(status="review", reason="冲突：本平台没有该人员", data=d))
            elif known[1] in REMOVED_STATUSES:
                staged.append(r | dict(status="skipped", reason="已知：本平台已注销", data=d, person_id=known[0]))
            else:
                staged.append(r | dict(status="matched", reason="将注销（迁出）", data=d, person_id=known[0],
                                       grid_id=known[2]))
        else:
            m = index.match(d["address"]) if d["address"] else None
            hid = household_id_of(get("房屋编码")) or (m.household_id if m else None)
            if hid is None:
                staged.append(r | dict(status="review", reason=f"冲突：{m.reason if m else '未写明现住址'}", data=d,
                                       candidates=(m.candidates or None) if m else None))
            elif known is not None and known[3] == hid and known[1] == "active":
                staged.append(r | dict(status="skipped", reason="已知：本平台记录一致", data=d, person_id=known[0],
                                       household_id=hid, grid_id=known[2]))
            elif known is None and kind == "changed":
                staged.append(r | dict(status="review", reason="冲突：变更的人员本平台没有", data=d, household_id=hid))
            else:
                staged.append(r | dict(status="matched" if known else "new", data=d, household_id=hid,
                                       person_id=known[0] if known else None, grid_id=m.grid_id if m else None,
                                       reason="将迁入所列房间" if known else "将新增"))
    for s in staged:
        counts[{"matched": "apply", "new": "apply", "skipped": "known", "review": "conflict"}.get(s["status"], "rejected")] += 1
    if staged:
        session.execute(insert(ExchangeRow), staged)
    batch.counts = counts
    session.flush()
    session.commit()
    return {"batch_id": batch.id, "counts": counts}


def apply_changes(session: Session, actor: writes.Actor, batch_id: int) -> dict:
    """Apply the reconciled rows of a police import in one transaction (conflicts stay for review)."""
    writes.require(actor, POLICE_EXCHANGE_ROLES, "exchange", batch_id)
    b = session.execute(select(ExchangeBatch).where(ExchangeBatch.id == batch_id, ExchangeBatch.kind == "police_import")
                        ).scalar_one_or_none()
    if b is None:
        raise NotFound("exchange_batch", batch_id)
    writes.submission(session, b.client_uuid)
    if b.status == "committed":
        return {"applied": False, "batch_id": b.id}
    rows = [dict(r) for r in session.execute(
        select(ExchangeRow.row_no, ExchangeRow.status, ExchangeRow.data, ExchangeRow.household_id, ExchangeRow.person_id)
        .where(ExchangeRow.batch_id == b.id, ExchangeRow.status.in_(("matched", "new")))).mappings()]
    removals = [r for r in rows if r["data"]["action"] == "removed"]
    moves = [r for r in rows if r["data"]["action"] != "removed"]
    for r in moves:
        if r["status"] == "new" and not r["data"].get("gender"):
            from webgis.people.idcard import birth_date_of, gender_of

            r["data"] = dict(r["data"], gender=gender_of(r["data"]["id_number"]),
                             birth_date=birth_date_of(r["data"]["id_number"]).isoformat())
    if moves:
        lists._apply(session, moves, actor.town_id, date.today())
    if removals:
        people = session.execute(select(Person).where(Person.id.in_([r["person_id"] for r in removals]))
                                 .with_for_update()).scalars().all()
        for p in people:
            writes.assign(p, {"status": "moved_out"})
        session.execute(update(Residence).where(Residence.person_id.in_([p.id for p in people]),
                                                Residence.end_date.is_(None)).values(end_date=date.today()))
    b.status, b.committed_at = "committed", datetime.now(timezone.utc)
    session.flush()
    session.commit()
    return {"applied": True, "batch_id": b.id, "rows_applied": len(rows)}
