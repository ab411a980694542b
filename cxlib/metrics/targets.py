"""A KPI's value against its target and an outside benchmark: met or not, the gap, its CI.

Pure arithmetic and sentences on plain numbers: a target is any object with ``value``
and ``direction`` (``"higher"``: the KPI should be at least the value; ``"lower"``: at
most), such as :class:`cxlib.io.goals.Target`; a benchmark any object with ``value`` and
``source``.

Gap
    ``gap = value − target`` for a target to reach or exceed, ``target − value`` for a
    ceiling: positive on the good side, negative when the target is missed. Its 95% CI is
    the gap of the value's CI bounds (the target is a fixed number, so the gap is as
    uncertain as the value): ``(ci_low − target, ci_high − target)``, or
    ``(target − ci_high, target − ci_low)`` for a ceiling.
Met
    ``gap >= 0`` (the value meets the target; None when the value is unknown). The target
    is *clearly* met or missed when the whole CI is on one side of it; otherwise the
    sentence says the data cannot tell whether it is above or below.

Examples
--------
>>> from types import SimpleNamespace
>>> t = SimpleNamespace(value=0.0, direction="higher")
>>> c = check_target(-27.9, -29.1, -26.7, t)
>>> c.met, round(c.gap, 1), round(c.gap_low, 1), round(c.gap_high, 1), c.clear
(False, -27.9, -29.1, -26.7, True)
>>> target_sentence("nps", c)
'NPS -27.9 (95% CI -29.1 to -26.7) against a target of at least 0: not met, 27.9 points short (26.7 to 29.1).'
>>> benchmark_sentence("nps", -27.9, SimpleNamespace(value=20.0, source="a survey"))
'vs benchmark 20 (source: a survey): 47.9 points below.'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cxlib.metrics.kpis import KPIS
from cxlib.wording import interval, is_known, number

HIGHER = "higher"
"""A target to reach or exceed (the KPI should be at least its value)."""


@dataclass(frozen=True)
class TargetCheck:
    """A value against a target: ``met``, ``gap`` (good side positive) and its 95% CI."""

    value: float
    ci_low: float
    ci_high: float
    target: float
    direction: str
    met: bool | None
    gap: float
    gap_low: float
    gap_high: float

    @property
    def clear(self) -> bool:
        """Whether the whole CI is on one side of the target (False when unknown)."""
        if not (is_known(self.gap_low) and is_known(self.gap_high)):
            return False
        return self.gap_low > 0 or self.gap_high < 0


def _float(x: Any) -> float:  # noqa: ANN401
    return float(x) if is_known(x) else math.nan


def check_target(value: Any, ci_low: Any, ci_high: Any, target: Any) -> TargetCheck:  # noqa: ANN401
    """``value`` (with its 95% CI) against ``target`` (see the module for the formulas).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> c = check_target(1.2, 0.9, 1.6, SimpleNamespace(value=1.5, direction="lower"))
    >>> c.met, round(c.gap, 2), round(c.gap_low, 2), round(c.gap_high, 2), c.clear
    (True, 0.3, -0.1, 0.6, False)
    """
    x, lo, hi, t = _float(value), _float(ci_low), _float(ci_high), float(target.value)
    if target.direction == HIGHER:
        gap, gap_low, gap_high = x - t, lo - t, hi - t
    else:
        gap, gap_low, gap_high = t - x, t - hi, t - lo
    met = None if math.isnan(gap) else bool(gap >= 0)
    return TargetCheck(x, lo, hi, t, target.direction, met, gap, gap_low, gap_high)


def target_text(key: str, target: float, direction: str) -> str:
    """``at least 75%`` / ``at most 1.5%``: a target as a sentence writes it.

    >>> target_text("csat", 75.0, "higher"), target_text("churn_rate_monthly", 1.5, "lower")
    ('at least 75%', 'at most 1.5%')
    """
    unit = KPIS[key].unit if key in KPIS else ""
    way = "at least" if direction == HIGHER else "at most"
    return f"{way} {float(target):g}{'%' if unit == '%' else ''}"


def _unit(key: str) -> str:
    return KPIS[key].change_unit() if key in KPIS else "points"


def _range(a: float, b: float) -> str:
    return f"{number(a, 1)} to {number(b, 1)}"


def gap_text(key: str, c: TargetCheck) -> str:
    """``not met, 27.9 points short (26.7 to 29.1)`` (a ceiling: ``over it``) or ``met, 2.0
    percentage points above it (...)`` (a ceiling: ``below it``).

    Adds ``; not clearly above or below the target`` when the CI straddles it.
    """
    unit = _unit(key)
    if c.met is None:
        return "not known"
    if c.met:
        side = "above" if c.direction == HIGHER else "below"
        out = f"met, {number(c.gap, 1)} {unit} {side} it ({_range(c.gap_low, c.gap_high)})"
    else:
        miss = "short" if c.direction == HIGHER else "over it"
        out = f"not met, {number(-c.gap, 1)} {unit} {miss} ({_range(-c.gap_high, -c.gap_low)})"
    if not c.clear and is_known(c.gap_low):
        out += "; not clearly above or below the target"
    return out


def target_sentence(key: str, c: TargetCheck, when: str = "", name: str | None = None) -> str:
    """The value, its CI, the target and the gap in one sentence (``when``: e.g. ``in Sep
    2026``).

    >>> from types import SimpleNamespace
    >>> c = check_target(74.0, 72.0, 76.0, SimpleNamespace(value=75, direction="higher"))
    >>> target_sentence("csat", c, "in Sep 2026")
    'CSAT in Sep 2026 74.0% (95% CI 72.0 to 76.0) against a target of at least 75%: not met, 1.0 percentage points short (-1.0 to 3.0); not clearly above or below the target.'
    """
    k = KPIS.get(key)
    label = name or (k.name if k else key)
    shown = k.format(c.value) if k else number(c.value, 1)
    ci = interval(c.ci_low, c.ci_high)
    t = target_text(key, c.target, c.direction)
    when = f" {when}" if when else ""
    return f"{label}{when} {shown} ({ci}) against a target of {t}: {gap_text(key, c)}."


def benchmark_gap(value: Any, benchmark: Any) -> float:  # noqa: ANN401
    """``value − benchmark`` (NaN when the value is unknown).

    >>> from types import SimpleNamespace
    >>> benchmark_gap(-27.9, SimpleNamespace(value=20.0, source="x"))
    -47.9
    """
    return round(_float(value) - float(benchmark.value), 10)


def benchmark_sentence(key: str, value: Any, benchmark: Any) -> str:  # noqa: ANN401
    """``vs benchmark 20 (source: ...): 47.9 points below.``"""
    diff = benchmark_gap(value, benchmark)
    unit = _unit(key)
    shown = f"{float(benchmark.value):g}"
    head = f"vs benchmark {shown} (source: {benchmark.source})"
    if not is_known(diff):
        return f"{head}: not known."
    if diff == 0:
        return f"{head}: level with it."
    return f"{head}: {number(abs(diff), 1)} {unit} {'above' if diff > 0 else 'below'}."


def target_record(
    key: str,
    value: Any,  # noqa: ANN401
    ci_low: Any,  # noqa: ANN401
    ci_high: Any,  # noqa: ANN401
    target: Any = None,  # noqa: ANN401
    benchmark: Any = None,  # noqa: ANN401
    *,
    n: Any = None,  # noqa: ANN401
    period: str | None = None,
    when: str = "",
) -> dict[str, Any]:
    """One KPI against its target and benchmark as plain data (JSON-ready), with sentences.

    Keys: ``kpi``, ``name``, ``period``, ``value``, ``ci_low``, ``ci_high``, ``n``,
    ``target``, ``direction``, ``met``, ``clear``, ``gap``, ``gap_low``, ``gap_high``,
    ``benchmark``, ``benchmark_source``, ``benchmark_gap``, ``sentence`` (target first,
    then benchmark; either may be absent: None).
    """
    k = KPIS.get(key)
    out: dict[str, Any] = {
        "kpi": key,
        "name": k.name if k else key,
        "period": period,
        "value": _float(value),
        "ci_low": _float(ci_low),
        "ci_high": _float(ci_high),
        "n": None if n is None else int(n),
    }
    out |= dict.fromkeys(("target", "direction", "met", "clear", "gap", "gap_low", "gap_high"))
    out |= {"benchmark": None, "benchmark_source": None, "benchmark_gap": None}
    parts = []
    if target is not None:
        c = check_target(value, ci_low, ci_high, target)
        out |= {"target": c.target, "direction": c.direction, "met": c.met, "clear": c.clear}
        out |= {"gap": c.gap, "gap_low": c.gap_low, "gap_high": c.gap_high}
        parts.append(target_sentence(key, c, when))
    if benchmark is not None:
        out |= {"benchmark": float(benchmark.value), "benchmark_source": str(benchmark.source)}
        out["benchmark_gap"] = benchmark_gap(value, benchmark)
        sentence = benchmark_sentence(key, value, benchmark)
        if not parts:
            k_name = out["name"] + (f" {when}" if when else "")
            shown = k.format(value) if k else number(value, 1)
            sentence = f"{k_name} {shown} {sentence}"
        parts.append(sentence)
    if len(parts) == 2:  # one sentence: "... short (20.5 to 26.5); vs benchmark 20 ..."
        parts = [parts[0].rstrip(".") + "; " + parts[1]]
    out["sentence"] = parts[0] if parts else None
    return out


__all__ = [
    "HIGHER",
    "TargetCheck",
    "benchmark_gap",
    "benchmark_sentence",
    "check_target",
    "gap_text",
    "target_record",
    "target_sentence",
    "target_text",
]
