"""Reading the rows of an uploaded XLSX: openpyxl `read_only` + `values_only`, streamed.

openpyxl parses ~10,000 cells per second per core and is pure Python, so on a 200,000-row list
it is a third of the dry run (bench/import.py). A large file is therefore read in a child process
(`multiprocessing`, spawn: no state of the web worker is inherited) while the parent validates,
matches and stages the rows already read: the two overlap on the machine's two cores. The chunks
pass through a bounded queue, so the parent never holds more than `QUEUE_CHUNKS` chunks ahead and
memory stays bounded (the file is streamed on both sides). Small files are read in-process (the
child's start costs about a second).

Only openpyxl and the standard library are used here: this module is what the child imports.
"""
import io
import multiprocessing
from datetime import date, datetime

PIPELINE_BYTES = 2_000_000  # xlsx larger than this (~30,000 rows) are read in a child process
QUEUE_CHUNKS = 8
CHUNK = 2000
BAD_FILE = "无法读取该XLSX文件"


def cell(value):
    """One cell as text (dates as ISO, whole floats without .0), None when empty."""
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


class UnreadableFile(Exception):
    """The bytes are not an XLSX openpyxl can open."""


def xlsx_rows(data: bytes):
    """Yield (row number, [cells]) of the first sheet, the header row first (as row 1)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or renamed file
        raise UnreadableFile(BAD_FILE) from exc
    try:
        ws = wb.worksheets[0]
        for n, row in enumerate(ws.iter_rows(values_only=True), 1):
            yield n, [cell(v) for v in row]
    finally:
        wb.close()


last_child_rss_mb: float | None = None  # the reader process's largest resident size (bench/import.py)


def _rss_mb() -> float:
    """Resident size now (VmRSS; ru_maxrss of a spawned child still counts the parent it forked from)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(x.split()[1]) for x in f if x.startswith("VmRSS:")) / 1024
    except (OSError, StopIteration, ValueError):
        return 0.0


def _produce(data: bytes, queue) -> None:
    """The child: read the sheet, put chunks of rows, then ("done", peak RSS in MB) or ("error", message)."""
    try:
        block, peak = [], 0.0
        for row in xlsx_rows(data):
            block.append(row)
            if len(block) >= CHUNK:
                peak = max(peak, _rss_mb())
                queue.put(block)
                block = []
        if block:
            queue.put(block)
        queue.put(("done", peak))
    except UnreadableFile as exc:
        queue.put(("error", str(exc)))
    except Exception:  # noqa: BLE001 — reported to the parent as an unreadable file
        queue.put(("error", BAD_FILE))


def stream_xlsx(data: bytes, pipeline: bool | None = None):
    """Yield (row number, [cells]) of the first sheet; a large file is read in a child process."""
    if pipeline is None:
        pipeline = len(data) >= PIPELINE_BYTES
    if not pipeline:
        yield from xlsx_rows(data)
        return
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue(maxsize=QUEUE_CHUNKS)
    child = ctx.Process(target=_produce, args=(data, queue), daemon=True, name="gridcheck-xlsx-reader")
    child.start()
    global last_child_rss_mb
    try:
        while True:
            block = queue.get(timeout=900)
            if isinstance(block, tuple):
                if block[0] == "done":
                    last_child_rss_mb = block[1]
                    break
                raise UnreadableFile(block[1])
            yield from block
    finally:
        if child.is_alive():
            child.terminate()
        child.join(10)
        queue.close()
