"""Spreadsheets: ``.xlsx`` tables read directly, and binary files saved under a text name.

Analysts keep tables in Excel. :func:`read_xlsx` reads one sheet of a workbook (the first,
or the one the config names under ``sheet:``) with openpyxl: the first row is the header,
and each column becomes one Arrow column -- numbers, dates and yes/no as they are typed in
the sheet, anything mixed as text -- so the same typing and checks apply as to a CSV file.

A workbook or a ZIP archive renamed to ``.csv`` is no CSV at all; :func:`binary_kind`
recognises it by its first bytes, so the message can say what the file is.

Examples
--------
>>> column_array([1, 2.5, None]).type, column_array(["a", 3]).to_pylist()
(DataType(double), ['a', '3'])
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa

from cxlib.io.raw import DataContractError

XLSX_SUFFIXES = (".xlsx", ".xlsm")
"""Excel workbooks read directly (the 1997-2003 ``.xls`` format is not)."""

MAGIC_BYTES = 8
"""Bytes read from the start of a file to tell what it is."""

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 and other Office files
_PARQUET = b"PAR1"
_GZIP = b"\x1f\x8b"


def binary_kind(path: Path, head: bytes) -> str | None:
    """What a file starting with ``head`` is when it is no text at all (else None).

    A ZIP archive is opened to tell an Excel workbook (it holds ``xl/workbook.xml``)
    from other archives.
    """
    if head.startswith(_ZIP):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            names = set()
        if "xl/workbook.xml" in names:
            return "an Excel workbook, not CSV: save it as CSV or name it .xlsx"
        return "a ZIP archive, not CSV: unpack it and name the CSV file inside"
    if head.startswith(_OLE2):
        return "an Excel 97-2003 workbook (.xls), not CSV: save it as CSV or as .xlsx"
    if head.startswith(_PARQUET):
        return "a Parquet file, not CSV: name it .parquet"
    if head.startswith(_GZIP):
        return "gzip-compressed, not plain CSV: name it .csv.gz"
    return None


def read_xlsx(path: Path, table: str, sheet: str | None) -> tuple[pa.Table, str]:
    """One sheet of a workbook as an Arrow table, and the sheet's name.

    ``sheet`` names the sheet (the config's ``tables.<table>.sheet``); None reads the
    first. Rows with no value at all (Excel's formatted but empty rows) are left out.
    """
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise DataContractError(
            [f"{path}: not a readable Excel workbook ({exc}). Fix: save it again as .xlsx."]
        ) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise DataContractError(
                [f"{path}: no sheet {sheet!r} (the sheets are {book.sheetnames}). "
                 f"Fix: correct tables.{table}.sheet in the config."]
            )  # fmt: skip
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
        name = ws.title
    finally:
        book.close()
    return _as_arrow(path, rows, name), name


def _as_arrow(path: Path, rows: list[tuple], sheet: str) -> pa.Table:
    """The rows of a sheet (header first) as an Arrow table, one typed column each."""
    if not rows:
        raise DataContractError(
            [f"{path}: sheet {sheet!r} is empty. Fix: put the table (header first) on it."]
        )
    header = list(rows[0])
    while header and header[-1] is None:
        header.pop()
    unnamed = [i + 1 for i, h in enumerate(header) if h is None or not str(h).strip()]
    if not header or unnamed:
        raise DataContractError(
            [f"{path}: sheet {sheet!r}: column(s) {unnamed or [1]} of the first row have no "
             "name. Fix: give every column a name in the first row."]
        )  # fmt: skip
    width = len(header)
    body = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows[1:]]
    columns = list(zip(*body, strict=True)) if body else [()] * width
    return pa.table([column_array(list(c)) for c in columns], names=[str(h) for h in header])


def column_array(values: list[Any]) -> pa.Array:
    """One sheet column as Arrow: numbers, dates or booleans when all are, else text."""
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {int}:
        return pa.array(values, pa.int64())
    if kinds and kinds <= {int, float}:
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if kinds and kinds <= {dt.datetime, dt.date}:
        return pa.array([_timestamp(v) for v in values], pa.timestamp("us"))
    if kinds == {bool}:
        return pa.array(values, pa.bool_())
    return pa.array([None if v is None else _text(v) for v in values], pa.string())


def _timestamp(value: dt.date | dt.datetime | None) -> dt.datetime | None:
    """A date as midnight; a datetime as it is."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day)


def _text(value: Any) -> str:
    """A cell as text: whole floats without ``.0`` (an id typed as a number), dates in ISO."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)
