"""The XLSX reader: the same rows in-process and through the child process; a corrupt file is an
error either way (webgis/exchange/reader.py)."""
import pytest

from tests.test_exchange_lists import HEADER, xlsx
from webgis.errors import ValidationFailed
from webgis.exchange import lists, reader


def test_child_process_reads_the_same_rows_in_chunks(monkeypatch):
    monkeypatch.setattr(reader, "CHUNK", 7)  # several chunks through the bounded queue
    rows = [[n, f"姓名{n}", None, 3.0, "  x "] for n in range(1, 40)]
    data = xlsx(rows)
    inline = list(lists.read_table(data, "a.xlsx", pipeline=False))
    piped = list(lists.read_table(data, "a.xlsx", pipeline=True))
    assert piped == inline and len(piped) == 40
    assert piped[0] == (1, HEADER) and piped[1] == (2, ["1", "姓名1", None, "3", "x"])


@pytest.mark.parametrize("pipeline", [False, True])
def test_a_corrupt_file_is_a_validation_error(pipeline):
    with pytest.raises(ValidationFailed) as err:
        list(lists.read_table(b"PK\x03\x04 not really a workbook", "a.xlsx", pipeline=pipeline))
    assert err.value.details == {"file": "无法读取该XLSX文件"}
