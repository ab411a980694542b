"""The loader's DuckDB SQL, spelled for Spark SQL: validation runs the same rules on Spark.

:mod:`cxlib.io` writes the SQL that types and checks each column (:mod:`cxlib.io.typed`,
:mod:`cxlib.io.rows`) in DuckDB's spelling, and DuckDB runs it as written (nothing
changes for users who do not choose Spark). On Spark, :func:`to_spark` rewrites the few
forms that differ, so that one definition of every rule serves both engines:

============================================ ===========================================
DuckDB (as :mod:`cxlib.io` writes it)        Spark
============================================ ===========================================
``"name"`` (identifier)                      ```name```
``'O''Brien'`` (literal)                     ``'O\\'Brien'`` (backslashes doubled)
``CAST(x AS VARCHAR)``                       ``CAST(x AS STRING)``
``AS TIMESTAMP`` (naive) / ``TIMESTAMPTZ``   ``AS TIMESTAMP_NTZ`` / ``AS TIMESTAMP``
``TRY_CAST(s AS ENUM('a', 'b'))``            ``CASE WHEN s IN ('a', 'b') THEN s END``
``isfinite(x)``                              ``(NOT isnan(x) AND abs(x) <> ...)``
``starts_with`` / ``ends_with``              ``startswith`` / ``endswith``
``try_strptime(s, '%d/%m/%Y')``              ``try_to_timestamp(s, 'dd/MM/yyyy')``
``timezone(tz, naive)``                      ``CAST(naive AS TIMESTAMP)`` (session zone)
``timezone('UTC', instant)``                 the instant's UTC wall clock, as NTZ
``to_years(n)`` / ``to_months(n)``           ``make_ym_interval(n, 0)`` / ``(0, n)``
``to_weeks(n)`` / ``to_days(n)``             ``make_dt_interval(7 * n, 0, 0, 0)`` / ``(n, ...)``
============================================ ===========================================

The interval functions appear in configs' ``expressions:`` (``DATE '2020-01-01' -
to_months(tenure)``); a date minus a year-month interval stays a date on both engines.

The Spark session's time zone must be the config's while such SQL runs (DuckDB's
``SET TimeZone`` in :func:`cxlib.load`): :func:`cxlib.engine.spark_load.validate_on_spark`
sets it.

Examples
--------
>>> to_spark('SELECT CAST("my col" AS VARCHAR) FROM t WHERE x = \\'it\\'\\'s\\'')
"SELECT CAST(`my col` AS STRING) FROM t WHERE x = 'it\\\\'s'"
>>> to_spark("TRY_CAST(trim(s) AS ENUM('a', 'b'))")
"(CASE WHEN trim(s) IN ('a', 'b') THEN trim(s) END)"
>>> to_spark("DATE '2020-01-01' - to_months(CAST(tenure AS INTEGER))")
"DATE '2020-01-01' - make_ym_interval(0, CAST(tenure AS INTEGER))"
"""

from __future__ import annotations

import re

from cxlib.engine.dialect import _arguments

STRPTIME_TO_JAVA = {
    "%Y": "yyyy", "%y": "yy", "%m": "MM", "%-m": "M", "%d": "dd", "%-d": "d", "%H": "HH",
    "%-H": "H", "%I": "hh", "%M": "mm", "%S": "ss", "%f": "SSSSSS", "%p": "a", "%b": "MMM",
    "%B": "MMMM", "%a": "EEE", "%A": "EEEE", "%z": "XX", "%Z": "zzz", "%j": "DDD", "%%": "%",
    "%T": "HH:mm:ss", "%F": "yyyy-MM-dd",
}  # fmt: skip
"""strptime directives (DuckDB's ``try_strptime``) -> Java date-time pattern letters."""

_TWO_DIGITS = frozenset({"%m", "%d", "%H", "%I", "%M", "%S"})
"""Directives DuckDB reads as one or two digits (Java's doubled letter: exactly two)."""

SPARK_TO_DUCKDB = {
    "string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "smallint": "SMALLINT",
    "tinyint": "TINYINT", "double": "DOUBLE", "float": "FLOAT", "boolean": "BOOLEAN",
    "date": "DATE", "timestamp_ntz": "TIMESTAMP", "timestamp": "TIMESTAMP WITH TIME ZONE",
}  # fmt: skip
"""A Spark column type (``simpleString``) -> the DuckDB type name :mod:`cxlib.io.typed`
plans for (decimals keep their precision: ``decimal(10,2)`` -> ``DECIMAL(10,2)``)."""

_FUNCTIONS = re.compile(
    r"\b(TRY_CAST|isfinite|starts_with|ends_with|try_strptime|timezone|to_years|to_months|"
    r"to_weeks|to_days)\s*\(",
    re.IGNORECASE,
)
_INTERVALS = {
    "to_years": "make_ym_interval({}, 0)",
    "to_months": "make_ym_interval(0, {})",
    "to_weeks": "make_dt_interval(7 * ({}), 0, 0, 0)",
    "to_days": "make_dt_interval({}, 0, 0, 0)",
}
"""DuckDB's interval constructors -> Spark's (years and months: a year-month interval)."""
_TYPES = re.compile(r"\bAS\s+(VARCHAR|TIMESTAMPTZ|TIMESTAMP WITH TIME ZONE|TIMESTAMP)\b", re.I)
_SPARK_TYPE = {"VARCHAR": "STRING", "TIMESTAMP": "TIMESTAMP_NTZ"}
_EPOCH_NTZ = "TIMESTAMP_NTZ'1970-01-01 00:00:00'"
_NAIVE = re.compile(r"^CAST\s*\(.*\bAS\s+TIMESTAMP_NTZ\s*\)$", re.I | re.S)
"""A rewritten value that is a naive timestamp (an instant is TIMESTAMP, or TRY_CAST...)."""


def duckdb_type(spark_type: str) -> str:
    """The DuckDB name of a Spark column type (what the loader's planner expects).

    >>> duckdb_type("timestamp_ntz"), duckdb_type("decimal(10,2)"), duckdb_type("array<int>")
    ('TIMESTAMP', 'DECIMAL(10,2)', 'ARRAY<INT>')
    """
    return SPARK_TO_DUCKDB.get(spark_type, spark_type.upper())


def java_pattern(fmt: str) -> str:
    """A strptime format as a Java date-time pattern (other text quoted).

    DuckDB's ``%m``, ``%d``, ``%H``, ``%I``, ``%M`` and ``%S`` read one or two digits
    (``2/24/2015``), Java's doubled letters exactly two: between separators they become
    the single letter, which reads one or two; side by side with another number
    (``%Y%m%d``) they keep two, the only way to tell where one ends.

    >>> java_pattern("%d/%m/%Y %H:%M"), java_pattern("%Y-%m-%dT%H")
    ('d/M/yyyy H:m', "yyyy-M-d'T'H")
    >>> java_pattern("%Y%m%d %H%M")
    'yyyyMMdd HHmm'
    """
    parts, i = [], 0
    while i < len(fmt):
        key = fmt[i : i + 3] if fmt[i : i + 2] == "%-" else fmt[i : i + 2]
        if key in STRPTIME_TO_JAVA:
            parts.append((STRPTIME_TO_JAVA[key], key in _TWO_DIGITS))
            i += len(key)
        elif fmt[i].isalpha() or fmt[i] == "'":
            parts.append(("''" if fmt[i] == "'" else f"'{fmt[i]}'", False))
            i += 1
        else:
            parts.append((fmt[i], False))
            i += 1
    out = []
    for n, (text, flexible) in enumerate(parts):
        beside = [parts[j][0] for j in (n - 1, n + 1) if 0 <= j < len(parts)]
        if flexible and not any(b[:1].isalpha() and b[:1] != "'" for b in beside):
            text = text[0]  # one or two digits
        out.append(text)
    return "".join(out)


def to_spark(sql: str, timezone: str = "UTC") -> str:
    """``sql`` (DuckDB, as :mod:`cxlib.io` writes it) in Spark SQL's spelling.

    ``timezone`` is the session's (the config's) time zone.

    >>> to_spark("timezone('UTC', TRY_CAST(s AS TIMESTAMPTZ))", "Europe/Paris")
    "timestampadd(MICROSECOND, unix_micros(TRY_CAST(s AS TIMESTAMP)), TIMESTAMP_NTZ'1970-01-01 00:00:00')"
    >>> to_spark("timezone('Europe/Paris', CAST(d AS TIMESTAMP))", "Europe/Paris")
    'CAST(CAST(d AS TIMESTAMP_NTZ) AS TIMESTAMP)'
    """
    return _functions(_quotes(sql), timezone)


def _quotes(sql: str) -> str:
    """Double-quoted identifiers as backticks; literals with Spark's escapes; types renamed."""
    out, i = [], 0
    while i < len(sql):
        ch = sql[i]
        if ch in "'\"":
            j, text = i + 1, []
            while j < len(sql):
                if sql[j] == ch and sql[j + 1 : j + 2] == ch:  # a doubled quote
                    text.append(ch)
                    j += 2
                elif sql[j] == ch:
                    break
                else:
                    text.append(sql[j])
                    j += 1
            body = "".join(text)
            if ch == '"':
                out.append("`" + body.replace("`", "``") + "`")
            else:
                out.append("'" + body.replace("\\", "\\\\").replace("'", "\\'") + "'")
            i = j + 1
            continue
        j = i
        while j < len(sql) and sql[j] not in "'\"":
            j += 1
        out.append(_TYPES.sub(_spark_type, sql[i:j]))
        i = j
    return "".join(out)


def _spark_type(m: re.Match) -> str:
    name = m.group(1).upper()
    return "AS " + _SPARK_TYPE.get(name, "TIMESTAMP")


def _functions(sql: str, timezone: str) -> str:
    """The DuckDB-only functions rewritten (arguments first, inside out)."""
    out, pos = [], 0
    for m in _FUNCTIONS.finditer(sql):
        if m.start() < pos or _in_literal(sql, m.start()):
            continue
        args, end = _arguments(sql, m.end())
        args = [_functions(a, timezone) for a in args]
        out += [sql[pos : m.start()], _rewrite(m.group(1).lower(), args, timezone)]
        pos = end
    return "".join(out) + sql[pos:]


def _in_literal(sql: str, at: int) -> bool:
    """Whether position ``at`` lies inside a single-quoted literal (Spark escapes)."""
    inside, i = False, 0
    while i < at:
        if sql[i] == "\\" and inside:
            i += 2
            continue
        inside = inside != (sql[i] == "'")
        i += 1
    return inside


def _rewrite(name: str, args: list[str], timezone: str) -> str:
    """One DuckDB function call in Spark's spelling."""
    if name == "try_cast":
        value, _, target = args[0].rpartition(" AS ")
        if target.upper().startswith("ENUM"):
            return f"(CASE WHEN {value} IN {target[4:].strip()} THEN {value} END)"
        return f"TRY_CAST({args[0]})"
    if name == "isfinite":
        return f"(NOT isnan({args[0]}) AND abs({args[0]}) <> CAST('Infinity' AS DOUBLE))"
    if name in ("starts_with", "ends_with"):
        return f"{name.replace('_', '')}({args[0]}, {args[1]})"
    if name in _INTERVALS:
        return _INTERVALS[name].format(args[0])
    if name == "try_strptime":
        fmt = args[1].strip("'").replace("\\'", "'").replace("\\\\", "\\")
        pattern = java_pattern(fmt).replace("\\", "\\\\").replace("'", "\\'")
        return f"CAST(try_to_timestamp({args[0]}, '{pattern}') AS TIMESTAMP_NTZ)"
    zone, value = args
    if _NAIVE.match(value.strip()):
        return f"CAST({value} AS TIMESTAMP)"  # a naive value read in the session's zone
    if zone.strip("'") == timezone:  # an instant's wall clock in the session's zone
        return f"CAST({value} AS TIMESTAMP_NTZ)"
    if zone.strip("'") != "UTC":
        raise ValueError(f"timezone({zone}, ...) with the session in {timezone!r}")
    return f"timestampadd(MICROSECOND, unix_micros({value}), {_EPOCH_NTZ})"
