"""Readers: find each canonical table in a source and expose it to DuckDB.

A source is a folder (one CSV, Parquet or ``.xlsx`` file per table, :mod:`cxlib.io.files`), a
DuckDB database file, or a SQLAlchemy URL (PostgreSQL and anything else SQLAlchemy
reaches, :mod:`cxlib.io.databases`; SQLAlchemy is imported only for a URL).
:func:`open_reader` picks the reader. Readers do not type or check values; they hand
:mod:`cxlib.io.validate` a :class:`~cxlib.io.raw.RawTable`: a relation registered in the
validation's DuckDB connection plus a source row number (``_row``, 1-based data row),
so that excluded rows can be pointed at.

Structural problems found while reading (a file that is empty or not CSV/Parquet,
a table the database lacks) are raised as :class:`DataContractError`. Every public
name of the reader modules is importable from here.

Examples
--------
>>> import duckdb
>>> type(open_reader(".", duckdb.connect())).__name__
'FolderReader'
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from cxlib.io.databases import DUCKDB_SUFFIXES, DUCKDB_URL_PREFIX, DuckDBReader, SQLReader
from cxlib.io.encoding import EncodingFallbackWarning, detect_encoding
from cxlib.io.files import CSV_SUFFIXES, PARQUET_SUFFIXES, FolderReader
from cxlib.io.raw import (
    DataContractError,
    RawTable,
    describe_source,
    is_sql_url,
    numbered,
    register_arrow,
)

Reader = FolderReader | DuckDBReader | SQLReader
"""What :func:`open_reader` returns: each has ``read(table, mapping) -> RawTable | None``."""

__all__ = [
    "CSV_SUFFIXES",
    "DUCKDB_SUFFIXES",
    "PARQUET_SUFFIXES",
    "DataContractError",
    "DuckDBReader",
    "EncodingFallbackWarning",
    "FolderReader",
    "RawTable",
    "Reader",
    "SQLReader",
    "describe_source",
    "detect_encoding",
    "is_sql_url",
    "numbered",
    "open_reader",
    "register_arrow",
]


def open_reader(source: str | Path, con: duckdb.DuckDBPyConnection) -> Reader:
    """The reader for ``source``: SQL URL, DuckDB file or folder."""
    if is_sql_url(source):
        if str(source).startswith(DUCKDB_URL_PREFIX):
            return DuckDBReader(source, con)
        return SQLReader(str(source), con)
    path = Path(source)
    if path.is_file() and path.name.lower().endswith(DUCKDB_SUFFIXES):
        return DuckDBReader(path, con)
    return FolderReader(path, con)
