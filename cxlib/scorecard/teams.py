"""The team view of the scorecard: service KPIs per support team (or per agent), each tested
against the other teams.

When the tickets carry the optional ``team`` column (``agent`` likewise), each team gets
FCR, the share answered within the response promise, and the median and mean first-response
and resolution times (hours), each with its 95% CI (:mod:`cxlib.metrics`). A team with
fewer than ``min_n`` tickets behind a KPI has that cell suppressed (no value, no test: too
few tickets to tell, and a tiny team's figure points at its people). Each team is compared
with the rest of the tickets (:func:`cxlib.metrics.compare`: a two-proportion z-test for
the shares, a normal approximation for the times), and the p-values of the whole table are
Benjamini-Hochberg adjusted; ``worse`` marks a team significantly worse than the rest.

Agents are people: the leadership page shows teams only; an agent table is written to the
run's private folder (:func:`save_team_tables`).

Examples
--------
>>> table = team_table(cx.tickets)                                    # doctest: +SKIP
>>> team_view(table)                                                  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxlib import metrics
from cxlib.io import outputs
from cxlib.metrics.intervals import MetricResult
from cxlib.paths import private_outputs
from cxlib.scorecard.kpis import MIN_N, PROMISE_HOURS, ticket_as_of
from cxlib.scorecard.tables import adjust
from cxlib.wording import count, label, number, p_value, value

TEAM, AGENT = "team", "agent"
"""The optional ticket columns a team view is built on."""
TEAMS_CSV = "cx_scorecard_teams.csv"
"""The published team table (aggregates; suppressed cells empty)."""
AGENTS_CSV = "cx_scorecard_agents.csv"
"""The agent table, written to the private folder only (agent names are personal data)."""
TEAM_KPIS: dict[str, tuple[str, str, bool]] = {
    "fcr": ("FCR", "%", True),
    "response_24h": (f"Response within {PROMISE_HOURS}h", "%", True),
    "first_response_median": ("Median first response", "hours", False),
    "first_response_mean": ("Avg first response", "hours", False),
    "resolution_median": ("Median resolution", "hours", False),
    "resolution_mean": ("Avg resolution", "hours", False),
}
"""The team view's KPIs: key -> (label, unit, higher is better)."""
COLUMNS = ["kpi", "label", "unit", "group", "value", "ci_low", "ci_high", "n", "suppressed"]
COLUMNS += ["rest", "diff", "p_value", "p_adjusted", "worse"]


def has_column(tickets: pd.DataFrame | None, by: str = TEAM) -> bool:
    """Whether the tickets carry ``by`` with at least one value."""
    return tickets is not None and by in tickets and bool(tickets[by].notna().any())


def _functions(as_of: Any) -> dict[str, Callable[[pd.DataFrame], MetricResult]]:
    first, resolved = metrics.avg_first_response_time, metrics.avg_resolution_time
    return {
        "fcr": metrics.fcr,
        "response_24h": partial(metrics.response_within, hours=PROMISE_HOURS, as_of=as_of),
        "first_response_median": partial(first, statistic="median"),
        "first_response_mean": first,
        "resolution_median": partial(resolved, statistic="median"),
        "resolution_mean": resolved,
    }


def team_table(tickets: pd.DataFrame | None, by: str = TEAM, *, min_n: int = MIN_N) -> pd.DataFrame:
    """Each service KPI per group of ``by`` (``team`` or ``agent``), tested against the rest.

    Returns
    -------
    DataFrame
        :data:`COLUMNS`: ``kpi``, ``label``, ``unit``, ``group``, ``value``, ``ci_low``,
        ``ci_high``, ``n``, ``suppressed`` (``n < min_n``: value, CI and test left empty),
        ``rest`` (the KPI over the other groups' tickets), ``diff`` (group − rest),
        ``p_value``, ``p_adjusted`` (BH over the table), ``worse`` (significantly worse
        than the rest). Empty without the column; a KPI whose columns are absent is left out.

    Examples
    --------
    >>> t = pd.DataFrame({"team": ["a", "a", "b"], "resolved_at": pd.to_datetime(["2025-01-02"] * 3),
    ...     "opened_at": pd.to_datetime(["2025-01-01"] * 3), "contacts": [1, 2, 1]})
    >>> team_table(t, min_n=1).query("kpi == 'fcr'")[["group", "value", "n"]].to_dict("list")
    {'group': ['a', 'b'], 'value': [50.0, 100.0], 'n': [2, 1]}
    """
    if not has_column(tickets, by):
        return pd.DataFrame(columns=COLUMNS)
    groups = tickets[by].astype("string")
    rows = []
    for key, func in _functions(ticket_as_of(tickets)).items():
        rows += _kpi_rows(key, func, tickets, groups, min_n)
    out = pd.DataFrame(rows, columns=COLUMNS)
    if out.empty:
        return out
    out["p_adjusted"] = adjust(out["p_value"].astype(float))
    better = out["kpi"].map(lambda k: TEAM_KPIS[k][2])
    sig = out["p_adjusted"] < 0.05
    out["worse"] = sig & np.where(better, out["diff"] < 0, out["diff"] > 0)
    return out


def _kpi_rows(
    key: str,
    func: Callable[[pd.DataFrame], MetricResult],
    tickets: pd.DataFrame,
    groups: pd.Series,
    min_n: int,
) -> list[dict[str, Any]]:
    """One KPI per group, each against the rest (groups by ticket count, largest first)."""
    name, unit, _ = TEAM_KPIS[key]
    known = groups.notna().to_numpy()
    out = []
    for group in groups.value_counts().index:
        mask = (groups == group).to_numpy(dtype=bool, na_value=False)
        try:
            g, rest = func(tickets[mask]), func(tickets[known & ~mask])
        except (KeyError, ValueError):  # the KPI's column is absent
            return []
        if g.n == 0:
            continue
        small = g.n < min_n
        test = None if small or rest.n < min_n else metrics.compare(rest, g)
        nan = math.nan
        out.append(
            {
                "kpi": key,
                "label": name,
                "unit": unit,
                "group": str(group),
                "value": nan if small else g.value,
                "ci_low": nan if small else g.ci_low,
                "ci_high": nan if small else g.ci_high,
                "n": g.n,
                "suppressed": small,
                "rest": rest.value if rest.n else nan,
                "diff": nan if test is None else test.diff,
                "p_value": nan if test is None else test.p_value,
            }
        )
    return out


def team_view(table: pd.DataFrame, by: str = TEAM) -> pd.DataFrame:
    """The team table for people: one row per team, one column per KPI, ``value (CI)``;
    ``▼`` marks a team significantly worse than the rest, ``fewer than N`` a suppressed cell.

    Team names are data: display the frame escaped (:func:`cxlib.plots.show_table`).
    """
    if table.empty:
        return pd.DataFrame(columns=[by])

    def cell(r: pd.Series) -> str:
        if r["suppressed"]:
            return f"n={count(r['n'])}: too few"
        fmt = _formatter(r["unit"])
        mark = " ▼" if r["worse"] else ""
        return f"{fmt(r['value'])} ({number(r['ci_low'], 1)} to {number(r['ci_high'], 1)}){mark}"

    wide = table.assign(cell=table.apply(cell, axis=1)).pivot_table(
        index="group", columns="label", values="cell", aggfunc="first", sort=False
    )
    tickets = table.groupby("group", sort=False)["n"].max()
    labels = [v[0] for v in TEAM_KPIS.values() if v[0] in wide.columns]
    out = wide[labels].reset_index().rename(columns={"group": by})
    out.insert(1, "tickets", out[by].map(tickets).map(count))
    out[by] = out[by].map(label)
    out.columns.name = None
    return out.fillna("–")


def team_sentences(table: pd.DataFrame, by: str = TEAM, min_n: int = MIN_N) -> list[str]:
    """What the team view says: each significantly worse team and KPI, worst first, or that
    no team differs; and how many cells were suppressed.

    Examples
    --------
    >>> team_sentences(pd.DataFrame(columns=COLUMNS))[0]
    'The tickets carry no team column, so there is no team view.'
    """
    if table.empty:
        return [f"The tickets carry no {by} column, so there is no {by} view."]
    worse = table[table["worse"].astype(bool)].sort_values("p_adjusted")
    out = []
    for r in worse.itertuples():
        fmt = _formatter(r.unit)
        out.append(
            f"{by.capitalize()} {label(r.group)!r} does worse than the other {by}s on {r.label}: "
            f"{fmt(r.value)} vs {fmt(r.rest)} (95% CI {number(r.ci_low, 1)} to "
            f"{number(r.ci_high, 1)}, n={count(r.n)}; adjusted {p_value(r.p_adjusted)})."
        )
    if not out:
        tested = int(table["p_value"].notna().sum())
        out.append(
            f"No {by} does significantly worse than the other {by}s on any KPI "
            f"({count(tested)} comparison{'s' if tested != 1 else ''}, adjusted for their number)."
        )
    small = int(table.loc[table["suppressed"].astype(bool), "group"].nunique())
    if small:
        are = f"{by}s have" if small != 1 else f"{by} has"
        out.append(
            f"{count(small)} {are} fewer than {count(min_n)} tickets behind a KPI: "
            "that value is not shown."
        )
    return out


def _formatter(unit: str) -> Callable[[Any], str]:
    """How a team KPI's value is written: ``62.0%`` or ``10.3 h`` (hours, as its CI)."""
    if unit == "%":
        return lambda x: value(x, "%")
    return lambda x: f"{number(x, 1)} h"


def team_record(table: pd.DataFrame, by: str = TEAM, min_n: int = MIN_N) -> dict[str, Any]:
    """The team view for the summary JSON: groups, suppressed cells, the worse ones."""
    worse = table[table["worse"].astype(bool)] if len(table) else table
    return {
        "by": by,
        "groups": int(table["group"].nunique()) if len(table) else 0,
        "min_n": min_n,
        "suppressed_cells": int(table["suppressed"].sum()) if len(table) else 0,
        "worse": [
            {k: getattr(r, k) for k in ("group", "kpi", "value", "rest", "p_adjusted")}
            for r in worse.itertuples()
        ],
        "sentences": team_sentences(table, by, min_n),
    }


def save_team_tables(
    tickets: pd.DataFrame | None,
    output_dir: str | Path,
    min_n: int = MIN_N,
    *,
    team: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the team table (published, :data:`TEAMS_CSV`) and, when the tickets carry
    agents, the agent table to the private folder only (:data:`AGENTS_CSV`, under
    :func:`cxlib.paths.private_outputs`). Nothing is written without the columns.
    ``team`` is the team table when already computed (:func:`team_table`)."""
    paths = []
    if has_column(tickets, TEAM):
        team = team if team is not None else team_table(tickets, TEAM, min_n=min_n)
        paths.append(outputs.save(output_dir, TEAMS_CSV, team))
    if has_column(tickets, AGENT):
        agents = team_table(tickets, AGENT, min_n=min_n)
        paths.append(outputs.save(private_outputs(output_dir), AGENTS_CSV, agents))
    return paths


def show_team_view(table: pd.DataFrame, by: str = TEAM, min_n: int = MIN_N) -> None:
    """Display the team view on a page: its sentences, then the table (:func:`team_view`);
    without teams only the sentence saying there is no team view."""
    from IPython.display import HTML, display

    from cxlib.plots import findings_html, table_html

    html = findings_html(team_sentences(table, by, min_n))
    if not table.empty:
        html += table_html(team_view(table, by))
    display(HTML(html))
