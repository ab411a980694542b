"""SQL text: Python values and names quoted for the queries loading writes (DuckDB SQL).

Every query of :mod:`cxlib.io` that carries a user's value (a file path, a column name,
a config value) quotes it through these functions, so no value can end a literal early.

Examples
--------
>>> lit("O'Brien"), lit(3), lit(True), value_lit(None), sql_tuple(["a", 1])
("'O''Brien'", '3', 'TRUE', 'NULL', "('a', '1')")
>>> quoted('my col'), quoted('a"b')
('"my col"', '"a""b"')
"""

from __future__ import annotations

from collections.abc import Iterable


def lit(value: object) -> str:
    """A SQL literal for a Python scalar (text in single quotes, quotes doubled)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def value_lit(value: object) -> str:
    """A value-map target of the config as a SQL string literal (or NULL)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    return lit(str(value))


def sql_tuple(values: Iterable[object]) -> str:
    """A SQL tuple of string literals, for ``IN`` and ``ENUM``."""
    return "(" + ", ".join(lit(str(v)) for v in values) + ")"


def ident(name: str) -> str:
    """A name escaped for use inside a double-quoted SQL identifier."""
    return name.replace('"', '""')


def quoted(name: str) -> str:
    """A name as a double-quoted SQL identifier (any column name, blanks and quotes too)."""
    return f'"{ident(name)}"'
