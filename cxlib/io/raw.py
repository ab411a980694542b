"""The raw table: what every reader hands validation, and the error a source can raise.

A reader (:mod:`cxlib.io.readers`) finds a canonical table in a source and registers it,
as it is, in the validation's DuckDB connection: a :class:`RawTable` names that relation,
its columns and their DuckDB types, and the Arrow table behind it. The 1-based source row
number (``_row``), which points excluded rows out to the user, is added only when needed
(:func:`numbered`). Structural problems of a source raise :class:`DataContractError`.

Examples
--------
>>> is_sql_url("postgresql+psycopg://cx@db/cx"), is_sql_url("data/sample")
(True, False)
>>> describe_source("postgresql://cx:secret@db/cx")
'postgresql://cx:***@db/cx'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb
import numpy as np
import pyarrow as pa


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
    renamed: dict[str, str] = field(default_factory=dict)
    """Header names made unique up to case (``Activity`` beside ``activity``) -> new name."""
    rows_filtered: int = 0
    source_rows: np.ndarray | None = None
    """1-based source row of each row, when a config ``where`` left some out (else None:
    row ``i`` is source row ``i``)."""

    @property
    def num_rows(self) -> int:
        """Rows in the raw table."""
        return self.arrow.num_rows if self.arrow is not None else 0


def is_sql_url(source: str | Path) -> bool:
    """True when ``source`` looks like a SQLAlchemy URL (``dialect://...``)."""
    return isinstance(source, str) and "://" in source


def describe_source(source: str | Path) -> str:
    """A printable name for a source, with any password in a URL masked."""
    if not is_sql_url(source):
        return str(source)
    try:
        from sqlalchemy.engine import make_url
    except ImportError:  # the postgres extra is not installed: mask it by hand
        return _masked(str(source))
    return make_url(str(source)).render_as_string(hide_password=True)


def _masked(url: str) -> str:
    """``url`` with its password (if any) written ``***``, as SQLAlchemy renders it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def register_arrow(
    con: duckdb.DuckDBPyConnection, name: str, arrow: pa.Table, origin: str | Path
) -> RawTable:
    """Register an Arrow table as it is and describe it."""
    con.register(name, arrow)
    row = "_cxlib_row" if "_row" in arrow.column_names else "_row"  # never a source column
    return RawTable(
        name.removeprefix("raw_"), str(origin), name, column_types(con, name), row, arrow=arrow
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


def column_types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Column name -> DuckDB type of a relation."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


def filtered(con: duckdb.DuckDBPyConnection, raw: RawTable, where: str, key: str) -> RawTable:
    """``raw`` with only the rows the config's condition ``where`` (DuckDB SQL) keeps.

    The rows left out are counted (``rows_filtered``), not checked; the source row of
    each kept row is remembered, so examples of excluded rows still name their line.
    ``key`` is the config key of the condition, for the message when it does not work.
    """
    try:
        kept = con.sql(
            f"SELECT * FROM {numbered(con, raw)} WHERE COALESCE(({where}), FALSE)"
        ).to_arrow_table()
    except duckdb.Error as exc:
        raise DataContractError(
            [
                f"{raw.origin}: the config condition {key} ({where}) does not work on this "
                f"table ({str(exc).splitlines()[0]}). Fix: correct {key}; it is DuckDB SQL on "
                f"the source columns {list(raw.columns)[:12]}."
            ]
        ) from exc
    rows = kept.column(raw.row).to_numpy()
    arrow = kept.drop_columns([raw.row])
    out = register_arrow(con, raw.relation, arrow, raw.origin)
    out.encoding, out.warnings, out.renamed = raw.encoding, raw.warnings, raw.renamed
    out.rows_filtered = raw.num_rows - arrow.num_rows
    out.source_rows = rows if raw.source_rows is None else raw.source_rows[rows - 1]
    return out
