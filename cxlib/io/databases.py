"""Reading tables from databases: a DuckDB file, or any database SQLAlchemy reaches.

:class:`DuckDBReader` attaches a DuckDB file read-only and reads each table (or the
table or query a config names) straight into Arrow. :class:`SQLReader` reaches
PostgreSQL (and anything else SQLAlchemy connects to) through a URL such as
``postgresql+psycopg://user@host/db``; SQLAlchemy and the driver are imported only
there, so cxlib loads folders and DuckDB files without them (they come with the
``postgres`` extra: ``pip install 'cxlib[postgres]'``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from cxlib.io.config import TableMapping
from cxlib.io.raw import DataContractError, RawTable, describe_source, register_arrow
from cxlib.io.sqltext import lit

DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")
DUCKDB_URL_PREFIX = "duckdb:///"
"""A DuckDB file given as a URL: ``duckdb:///path/to/file.duckdb``."""

TABLES_SHOWN = 20
"""Tables of the database named in the message about a missing table."""

POSTGRES_EXTRA = "pip install 'cxlib[postgres]'"
"""How to install what a SQL URL needs (SQLAlchemy and the PostgreSQL driver)."""


class DuckDBReader:
    """Tables in a DuckDB database file (attached read-only)."""

    def __init__(self, path: str | Path, con: duckdb.DuckDBPyConnection):
        self.path = Path(str(path).removeprefix(DUCKDB_URL_PREFIX))
        self.con = con
        if not self.path.is_file():
            raise DataContractError(
                [
                    f"{self.path}: no such DuckDB file. Fix: pass the path of an existing .duckdb file."
                ]
            )
        con.execute(f"ATTACH {lit(str(self.path))} AS src (READ_ONLY)")
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
                        [missing_table(str(self.path), table, mapping.table, self.tables)]
                    )
                return None
            sql = f"SELECT * FROM {name}"
        arrow = self.con.sql(sql).to_arrow_table()
        return register_arrow(self.con, f"raw_{table}", arrow, f"{self.path}:{table}")


class SQLReader:
    """Tables reached through a SQLAlchemy URL (PostgreSQL at least)."""

    def __init__(self, url: str, con: duckdb.DuckDBPyConnection):
        self.url = url
        self.con = con
        self.engine, self.inspector, tables = _connect(url)
        self.names = {n.lower(): n for n in tables}

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
                [missing_table(describe_source(self.url), table, mapping.table, self.names)]
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


def _connect(url: str) -> tuple[Any, Any, list[str]]:
    """A SQLAlchemy engine for ``url``, its inspector and the database's table names."""
    try:
        from sqlalchemy import create_engine, inspect
    except ImportError as exc:
        raise ImportError(
            f"{describe_source(url)}: reading a SQL database needs SQLAlchemy and a driver "
            f"(for PostgreSQL, psycopg). Fix: {POSTGRES_EXTRA}."
        ) from exc
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        tables = inspector.get_table_names()  # the first connection: a bad URL fails here
    except Exception as exc:  # connection refused, bad credentials, missing driver, ...
        raise DataContractError(
            [
                f"{describe_source(url)}: cannot connect ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0]}). Fix: check the host, port, database and "
                "credentials in the URL, and that the server is running."
            ]
        ) from exc
    return engine, inspector, tables


def missing_table(where: str, table: str, named: str, known: Iterable[str]) -> str:
    """The sentence for a table named in the config that the database lacks."""
    return (
        f"{where}: table {named!r} named in the config for {table} is missing; the database "
        f"has {sorted(known)[:TABLES_SHOWN]}. Fix: correct tables.{table}.table in the config."
    )
