"""Figures of the social-listening report, in the house style (:mod:`cxlib.plots`).

Each function reads a fitted :class:`~cxlib.social.SocialListening`, titles the figure with
its finding and returns it (None when the data cannot support it, e.g. no brands).
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from cxlib.plots import BAD, GOOD, NEUTRAL, PALETTE, finding_title
from cxlib.social.analysis import SocialListening
from cxlib.social.spikes import ALL
from cxlib.social.volume import PERIOD_NAMES
from cxlib.wording import count, percent

TOP_GROUPS = 6
"""Platforms or brands drawn as their own line (the rest are summed as "other")."""


def _lines(ax: plt.Axes, frame, by: str) -> None:
    """One line per group (largest first), the smaller ones summed as "other"."""
    totals = frame.groupby(by, observed=True)["mentions"].sum().sort_values(ascending=False)
    keep = list(totals.index[:TOP_GROUPS])
    label = frame[by].astype(object).where(frame[by].isin(keep), "other")
    wide = frame.assign(g=label).pivot_table(
        index="period", columns="g", values="mentions", aggfunc="sum", observed=True
    )
    for i, g in enumerate([*keep, "other"] if "other" in wide else keep):
        ax.plot(wide.index, wide[g], marker="o", ms=3, lw=1.6, color=PALETTE[i % 8], label=g)
    ax.legend(fontsize=9, ncol=2)
    ax.set_ylabel("mentions")
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))


def plot_volume(sl: SocialListening) -> plt.Figure:
    """Mentions per period by platform (and by brand when several)."""
    panels = 2 if not sl.volume_brand_.empty else 1
    fig, axes = plt.subplots(panels, 1, figsize=(9, 3.6 * panels), squeeze=False)
    _lines(axes[0, 0], sl.volume_, "platform")
    period = PERIOD_NAMES[sl.freq_]
    top = sl.volume_.groupby("platform", observed=True)["mentions"].sum().idxmax()
    finding_title(
        axes[0, 0],
        f"{count(len(sl.mentions_))} mentions, most of them on {top}",
        f"mentions per {period} by platform",
    )
    if panels == 2:
        _lines(axes[1, 0], sl.volume_brand_, "brand")
        axes[1, 0].set_title(f"mentions per {period} by brand", fontsize=11, loc="left")
    fig.tight_layout()
    return fig


def plot_share_of_voice(sl: SocialListening) -> plt.Figure | None:
    """Share of voice per brand with 95% CIs; None with fewer than two brands."""
    sov = sl.share_of_voice_
    if sov.empty:
        return None
    sov = sov.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(sov) + 1.5))
    ax.barh(sov["brand"], sov["share"], color=PALETTE[0])
    ax.errorbar(
        sov["share"], np.arange(len(sov)),
        xerr=[sov["share"] - sov["ci_low"], sov["ci_high"] - sov["share"]],
        fmt="none", ecolor="black", capsize=3, lw=1,
    )  # fmt: skip
    ax.set_xlabel("% of the mentions naming a brand")
    lead = sov.iloc[-1]
    finding_title(
        ax,
        f"{lead['brand']} has the largest share of voice, {percent(lead['share'] / 100)}",
        "share of voice with 95% confidence intervals (volume, not approval)",
    )
    return fig


def plot_sentiment_trend(sl: SocialListening) -> plt.Figure:
    """Negative and positive shares per period with 95% bands; spike days marked."""
    tr = sl.trend_
    fig, ax = plt.subplots(figsize=(9, 4))
    for lab, colour in (("negative", BAD), ("positive", GOOD), ("neutral", NEUTRAL)):
        ax.plot(tr["period"], tr[f"{lab}_share"], marker="o", ms=3, color=colour, label=lab)
        ax.fill_between(
            tr["period"], tr[f"{lab}_low"], tr[f"{lab}_high"], color=colour, alpha=0.15, lw=0
        )
    for day in sl.spikes_.loc[sl.spikes_["spike"], "day"].unique():
        ax.axvline(day, color=BAD, ls=":", lw=1)
    ax.set_ylabel("% of mentions")
    ax.legend(fontsize=9)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    s = sl.sentiment_.iloc[0]
    finding_title(
        ax,
        f"{percent(s['negative_share'] / 100)} of mentions are negative, "
        f"{percent(s['positive_share'] / 100)} positive",
        f"share per {PERIOD_NAMES[sl.freq_]} with 95% bands; dotted: days with a negative spike",
    )
    return fig


def plot_spikes(sl: SocialListening) -> plt.Figure:
    """Negative mentions per day against their baseline; spike days in red."""
    sp = sl.spikes_[sl.spikes_["unit"] == ALL]
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(sp["day"], sp["negative"], color=PALETTE[0], lw=1.4, label="negative mentions")
    ax.plot(sp["day"], sp["expected"], color=NEUTRAL, ls="--", lw=1.2, label="baseline")
    hit = sp[sp["spike"]]
    ax.scatter(hit["day"], hit["negative"], color=BAD, s=40, zorder=3, label="spike")
    ax.set_ylabel("negative mentions per day")
    ax.legend(fontsize=9)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    n_days = sl.spikes_.loc[sl.spikes_["spike"], "day"].nunique()
    title = (
        f"Negative mentions spiked on {count(n_days)} day(s)"
        if n_days
        else "No day stood out beyond day-to-day noise"
    )
    finding_title(ax, title, "all mentions; brand spikes are listed in the table below")
    return fig


def plot_negative_themes(sl: SocialListening, top: int = 8) -> plt.Figure | None:
    """Share of negative mentions per theme with 95% CIs; None without negative mentions."""
    nt = sl.negative_themes_
    nt = nt[nt["theme"] != 0].head(top).iloc[::-1]
    if nt.empty:
        return None
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(nt) + 1.5))
    ax.barh(nt["label"], nt["share"], color=BAD)
    ax.errorbar(
        nt["share"], np.arange(len(nt)),
        xerr=[nt["share"] - nt["share_low"], nt["share_high"] - nt["share"]],
        fmt="none", ecolor="black", capsize=3, lw=1,
    )  # fmt: skip
    ax.set_xlabel("% of negative mentions")
    finding_title(
        ax,
        f"Negative mentions talk most about “{nt.iloc[-1]['label']}”",
        "share of negative mentions per theme, 95% confidence intervals",
    )
    return fig
