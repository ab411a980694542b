"""The index page's KPI tiles: the latest month, a 12-month sparkline and two tested changes.

Each tile is one KPI of :mod:`cxlib.metrics.kpis` (its one name and format): the value of
the latest month of the data with its 95% CI, the months before it as a sparkline, and
the change against the month before and against the same month a year earlier, each with
its test (:func:`cxlib.scorecard.history.period_changes`: Benjamini–Hochberg adjusted over
every KPI and both comparisons). The history comes from the data itself, so a first run
on data holding two years already shows both changes; only a KPI without dated rows falls
back to the change since the previous run. When the config gives the KPI a target or a
benchmark (``targets:``, ``benchmarks:``, :mod:`cxlib.io.goals`), the tile says whether
the value meets the target and by how much, with the gap's 95% CI
(:mod:`cxlib.metrics.targets`), and how far it is from the benchmark; no target is
invented. Everything is prepared as text (numbers by :mod:`cxlib.wording`) and laid out
by ``index.html.j2`` (autoescaped).

Examples
--------
>>> h = {"name": "CES (% easy)", "unit": "%", "periods": ["2026-08", "2026-09"],
...      "values": [54.4, 56.3], "n": [2993, 2601], "period": "2026-09", "value": 56.3,
...      "ci_low": 54.4, "ci_high": 58.2, "changes": [{"versus": "a year earlier",
...      "other_period": "2025-09", "change": 11.7, "p_adjusted": 1e-9, "significant": True,
...      "better": True}]}
>>> t = history_tile("ces", h)
>>> t.name, t.value, t.period, t.changes[0].amount, t.changes[0].against, t.changes[0].css
('CES (% easy)', '56.3%', 'Sep 2026', '11.7 points', 'vs Sep 2025', 'better')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from cxlib.metrics.kpis import KPIS, kpi
from cxlib.metrics.targets import benchmark_sentence, check_target, gap_text, target_text
from cxlib.wording import count, interval, is_known, month, number, p_value

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 32, 3
"""The sparkline's box in pixels and the margin kept around its line."""
AGAINST = {"previous month": "the month before", "a year earlier": "a year earlier"}
"""How a tile names each comparison of :func:`cxlib.scorecard.history.period_changes`."""
TESTED = ("significant", "not significant")
"""The verdicts of a change that was tested."""


@dataclass(frozen=True)
class Change:
    """One change of a KPI as a tile shows it (text).

    ``note`` replaces the rest when there is nothing to compare; ``css`` is ``better``,
    ``worse`` or ``same`` (not significant); ``against`` says against what.
    """

    note: str = ""
    css: str = ""
    arrow: str = ""
    amount: str = ""
    against: str = ""
    verdict: str = ""
    p: str = ""


@dataclass(frozen=True)
class Spark:
    """A sparkline as SVG coordinates (text) and the sentence that describes it."""

    points: str
    last_x: str
    last_y: str
    label: str


@dataclass(frozen=True)
class Tile:
    """One KPI as the index shows it: name, value, its month, CI and n, sparkline, changes."""

    name: str
    value: str
    ci: str
    period: str = ""
    spark: Spark | None = None
    changes: tuple[Change, ...] = field(default_factory=tuple)
    overall: str = ""
    target: str = ""
    target_css: str = ""
    benchmark: str = ""


def goal_texts(
    key: str,
    value: Any,  # noqa: ANN401
    ci_low: Any,  # noqa: ANN401
    ci_high: Any,  # noqa: ANN401
    target: Mapping[str, Any] | None = None,
    benchmark: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The tile's ``target`` (with its ``target_css``) and ``benchmark`` lines; {} for none.

    ``target`` is ``{"value", "direction"}`` and ``benchmark`` ``{"value", "source"}``
    (as the run's manifest keeps them). ``target_css`` is ``better`` when the target is
    clearly met, ``worse`` when clearly missed, ``same`` when the CI straddles it.

    >>> goal_texts("csat", 42.9, 41.0, 44.8, {"value": 75, "direction": "higher"})["target"]
    'Target at least 75%: not met, 32.1 percentage points short (30.2 to 34.0)'
    >>> goal_texts("nps", -27.9, -29.1, -26.7, None, {"value": 20, "source": "x"})["benchmark"]
    'vs benchmark 20 (source: x): 47.9 points below'
    """
    out: dict[str, str] = {}
    if target and is_known(value):
        t = SimpleNamespace(value=float(target["value"]), direction=str(target["direction"]))
        c = check_target(value, ci_low, ci_high, t)
        out["target"] = f"Target {target_text(key, t.value, t.direction)}: {gap_text(key, c)}"
        out["target_css"] = "same" if not c.clear else "better" if c.met else "worse"
    if benchmark and is_known(value):
        b = SimpleNamespace(value=float(benchmark["value"]), source=str(benchmark["source"]))
        out["benchmark"] = benchmark_sentence(key, value, b).rstrip(".")
    return out


def ci_text(low: Any, high: Any, n: Any) -> str:
    """``95% CI 5.0 to 15.0 · n=1,200`` (only ``n=`` when the CI is unknown).

    >>> ci_text(None, 2.0, 30)
    'n=30'
    """
    size = f"n={count(n)}"
    return f"{interval(low, high)} · {size}" if is_known(low) and is_known(high) else size


def sparkline(key: str, periods: Sequence[str], values: Sequence[Any]) -> Spark | None:
    """The months' values as a polyline in the sparkline's box (None with under two known).

    >>> s = sparkline("nps", ["2026-08", "2026-09"], [-26.0, -23.5])
    >>> s.points, s.label
    ('3.0,29.0 117.0,3.0', 'NPS month by month, Aug 2026 to Sep 2026: from -26.0 to -23.5')
    """
    known = [(i, float(v)) for i, v in enumerate(values) if is_known(v)]
    if len(known) < 2:
        return None
    low, high = min(v for _, v in known), max(v for _, v in known)
    span_x, span_y = max(len(values) - 1, 1), (high - low) or 1.0
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
    xy = [
        (SPARK_PAD + inner_w * i / span_x, SPARK_PAD + inner_h * (high - v) / span_y)
        for i, v in known
    ]
    k = kpi(key)
    label = (
        f"{k.name} month by month, {month(periods[known[0][0]])} to "
        f"{month(periods[known[-1][0]])}: from {k.format(known[0][1])} to {k.format(known[-1][1])}"
    )
    return Spark(
        points=" ".join(f"{x:.1f},{y:.1f}" for x, y in xy),
        last_x=f"{xy[-1][0]:.1f}",
        last_y=f"{xy[-1][1]:.1f}",
        label=label,
    )


def period_change(key: str, c: Mapping[str, Any]) -> Change:
    """One change of :func:`cxlib.scorecard.history.period_changes` as the tile shows it."""
    other = c.get("other_period")
    if not other:
        return Change(note=f"no data {AGAINST.get(c.get('versus'), 'earlier')}")
    diff = c.get("change")
    if not is_known(diff):
        return Change(note=f"no comparison with {month(other)}")
    tested = is_known(c.get("p_adjusted"))
    significant = bool(c.get("significant"))
    better = c.get("better")
    css = "same" if not significant or better is None else ("better" if better else "worse")
    verdict = "significant" if significant else "not significant" if tested else "not tested"
    k = kpi(key)
    unit = "points" if k.unit in ("%", "points") else k.change_unit()
    return Change(
        css=css,
        arrow="▲" if diff > 0 else "▼" if diff < 0 else "=",
        amount=f"{number(abs(diff), 1)} {unit}",
        against=f"vs {month(other)}",
        verdict=verdict,
        p=f"adj. {p_value(c['p_adjusted'])}" if tested else "too few answers",
    )


def history_tile(
    key: str,
    h: Mapping[str, Any],
    overall: str = "",
    target: Mapping[str, Any] | None = None,
    benchmark: Mapping[str, Any] | None = None,
) -> Tile:
    """A KPI's tile from its :func:`cxlib.scorecard.history.kpi_history` entry; its latest
    month against the ``target`` and ``benchmark`` when given (:func:`goal_texts`)."""
    k = kpi(key) if key in KPIS else None
    changes = tuple(period_change(key, c) for c in h.get("changes") or [])
    return Tile(
        name=k.name if k else str(h.get("name", key)),
        value=k.format(h.get("value")) if k else number(h.get("value"), 1),
        ci=ci_text(h.get("ci_low"), h.get("ci_high"), (h.get("n") or [None])[-1]),
        period=month(h.get("period")),
        spark=sparkline(key, h.get("periods") or [], h.get("values") or []),
        changes=tuple(reversed(changes)),  # a year earlier first: it removes the season
        overall=overall,
        **goal_texts(key, h.get("value"), h.get("ci_low"), h.get("ci_high"), target, benchmark),
    )
