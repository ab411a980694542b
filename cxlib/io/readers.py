"""Readers: find each canonical table in a source and expose it to DuckDB.

A source is a folder (one CSV or Parquet file per table), a DuckDB database file,
or a SQLAlchemy URL (PostgreSQL and anything else SQLAlchemy reaches). Readers do
not type or check values; they hand :mod:`cxlib.io.validate` a :class:`RawTable`: a
relation registered in the validation's DuckDB connection plus a source row
number (``_row``, 1-based data row), so that excluded rows can be pointed at.

Structural problems found while reading (a file that is empty or not CSV/Parquet,
a table the database lacks) are raised as :class:`DataContractError`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cxlib.contract import TABLES
from cxlib.io.config import TableMapping

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")
_FALLBACK_ENCODINGS = ("cp1250", "latin_1")


class DataContractError(ValueError):
    """Structural problems that stop a data set from loading.

    ``problems`` holds one sentence per problem, each naming the file (or
    table), the column, the count and the fix.
    """

    def __init__(self, problems: list[str], source: str = ""):
        self.problems = list(problems)
        self.source = source
        head = f"Cannot load CX data from {source}" if source else "Cannot load CX data"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head}: {len(self.problems)} structural problem(s)\n{lines}")


class EncodingFallbackWarning(UserWarning):
    """A CSV file was not UTF-8 and was read with a fallback encoding."""


@dataclass
class RawTable:
    """One table as found in the source, before typing and checks.

    ``relation`` is a name usable in a FROM clause of ``con``; ``columns`` maps each
    source column to its DuckDB type; ``row`` is the SQL name of the 1-based source
    row number, a column of :func:`numbered` (not of ``relation``).
    """

    name: str
    origin: str
    relation: str
    columns: dict[str, str]
    row: str = "_row"
    arrow: pa.Table | None = None
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    numbered_relation: str | None = None


def is_sql_url(source: str | Path) -> bool:
    """True when ``source`` looks like a SQLAlchemy URL (``dialect://...``)."""
    return isinstance(source, str) and "://" in source


def describe_source(source: str | Path) -> str:
    """A printable name for a source, with any password in a URL masked."""
    if is_sql_url(source):
        from sqlalchemy.engine import make_url

        return make_url(str(source)).render_as_string(hide_password=True)
    return str(source)


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
        for suffix in PARQUET_SUFFIXES + CSV_SUFFIXES:
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
        if path.stat().st_size == 0:
            raise DataContractError(
                [f"{path}: the file is empty (0 bytes). Fix: export the {table} table again."]
            )
        name = path.name.lower()
        if name.endswith(PARQUET_SUFFIXES):
            labels = [
                mapping.source_column(c.name) for c in TABLES[table].columns if c.kind == "category"
            ]
            return self._read_parquet(table, path, labels)
        if name.endswith(CSV_SUFFIXES):
            return self._read_csv(table, path)
        raise DataContractError(
            [
                f"{path}: not a CSV or Parquet file (suffix {path.suffix!r}). "
                "Fix: export the table as .csv (UTF-8) or .parquet."
            ]
        )

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
        encoding, note = detect_encoding(path)
        read_path = path
        if encoding != "utf-8":
            with (
                _open_text(path, encoding) as src,
                tempfile.NamedTemporaryFile(
                    "w", suffix=".csv", encoding="utf-8", newline="", delete=False
                ) as dst,
            ):
                for chunk in iter(lambda: src.read(1 << 20), ""):
                    dst.write(chunk)
            read_path = Path(dst.name)
        delim = "\t" if ".tsv" in path.name.lower() else ","
        try:
            header = _csv_header(read_path, delim)
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
            header, renamed = _case_unique(header)
            columns = ", ".join(f"'{_sql_str(h)}': 'VARCHAR'" for h in header)
            arrow = self.con.sql(
                f"SELECT * FROM read_csv('{_sql_str(read_path)}', columns={{{columns}}}, "
                f"header=true, auto_detect=false, delim='{delim}', quote='\"', escape='\"', "
                "null_padding=true, parallel=false)"
            ).to_arrow_table()
        except duckdb.Error as exc:
            first = str(exc).split("\n  file =")[0].split("Possible fixes")[0].strip()
            first = " ".join(first.split())
            raise DataContractError(
                [f"{path}: could not be parsed as CSV ({first}). Fix: check the line named; "
                 "quote fields that contain the delimiter or line breaks."]
            ) from exc  # fmt: skip
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
        if renamed:
            raw.warnings.append(
                f"{path}: column names differing only in case were renamed "
                f"({', '.join(f'{a!r} -> {b!r}' for a, b in renamed)}); SQL names ignore case."
            )
        return raw


class DuckDBReader:
    """Tables in a DuckDB database file (attached read-only)."""

    def __init__(self, path: str | Path, con: duckdb.DuckDBPyConnection):
        self.path = Path(str(path).removeprefix("duckdb:///"))
        self.con = con
        if not self.path.is_file():
            raise DataContractError(
                [
                    f"{self.path}: no such DuckDB file. Fix: pass the path of an existing .duckdb file."
                ]
            )
        con.execute(f"ATTACH '{_sql_str(self.path)}' AS src (READ_ONLY)")
        self.tables: dict[str, str] = {}
        for schema, name in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = 'src'"
        ).fetchall():
            qualified = f'src."{schema}"."{name}"'
            self.tables[f"{schema}.{name}".lower()] = qualified
            if schema == "main":
                self.tables[name.lower()] = qualified

    def read(self, table: str, mapping: TableMapping) -> RawTable | None:
        """Register ``table`` (or the mapped table/query); None when absent."""
        if mapping.query:
            sql = mapping.query
        else:
            name = self.tables.get((mapping.table or table).lower())
            if name is None:
                if mapping.table:
                    raise DataContractError(
                        [_missing_table(str(self.path), table, mapping.table, self.tables)]
                    )
                return None
            sql = f"SELECT * FROM {name}"
        arrow = self.con.sql(sql).to_arrow_table()
        return register_arrow(self.con, f"raw_{table}", arrow, f"{self.path}:{table}")


class SQLReader:
    """Tables reached through a SQLAlchemy URL (PostgreSQL at least)."""

    def __init__(self, url: str, con: duckdb.DuckDBPyConnection):
        from sqlalchemy import create_engine, inspect

        self.url = url
        self.con = con
        self.engine = create_engine(url)
        try:
            self.inspector = inspect(self.engine)
            self.names = {n.lower(): n for n in self.inspector.get_table_names()}
        except Exception as exc:  # connection refused, bad credentials, ...
            raise DataContractError(
                [
                    f"{describe_source(url)}: cannot connect ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0]}). Fix: check the host, port, database and "
                    "credentials in the URL, and that the server is running."
                ]
            ) from exc

    def _select(self, table: str, mapping: TableMapping) -> str | None:
        """``SELECT *`` of the table (``schema.table`` allowed in the config); None if absent."""
        if mapping.table and "." in mapping.table:
            schema, name = mapping.table.split(".", 1)
            if self.inspector.has_table(name, schema=schema):
                return f'SELECT * FROM "{schema}"."{name}"'
        else:
            name = self.names.get((mapping.table or table).lower())
            if name is not None:
                return f'SELECT * FROM "{name}"'
        if mapping.table:
            raise DataContractError(
                [_missing_table(describe_source(self.url), table, mapping.table, self.names)]
            )
        return None

    def read(self, table: str, mapping: TableMapping) -> RawTable | None:
        """Fetch ``table`` (or the mapped table/query) into DuckDB; None when absent."""
        from sqlalchemy import text

        if mapping.query:
            sql = mapping.query
        else:
            sql = self._select(table, mapping)
            if sql is None:
                return None
        with self.engine.connect() as conn:
            frame = pd.read_sql(text(sql), conn)
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        return register_arrow(
            self.con, f"raw_{table}", arrow, f"{describe_source(self.url)}:{table}"
        )


def open_reader(source: str | Path, con: duckdb.DuckDBPyConnection):
    """The reader for ``source``: SQL URL, DuckDB file or folder."""
    if is_sql_url(source):
        if str(source).startswith("duckdb:///"):
            return DuckDBReader(source, con)
        return SQLReader(str(source), con)
    path = Path(source)
    if path.is_file() and path.name.lower().endswith(DUCKDB_SUFFIXES):
        return DuckDBReader(path, con)
    return FolderReader(path, con)


def register_arrow(
    con: duckdb.DuckDBPyConnection, name: str, arrow: pa.Table, origin: str | Path
) -> RawTable:
    """Register an Arrow table as it is and describe it."""
    con.register(name, arrow)
    row = "_cxlib_row" if "_row" in arrow.column_names else "_row"  # never a source column
    return RawTable(
        name.removeprefix("raw_"), str(origin), name, _describe(con, name), row, arrow=arrow
    )


def numbered(con: duckdb.DuckDBPyConnection, raw: RawTable) -> str:
    """The relation of ``raw`` with its 1-based source row number ``raw.row``.

    Made on first use: row numbers only name excluded rows, their examples and
    generated ids, so a clean table never pays for the column (80 MB of fresh
    memory on 10 million rows).
    """
    if raw.numbered_relation is None:
        rows = pa.array(np.arange(1, raw.arrow.num_rows + 1, dtype=np.int64))
        raw.numbered_relation = f"{raw.relation}_numbered"
        con.register(raw.numbered_relation, raw.arrow.append_column(raw.row, rows))
    return raw.numbered_relation


def detect_encoding(path: Path) -> tuple[str, str | None]:
    """Return ``(encoding, warning)`` for a text file.

    UTF-8 (with or without BOM) is accepted silently. Otherwise the file is read
    as CP1250 or Latin-1 -- whichever charset-normalizer finds more plausible --
    and a warning says so (Central European exports are usually CP1250).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with _open_bytes(path) as fh:
        try:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8", None
        except UnicodeDecodeError as exc:
            bad_at = exc.start
    with _open_bytes(path) as fh:
        sample = fh.read(1 << 20)
    encoding = _guess_fallback(sample)
    note = (
        f"{path}: not valid UTF-8 (first bad byte near offset {bad_at}); read as {encoding}. "
        "Check accented characters; re-export as UTF-8 to silence this warning."
    )
    warnings.warn(note, EncodingFallbackWarning, stacklevel=3)
    return encoding, note


def _open_bytes(path: Path):
    """Open a (possibly gzip-compressed) file for reading bytes."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _open_text(path: Path, encoding: str):
    """Open a (possibly gzip-compressed) file for reading text."""
    return io.TextIOWrapper(_open_bytes(path), encoding=encoding, newline="")


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
    with _open_text(path, "utf-8-sig") as fh:
        return next(csv.reader(fh, delimiter=delim), [])


def _guess_fallback(sample: bytes) -> str:
    """CP1250 or Latin-1 for non-UTF-8 bytes, judged by charset-normalizer."""
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(_FALLBACK_ENCODINGS)).best()
    if best is not None and best.encoding in _FALLBACK_ENCODINGS:
        return best.encoding
    try:
        sample.decode("cp1250")
        return "cp1250"
    except UnicodeDecodeError:
        return "latin_1"


def _missing_table(where: str, table: str, named: str, known) -> str:
    """The sentence for a table named in the config that the database lacks."""
    return (
        f"{where}: table {named!r} named in the config for {table} is missing; the database "
        f"has {sorted(known)[:20]}. Fix: correct tables.{table}.table in the config."
    )


def _describe(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Column name -> DuckDB type of a relation."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


def _sql_str(value: str | Path) -> str:
    """Escape a value for a single-quoted SQL string literal."""
    return str(value).replace("'", "''")
