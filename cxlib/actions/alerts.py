"""Alerts: what broke in the latest period, with false alarms controlled.

Four kinds, each an alert record (:func:`alert`) with a stable ``id`` (kind, KPI,
segment, comparison), the numbers, an adjusted p-value, a severity, one sentence and
the report section holding the evidence:

``target_missed``
    A KPI's latest month misses its target (config ``targets:``) while the month before
    met it, and the miss is significant: one-sided z-test of the latest month against
    the target, ``p = Φ(gap / se)`` (gap on the good side, see
    :mod:`cxlib.metrics.targets`), so a month a hair under the target by chance is not
    an alert.
``deterioration``
    A KPI significantly worse in its latest month than the month before or the same
    month a year earlier (:func:`cxlib.metrics.compare`, two-sided), overall and per
    segment: channel and touchpoint (survey KPIs), channel and ticket category (ticket
    KPIs), and persona when personas are given. A segment is tested when both months
    hold at least ``min_n`` answers.
``comment_spike``
    A week among the last ``weeks`` whose share of negative survey comments is
    significantly above the ``baseline_weeks`` before them (:func:`comment_spikes`).
``mention_spike``
    A day of the last ``recent_days`` that the social report's spike test
    (:func:`cxlib.social.spikes.negative_spikes`: negative binomial, Benjamini–Hochberg
    over every day and brand) marks as a spike of negative mentions; reused, not retested.

False alarms
    In a world where nothing changed, the chance of any alert is at most 5%, split over
    the three families of tests (Bonferroni): the KPI tests (target tests, and every KPI
    × segment × comparison) are Benjamini–Hochberg adjusted together at 3% (on a world
    without change BH bounds the chance of any rejection by its level; only worse
    changes alert); the comment weeks at 1%; a mention spike alerts when the social
    report's q-value is below 1%. ``benchmarks/bench_alerts.py`` measures the share of
    no-change worlds with at least one alert. Once real changes are found, BH lets
    through about one false alert in every 1/level true ones (it controls the false
    discovery rate).

Examples
--------
>>> found = kpi_alerts(cx, cx.config)                            # doctest: +SKIP
>>> [a["sentence"] for a in found][:1]                           # doctest: +SKIP
['Alert: CSAT fell 6.1 percentage points from Aug 2026 to Sep 2026 ...']
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxlib.actions.alert_tests import (
    ALPHA,
    BASELINE_WEEKS,
    DETERIORATION,
    KPI_ALPHA,
    MENTION_Q,
    MIN_RISE,
    TARGET_MISSED,
    comment_spikes,
    kpi_tests,
)
from cxlib.metrics.kpis import kpi
from cxlib.metrics.targets import check_target, target_text
from cxlib.scorecard.history import PREVIOUS, YEAR_EARLIER
from cxlib.scorecard.kpis import MIN_N
from cxlib.wording import count, interval, label, month, number, p_value

COMMENT_SPIKE, MENTION_SPIKE = "comment_spike", "mention_spike"
KINDS = (TARGET_MISSED, DETERIORATION, COMMENT_SPIKE, MENTION_SPIKE)
"""The kinds of alert, in the order they lead a page."""
KPI_KINDS = (TARGET_MISSED, DETERIORATION)
"""The kinds :func:`kpi_alerts` computes (from the data and the config alone)."""
SCORECARD_KINDS = (TARGET_MISSED, DETERIORATION, COMMENT_SPIKE)
"""The kinds the scorecard report computes (:func:`scorecard_alerts`)."""
RECENT_DAYS = 28
"""Days at the end of the mentions whose spikes become alerts."""
ALERT_FIELDS = (
    "id", "kind", "kpi", "segment", "versus", "period", "other_period", "value",
    "other_value", "change", "change_low", "change_high", "p_adjusted", "severity",
    "sentence", "report",
)  # fmt: skip
"""The keys of an alert record."""
SEGMENT_NAMES = {"channel": "channel", "touchpoint": "touchpoint", "category": "ticket category"}
SCORECARD_TRENDS = "cx_scorecard.html#Month-by-month"
SCORECARD_SEGMENTS = "cx_scorecard.html#By-channel,-touchpoint-and-segment"
SCORECARD_COMMENTS = "cx_scorecard.html#Voice-of-the-customer"
SOCIAL_SPIKES = "social_listening.html"
"""Where each kind's evidence is (report page and section anchor)."""
HIGH_P = 0.001
"""An overall KPI alert with an adjusted p below this is of high severity."""
ALERTS_FILE = "alerts.json"
"""The run's alerts (a list of records) in its ``outputs/``."""


def alert(kind: str, key: str, sentence: str, segment: str | None = None, **fields: Any) -> dict:
    """One alert record (:data:`ALERT_FIELDS`; missing numbers are None).

    >>> a = alert(DETERIORATION, "csat", "Alert: ...", "channel: phone", versus=PREVIOUS)
    >>> a["id"], a["severity"]
    ('deterioration:csat:channel: phone:previous month', 'medium')
    """
    out = dict.fromkeys(ALERT_FIELDS)
    out |= {k: _plain(v) for k, v in fields.items() if k in ALERT_FIELDS}
    out |= {"kind": kind, "kpi": key, "segment": segment, "sentence": sentence}
    parts = [kind, key, segment or "all"] + ([out["versus"]] if out["versus"] else [])
    out["id"] = ":".join(str(p) for p in parts)
    out["severity"] = out["severity"] or "medium"
    return out


def _plain(x: Any) -> Any:  # noqa: ANN401
    if isinstance(x, (np.generic,)):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def kpi_alerts(
    cx: Any,  # noqa: ANN401
    config: Any = None,  # noqa: ANN401
    *,
    personas: pd.DataFrame | None = None,
    min_n: int = MIN_N,
    alpha: float = KPI_ALPHA,
    trends: pd.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """The target and deterioration alerts of the loaded data (see the module).

    ``config`` gives the targets (``config.targets``; default ``cx.config``). Overall
    alerts come first, then segments; within each, the smallest adjusted p first.
    """
    config = getattr(cx, "config", None) if config is None else config
    targets = getattr(config, "targets", None) or {}
    tests = kpi_tests(cx, config, personas=personas, min_n=min_n, trends=trends)
    n_tests = len(tests)
    hit = tests[tests["p_adjusted"] < alpha]
    worse = [
        k == TARGET_MISSED or kpi(key).better(c) is False
        for k, key, c in zip(hit["kind"], hit["kpi"], hit["change"], strict=True)
    ]
    hit = hit[np.asarray(worse, dtype=bool)]
    hit = hit.assign(_seg=hit["dimension"].notna()).sort_values(["_seg", "p_adjusted"])
    return [_kpi_alert(row, targets.get(row.kpi), n_tests) for row in hit.itertuples()]


def _segment(row: Any) -> str | None:  # noqa: ANN401
    if not isinstance(row.dimension, str):
        return None
    group = label(row.group) if row.dimension in SEGMENT_NAMES else row.group
    return f"{SEGMENT_NAMES.get(row.dimension, row.dimension)}: {group}"


def _kpi_alert(row: Any, target: Any, n_tests: int) -> dict[str, Any]:  # noqa: ANN401
    """One KPI test that fired as an alert record with its sentence."""
    k = kpi(row.kpi)
    segment = _segment(row)
    where = f" at {segment.replace(': ', ' ', 1)}" if segment else ""
    p = f"adjusted {p_value(row.p_adjusted)} over {count(n_tests)} tests"
    mine = ("kind", "kpi", "segment", "sentence", "report", "severity")
    fields = {f: getattr(row, f) for f in ALERT_FIELDS if hasattr(row, f) and f not in mine}
    high = row.p_adjusted < HIGH_P and segment is None
    if row.kind == TARGET_MISSED:
        miss = "short" if target.direction == "higher" else "over it"
        goal = target_text(row.kpi, target.value, target.direction)
        sentence = (
            f"Alert: {k.name} missed its target of {goal} in {month(row.period)}: "
            f"{k.format(row.value)}, {number(-row.change, 1)} {k.change_unit()} {miss} "
            f"({interval(-row.change_high, -row.change_low)}; {p}), after meeting it in "
            f"{month(row.other_period)} ({k.format(row.other_value)})."
        )
        return alert(
            TARGET_MISSED, row.kpi, sentence, **fields, severity="high", report=SCORECARD_TRENDS
        )
    way = "rose" if row.change > 0 else "fell"
    when = " (year on year)" if row.versus == YEAR_EARLIER else ""
    tail = ""
    if target is not None and check_target(row.value, math.nan, math.nan, target).met is False:
        tail = f", short of the target of {target_text(row.kpi, target.value, target.direction)}"
    sentence = (
        f"Alert: {k.name}{where} {way} {number(abs(row.change), 1)} {k.change_unit()} from "
        f"{month(row.other_period)} to {month(row.period)}{when}, to {k.format(row.value)} "
        f"({interval(row.change_low, row.change_high)} for the change; {p}){tail}."
    )
    return alert(
        DETERIORATION, row.kpi, sentence, segment, **fields,
        severity="high" if high else "medium",
        report=SCORECARD_SEGMENTS if segment else SCORECARD_TRENDS,
    )  # fmt: skip


def comment_alerts(
    scored: pd.DataFrame | None,
    surveys: pd.DataFrame | None,
    **kwargs: Any,  # noqa: ANN401
) -> list[dict[str, Any]]:
    """The latest spike week of negative survey comments as an alert (at most one).

    ``scored`` is :func:`cxlib.scorecard.voc.score_comments` (``response_id``,
    ``sentiment``); the comments' dates come from ``surveys`` (``response_id``,
    ``responded_at``). ``kwargs`` go to :func:`comment_spikes`.
    """
    if scored is None or surveys is None or scored.empty or "responded_at" not in surveys:
        return []
    if "response_id" in surveys:
        when = surveys.drop_duplicates("response_id").set_index(
            surveys.drop_duplicates("response_id")["response_id"].astype("string")
        )["responded_at"]
        times = scored["response_id"].astype("string").map(when)
    else:  # score_comments numbered the comments by the surveys' index
        times = scored["response_id"].map(surveys["responded_at"])
    spikes = comment_spikes(times, scored["sentiment"].astype("string").eq("negative"), **kwargs)
    hit = spikes[spikes["spike"]]
    if hit.empty:
        return []
    row = hit.iloc[-1]
    week = f"the week of {row['week']:%Y-%m-%d}"
    sentence = (
        f"Alert: negative survey comments rose to {number(row['share'], 1)}% in {week} "
        f"({count(row['negative'])} of {count(row['comments'])} comments), "
        f"{number(row['rise'], 1)} percentage points above the {number(row['baseline'], 1)}% "
        f"of the {count(BASELINE_WEEKS)} weeks before ({interval(row['rise_low'], row['rise_high'])}; "
        f"adjusted {p_value(row['q_value'])} over {count(len(spikes))} weeks tested)."
    )
    return [
        alert(
            COMMENT_SPIKE, "negative_comment_share", sentence, period=f"{row['week']:%Y-%m-%d}",
            value=row["share"], other_value=row["baseline"], change=row["rise"],
            change_low=row["rise_low"], change_high=row["rise_high"],
            p_adjusted=row["q_value"], severity="high" if row["rise"] >= 2 * MIN_RISE else "medium",
            report=SCORECARD_COMMENTS,
        )
    ]  # fmt: skip


def mention_alerts(
    spikes: pd.DataFrame | None, recent_days: int = RECENT_DAYS, max_q: float = MENTION_Q
) -> list[dict]:
    """The social report's spikes of negative mentions in the last ``recent_days`` whose
    q-value is below ``max_q`` as alerts: one per unit (all mentions, each brand), its
    latest spike day.

    ``spikes`` is :func:`cxlib.social.spikes.negative_spikes` (the report's ``spikes_``).

    Examples
    --------
    >>> s = pd.DataFrame({"unit": ["all mentions"] * 2, "spike": [False, True],
    ...     "day": pd.to_datetime(["2026-09-01", "2026-09-02"]), "negative": [3, 40],
    ...     "expected": [3.0, 8.0], "ratio": [1.0, 5.0], "q_value": [0.9, 1e-6]})
    >>> [a["sentence"] for a in mention_alerts(s)]
    ['Alert: negative mentions spiked on 2026-09-02: 40 against about 8 expected (5.0 times; adjusted p < 0.001).']
    """
    if spikes is None or spikes.empty:
        return []
    last = pd.to_datetime(spikes["day"]).max()
    recent = spikes[
        spikes["spike"].astype(bool)
        & (spikes["q_value"] < max_q)
        & (spikes["day"] > last - pd.Timedelta(days=recent_days))
    ]
    out = []
    for unit, rows in recent.sort_values("day").groupby("unit", sort=True):
        row = rows.iloc[-1]
        who = "" if unit == "all mentions" else f" of {unit}"
        others = len(rows) - 1
        more = (
            f" (and {count(others)} other spike day{'s' * (others != 1)} in the last {recent_days} days)"
            if others
            else ""
        )
        sentence = (
            f"Alert: negative mentions{who} spiked on {row['day']:%Y-%m-%d}: "
            f"{count(row['negative'])} against about {number(row['expected'])} expected "
            f"({number(row['ratio'], 1)} times; adjusted {p_value(row['q_value'])}){more}."
        )
        out.append(
            alert(
                MENTION_SPIKE, "negative_mentions", sentence,
                None if unit == "all mentions" else f"brand: {unit}",
                period=f"{row['day']:%Y-%m-%d}", value=float(row["negative"]),
                other_value=float(row["expected"]), change=float(row["negative"] - row["expected"]),
                p_adjusted=row["q_value"], severity="high" if row["ratio"] >= 3 else "medium",
                report=SOCIAL_SPIKES,
            )
        )  # fmt: skip
    return out


# --- one run's alerts ----------------------------------------------------------------------


def scorecard_alerts(
    cx: Any,  # noqa: ANN401
    config: Any = None,  # noqa: ANN401
    *,
    personas: pd.DataFrame | None = None,
    comments: pd.DataFrame | None = None,
    min_n: int = MIN_N,
    trends: pd.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """The scorecard's alerts (:data:`SCORECARD_KINDS`): :func:`kpi_alerts` with the
    persona segments, then :func:`comment_alerts` of the scored ``comments``.

    Examples
    --------
    >>> found = scorecard_alerts(cx, personas=personas, comments=scored)   # doctest: +SKIP
    """
    found = kpi_alerts(cx, config, personas=personas, min_n=min_n, trends=trends)
    return found + comment_alerts(comments, cx.surveys, min_n=min_n)


def merge_alerts(
    own: Sequence[Mapping[str, Any]], summaries: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The runner's alerts and those of the reports' summaries, one per ``id``.

    A summary that lists ``alert_kinds`` computed those kinds on its own, fuller test
    family (the scorecard adds persona segments): the runner's alerts of those kinds are
    replaced by the report's. Ordered by kind (:data:`KINDS`), severity, then as found.

    >>> mine = [alert(DETERIORATION, "csat", "a"), alert(TARGET_MISSED, "nps", "b")]
    >>> theirs = {"alert_kinds": [DETERIORATION], "alerts": [alert(COMMENT_SPIKE, "x", "c")]}
    >>> [a["sentence"] for a in merge_alerts(mine, [theirs])]
    ['b', 'c']
    """
    summaries = list(summaries)
    replaced = {k for s in summaries for k in (s.get("alert_kinds") or [])}
    found: dict[str, dict[str, Any]] = {}
    for a in [a for a in own if a.get("kind") not in replaced]:
        found.setdefault(str(a["id"]), dict(a))
    for s in summaries:
        for a in s.get("alerts") or []:
            if isinstance(a, Mapping) and a.get("id") and a.get("sentence"):
                found[str(a["id"])] = dict.fromkeys(ALERT_FIELDS) | dict(a)  # every key
    order = {k: i for i, k in enumerate(KINDS)}
    ranked = sorted(
        enumerate(found.values()),
        key=lambda ia: (order.get(ia[1].get("kind"), 9), ia[1].get("severity") != "high", ia[0]),
    )
    return [a for _, a in ranked]


def write_alerts(folder: str | Path, alerts: Sequence[Mapping[str, Any]]) -> Path:
    """Write ``alerts.json`` (a list of records; ``[]`` when there is none) into ``folder``."""
    path = Path(folder) / ALERTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = [{k: _plain(v) for k, v in a.items()} for a in alerts]
    path.write_text(json.dumps(clean, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def sentences(alerts: Sequence[Mapping[str, Any]], none: str | None = None) -> list[str]:
    """The alerts' sentences (``[none]`` when there is no alert and ``none`` is given)."""
    out = [str(a["sentence"]) for a in alerts]
    return out or ([none] if none else [])


__all__ = [
    "ALERTS_FILE",
    "ALERT_FIELDS",
    "ALPHA",
    "KPI_ALPHA",
    "MENTION_Q",
    "COMMENT_SPIKE",
    "DETERIORATION",
    "KINDS",
    "KPI_KINDS",
    "MENTION_SPIKE",
    "PREVIOUS",
    "SCORECARD_KINDS",
    "TARGET_MISSED",
    "YEAR_EARLIER",
    "alert",
    "comment_alerts",
    "comment_spikes",
    "kpi_alerts",
    "kpi_tests",
    "mention_alerts",
    "merge_alerts",
    "scorecard_alerts",
    "sentences",
    "write_alerts",
]
