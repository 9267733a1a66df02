"""Household/person lists (police register extracts, village lists, property-company owner and
tenant lists) from XLSX or CSV: mapping → dry run → commit, and the review queue.

* `read_table()` streams the rows (openpyxl read_only; csv) — a 200,000-row file is never held
  in memory; `suggest_mapping()` / `save_mapping()` remember the column mapping per source.
* `dry_run()` validates each row with the same schema field types as the registration form
  (`PersonRow`), finds the room (`matching.RoomIndex`) and the person (by validated ID number,
  else name + birth date in that room), and stages every row with its outcome and reason
  (exchange_row), in chunks; only the counts stay in memory.
* `commit()` applies a dry run in ONE transaction under the uploader's scope: new persons and
  their residences, changed fields of known persons, moves to the listed room. A batch with a
  rejected row commits nothing and names the rows. The change history is written by the
  database trigger (gc_log_change) and tagged with the batch's UUID.
* `resolve()` settles one queued row: the room the reviewer picked on the map (then the row is
  applied like a committed one), or rejected.
"""
import csv
import io
import logging
from datetime import date, datetime, timezone
from itertools import islice

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from webgis import writes
from webgis.buildings.models import Household
from webgis.errors import Conflict, NotFound, ValidationFailed
from webgis.exchange.matching import RoomIndex
from webgis.exchange.models import ExchangeBatch, ExchangeMapping, ExchangeRow
from webgis.exchange.schemas import FIELDS, LABEL_FIELDS, PersonRow, label_to_code
from webgis.people.idcard import birth_date_of, gender_of
from webgis.people.models import Person, Residence
from webgis.permissions import LIST_UPLOAD_ROLES
from webgis.schemas import parse

log = logging.getLogger(__name__)

CHUNK = 2000
MAX_ROWS = 500_000
PERSON_FIELDS = ("name", "gender", "ethnicity", "birth_date", "phone", "category", "registered_address")


# --- reading ---------------------------------------------------------------------------------

def _cell(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    value = str(value).strip()
    return value or None


def read_table(data: bytes, filename: str):
    """Yield (row number, [cells]) of the first sheet, the header row first (as row 1)."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # a corrupt or renamed file
            raise ValidationFailed({"file": "无法读取该XLSX文件"}) from exc
        try:
            ws = wb.worksheets[0]
            for n, row in enumerate(ws.iter_rows(values_only=True), 1):
                yield n, [_cell(v) for v in row]
        finally:
            wb.close()
    elif name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                decoded = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationFailed({"file": "CSV文件编码无法识别（应为UTF-8或GBK）"})
        for n, row in enumerate(csv.reader(io.StringIO(decoded)), 1):
            yield n, [_cell(v) for v in row]
    else:
        raise ValidationFailed({"file": "只支持XLSX或CSV文件"})


def header_of(data: bytes, filename: str) -> list[str]:
    """The header row of a file (column titles)."""
    for _, cells in read_table(data, filename):
        return [c or "" for c in cells]
    raise ValidationFailed({"file": "文件是空的"})


def suggest_mapping(session: Session, town_id: int, source: str, header: list[str]) -> dict[str, str]:
    """The remembered mapping of `source` if its columns are all there, else one guessed from titles."""
    saved = session.execute(select(ExchangeMapping.mapping).where(ExchangeMapping.town_id == town_id,
                                                                  ExchangeMapping.source == source)
                            ).scalar_one_or_none()
    if saved and all(col in header for col in saved.values()):
        return dict(saved)
    guess = {}
    for field, (_, spellings) in FIELDS.items():
        for col in header:
            if col.strip() in spellings:
                guess[field] = col
                break
    return guess


def save_mapping(session: Session, actor: writes.Actor, source: str, mapping: dict[str, str]) -> None:
    """Remember the column mapping of a source (upsert)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    stmt = pg_insert(ExchangeMapping).values(town_id=actor.town_id, source=source, mapping=mapping,
                                             updated_by=actor.user_id)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["town_id", "source"],
        set_={"mapping": stmt.excluded.mapping, "updated_by": stmt.excluded.updated_by, "updated_at": func.now()}))


# --- the dry run ---------------------------------------------------------------------------

def _known_ids(session: Session, town_id: int, ids: list[str]) -> dict[str, tuple]:
    """{id_number: (person_id, status, grid_id, household_id, in_scope)} for the town, past RLS."""
    if not ids:
        return {}
    rows = session.execute(text(
        "SELECT i, p.* FROM unnest(CAST(:ids AS text[])) AS i, LATERAL gc_person_by_id_number(:t, i) AS p"),
        {"ids": ids, "t": town_id}).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def _by_name_birth(session: Session, pairs: list[tuple[str, str, int]]) -> dict[tuple, int]:
    """{(name, birth_date, household_id): person_id} of current residents with that name and birth date."""
    if not pairs:
        return {}
    rows = session.execute(
        select(Person.name, Person.birth_date, Residence.household_id, Person.id)
        .join(Residence, Residence.person_id == Person.id)
        .where(Residence.end_date.is_(None), Residence.household_id.in_({h for _, _, h in pairs}),
               Person.name.in_({n for n, _, _ in pairs}))).all()
    return {(n, b.isoformat() if b else None, h): pid for n, b, h, pid in rows}


def _row_values(cells: list, columns: dict[str, int]) -> dict:
    values = {}
    for field, idx in columns.items():
        v = cells[idx] if idx < len(cells) else None
        values[field] = label_to_code(field, v) if field in LABEL_FIELDS else v
    return values


def dry_run(session: Session, actor: writes.Actor, data: bytes, filename: str, source: str,
            mapping: dict[str, str], progress=None) -> dict:
    """Validate, match and stage every row of a list; return the batch id and the counts."""
    writes.require(actor, LIST_UPLOAD_ROLES, "exchange")
    rows = read_table(data, filename)
    try:
        _, header = next(rows)
    except StopIteration:
        raise ValidationFailed({"file": "文件是空的"}) from None
    header = [c or "" for c in header]
    missing = {f"mapping.{f}": f"文件中没有“{col}”列" for f, col in mapping.items() if col and col not in header}
    if missing:
        raise ValidationFailed(missing)
    columns = {f: header.index(col) for f, col in mapping.items() if col}
    save_mapping(session, actor, source, mapping)
    batch = ExchangeBatch(town_id=actor.town_id, kind="person_list", source=source, filename=filename[:200],
                          created_by=actor.user_id)
    session.add(batch)
    session.flush()
    index = RoomIndex.load(session, actor.town_id)
    counts = {"rows": 0, "matched": 0, "new": 0, "review": 0, "rejected": 0, "rooms_matched": 0}
    seen_ids: dict[str, int] = {}
    rejected_rows: list[int] = []
    while True:
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            break
        staged = []
        parsed = []
        for row_no, cells in chunk:
            if not any(cells):
                continue
            counts["rows"] += 1
            if counts["rows"] > MAX_ROWS:
                raise ValidationFailed({"file": f"一次最多导入{MAX_ROWS}行，请拆分文件"})
            values = _row_values(cells, columns)
            try:
                p = parse(PersonRow, values)
            except ValidationFailed as exc:
                reason = "；".join(f"{FIELDS.get(k.split('.')[0], (k,))[0]}：{m}" for k, m in exc.details.items())
                staged.append(dict(row_no=row_no, status="rejected", reason=reason,
                                   data={k: v for k, v in values.items() if k not in ("id_number", "phone")}))
                continue
            if p.id_number and p.id_number in seen_ids:
                staged.append(dict(row_no=row_no, status="rejected",
                                   reason=f"公民身份号码与第{seen_ids[p.id_number]}行重复", data={"name": p.name}))
                continue
            if p.id_number:
                seen_ids[p.id_number] = row_no
            parsed.append((row_no, p))
        known = _known_ids(session, actor.town_id, [p.id_number for _, p in parsed if p.id_number])
        matches = [(row_no, p, index.match(p.address)) for row_no, p in parsed]
        by_nb = _by_name_birth(session, [(p.name, p.birth_date, m.household_id) for _, p, m in matches
                                         if not p.id_number and m.household_id])
        for row_no, p, m in matches:
            d = p.model_dump(mode="json")
            if d.get("id_number"):
                d.setdefault("gender", None)
                d["gender"] = d["gender"] or gender_of(p.id_number)
                d["birth_date"] = d["birth_date"] or birth_date_of(p.id_number).isoformat()
            row = dict(row_no=row_no, data=d, household_id=m.household_id, grid_id=m.grid_id, score=m.score,
                       candidates=m.candidates or None)
            person = known.get(p.id_number) if p.id_number else None
            if m.household_id is None:
                row.update(status="review", reason=m.reason)
                if m.candidates:
                    row["grid_id"] = m.candidates[0]["grid_id"]
            elif person is not None and not person[4]:
                row.update(status="review", reason="该身份证号已登记在您负责范围以外的网格，需转交处理")
            elif person is not None:
                row.update(status="matched", person_id=person[0],
                           reason="同一房间" if person[3] == m.household_id else "人员已登记，将迁入所列房间")
            elif p.id_number:
                row.update(status="new", reason="新登记人员")
            else:
                pid = by_nb.get((p.name, d["birth_date"], m.household_id))
                if pid is None:
                    row.update(status="review", reason="无身份证号，且该房间没有同名同生日的人员")
                else:
                    row.update(status="matched", person_id=pid, reason="按姓名+出生日期+地址匹配")
            staged.append(row)
        for r in staged:
            counts[r["status"]] += 1
            if r.get("household_id") and r["status"] != "review":
                counts["rooms_matched"] += 1
            if r["status"] == "rejected" and len(rejected_rows) < 50:
                rejected_rows.append(r["row_no"])
            r.update(batch_id=batch.id, town_id=actor.town_id, created_by=actor.user_id)
            r.setdefault("grid_id", None)
            for k in ("household_id", "person_id", "score", "candidates", "reason"):
                r.setdefault(k, None)
        if staged:
            session.execute(insert(ExchangeRow), staged)
        if progress:
            progress(counts["rows"])
    if counts["rows"] == 0:
        raise ValidationFailed({"file": "文件中没有数据行"})
    batch.counts = {**counts, "rejected_rows": rejected_rows}
    session.flush()
    session.commit()
    return {"batch_id": batch.id, "counts": batch.counts}


# --- the commit ---------------------------------------------------------------------------

def _batch(session: Session, batch_id: int, lock: bool = False) -> ExchangeBatch:
    q = select(ExchangeBatch).where(ExchangeBatch.id == batch_id)
    b = session.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if b is None:
        raise NotFound("exchange_batch", batch_id)
    return b


def _apply(session: Session, rows: list[ExchangeRow | dict], town_id: int, today: date) -> None:
    """Write staged rows: new persons + residences, known persons updated and moved (bulk per chunk)."""
    rooms = {h.id: h for h in session.execute(select(Household).where(
        Household.id.in_({r["household_id"] for r in rows}))).scalars()}
    new = [r for r in rows if r["status"] == "new"]
    known = [r for r in rows if r["status"] == "matched"]
    if any(r["household_id"] not in rooms for r in rows):
        raise Conflict("所列房间已不在您的负责范围内或已删除，请重新预检", code="room_gone")
    if new:
        values = [{"town_id": town_id, "grid_id": rooms[r["household_id"]].grid_id, "name": r["data"]["name"],
                   "gender": r["data"]["gender"], "ethnicity": r["data"].get("ethnicity") or "01",
                   "id_number": r["data"]["id_number"],
                   "birth_date": date.fromisoformat(r["data"]["birth_date"]) if r["data"].get("birth_date") else None,
                   "phone": r["data"].get("phone"), "category": r["data"].get("category") or "registered",
                   "registered_address": r["data"].get("registered_address"), "status": "active",
                   "hukou_consistent": True} for r in new]
        ids = session.execute(insert(Person).returning(Person.id, sort_by_parameter_order=True), values).scalars().all()
        session.execute(insert(Residence), [
            {"town_id": town_id, "grid_id": rooms[r["household_id"]].grid_id, "person_id": pid,
             "household_id": r["household_id"], "relation_to_head": r["data"].get("relation"), "start_date": today}
            for r, pid in zip(new, ids)])
    if known:
        persons = {p.id: p for p in session.execute(select(Person).where(
            Person.id.in_([r["person_id"] for r in known])).with_for_update()).scalars()}
        current = {}
        for res in session.execute(select(Residence).where(Residence.person_id.in_(list(persons)),
                                                           Residence.end_date.is_(None)).with_for_update()).scalars():
            current.setdefault(res.person_id, []).append(res)
        for r in known:
            p = persons.get(r["person_id"])
            if p is None:
                raise Conflict(f"第{r['row_no']}行的人员已不在您的负责范围内，请重新预检", code="person_gone")
            room = rooms[r["household_id"]]
            d = r["data"]
            values = {f: d.get(f) for f in ("name", "phone", "registered_address") if d.get(f)}
            values.update({f: d[f] for f in ("gender", "ethnicity", "category") if d.get(f)})
            if d.get("birth_date"):
                values["birth_date"] = date.fromisoformat(d["birth_date"])
            links = current.get(p.id, [])
            if not any(x.household_id == room.id for x in links):
                for x in links:
                    x.end_date = today
                session.add(Residence(town_id=town_id, grid_id=room.grid_id, person_id=p.id, household_id=room.id,
                                      relation_to_head=d.get("relation"), start_date=today))
                values.update({"grid_id": room.grid_id, "status": "active"})
            writes.assign(p, values)
    for h in rooms.values():
        if h.status == "vacant":
            h.status = "active"
    session.flush()


def commit(session: Session, actor: writes.Actor, batch_id: int, progress=None) -> dict:
    """Apply a dry run in one transaction: all rows or none (a rejected row stops it)."""
    writes.require(actor, LIST_UPLOAD_ROLES, "exchange", batch_id)
    b = _batch(session, batch_id)
    writes.submission(session, b.client_uuid)
    b = _batch(session, batch_id, lock=True)
    if b.status == "committed":
        return {"applied": False, "batch_id": b.id, "counts": b.counts}
    if b.status != "dry_run":
        raise Conflict("该批次已作废", code="discarded")
    rejected = session.execute(select(ExchangeRow.row_no, ExchangeRow.reason).where(
        ExchangeRow.batch_id == b.id, ExchangeRow.status == "rejected").order_by(ExchangeRow.row_no).limit(20)).all()
    if rejected:
        raise ValidationFailed({f"row.{n}": reason for n, reason in rejected},
                               message=f"文件中有{b.counts.get('rejected', len(rejected))}行有误，未导入任何数据；"
                                       f"请修改后重新上传（第{rejected[0][0]}行起）")
    today = date.today()
    done, last_id = 0, 0
    while True:
        chunk = session.execute(
            select(ExchangeRow.id, ExchangeRow.row_no, ExchangeRow.status, ExchangeRow.data,
                   ExchangeRow.household_id, ExchangeRow.person_id)
            .where(ExchangeRow.batch_id == b.id, ExchangeRow.status.in_(("new", "matched")), ExchangeRow.id > last_id)
            .order_by(ExchangeRow.id).limit(CHUNK)).mappings().all()
        if not chunk:
            break
        last_id = chunk[-1]["id"]
        _apply(session, [dict(r) for r in chunk], actor.town_id, today)
        done += len(chunk)
        if progress:
            progress(done)
    session.execute(update(ExchangeBatch).where(ExchangeBatch.id == b.id).values(
        status="committed", committed_at=datetime.now(timezone.utc), counts=dict(b.counts, applied=done)))
    session.commit()
    return {"applied": True, "batch_id": b.id, "rows_applied": done, "counts": b.counts}


# --- reading a batch, the review queue ----------------------------------------------------------

def batch_report(session: Session, batch_id: int, status: str | None = None, limit: int = 200) -> dict:
    """The batch's counts and its rows of one outcome (row number, reason, candidates)."""
    b = _batch(session, batch_id)
    q = select(ExchangeRow).where(ExchangeRow.batch_id == b.id)
    if status:
        q = q.where(ExchangeRow.status == status)
    rows = session.execute(q.order_by(ExchangeRow.row_no).limit(min(limit, 1000))).scalars().all()
    return {"batch_id": b.id, "kind": b.kind, "status": b.status, "source": b.source, "filename": b.filename, "counts": b.counts,
            "rows": [{"id": r.id, "row_no": r.row_no, "status": r.status, "reason": r.reason,
                      "name": r.data.get("name"), "address": r.data.get("address"), "household_id": r.household_id,
                      "grid_id": r.grid_id, "score": r.score, "candidates": r.candidates or [], "version": r.version}
                     for r in rows]}


def resolve(session: Session, actor: writes.Actor, row_id: int, decision) -> dict:
    """Settle one queued row: apply it to the room picked on the map, or reject it."""
    writes.require(actor, LIST_UPLOAD_ROLES, "exchange_row", row_id)
    writes.submission(session, decision.client_uuid)
    r = writes.lock(session, ExchangeRow, row_id, "exchange_row")
    if r.status != "review":
        return {"applied": False, "id": r.id, "status": r.status}
    writes.check_version(r, decision.version, "exchange_row", current={"status": r.status, "version": r.version},
                         yours=decision.model_dump(mode="json"))
    if decision.reject:
        writes.assign(r, {"status": "skipped", "reason": "审核后不导入"})
        session.flush()
        session.commit()
        return {"applied": True, "id": r.id, "status": r.status}
    if decision.household_id is None:
        raise ValidationFailed({"household_id": "请在地图上选择该行所在的房间"})
    room = writes.lock(session, Household, decision.household_id, "household")
    if room.status == "demolished":
        raise Conflict("该房间已拆除", code="demolished")
    d = dict(r.data)
    status, person_id = "new", None
    if d.get("id_number"):
        found = _known_ids(session, actor.town_id, [d["id_number"]]).get(d["id_number"])
        if found is not None and not found[4]:
            raise Conflict("该身份证号已登记在您负责范围以外的网格", code="out_of_scope_person")
        if found is not None:
            status, person_id = "matched", found[0]
    else:
        raise ValidationFailed({"id_number": "无身份证号的人员请通过入户登记表登记"})
    _apply(session, [{"row_no": r.row_no, "status": status, "data": d, "household_id": room.id,
                      "person_id": person_id}], actor.town_id, date.today())
    writes.assign(r, {"status": "applied", "household_id": room.id, "grid_id": room.grid_id,
                      "reason": "审核后按地图选择的房间导入"})
    session.flush()
    session.commit()
    return {"applied": True, "id": r.id, "status": r.status, "household_id": room.id}
