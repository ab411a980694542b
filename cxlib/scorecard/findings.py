"""The scorecard's findings as sentences with numbers, its summary JSON and output files.

Numbers are written by :mod:`cxlib.wording`, as on every page.

Examples
--------
>>> from cxlib.metrics.intervals import MetricResult
>>> nps = MetricResult("NPS", -27.85, 28803, -28.75, -26.96, "points", "normal", 0.46)
>>> _ci(nps)
'95% CI -28.8 to -27.0, n=28,803'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from cxlib.io import outputs
from cxlib.io.privacy import ACCOUNT, CARD, EMAIL, LINK, NAME, NAME_COLUMNS, PHONE
from cxlib.metrics.intervals import MetricResult
from cxlib.metrics.kpis import kpi, stated
from cxlib.scorecard.backlog import (
    BACKLOG_CSV,
    Backlog,
    backlog_record,
    backlog_sentences,
    backlog_table,
    save_backlog_ids,
)
from cxlib.scorecard.history import PREVIOUS, YEAR_EARLIER, period_changes
from cxlib.scorecard.kpis import DIMENSIONS, KPIS, NAMED_DIMENSIONS, PROMISE_HOURS, kpis_to_dict
from cxlib.scorecard.teams import save_team_tables, team_record, team_table
from cxlib.wording import (
    UNKNOWN,
    count,
    interval,
    is_known,
    label,
    month,
    number,
    p_value,
    value,
)

OUTPUT_FILES = (
    "cx_scorecard.json",
    "cx_scorecard_trends.csv",
    "cx_scorecard_breakdown.csv",
    "cx_scorecard_themes.csv",
)
"""The files :func:`save_outputs` writes: summary, trends, breakdown, comment themes."""

# --- findings -----------------------------------------------------------------------------


def _ci(r: MetricResult) -> str:
    """A KPI's 95% CI and its number of answers (``95% CI 1.0 to 2.5, n=1,234``)."""
    return f"{interval(r.ci_low, r.ci_high)}, n={count(r.n)}"


def promise_sentence(kpis: Mapping[str, MetricResult]) -> str:
    """The headline on the 24-hour response promise (or why it cannot be measured)."""
    r = kpis.get("response_24h")
    if r is None:
        return (
            f"The {PROMISE_HOURS}-hour response promise is not measured: the data has no "
            "support tickets with first-response times."
        )
    return (
        f"{value(r.value, '%')} of support tickets got a first answer within {PROMISE_HOURS} "
        f"hours ({_ci(r)}); most customers expect one within a day, so "
        f"{value(100 - r.value, '%')} waited longer."
    )


def change_sentences(trends: pd.DataFrame, none: str | None = None) -> list[str]:
    """One sentence per significant month-on-month change, largest first.

    When there is none: ``[none]`` if ``none`` is given, else ``[]``.
    """
    sig = trends[trends["significant"].fillna(False).astype(bool)].copy()
    if sig.empty:
        return [none] if none else []
    prev = trends.groupby("kpi")["period"].shift(1)
    sig["previous"] = prev[sig.index]
    sig = sig.reindex(sig["change"].abs().sort_values(ascending=False).index)
    out = []
    for row in sig.itertuples():
        way = "rose" if row.change > 0 else "fell"
        unit = " points" if row.kpi == "nps" else " percentage points"
        out.append(
            f"{row.label} {way} {number(abs(row.change), 1)}{unit} from {row.previous} to "
            f"{row.period} (to {number(row.value, 1)}; adjusted {p_value(row.p_adjusted)})."
        )
    return out


def _signed(x: float) -> str:
    """A change with its sign, as a CI bound reads: ``+8.2``, ``−1.5``."""
    return f"{x:+,.1f}".replace("-", "−") if is_known(x) else UNKNOWN


def period_change_sentences(changes: pd.DataFrame, versus: str | None = None) -> list[str]:
    """One sentence per significant change of a KPI's latest month, largest z first.

    ``changes`` is :func:`cxlib.scorecard.history.period_changes` (p-values adjusted over
    every KPI and both comparisons); ``versus`` keeps one comparison only.

    Examples
    --------
    >>> period_change_sentences(period_changes(monthly_trends(cx)))[0]   # doctest: +SKIP
    'CES (% easy) rose 11.7 percentage points year on year (better), from 44.6% in Sep 2025 to 56.3% in Sep 2026 (95% CI +8.2 to +15.1; adjusted p < 0.001).'
    """
    sig = changes[changes["significant"].fillna(False).astype(bool)]
    if versus is not None:
        sig = sig[sig["versus"] == versus]
    width = (sig["change_high"] - sig["change_low"]).where(lambda w: w > 0)
    sig = sig.reindex((sig["change"].abs() / width).sort_values(ascending=False).index)
    out = []
    for row in sig.itertuples():
        k = kpi(row.kpi)
        way = "rose" if row.change > 0 else "fell"
        when = "year on year" if row.versus == YEAR_EARLIER else "since the month before"
        verdict = {True: " (better)", False: " (worse)"}.get(row.better, "")
        out.append(
            f"{k.name} {way} {number(abs(row.change), 1)} {k.change_unit()} {when}{verdict}, "
            f"from {k.format(row.other_value)} in {month(row.other_period)} to "
            f"{k.format(row.value)} in {month(row.period)} (95% CI {_signed(row.change_low)} to {_signed(row.change_high)}; "
            f"adjusted {p_value(row.p_adjusted)})."
        )
    return out


def no_change_sentence(changes: pd.DataFrame) -> str | None:
    """The sentence saying no KPI moved, naming what could be tested (None when one did or
    nothing was).

    Examples
    --------
    >>> no_change_sentence(pd.DataFrame({"period": ["2018-06"] * 2, "p_value": [0.2, None],
    ...     "versus": [PREVIOUS, YEAR_EARLIER], "significant": [False, False]}))
    'No KPI changed significantly in Jun 2018 against the month before (1 comparison); the data does not reach a year back.'
    """
    tested = changes[changes["p_value"].notna()]
    if tested.empty or changes["significant"].fillna(False).astype(bool).any():
        return None
    kinds = set(tested["versus"])
    against = {
        PREVIOUS: "against the month before",
        YEAR_EARLIER: "against the same month a year earlier",
    }
    n = len(tested)
    what = (
        "neither against the month before nor against the same month a year earlier"
        if len(kinds) == 2
        else against[kinds.pop()]
    )
    tail = "" if YEAR_EARLIER in set(tested["versus"]) else "; the data does not reach a year back"
    adjusted = ", adjusted for their number" if n > 1 else ""
    return (
        f"No KPI changed significantly in {month(tested['period'].max())} {what} "
        f"({count(n)} comparison{'s' if n != 1 else ''}{adjusted}){tail}."
    )


def gap_sentences(
    table: pd.DataFrame, top: int | None = None, none: str | None = None
) -> list[str]:
    """One sentence per significant gap between a group and the rest, worst first.

    At most ``top`` sentences; when there is none: ``[none]`` if given, else ``[]``.
    """
    sig = table[table["significant"].fillna(False).astype(bool)]
    if sig.empty:
        return [none] if none else []
    sig = sig.reindex(sig["diff"].sort_values().index)
    out = []
    for row in sig.itertuples():
        way = "below" if row.diff < 0 else "above"
        dim, dims = DIMENSIONS.get(row.dimension, (row.dimension, row.dimension + "s"))
        group = label(row.group) if row.dimension in NAMED_DIMENSIONS else row.group
        unit = "points" if row.kpi == "nps" else "percentage points"
        out.append(
            f"{row.label} at {dim} {group!r} is {number(abs(row.diff), 1)} {unit} {way} the "
            f"other {dims} ({number(row.value, 1)} vs {number(row.rest, 1)}, n={count(row.n)})."
        )
    return out[:top] if top else out


def theme_sentence(voc: pd.DataFrame | None, group: str = "detractor") -> str | None:
    """What the group talks about most (its largest theme), or None."""
    if voc is None or voc.empty:
        return None
    themes = voc[(voc["group"] == group) & (voc["theme"] > 0)]
    if themes.empty:
        return None
    top = themes.iloc[0]
    return (
        f"{group.capitalize()}s talk most about “{top['label']}” "
        f"({number(top['share'])}% of their {count(top['group_comments'])} comments)."
    )


def privacy_notes(customers: pd.DataFrame | None = None) -> list[str]:
    """What is and is not masked in the comments the scorecard quotes (method notes).

    Examples
    --------
    >>> privacy_notes(pd.DataFrame({"customer_id": ["1"], "surname": ["Berg"]}))[1]
    "Each customer's own name (customers column surname) is masked as [name] in their own comments; names of other people (staff, relatives) are not recognised and stay."
    """
    cols = [] if customers is None else [c for c in customers if c.casefold() in NAME_COLUMNS]
    if cols:
        names = (
            f"Each customer's own name (customers column{'s' if len(cols) > 1 else ''} "
            f"{', '.join(cols)}) is masked as {NAME} in their own comments; names of other "
            "people (staff, relatives) are not recognised and stay."
        )
    else:
        names = (
            "Names are not masked: the customers table has no name column ("
            + ", ".join(NAME_COLUMNS[:3])
            + ", ...); read the quotes before sharing them outside the team."
        )
    return [
        "Quoted comments, theme examples and every published table and file have contact "
        f"details masked: e-mail addresses ({EMAIL}), phone numbers ({PHONE}), payment card "
        f"numbers passing the Luhn check ({CARD}), IBANs and numbers written after "
        f"'account' ({ACCOUNT}), and links carrying ids, e-mails or tokens ({LINK}).",
        names,
        "Not masked: postal addresses, contact details written out in words "
        "('anna at example dot com'), and numbers after 'order', 'invoice' or 'ticket' "
        "(read as order numbers), as well as dates, times and amounts.",
    ]


def findings(
    kpis: Mapping[str, MetricResult],
    trends: pd.DataFrame,
    table: pd.DataFrame,
    voc: pd.DataFrame | None = None,
    period: tuple[Any, Any] | None = None,
    backlog: Backlog | None = None,
) -> list[str]:
    """The scorecard's findings as sentences, most important first (the first three are
    the summary's ``findings``).

    The significant changes of the latest month lead (against the same month a year
    earlier and the month before, :func:`period_change_sentences`), or one sentence saying
    none of the tested changes is significant; then the response promise, the service
    backlog's first sentence (when ``backlog`` is given), NPS, the widest gap, what
    detractors write about.
    """
    out = []
    if "response_24h" in kpis or "fcr" in kpis:
        out.append(promise_sentence(kpis))
    if backlog is not None and backlog.as_of is not None:
        out += backlog_sentences(backlog)[:1]
    if "nps" in kpis:
        out.append(f"NPS is {number(kpis['nps'].value, 1)} ({_ci(kpis['nps'])} answers).")
    changes = period_changes(trends)
    moved = period_change_sentences(changes)
    out = moved[:2] + out + gap_sentences(table)[:1]
    voc_line = theme_sentence(voc)
    if voc_line:
        out.append(voc_line)
    for key in ("csat", "ces", "fcr", "churn_rate"):
        if key in kpis and len(out) < 3:
            out.append(_kpi_sentence(key, kpis[key], period))
    quiet = no_change_sentence(changes)
    return out[:1] + [quiet] + out[1:] if quiet else out


def _kpi_sentence(key: str, r: MetricResult, period: tuple[Any, Any] | None) -> str:
    """``CSAT is 42.9% (95% CI ...)``; churn says over which customers and by when."""
    if key == "churn_rate":
        by = f"By {str(period[1])[:10]}" if period else "By the end of the data"
        return f"{by}, {value(r.value, '%')} of all customers had churned ({_ci(r)})."
    return f"{kpi(key).name} is {kpi(key).format(r.value)} ({_ci(r)})."


def summary(
    kpis: Mapping[str, MetricResult],
    trends: pd.DataFrame,
    table: pd.DataFrame,
    voc: pd.DataFrame | None = None,
    period: tuple[Any, Any] | None = None,
    backlog: Backlog | None = None,
    teams: pd.DataFrame | None = None,
    targets: list[dict[str, Any]] | None = None,
    alerts: list[dict[str, Any]] | None = None,
    alert_kinds: Sequence[str] = (),
) -> dict[str, Any]:
    """The scorecard's summary JSON: ``findings`` (top three), ``kpis``, changes, gaps;
    ``backlog`` (:func:`cxlib.scorecard.backlog.backlog_record`) and ``teams``
    (:func:`cxlib.scorecard.teams.team_record`) when given, else None; ``targets``
    (:func:`cxlib.scorecard.targets.target_records`), ``alerts``
    (:mod:`cxlib.actions.alerts` records) and ``alert_kinds`` (the kinds of alert the
    report computed, which replace the runner's own) as lists."""
    changes = period_changes(trends)
    return {
        "findings": findings(kpis, trends, table, voc, period, backlog)[:3],
        "kpis": kpis_to_dict(kpis),
        "stated_kpis": stated_records(kpis, trends, period),
        "period": [str(p) for p in period] if period else None,
        "latest_changes": period_change_sentences(changes),
        "period_changes": changes.astype(object).where(changes.notna(), None).to_dict("records"),
        "significant_changes": change_sentences(trends),
        "significant_gaps": gap_sentences(table),
        "backlog": None if backlog is None else backlog_record(backlog),
        "teams": None if teams is None or teams.empty else team_record(teams),
        "targets": list(targets or []),
        "alerts": list(alerts or []),
        "alert_kinds": list(alert_kinds),
    }


def stated_records(
    kpis: Mapping[str, MetricResult], trends: pd.DataFrame, period: tuple[Any, Any] | None
) -> list[dict[str, Any]]:
    """The KPIs the scorecard states, as :func:`cxlib.metrics.kpis.stated` records.

    The headline KPIs over the data's period, the customers behind the churn rate, and
    the latest month's churn among active customers.
    """
    out = [
        stated(k, r.value, period=period, n=r.n, ci=(r.ci_low, r.ci_high))
        for k, r in kpis.items()
        if k in KPIS
    ]
    if "churn_rate" in kpis:
        out.append(stated("customers", kpis["churn_rate"].n, period=period))
    churn = trends[trends["kpi"] == "churn_rate_monthly"].tail(1)
    for row in churn.itertuples():
        month = pd.Period(row.period, freq="M")
        window = (month.start_time, month.end_time)
        out.append(stated(row.kpi, row.value, period=window, n=row.n, ci=(row.ci_low, row.ci_high)))
    return out


def save_outputs(
    output_dir: str | Path,
    kpis: Mapping[str, MetricResult],
    trends: pd.DataFrame,
    table: pd.DataFrame,
    voc: pd.DataFrame | None = None,
    period: tuple[Any, Any] | None = None,
    comments: pd.DataFrame | None = None,
    backlog: Backlog | None = None,
    tickets: pd.DataFrame | None = None,
    targets: list[dict[str, Any]] | None = None,
    alerts: list[dict[str, Any]] | None = None,
    alert_kinds: Sequence[str] = (),
) -> list[Path]:
    """Write the report's JSON and CSV files (:data:`OUTPUT_FILES`) into ``output_dir``.

    ``comments`` (:func:`cxlib.scorecard.voc.score_comments`) is written as
    ``comments_scored.csv`` when given. With ``backlog``
    (:func:`cxlib.scorecard.backlog.scorecard_backlog`): its aggregated table
    (``cx_scorecard_backlog.csv``) and, in the private folder only, the ticket ids for the
    service team. With ``tickets`` carrying a ``team`` (``agent``) column: the team table
    (``cx_scorecard_teams.csv``; the agent table in the private folder only).
    ``targets``, ``alerts`` and ``alert_kinds`` go into the summary (:func:`summary`).

    ``cx_scorecard.json`` is :func:`summary`; the CSVs are the trend, breakdown and theme
    tables (an empty theme table when there are no comments). Returns the paths written.

    Examples
    --------
    >>> scorecard.save_outputs(out, kpis, trends, table, themes, cx.period())  # doctest: +SKIP
    """
    themes = voc if voc is not None else pd.DataFrame()
    summary_json, trends_csv, breakdown_csv, themes_csv = OUTPUT_FILES
    teams = None if tickets is None else team_table(tickets)
    record = summary(kpis, trends, table, voc, period, backlog, teams, targets, alerts, alert_kinds)
    paths = [
        outputs.save(output_dir, summary_json, record),
        outputs.save(output_dir, trends_csv, trends),
        outputs.save(output_dir, breakdown_csv, table),
        outputs.save(output_dir, themes_csv, themes),
    ]
    if comments is not None:  # every comment's sentiment, theme, language (scorecard.voc)
        paths.append(outputs.save(output_dir, "comments_scored.csv", comments))
    if backlog is not None:  # aggregates published; the ticket ids private
        paths.append(outputs.save(output_dir, BACKLOG_CSV, backlog_table(backlog)))
        paths.append(save_backlog_ids(backlog, output_dir))
    if tickets is not None:  # teams published; agents (people) private
        paths += save_team_tables(tickets, output_dir, team=teams)
    return paths
