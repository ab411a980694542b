"""The journey queries' text: one standard-SQL file per step, rendered for an engine.

Each file in ``cxlib/sql/journey/`` is one SELECT over ``journey_*`` relations (see
:mod:`cxlib.journey.log`); parameters are written ``:name`` in the files and rendered as
numeric literals by :func:`render`, and the engine snippets (:mod:`cxlib.engine.dialect`)
spelled for the chosen engine, which keeps the files engine-neutral.

>>> "journey_events" in render("dfg")
True
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

import numpy as np

from cxlib.engine import DEFAULT_ENGINE
from cxlib.engine.dialect import expand

SQL_DIR = Path(__file__).resolve().parent.parent / "sql" / "journey"
"""The folder holding the journey queries."""

_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


@cache
def _text(name: str) -> str:
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no journey query {name!r} in {SQL_DIR}")
    return path.read_text(encoding="utf-8")


def render(name: str, dialect: str = DEFAULT_ENGINE, **params: float) -> str:
    """The query ``name`` with its ``:parameters`` replaced by numeric literals, and its
    engine snippets (:mod:`cxlib.engine.dialect`) spelled for ``dialect``.

    Raises
    ------
    KeyError
        Unknown query or a parameter the query needs but was not given.
    ValueError
        A parameter that is not a finite number.

    Examples
    --------
    >>> "<= 3600" in render("visits", loop_window_s=3600, followup_s=172800, rework_window_s=1)
    True
    """
    out = []
    for line in _text(name).splitlines():
        code, sep, comment = line.partition("--")
        out.append(_PARAM.sub(lambda m: _literal(name, m.group(1), params), code) + sep + comment)
    return expand("\n".join(out), dialect)


def _literal(query: str, key: str, params: dict[str, float]) -> str:
    if key not in params:
        raise KeyError(f"journey query {query!r} needs the parameter {key!r}")
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"parameter {key!r} of {query!r} must be a number, got {value!r}")
    if not math.isfinite(float(value)):
        raise ValueError(f"parameter {key!r} of {query!r} must be finite, got {value!r}")
    return repr(int(value)) if float(value).is_integer() else repr(float(value))
