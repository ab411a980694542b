"""The scorecard's figures, in the house style (:mod:`cxlib.plots`): titles state the finding.

Each function draws one figure from a table of :mod:`cxlib.scorecard.tables` (or the
themes of :func:`cxlib.scorecard.voc.voice_of_customer`) and returns it; in a notebook end the line
with ``;`` so the figure shows once. Panels are stacked at most two abreast, so a figure
stays legible when a phone shrinks it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, to_rgba

from cxlib.metrics.intervals import MetricResult
from cxlib.plots import BAD, GOOD, NEUTRAL, PALETTE, finding_title
from cxlib.scorecard.findings import gap_sentences, theme_sentence
from cxlib.scorecard.kpis import (
    DIMENSIONS,
    KPIS,
    LOWER_IS_BETTER,
    NAMED_DIMENSIONS,
    PROMISE_HOURS,
)
from cxlib.wording import count, label, number

_GAP_CMAP = LinearSegmentedColormap.from_list("cx_gap", [BAD, "#ffffff", GOOD])
"""Worse (orange) - no gap (white) - better (green): Okabe-Ito, colour-blind safe."""
_LINES = [PALETTE[0], PALETTE[3], PALETTE[5], PALETTE[4]]
"""Line colours of the trends: blue, purple, sky blue, black (green/orange mean better/worse)."""
NO_GAP = "#eeeeee"
"""Cells with a value but no significant gap."""


def _good(kpi: str, diff: float) -> bool:
    return (diff < 0) if kpi in LOWER_IS_BETTER else (diff > 0)


def _when(periods: pd.Series) -> pd.Series:
    return (
        pd.PeriodIndex(periods.astype(str), freq="M").to_timestamp().to_series(index=periods.index)
    )


def _empty(message: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(7, 1.2))
    ax.axis("off")
    ax.text(0, 0.5, message, fontsize=12, va="center")
    return fig


def plot_trends(trends: pd.DataFrame) -> plt.Figure:
    """The KPIs month by month with their 95% CI bands; significant changes marked.

    NPS (points) on top, the percentage KPIs together below. A filled dot marks a month
    that differs significantly from the month before (green better, orange worse).
    """
    keys = [k for k in KPIS if k in set(trends["kpi"]) and k != "churn_rate_monthly"]
    if not keys:
        return _empty("No dated survey answers or tickets: no trends to show.")
    panels = [p for p in (["nps"], [k for k in keys if k != "nps"]) if set(p) & set(keys)]
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 3.3 * len(panels)), squeeze=False)
    for ax, panel in zip(axes.ravel(), panels, strict=True):
        for colour, key in zip(_LINES, panel, strict=False):
            t = trends[trends["kpi"] == key]
            when = _when(t["period"])
            ax.fill_between(when, t["ci_low"], t["ci_high"], color=colour, alpha=0.15, lw=0)
            ax.plot(when, t["value"], color=colour, lw=2, label=KPIS[key])
            sig = t["significant"].fillna(False).to_numpy(bool)
            good = np.array([_good(key, c) for c in t["change"]], dtype=bool)
            for mask, mark in ((sig & good, GOOD), (sig & ~good, BAD)):
                ax.scatter(when[mask], t["value"][mask], s=70, color=mark, ec="black", zorder=4)
        ax.set_ylabel("NPS (points)" if panel == ["nps"] else "% of answers / tickets")
        if panel != ["nps"]:
            ax.legend(loc="upper left", bbox_to_anchor=(0, -0.12), ncols=2, fontsize=9)
    n_sig = int(
        trends.loc[trends["kpi"].isin(keys), "significant"].fillna(False).astype(bool).sum()
    )
    title = (
        f"{n_sig} significant month-on-month change{'s' if n_sig != 1 else ''} (dots)"
        if n_sig
        else "No KPI moved significantly from one month to the next"
    )
    finding_title(axes[0, 0], title, "Monthly value with its 95% CI band")
    fig.tight_layout()
    return fig


def plot_promise(
    trends: pd.DataFrame, kpis: Mapping[str, MetricResult] | None = None
) -> plt.Figure | None:
    """The share of tickets answered within 24 hours, month by month, with its CI band.

    The dashed line is the overall share (``kpis["response_24h"]`` when given). Draws
    nothing and returns None when the data has no tickets with first-response times
    (:func:`cxlib.scorecard.promise_sentence` says so).
    """
    t = trends[trends["kpi"] == "response_24h"]
    if t.empty:
        return None
    fig, ax = plt.subplots(figsize=(8, 3.6))
    when = _when(t["period"])
    ax.fill_between(when, t["ci_low"], t["ci_high"], color=PALETTE[0], alpha=0.2, lw=0)
    ax.plot(when, t["value"], color=PALETTE[0], lw=2.5, marker="o", ms=4)
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"% answered within {PROMISE_HOURS} h")
    ax.tick_params(axis="x", labelrotation=30)
    worst = t.loc[t["value"].idxmin()]
    if kpis and "response_24h" in kpis:
        level = kpis["response_24h"].value
    else:
        level = float(np.average(t["value"], weights=t["n"]))
    ax.axhline(level, color=NEUTRAL, ls="--", lw=1)
    finding_title(
        ax,
        f"{number(level)}% of tickets answered within a day; {number(100 - level)}% waited longer",
        f"Monthly share with 95% CI; weakest month {worst['period']} ({number(worst['value'])}%)",
    )
    return fig


def plot_gaps(table: pd.DataFrame, top: int = 10) -> plt.Figure:
    """Each KPI by segment as a grid: the value in each cell, coloured by its gap to the rest.

    Rows are the groups of every dimension (channel, touchpoint, persona, ...; at most
    ``top`` largest per dimension), columns the KPIs. Orange: significantly worse than the
    rest of its dimension, green: significantly better; light grey: no significant gap;
    white: the KPI is not measured there. The groups with a significant gap come first.
    """
    if table.empty:
        return _empty("No KPI can be split by channel, touchpoint or segment.")
    keys = [k for k in KPIS if k in set(table["kpi"])]
    rows = []
    for dim in [d for d in DIMENSIONS if d in set(table["dimension"])]:
        sub = table[table["dimension"] == dim]
        rank = sub.assign(sig=sub["significant"].fillna(False).astype(bool)).groupby("group")
        order = rank.agg(sig=("sig", "max"), n=("n", "max")).sort_values(
            ["sig", "n"], ascending=False
        )
        keep = order.index[:top].union(order.index[order["sig"]], sort=False)
        rows += [(dim, g) for g in order.index if g in keep]  # every significant group
    index = pd.MultiIndex.from_tuples(rows, names=["dimension", "group"])
    wide = table.set_index(["dimension", "group", "kpi"])
    value = wide["value"].unstack("kpi").reindex(index=index, columns=keys)
    gap = wide["diff"].where(wide["significant"].fillna(False).astype(bool)).unstack("kpi")
    gap = gap.reindex(index=index, columns=keys).to_numpy(float)
    limit = float(np.nanmax(np.abs(gap))) if np.isfinite(gap).any() else 1.0
    colours = _GAP_CMAP((np.nan_to_num(gap) + limit) / (2 * limit))
    colours[np.isnan(gap) & value.notna().to_numpy()] = to_rgba(NO_GAP)
    colours[value.isna().to_numpy()] = to_rgba("white")
    fig, ax = plt.subplots(figsize=(min(8.0, 3.5 + 0.9 * len(keys)), 0.3 * len(rows) + 1.6))
    ax.imshow(colours, aspect="auto")
    for (i, j), v in np.ndenumerate(value.to_numpy(float)):
        if not np.isnan(v):
            ax.text(j, i, number(v), ha="center", va="center", fontsize=8.5)
    labels = [drawable(f"{DIMENSIONS[d][0]}: {_short(_group_name(d, g))}", f"{DIMENSIONS[d][0]} {i + 1}")
              for i, (d, g) in enumerate(rows)]  # fmt: skip
    ax.set_yticks(np.arange(len(rows)), labels, fontsize=8.5)
    ax.set_xticks(
        np.arange(len(keys)), [KPIS[k].replace("Response within", "Resp. <") for k in keys]
    )
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", labelsize=9, length=0)
    ax.grid(False)
    for y in np.flatnonzero(
        np.array([d for d, _ in rows][1:]) != np.array([d for d, _ in rows][:-1])
    ):
        ax.axhline(y + 0.5, color=NEUTRAL, lw=1)
    sig = table[table["significant"].fillna(False).astype(bool)]
    if sig.empty:
        title = "No group differs significantly from the rest of its dimension"
    else:
        worst = DIMENSIONS.get(sig.loc[sig["diff"].idxmin(), "dimension"], ("group",))[0]
        title = drawable(gap_sentences(table)[0], f"The weakest {worst}: see the list below")
    ax.set_title(_wrap(title, 75), loc="left", fontsize=12, fontweight="bold", pad=28)
    ax.set_xlabel(
        "orange: significantly worse than the rest · green: better · grey: no significant gap"
        " · white: not measured",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def _group_name(dimension: str, group: object) -> str:
    """A group as the charts and tables write it: channel, touchpoint and ticket-category
    names through :func:`cxlib.wording.label` (billing page), others as they are."""
    return label(group) if dimension in NAMED_DIMENSIONS else str(group)


def _short(text: str, limit: int = 32) -> str:
    """A label of at most ``limit`` characters, cut with an ellipsis (never silently)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plot_themes(voc: pd.DataFrame) -> plt.Figure:
    """The share of each comment theme among detractors and promoters."""
    if voc is None or voc.empty:
        return _empty("Too few comments to find themes.")
    groups = [g for g in ("detractor", "promoter") if g in set(voc["group"])]
    height = max(len(voc[voc["group"] == g]) for g in groups)
    fig, axes = plt.subplots(
        len(groups), 1, figsize=(8, (0.42 * height + 1.1) * len(groups)), squeeze=False
    )
    for ax, group in zip(axes.ravel(), groups, strict=True):
        t = voc[voc["group"] == group].iloc[::-1]
        colour = BAD if group == "detractor" else GOOD
        colours = [NEUTRAL if th == 0 else colour for th in t["theme"]]
        ax.barh(np.arange(len(t)), t["share"], color=colours)
        labels = [
            drawable(_wrap(str(k), 34), f"theme {th} (see the table)")
            for k, th in zip(t["label"], t["theme"], strict=True)
        ]
        ax.set_yticks(np.arange(len(t)), labels, fontsize=9)
        ax.set_xlabel(f"% of {group} comments")
        ax.set_title(
            f"{group.capitalize()}s ({count(t['group_comments'].iloc[0])} comments)", fontsize=12
        )
        ax.grid(axis="y", visible=False)
    title = drawable(theme_sentence(voc) or "", "What detractors and promoters write about")
    fig.suptitle(_wrap(title), x=0.01, ha="left", fontsize=12.5, fontweight="bold")
    fig.tight_layout()
    return fig


def drawable(text: str, fallback: str) -> str:
    """``text`` when the figure font has a glyph for each of its characters, else ``fallback``.

    Figures are PNGs: a missing glyph would print as a box (e.g. Chinese without a CJK
    font), so such labels are replaced; the tables beside the figure keep the text.
    """
    if not text:
        return fallback
    font = _figure_font()
    missing = [c for c in set(text) if not c.isspace() and font.get_char_index(ord(c)) == 0]
    return fallback if missing else text


@functools.lru_cache(maxsize=1)
def _figure_font():
    from matplotlib import font_manager, ft2font, rcParams

    prop = font_manager.FontProperties(family=rcParams["font.family"])
    return ft2font.FT2Font(font_manager.findfont(prop))


def _wrap(text: str, width: int = 70) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text
