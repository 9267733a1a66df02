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
import json
import logging
from datetime import date, datetime, timezone
from itertools import islice

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from webgis import writes
from webgis.buildings.models import Household
from webgis.errors import Conflict, NotFound, ValidationFailed
from webgis.exchange import reader
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

_cell = reader.cell


def read_table(data: bytes, filename: str, pipeline: bool | None = None):
    """Yield (row number, [cells]) of the first sheet, the header row first (as row 1). A large
    XLSX is read in a child process that overlaps with the caller's work (webgis/exchange/reader.py)."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        try:
            yield from reader.stream_xlsx(data, pipeline)
        except reader.UnreadableFile as exc:
            raise ValidationFailed({"file": str(exc)}) from None
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


def row_estimate(data: bytes, filename: str) -> int | None:
    """How many data rows a file has, for the progress bar: the <row> tags of the first sheet counted
    on the decompressed stream (openpyxl's max_row reads the whole sheet when no dimension is written,
    as write-only tools do), or the lines of a CSV."""
    name = (filename or "").lower()
    try:
        if name.endswith(".xlsx"):
            return _count_xml_rows(data)
        if name.endswith(".csv"):
            return max(0, data.count(b"\n") - 1)
    except Exception:  # an unreadable file is reported by the dry run itself
        return None
    return None


def _count_xml_rows(data: bytes) -> int | None:
    import re
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = sorted(n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
        if not names:
            return None
        n, tail = 0, b""
        with zf.open(names[0]) as f:
            while block := f.read(1 << 20):
                buf = tail + block  # a tag split between blocks is counted once: the tail is shorter than a tag
                n += buf.count(b"<row ") + buf.count(b"<row>")
                tail = buf[-4:]
    return max(0, n - 1)


def header_of(data: bytes, filename: str) -> list[str]:
    """The header row of a file (column titles)."""
    for _, cells in read_table(data, filename, pipeline=False):
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
    rows = session.execute(text("SELECT * FROM gc_persons_by_id_numbers(:t, CAST(:ids AS text[]))"),
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


_STAGE_COLUMNS = ("batch_id", "town_id", "grid_id", "row_no", "status", "reason", "data", "household_id",
                  "person_id", "score", "candidates", "created_by")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(v) -> str:
    """One field of COPY's text format."""
    if v is None:
        return "\\N"
    if isinstance(v, (dict, list)):
        v = json.dumps(v, ensure_ascii=False)
    return str(v).translate(_COPY_ESCAPES)


class _Stage:
    """The dry run's rows, COPYed chunk by chunk into a temporary table and moved into exchange_row
    with one INSERT … SELECT at the end (COPY FROM cannot write a table under row-level security;
    the INSERT goes through its policies)."""

    def __init__(self, session: Session):
        self.session = session
        session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS gc_stage ON COMMIT DROP AS "
                             f"SELECT {', '.join(_STAGE_COLUMNS)} FROM exchange_row WITH NO DATA"))
        session.execute(text("TRUNCATE gc_stage"))

    def copy(self, rows: list[dict]) -> None:
        if not rows:
            return
        buf = io.StringIO()
        for r in rows:
            buf.write("\t".join(_copy_value(r[c]) for c in _STAGE_COLUMNS))
            buf.write("\n")
        buf.seek(0)
        cur = self.session.connection().connection.cursor()
        try:
            cur.copy_expert(f"COPY gc_stage ({', '.join(_STAGE_COLUMNS)}) FROM STDIN", buf)
        finally:
            cur.close()

    def flush(self) -> None:
        cols = ", ".join(_STAGE_COLUMNS)
        self.session.execute(text(f"INSERT INTO exchange_row ({cols}) SELECT {cols} FROM gc_stage ORDER BY row_no"))
        self.session.execute(text("TRUNCATE gc_stage"))


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
    if progress:
        progress(0, message="载入本镇房屋地址索引")
    index = RoomIndex.load(session, actor.town_id)
    if progress:
        progress(0, message="校验、匹配地址")
    stage = _Stage(session)
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
        stage.copy(staged)
        if progress:
            progress(counts["rows"])
    if counts["rows"] == 0:
        raise ValidationFailed({"file": "文件中没有数据行"})
    stage.flush()
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


# The rows to apply (row number, known person or NULL for a new one, room, the row's data) sit in
# the temporary table gc_apply; each statement below is one set-based step over all of them, under
# the uploader's row-level security, in the caller's transaction. The change-history trigger still
# fires per written row (person, residence, household); rows whose values do not change are not
# updated at all, so they cost no trigger call and leave no history.
_APPLY_TABLE = text("CREATE TEMP TABLE IF NOT EXISTS gc_apply (row_no integer, person_id integer, "
                    "household_id integer, data jsonb) ON COMMIT DROP")
_APPLY_CHECKS = text("""
  SELECT (SELECT min(a.row_no) FROM gc_apply a WHERE NOT EXISTS (SELECT 1 FROM household h WHERE h.id = a.household_id)),
         (SELECT min(a.row_no) FROM gc_apply a WHERE a.person_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM person p WHERE p.id = a.person_id))""")
_APPLY_NEW = text("""
  WITH ins AS (
    INSERT INTO person (town_id, grid_id, name, gender, ethnicity, id_number, birth_date, phone, category,
                        registered_address, status, hukou_consistent)
    SELECT :t, h.grid_id, a.data->>'name', a.data->>'gender', coalesce(nullif(a.data->>'ethnicity', ''), '01'),
           a.data->>'id_number', nullif(a.data->>'birth_date', '')::date, nullif(a.data->>'phone', ''),
           coalesce(nullif(a.data->>'category', ''), 'registered'), nullif(a.data->>'registered_address', ''),
           'active', true
      FROM gc_apply a JOIN household h ON h.id = a.household_id
     WHERE a.person_id IS NULL ORDER BY a.row_no
    RETURNING id, id_number, grid_id)
  INSERT INTO residence (town_id, grid_id, person_id, household_id, relation_to_head, start_date)
  SELECT :t, ins.grid_id, ins.id, a.household_id, nullif(a.data->>'relation', ''), :today
    FROM ins JOIN gc_apply a ON a.person_id IS NULL AND a.data->>'id_number' = ins.id_number""")
# Known persons: the listed fields that are filled in; a person listed in another room than their
# current one moves there (grid and status follow, one history row per person with both).
_APPLY_KNOWN = text("""
  WITH src AS (
    SELECT DISTINCT ON (a.person_id) a.person_id, a.data AS d, h.grid_id,
           NOT EXISTS (SELECT 1 FROM residence r WHERE r.person_id = a.person_id AND r.end_date IS NULL
                          AND r.household_id = a.household_id) AS moves
      FROM gc_apply a JOIN household h ON h.id = a.household_id
     WHERE a.person_id IS NOT NULL ORDER BY a.person_id, a.row_no
  ), new AS (
    SELECT p.id, coalesce(nullif(d->>'name', ''), p.name) AS name, coalesce(nullif(d->>'phone', ''), p.phone) AS phone,
           coalesce(nullif(d->>'registered_address', ''), p.registered_address) AS registered_address,
           coalesce(nullif(d->>'gender', ''), p.gender) AS gender,
           coalesce(nullif(d->>'ethnicity', ''), p.ethnicity) AS ethnicity,
           coalesce(nullif(d->>'category', ''), p.category) AS category,
           coalesce(nullif(d->>'birth_date', '')::date, p.birth_date) AS birth_date,
           CASE WHEN src.moves THEN src.grid_id ELSE p.grid_id END AS grid_id,
           CASE WHEN src.moves THEN 'active' ELSE p.status END AS status
      FROM src JOIN person p ON p.id = src.person_id
  )
  UPDATE person p SET name = n.name, phone = n.phone, registered_address = n.registered_address, gender = n.gender,
         ethnicity = n.ethnicity, category = n.category, birth_date = n.birth_date, grid_id = n.grid_id,
         status = n.status, version = p.version + 1
    FROM new n
   WHERE p.id = n.id
     AND (p.name, p.phone, p.registered_address, p.gender, p.ethnicity, p.category, p.birth_date, p.grid_id, p.status)
         IS DISTINCT FROM (n.name, n.phone, n.registered_address, n.gender, n.ethnicity, n.category, n.birth_date,
                           n.grid_id, n.status)""")
_APPLY_MOVES = text("""
  WITH moving AS (
    SELECT DISTINCT ON (a.person_id) a.person_id, a.household_id, a.data, h.grid_id
      FROM gc_apply a JOIN household h ON h.id = a.household_id
     WHERE a.person_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM residence r WHERE r.person_id = a.person_id AND r.end_date IS NULL
                          AND r.household_id = a.household_id)
     ORDER BY a.person_id, a.row_no
  ), ended AS (
    UPDATE residence r SET end_date = :today FROM moving m WHERE r.person_id = m.person_id AND r.end_date IS NULL
    RETURNING r.id
  )
  INSERT INTO residence (town_id, grid_id, person_id, household_id, relation_to_head, start_date)
  SELECT :t, m.grid_id, m.person_id, m.household_id, nullif(m.data->>'relation', ''), :today FROM moving m""")
_APPLY_ROOMS = text("""
  UPDATE household h SET status = 'active', version = h.version + 1
   WHERE h.status = 'vacant' AND h.id IN (SELECT household_id FROM gc_apply)""")


def _apply_staged(session: Session, town_id: int, today: date, progress=None) -> int:
    """Write the rows of gc_apply: new persons + residences, known persons updated and moved, vacant rooms
    occupied. Returns how many rows were applied."""
    n = session.execute(text("SELECT count(*) FROM gc_apply")).scalar()
    gone_room, gone_person = session.execute(_APPLY_CHECKS).one()
    if gone_room is not None:
        raise Conflict(f"第{gone_room}行所列房间已不在您的负责范围内或已删除，请重新预检", code="room_gone")
    if gone_person is not None:
        raise Conflict(f"第{gone_person}行的人员已不在您的负责范围内，请重新预检", code="person_gone")
    params = {"t": town_id, "today": today}
    for step, sql in enumerate((_APPLY_NEW, _APPLY_KNOWN, _APPLY_MOVES, _APPLY_ROOMS), 1):
        session.execute(sql, params)
        if progress:
            progress(step)
    session.execute(text("TRUNCATE gc_apply"))
    session.expire_all()  # persons, residences and rooms were written past the ORM
    return n


def _apply(session: Session, rows: list[dict], town_id: int, today: date) -> None:
    """Write a few staged rows (a review decision, a police import's moves) the same way as a commit."""
    session.flush()
    session.execute(_APPLY_TABLE)
    session.execute(text("TRUNCATE gc_apply"))
    if rows:
        session.execute(text("INSERT INTO gc_apply VALUES (:row_no, :person_id, :household_id, CAST(:data AS jsonb))"),
                        [{"row_no": r["row_no"], "person_id": r.get("person_id") if r["status"] == "matched" else None,
                          "household_id": r["household_id"], "data": json.dumps(r["data"], ensure_ascii=False)}
                         for r in rows])
    _apply_staged(session, town_id, today)


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
    session.execute(_APPLY_TABLE)
    session.execute(text("TRUNCATE gc_apply"))
    session.execute(text("INSERT INTO gc_apply SELECT row_no, person_id, household_id, data FROM exchange_row "
                         "WHERE batch_id = :b AND status IN ('new', 'matched') ORDER BY row_no"), {"b": b.id})
    steps = ("新增人员", "更新已登记人员", "迁入所列房间", "房屋状态")
    done = _apply_staged(session, actor.town_id, date.today(),
                         (lambda step: progress(step, len(steps), f"第{step}/{len(steps)}步：{steps[step - 1]}已写入"))
                         if progress else None)
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
