"""The journey-friction figures: funnel, friction ranking, persona map, transitions.

Every figure follows the house style of :mod:`cxlib.plots` and is titled with its finding.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cxlib.journey.analysis import JourneyAnalysis
from cxlib.journey.findings import COMPONENT_NAMES, top_friction, unranked_sentence
from cxlib.journey.voice_tables import SCALE, sentiment_text
from cxlib.metrics.kpis import per_year
from cxlib.plots import BAD, DIVERGING, NEUTRAL, PALETTE, finding_title, show_findings
from cxlib.voice import NEUTRAL_BAND
from cxlib.wording import count, money, number, percent
from cxlib.wording import label as named

FEW_EXITS = 0.01
"""Below this share of customers exiting, the funnel's title says nearly every journey goes on."""
MIN_LABELLED_SHARE = 0.005
"""Transition cells below this share of a row are left unlabelled (they would read 0)."""

NO_DATA = "#EEEEEE"
"""Background of heatmap cells without a value (too few comments, no comments, hidden)."""

NOTE_WIDTH = 80
"""Characters per line of a figure that is a sentence (no data to draw)."""

COMPONENT_COLOURS = {
    "exit": PALETTE[6],  # vermillion
    "loop": PALETTE[1],
    "rework": PALETTE[2],
    "followup": PALETTE[3],
    "negative": PALETTE[0],
    "slow": NEUTRAL,
}


def note_figure(sentence: str) -> plt.Figure:
    """A small figure that is one sentence: what a figure cannot show on this data, and why.

    Small data gets a page that says what it cannot show instead of a crash.
    """
    import textwrap

    lines = textwrap.wrap(sentence, NOTE_WIDTH) or [sentence]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(lines) + 0.5))
    ax.axis("off")
    ax.text(0, 0.5, "\n".join(lines), fontsize=11, va="center", ha="left")
    return fig


def _capital(text: str) -> str:
    """``text`` with its first letter upper case and the rest as written (a label may hold
    a name: "billing page" -> "Billing page", "SEPA mandate" stays)."""
    return text[:1].upper() + text[1:]


def plot_funnel(ja: JourneyAnalysis) -> plt.Figure:
    """Customers reaching each stage, with progression and drop-off per stage."""
    fa = ja.funnel_[ja.funnel_["split"] == "all"].reset_index(drop=True)
    if len(ja.stage_order_) == 1:
        return _plot_outcomes(ja)
    if fa.empty or not fa["reached"].sum() > 0:
        return note_figure("No customer reaches a stage: the funnel has nothing to show.")
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(fa) + 1.6))
    y = np.arange(len(fa))[::-1]
    ax.barh(y, fa["reached"], color=PALETTE[0], height=0.6, label="reached")
    ax.barh(y, fa["dropped"], color=BAD, height=0.6, label="dropped off here")
    ax.set_yticks(y, fa["stage"].map(named))
    top = max(int(fa["reached"].max()), 1)
    for yi, r in zip(y, fa.itertuples(), strict=True):
        label = count(r.reached)
        if not math.isnan(r.conversion_rate):
            label += f"  → {percent(r.conversion_rate)} progress"
        if r.dropped:
            label += f", {percent(r.drop_off_rate)} drop off"
        ax.text(r.reached + top * 0.01, yi, label, va="center", fontsize=9)
    ax.set_xlim(0, top * 1.45)
    ax.grid(axis="y", visible=False)  # a line along each bar ran through its label
    ax.set_xlabel("customers")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    dropped, customers = int(fa["dropped"].sum()), ja.n_customers_
    if dropped == 0:
        title = (
            f"Every journey that ends does so after {named(fa['stage'].iloc[0])}: no exit before it"
        )
        if len(fa) > 1:
            title = "No journey ends with an exit before its natural end"
    elif dropped < FEW_EXITS * customers:
        title = (
            f"Nearly every journey goes on: {count(dropped)} of {count(customers)} end with an exit"
        )
    else:
        worst = fa.loc[fa["dropped"].idxmax()]
        title = (
            f"{_capital(named(worst['stage']))} loses the most customers: "
            f"{percent(worst['drop_off_rate'])} drop off there"
        )
    finding_title(ax, title, "customers reaching each stage; red: journeys that exit there")
    return fig


def _plot_outcomes(ja: JourneyAnalysis) -> plt.Figure:
    """The funnel of a log without stages: how journeys end, per outcome named in the
    config; a sentence saying what to configure when there are none."""
    oc = ja.outcomes_
    if oc.empty:
        return note_figure(
            "The events have no stages and the config names no outcome, so there is no "
            f"funnel to draw ({count(ja.n_customers_)} journeys). Map touchpoints onto stages "
            "(tables.events.values.stage) or name the events that end a journey (outcomes:, "
            "goal:) in the config."
        )
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(oc) + 1.6))
    y = np.arange(len(oc))[::-1]
    colours = [PALETTE[2] if g else (NEUTRAL if o == "no outcome" else PALETTE[0])
               for o, g in zip(oc["outcome"], oc["is_goal"], strict=True)]  # fmt: skip
    ax.barh(y, oc["customers"], color=colours, height=0.6)
    ax.set_yticks(y, oc["outcome"].map(named))
    top = max(int(oc["customers"].max()), 1)
    for yi, r in zip(y, oc.itertuples(), strict=True):
        ax.text(r.customers + top * 0.01, yi, f"{count(r.customers)} ({percent(r.share)})",
                va="center", fontsize=9)  # fmt: skip
    ax.set_xlim(0, top * 1.3)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("journeys")
    goal = oc[oc["is_goal"]]
    title = (
        f"{percent(goal['customers'].sum() / max(ja.n_customers_, 1))} of "
        f"{count(ja.n_customers_)} journeys reach {' or '.join(goal['outcome'].map(named))}"
        if len(goal)
        else f"How {count(ja.n_customers_)} journeys end"
    )
    finding_title(ax, title, "journeys per outcome named in the config (the log has no stages)")
    return fig


def plot_friction(ja: JourneyAnalysis, top: int = 10) -> plt.Figure:
    """The friction ranking: score components stacked per touchpoint, top ``top``; a
    sentence instead when no touchpoint has enough customers to be ranked."""
    f = ja.friction_[ja.friction_["rank"].notna()].head(top).iloc[::-1]
    if f.empty:
        return note_figure(unranked_sentence(ja) or "No touchpoint is ranked.")
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(f) + 1.8))
    left = np.zeros(len(f))
    labels = [f"{named(r.touchpoint)} ({named(r.stage)})" for r in f.itertuples()]
    for comp, colour in COMPONENT_COLOURS.items():
        vals = f[f"score_{comp}"].to_numpy()
        if vals.sum() > 0:
            ax.barh(labels, vals, left=left, color=colour, label=COMPONENT_NAMES[comp])
        left += vals
    span = max(left.max(), 1.0)
    for i, r in enumerate(f.itertuples()):
        yearly = per_year(r.revenue_at_risk)
        risk = f", {money(yearly)} a year" if not math.isnan(r.revenue_at_risk) else ""
        ax.text(left[i] + span * 0.01, i,
                f"reach {count(r.customers)} ({percent(r.reach)}), {count(r.customers_affected)} "
                f"affected{risk}", va="center", fontsize=8)  # fmt: skip
    ax.set_xlim(0, span * 1.45)
    ax.grid(axis="y", visible=False)  # a line along each bar ran through its label
    ax.set_xlabel("impact: customers meeting friction beyond the stage norm")
    ax.legend(loc="lower right", fontsize=8)
    lead = top_friction(ja, 2)
    title = (
        " and ".join(lead["touchpoint"].map(named)) + (" cause" if len(lead) > 1 else " causes")
        + " the most friction"
        if len(lead)
        else "No touchpoint stands out"
    )  # fmt: skip
    finding_title(
        ax,
        _capital(title),
        "impact by component; labels: reach, customers affected, their revenue a year",
    )
    return fig


def plot_journey_map(ja: JourneyAnalysis) -> plt.Figure | None:
    """Personas x stages heatmap of drop-off; each cell shows drop-off, reach, the mean
    experience score (CES/CSAT on 0-100) and the top pain point. Below it, when the
    comments were read, the emotion of each cell (:func:`plot_emotions`)."""
    jm = ja.journey_map_
    if jm.empty:
        show_findings(["No personas: the persona journey map is skipped."])
        return None
    stages = list(ja.stage_order_)
    grid = {
        col: jm.pivot(index="persona", columns="stage", values=col)[stages]
        for col in ("drop_off_rate", "reach", "experience", "top_pain_point")
    }
    rate = grid["drop_off_rate"]
    annot = rate.copy().astype(object)
    for p in rate.index:
        for s in stages:
            if pd.isna(grid["reach"].loc[p, s]):
                annot.loc[p, s] = "–"
                continue
            lines = [
                f"{percent(rate.loc[p, s])} drop",
                f"{percent(grid['reach'].loc[p, s])} reach",
            ]
            if not pd.isna(grid["experience"].loc[p, s]):
                lines.append(f"experience {number(grid['experience'].loc[p, s])}")
            if isinstance(grid["top_pain_point"].loc[p, s], str):
                lines.append(named(grid["top_pain_point"].loc[p, s]))
            annot.loc[p, s] = "\n".join(lines)
    height = 1.2 + 0.95 * len(rate)
    emotions = "sentiment_comments" in jm and jm["sentiment_comments"].sum() > 0
    fig, axes = plt.subplots(
        2 if emotions else 1, 1, squeeze=False,
        figsize=(2 + 1.9 * len(stages), height * (2.05 if emotions else 1)),
    )  # fmt: skip
    ax = axes[0, 0]
    sns.heatmap(rate.astype(float).rename(columns=named), annot=annot, fmt="", cmap="Reds", vmin=0,
                cbar_kws={"label": "drop-off rate", "format": "{x:.0%}"}, ax=ax,
                annot_kws={"fontsize": 8}, linewidths=0.5, linecolor="white")  # fmt: skip
    ax.set_xlabel("")
    ax.set_ylabel("")
    cell = jm.loc[jm["drop_off_rate"].idxmax()] if jm["drop_off_rate"].notna().any() else None
    title = (
        f"{cell['persona']}: {percent(cell['drop_off_rate'])} drop off at {named(cell['stage'])}"
        if cell is not None
        else "Persona journey map"
    )
    finding_title(ax, title, "drop-off, reach, mean experience score (0-100) and top pain "
                  f"point; cells under {ja.min_customers} customers hidden (–)")  # fmt: skip
    if emotions:
        plot_emotions(ja, axes[1, 0], list(rate.index))
        fig.tight_layout(h_pad=3)
    return fig


def _emotion_label(mean: float, n: int, hidden: bool, min_comments: int) -> str:
    """The text of one emotion cell: mean and comments, "too few" or hidden (–)."""
    if hidden:
        return "–"
    if n == 0:
        return "no comments"
    if n < min_comments:
        return f"too few\n({count(n)} comments)"
    return f"{sentiment_text(mean)}\n{count(n)} comments"


def plot_emotions(ja: JourneyAnalysis, ax: plt.Axes, personas: list[str]) -> plt.Axes:
    """The emotion row of each persona's journey: mean sentiment of the comments left at
    each stage's touchpoints (−1 to +1, a diverging colour-blind-safe scale: red negative,
    blue positive), with the comments behind it; too few comments read "too few"."""
    jm = ja.journey_map_
    stages = list(ja.stage_order_)
    grid = {c: jm.pivot(index="persona", columns="stage", values=c).reindex(personas)[stages]
            for c in ("sentiment", "sentiment_comments", "suppressed")}  # fmt: skip
    n = grid["sentiment_comments"].fillna(0).astype(int)
    hidden = grid["suppressed"].fillna(True).astype(bool)
    annot = pd.DataFrame(
        [[_emotion_label(grid["sentiment"].loc[p, s], n.loc[p, s], hidden.loc[p, s],
                         ja.min_comments) for s in stages] for p in personas],
        index=personas, columns=stages,
    )  # fmt: skip
    sns.heatmap(grid["sentiment"].astype(float).rename(columns=named), annot=annot, fmt="", cmap=f"{DIVERGING}_r",
                vmin=-1, vmax=1, center=0, ax=ax, annot_kws={"fontsize": 8}, linewidths=0.5,
                linecolor="white", cbar_kws={"label": f"mean sentiment ({SCALE})"})  # fmt: skip
    ax.set_facecolor(NO_DATA)  # seaborn leaves cells without a mean blank: label them
    ax.grid(visible=False)
    for i, p in enumerate(personas):
        for j, s in enumerate(stages):
            if pd.isna(grid["sentiment"].loc[p, s]):
                ax.text(j + 0.5, i + 0.5, annot.loc[p, s], ha="center", va="center", fontsize=8)
    ax.set_xlabel("")
    ax.set_ylabel("")
    shown = jm[jm["sentiment"].notna()]
    total = int(jm.loc[~jm["suppressed"].astype(bool), "sentiment_comments"].sum())
    title = "Emotion along the journey"
    if len(shown):
        low = shown.loc[shown["sentiment"].idxmin()]
        mood = "least positive" if low["sentiment"] >= NEUTRAL_BAND else "most negative"
        title = (
            f"{low['persona']} feel {mood} at {named(low['stage'])}: mean sentiment "
            f"{sentiment_text(low['sentiment'])} ({count(low['sentiment_comments'])} comments)"
        )
    finding_title(ax, title, f"emotion: mean sentiment of {count(total)} comments, {SCALE} "
                  f"(red negative, blue positive); under {ja.min_comments} comments: too few")  # fmt: skip
    return ax


def plot_transitions(ja: JourneyAnalysis, top: int = 14) -> plt.Figure:
    """Directly-follows heatmap: where each touchpoint's next step goes (row shares).

    Shows the ``top`` touchpoints with the most next steps, in stage order.
    """
    dfg = ja.dfg_
    if dfg.empty:
        return note_figure(
            f"No customer has two events in a row ({count(ja.n_customers_)} customers, "
            f"{count(ja.n_events_)} events): there are no steps between touchpoints to show."
        )
    volume = dfg.groupby("source")["count"].sum()
    order = ja.friction_.sort_values(["stage_rank", "touchpoint"])["touchpoint"].tolist()
    busiest = set(volume.sort_values(ascending=False).index[:top])
    keep = [t for t in order if t in busiest]
    sub = dfg[dfg["source"].isin(keep) & dfg["target"].isin(keep)]
    mat = sub.pivot_table(index="source", columns="target", values="count", aggfunc="sum")
    share = mat.reindex(index=keep, columns=keep).fillna(0).div(volume.reindex(keep), axis=0)
    fig, ax = plt.subplots(figsize=(1.5 + 0.55 * len(keep), 1.2 + 0.5 * len(keep)))
    labels = share.map(lambda v: number(100 * v) if v >= MIN_LABELLED_SHARE else "")
    sns.heatmap(share.rename(index=named, columns=named), cmap="Blues", vmin=0, vmax=1, annot=labels, fmt="",
                annot_kws={"fontsize": 7}, linewidths=0.3, linecolor="white", ax=ax,
                cbar_kws={"label": "share of next steps", "format": "{x:.0%}"})  # fmt: skip
    ax.set_xlabel("next touchpoint")
    ax.set_ylabel("touchpoint")
    lead = dfg.iloc[0]
    finding_title(
        ax,
        f"The most frequent step is {named(lead['source'])} → {named(lead['target'])} "
        f"({count(lead['count'])} times)",
        "per row: % of the touchpoint's next steps going to each touchpoint (stage order)",
    )
    return fig
