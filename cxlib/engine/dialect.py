"""The few SQL forms that differ between engines, as named snippets in one place.

The shared SQL files (``cxlib/sql/**/*.sql``) are written in the spelling DuckDB and
Spark SQL both accept (``CAST(x AS STRING)``, joins instead of correlated subqueries,
``PERCENTILE_CONT ... WITHIN GROUP``, ``GROUPING SETS``). Where no common form exists the
file calls a snippet, ``cx_<name>(arguments)``, which :func:`expand` replaces with the
engine's own form before the query runs:

======================================= ============================================
``cx_epoch_seconds(ts)``                seconds since 1970-01-01 of a naive UTC
                                        timestamp, as a DOUBLE
``cx_ordered_join(value, sep, key)``    the group's ``value`` strings in ``key`` order,
                                        joined by ``sep`` (NULL values skipped)
``cx_seconds_between(start, end)``      whole seconds from ``start`` to ``end``: the
                                        difference of their epoch seconds, each
                                        rounded down (DuckDB's ``date_diff``), a BIGINT
======================================= ============================================

:func:`engine_specific` is the checker: it lists the DuckDB-only and Spark-only
spellings found in a query (the tests run it on every shared file, so such syntax cannot
slip in unnoticed).

>>> expand("SELECT cx_epoch_seconds(s.ts) AS t FROM s", "spark")
'SELECT (CAST(unix_micros(s.ts) AS DOUBLE) / 1000000) AS t FROM s'
"""

from __future__ import annotations

import re

SNIPPETS: dict[str, dict[str, str]] = {
    "epoch_seconds": {
        # DuckDB: a DOUBLE; Spark: microseconds (exact BIGINT) to a DOUBLE, same value.
        "duckdb": "EXTRACT(EPOCH FROM {0})",
        "spark": "(CAST(unix_micros({0}) AS DOUBLE) / 1000000)",
    },
    "seconds_between": {
        # DuckDB's date_diff counts second boundaries crossed (floored epoch seconds);
        # Spark's unix_seconds floors too, and timestampdiff would truncate the difference.
        "duckdb": "date_diff('second', {0}, {1})",
        "spark": "(unix_seconds({1}) - unix_seconds({0}))",
    },
    "ordered_join": {
        # SQL:2016 LISTAGG ... WITHIN GROUP is missing from DuckDB; Spark's string_agg has no
        # ORDER BY: sort (key, value) pairs and keep the values.
        "duckdb": "string_agg({0}, {1} ORDER BY {2})",
        "spark": (
            "array_join(transform(array_sort(collect_list(named_struct('k', {2}, 'v', {0}))),"
            " x -> x.v), {1})"
        ),
    },
}
"""Snippet name -> engine -> its form, ``{0}``, ``{1}``, ... standing for the arguments."""

ENGINE_ONLY: dict[str, tuple[str, ...]] = {
    "duckdb": (
        r"::", r"\bAS\s+VARCHAR\b", r"\bEXTRACT\s*\(\s*EPOCH\b", r"\bstring_agg\s*\(",
        r"\bQUALIFY\b", r"\bFILTER\s*\(", r"\bEXCLUDE\b", r"\bepoch\s*\(", r"\bmedian\s*\(",
        r"\blist_\w*\(", r"\bdate_diff\b", r"\barg_m(ax|in)\b", r"\bILIKE\b",
        r"\bGROUP\s+BY\s+ALL\b", r"\bstrftime\b", r"\bstrptime\b", r"\bUSING\s+SAMPLE\b",
        r"\bto_months\b", r"\bunnest\s*\(",
    ),
    "spark": (
        r"`", r"\bunix_\w+\s*\(", r"\bcollect_(list|set)\s*\(", r"\barray_\w+\s*\(",
        r"\bnamed_struct\s*\(", r"->", r"\bLATERAL\s+VIEW\b", r"\bDISTRIBUTE\s+BY\b",
        r"\bCLUSTER\s+BY\b", r"\bSORT\s+BY\b", r"\bRLIKE\b", r"\bnvl2?\s*\(",
        r"\bdate_format\s*\(", r"\bdatediff\b", r"\bexplode\s*\(", r"\blistagg\s*\(",
        r"\bAS\s+STRUCT\b", r"\bTIMESTAMP_NTZ\b",
    ),
}  # fmt: skip
"""Spellings one engine accepts and the other rejects (or reads differently)."""

_CALL = re.compile(r"\bcx_([a-z_]+)\s*\(")


def code_of(sql: str) -> str:
    """``sql`` without its ``--`` comments (what an engine parses).

    >>> code_of("SELECT 1 -- one\\n-- nothing")
    'SELECT 1 \\n'
    """
    return "\n".join(line.split("--")[0] for line in sql.splitlines())


def engine_specific(sql: str) -> list[str]:
    """The engine-only spellings in ``sql``'s code (comments ignored), as ``engine: pattern``.

    An empty list means the query is written in the spelling both engines share; unknown
    ``cx_`` snippets are reported too.

    >>> engine_specific("SELECT CAST(x AS VARCHAR), y FROM t -- AS VARCHAR in a comment")
    ['duckdb: \\\\bAS\\\\s+VARCHAR\\\\b']
    >>> engine_specific("SELECT cx_epoch_seconds(ts), cx_nope(1) FROM t")
    ['unknown snippet: cx_nope']
    """
    code = code_of(sql)
    found = [
        f"{engine}: {pattern}"
        for engine, patterns in ENGINE_ONLY.items()
        for pattern in patterns
        if re.search(pattern, code, re.IGNORECASE)
    ]
    found += [f"unknown snippet: cx_{m}" for m in _CALL.findall(code) if m not in SNIPPETS]
    return found


def expand(sql: str, engine: str) -> str:
    """``sql`` with every ``cx_<name>(...)`` snippet call replaced by ``engine``'s form.

    Calls in ``--`` comments are left as they are.

    Raises
    ------
    KeyError
        An unknown snippet or engine.
    ValueError
        A call whose parentheses do not close, or with the wrong number of arguments.

    Examples
    --------
    >>> expand("SELECT cx_ordered_join(CAST(tp AS STRING), ' > ', run_no) FROM r", "duckdb")
    "SELECT string_agg(CAST(tp AS STRING), ' > ' ORDER BY run_no) FROM r"
    """
    out, pos = [], 0
    for m in _CALL.finditer(sql):
        line_start = sql.rfind("\n", 0, m.start()) + 1
        if m.start() < pos or "--" in sql[line_start : m.start()]:  # expanded, or a comment
            continue
        forms = SNIPPETS.get(m.group(1))
        if forms is None:
            raise KeyError(f"unknown SQL snippet cx_{m.group(1)}; known: {sorted(SNIPPETS)}")
        if engine not in forms:
            raise KeyError(f"snippet cx_{m.group(1)} has no form for engine {engine!r}")
        args, end = _arguments(sql, m.end())
        template = forms[engine]
        wanted = len(set(re.findall(r"\{(\d+)\}", template)))
        if len(args) != wanted:
            raise ValueError(f"cx_{m.group(1)} takes {wanted} argument(s), got {len(args)}")
        args = [expand(a, engine) for a in args]
        out += [sql[pos : m.start()], template.format(*args)]
        pos = end
    return "".join(out) + sql[pos:]


def _arguments(sql: str, start: int) -> tuple[list[str], int]:
    """The comma-separated arguments of a call opened just before ``start``, and the
    position after its closing parenthesis (nested parentheses and quotes respected).

    >>> _arguments("f(a, g(b, c), ',') x", 2)
    (['a', 'g(b, c)', "','"], 18)
    """
    depth, quote, args, begin = 0, None, [], start
    for i in range(start, len(sql)):
        ch = sql[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif ch in ",)" and depth == 0:
            args.append(sql[begin:i].strip())
            begin = i + 1
            if ch == ")":
                return args, i + 1
    raise ValueError(f"unclosed snippet call at character {start}: {sql[start - 20 : start]}")
