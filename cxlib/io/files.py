"""Reading tables from files in a folder: one CSV, Parquet or Excel file per table.

:class:`FolderReader` finds ``<table>.csv`` / ``.parquet`` / ``.xlsx`` (or the file a
config names) and registers it, as read, in the validation's DuckDB connection. A CSV file
is read as text, every column a string, its header deciding the columns (so no type or
dialect guess can drop a row); a file that is not UTF-8 is read in the 8-bit encoding
:mod:`cxlib.io.encoding` judges it to be, with a warning naming it; a workbook or archive
saved under a CSV name is named for what it is (:mod:`cxlib.io.sheets`). Parquet is read
with pyarrow, label columns dictionary-encoded (cheap categories later); an ``.xlsx``
sheet with openpyxl (:mod:`cxlib.io.sheets`).

Examples
--------
>>> delimiter(Path("tickets.tsv.gz")), delimiter(Path("tickets.csv"))
('\\t', ',')
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from cxlib.contract import TABLES
from cxlib.io.config import TableMapping
from cxlib.io.encoding import (
    READ_CHUNK_BYTES,
    detect_encoding,
    open_bytes,
    open_text,
)
from cxlib.io.raw import DataContractError, RawTable, register_arrow
from cxlib.io.sheets import MAGIC_BYTES, XLSX_SUFFIXES, binary_kind, read_xlsx
from cxlib.io.sqltext import lit

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")


class FolderReader:
    """Tables as files in a folder: ``<table>.csv`` / ``.parquet`` or as mapped."""

    def __init__(self, folder: str | Path, con: duckdb.DuckDBPyConnection):
        self.folder = Path(folder)
        self.con = con
        if not self.folder.is_dir():
            raise DataContractError(
                [f"{self.folder}: no such folder. Fix: pass the folder holding the table files."]
            )

    def find(self, table: str, mapping: TableMapping) -> Path | None:
        """The file holding ``table`` (None when the folder has none)."""
        for key in ("query", "table"):
            if getattr(mapping, key):
                raise DataContractError(
                    [
                        f"{self.folder}: tables.{table}.{key} in the config is for a database "
                        f"source, but this is a folder of files. Fix: name the file under "
                        f"tables.{table}.file (and filter rows with tables.{table}.where), "
                        f"or load from the database."
                    ]
                )
        if mapping.file:
            path = self.folder / mapping.file
            if not path.exists():
                raise DataContractError(
                    [
                        f"{path}: file named for table {table!r} in the config does not exist. "
                        f"Fix: correct tables.{table}.file in the config."
                    ]
                )
            return path
        for suffix in PARQUET_SUFFIXES + CSV_SUFFIXES + XLSX_SUFFIXES:
            path = self.folder / f"{table}{suffix}"
            if path.exists():
                return path
        # a table file in another format is an error (read() says so), not an absent table
        return next(iter(sorted(self.folder.glob(f"{table}.*"))), None)

    def read(self, table: str, mapping: TableMapping) -> RawTable | None:
        """Register ``table`` in the connection; None when the folder lacks it."""
        path = self.find(table, mapping)
        if path is None:
            return None
        check_not_empty(path, table)
        name = path.name.lower()
        if name.endswith(PARQUET_SUFFIXES):
            labels = [
                mapping.source_column(c.name) for c in TABLES[table].columns if c.kind == "category"
            ]
            return self._read_parquet(table, path, labels)
        if name.endswith(CSV_SUFFIXES):
            return self._read_csv(table, path)
        if name.endswith(XLSX_SUFFIXES):
            return self._read_xlsx(table, path, mapping.sheet)
        raise DataContractError(
            [
                f"{path}: not a CSV, Parquet or Excel (.xlsx) file (suffix {path.suffix!r}). "
                "Fix: export the table as .csv (UTF-8), .parquet or .xlsx."
            ]
        )

    def _read_xlsx(self, table: str, path: Path, sheet: str | None) -> RawTable:
        """One sheet of a workbook (the first unless the config names one)."""
        arrow, name = read_xlsx(path, table, sheet)
        origin = f"{path} (sheet {name!r})"
        header, renamed = checked_header(Path(origin), arrow.column_names)
        arrow = arrow.rename_columns(header)
        if arrow.num_rows == 0:
            raise DataContractError(
                [f"{origin}: the sheet has a header but no data rows. Fix: export the data again."]
            )
        raw = register_arrow(self.con, f"raw_{table}", arrow, origin)
        raw.renamed = dict(renamed)
        if renamed:
            raw.warnings.append(renamed_note(origin, renamed))
        return raw

    def _read_parquet(self, table: str, path: Path, labels: list[str]) -> RawTable:
        """Read with pyarrow; label columns stay dictionary-encoded (cheap categories)."""
        try:
            schema = pq.read_schema(path)
            strings = [
                n for n in labels if n in schema.names and pa.types.is_string(schema.field(n).type)
            ]
            # memory-mapped: the file's pages are decoded in place, not first copied
            arrow = pq.read_table(path, read_dictionary=strings, memory_map=True)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataContractError(
                [f"{path}: not a readable Parquet file ({exc}). Fix: export it as Parquet again."]
            ) from exc
        if arrow.num_rows == 0:
            raise DataContractError(
                [f"{path}: the file has no data rows. Fix: export the {table} table again."]
            )
        return register_arrow(self.con, f"raw_{table}", arrow, path)

    def _read_csv(self, table: str, path: Path) -> RawTable:
        """Read every column as text; the header decides the columns.

        The header is read with Python's csv module and handed to DuckDB, so no
        type or dialect guessing can drop rows: a row with too few fields gets
        empty values (counted later as missing), one with too many is an error.
        """
        with open_bytes(path) as fh:
            kind = binary_kind(path, fh.read(MAGIC_BYTES))
        if kind:
            raise DataContractError([f"{path}: the file is {kind}."])
        encoding, note = detect_encoding(path)
        read_path = path if encoding == "utf-8" else _as_utf8(path, encoding)
        try:
            header, renamed = checked_header(path, _csv_header(read_path, delimiter(path)))
            arrow = self._csv_as_text(path, read_path, header)
        finally:
            if read_path != path:
                read_path.unlink(missing_ok=True)
        if arrow.num_rows == 0:
            raise DataContractError(
                [f"{path}: the file has a header but no data rows. Fix: export the data again."]
            )
        raw = register_arrow(self.con, f"raw_{table}", arrow, path)
        raw.encoding = encoding
        if note:
            raw.warnings.append(note)
        raw.renamed = dict(renamed)
        if renamed:
            raw.warnings.append(renamed_note(str(path), renamed))
        return raw

    def _csv_as_text(self, path: Path, read_path: Path, header: list[str]) -> pa.Table:
        """The UTF-8 CSV at ``read_path`` (standing for ``path``), every column as text."""
        columns = ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header)
        try:
            return self.con.sql(
                f"SELECT * FROM read_csv({lit(str(read_path))}, columns={{{columns}}}, "
                f"header=true, auto_detect=false, delim={lit(delimiter(path))}, quote='\"', "
                "escape='\"', null_padding=true, parallel=false)"
            ).to_arrow_table()
        except duckdb.Error as exc:
            first = str(exc).split("\n  file =")[0].split("Possible fixes")[0].strip()
            first = " ".join(first.split())
            raise DataContractError(
                [f"{path}: could not be parsed as CSV ({first}). Fix: check the line named; "
                 "quote fields that contain the delimiter or line breaks."]
            ) from exc  # fmt: skip


def delimiter(path: Path) -> str:
    """The field delimiter of a text table file: a tab for ``.tsv``, else a comma."""
    return "\t" if ".tsv" in path.name.lower() else ","


def _as_utf8(path: Path, encoding: str) -> Path:
    """A temporary UTF-8 copy of the text file ``path`` (the caller deletes it)."""
    with (
        open_text(path, encoding) as src,
        tempfile.NamedTemporaryFile(
            "w", suffix=".csv", encoding="utf-8", newline="", delete=False
        ) as dst,
    ):
        for chunk in iter(lambda: src.read(READ_CHUNK_BYTES), ""):
            dst.write(chunk)
    return Path(dst.name)


def renamed_note(origin: str, renamed: list[tuple[str, str]]) -> str:
    """The warning that columns differing only in case were renamed."""
    pairs = ", ".join(f"{a!r} -> {b!r}" for a, b in renamed)
    return (
        f"{origin}: column names differing only in case were renamed ({pairs}); "
        "SQL names ignore case."
    )


def checked_header(path: Path, header: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """A header made unique up to case, and the renamings; raise on a bad header."""
    if not header or not any(h.strip() for h in header):
        raise DataContractError(
            [f"{path}: the first line holds no column names. Fix: export with a header."]
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise DataContractError(
            [f"{path}: column name(s) {dupes} appear more than once in the header. "
             "Fix: give every column its own name."]
        )  # fmt: skip
    return _case_unique(header)


def _case_unique(names: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Rename names that repeat another one up to case (``Activity`` after ``activity``)."""
    seen: set[str] = set()
    out, renamed = [], []
    for name in names:
        new, k = name, 2
        while new.lower() in seen:
            new, k = f"{name}_{k}", k + 1
        seen.add(new.lower())
        out.append(new)
        if new != name:
            renamed.append((name, new))
    return out, renamed


def _csv_header(path: Path, delim: str) -> list[str]:
    """The column names on the first record of a UTF-8 CSV file (BOM dropped)."""
    with open_text(path, "utf-8-sig") as fh:
        return next(csv.reader(fh, delimiter=delim), [])


def check_not_empty(path: Path, table: str) -> None:
    """Raise :class:`DataContractError` for a file of 0 bytes (an export that failed)."""
    if path.stat().st_size == 0:
        raise DataContractError(
            [f"{path}: the file is empty (0 bytes). Fix: export the {table} table again."]
        )
