"""The persona report's figures: centroids, projection, k selection, metrics per persona.

Each figure follows :mod:`cxlib.plots` and is titled with its finding. Imported lazily by
:mod:`cxlib.personas` (matplotlib and seaborn load only when a figure is drawn).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cxlib import wording
from cxlib.personas.naming import feature_label
from cxlib.personas.segmenter import PersonaSegmenter
from cxlib.plots import BAD, DIVERGING, GOOD, PALETTE, finding_title

Z_LIMIT = 2.0
"""The centroid heatmap's colour scale runs from -Z_LIMIT to +Z_LIMIT sds."""


def _persona_labels(profiles: pd.DataFrame) -> list[str]:
    """'1. Young app-first bargain hunters' per persona, in persona-id order."""
    return [f"{r.persona_id}. {r.persona_name}" for r in profiles.itertuples()]


def plot_centroids(segmenter: PersonaSegmenter, profiles: pd.DataFrame) -> plt.Figure:
    """Heatmap of the standardised centroids (features x personas), in population sds.

    ``profiles`` (:func:`cxlib.personas.persona_profiles`) gives the personas' names.
    """
    z = segmenter.zscores_.T
    z.index = [feature_label(c) for c in z.index]
    z.columns = [textwrap(s, 18) for s in _persona_labels(profiles)]
    fig, ax = plt.subplots(figsize=(1.5 * z.shape[1] + 3.5, 0.36 * z.shape[0] + 1.8))
    sns.heatmap(z, cmap=DIVERGING, center=0, vmin=-Z_LIMIT, vmax=Z_LIMIT, annot=True, fmt=".1f",
                annot_kws={"fontsize": 8}, cbar_kws={"label": "sd from the average customer"},
                ax=ax)  # fmt: skip
    ax.tick_params(axis="x", labelrotation=0, labelsize=9)
    ax.tick_params(axis="y", labelsize=9)
    flat = segmenter.zscores_.abs().stack()
    pid, col = flat.idxmax()
    name = profiles.set_index("persona_id").loc[pid, "persona_name"]
    value = segmenter.zscores_.loc[pid, col]
    finding_title(
        ax,
        f"{name} stand out most: {feature_label(col)} {value:+.1f} sd",
        "persona centroids in standard deviations from the average customer (after log1p)",
    )
    return fig


def plot_projection(
    segmenter: PersonaSegmenter, X: pd.DataFrame, profiles: pd.DataFrame, max_points: int = 4_000
) -> plt.Figure:
    """2-D PCA of the model matrix, coloured by persona (named from ``profiles``)."""
    xy = segmenter.project(X, max_points=max_points)
    ev = xy.attrs["explained_variance"]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    order = _persona_labels(profiles)
    xy["persona"] = [order[i - 1] for i in xy["persona_id"]]
    sns.scatterplot(data=xy, x="pc1", y="pc2", hue="persona", hue_order=order, s=8,
                    alpha=0.5, linewidth=0, palette=PALETTE[: len(order)], ax=ax)  # fmt: skip
    ax.set_xlabel(f"component 1 ({wording.percent(ev[0])} of the variation)")
    ax.set_ylabel(f"component 2 ({wording.percent(ev[1])})")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.14), ncols=2, fontsize=9, markerscale=2)
    finding_title(
        ax,
        f"The {segmenter.k_} personas on the two main directions of customer variation",
        f"they overlap where these two directions do not separate them; {wording.count(len(xy))} "
        "customers shown",
    )
    return fig


def plot_k_selection(segmenter: PersonaSegmenter) -> plt.Figure:
    """Silhouette and bootstrap stability per k, the chosen k marked."""
    s = segmenter.k_scores_
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True)
    ks = s.index.to_numpy()
    axes[0].plot(ks, s["silhouette"], marker="o", color=PALETTE[0])
    axes[0].set_ylabel("silhouette (higher = better separated)")
    st, sd = s["stability"].to_numpy(float), s["stability_sd"].to_numpy(float)
    err = np.vstack([np.minimum(sd, st), np.minimum(sd, 1 - st)])  # the ARI lies in [0, 1]
    axes[1].errorbar(ks, st, yerr=err, marker="o", color=PALETTE[2], capsize=3)
    axes[1].axhline(segmenter.min_stability, color=BAD, ls="--", lw=1)
    axes[1].text(ks[0], segmenter.min_stability, " minimum stability", color=BAD, va="bottom",
                 fontsize=8)  # fmt: skip
    axes[1].set_ylabel("stability (mean adjusted Rand)")
    axes[1].set_ylim(0, 1.05)
    for ax in axes:
        ax.axvline(segmenter.k_, color=GOOD, lw=2, alpha=0.4)
        ax.set_xlabel("number of personas k")
        ax.set_xticks(ks)
    if segmenter.k is None:
        title = (
            f"k = {segmenter.k_}: the best-separated stable segmentation "
            f"(silhouette {wording.number(segmenter.silhouette_, 2)}, "
            f"stability {wording.number(segmenter.stability_, 2)})"
        )
    else:
        title = (
            f"k = {segmenter.k_} was fixed (silhouette {wording.number(segmenter.silhouette_, 2)})"
        )
    finding_title(axes[0], title, "green line: chosen k; error bars: sd over bootstrap refits")
    fig.tight_layout()
    return fig


def plot_metrics(profiles: pd.DataFrame) -> plt.Figure | None:
    """NPS, CSAT and churn per persona with 95% CIs (panels for the metrics the data has)."""
    panels = [
        (m, label)
        for m, label in (("nps", "NPS"), ("csat", "CSAT %"), ("churn_rate", "churn %"))
        if profiles[m].notna().any()
    ]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels) + 2, 0.5 * len(profiles) + 2),
                             sharey=True, squeeze=False)  # fmt: skip
    labels = [textwrap(f"{r.persona_id}. {r.persona_name}", 28) for r in profiles.itertuples()]
    y = np.arange(len(profiles))[::-1]
    for ax, (m, label) in zip(axes[0], panels, strict=True):
        v = profiles[m].to_numpy(float)
        err = np.vstack([v - profiles[f"{m}_ci_low"], profiles[f"{m}_ci_high"] - v])
        colours = [PALETTE[i % len(PALETTE)] for i in range(len(profiles))]
        ax.barh(y, v, color=colours, alpha=0.85, height=0.6)
        ax.errorbar(v, y, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlabel(label)
        for yi, vi in zip(y, v, strict=True):
            if not math.isnan(vi):
                ax.text(vi, yi + 0.33, wording.number(vi), fontsize=8, ha="center")
    axes[0][0].set_yticks(y, labels)
    metric, word = (
        ("churn_rate", "churn") if profiles["churn_rate"].notna().any() else ("nps", "NPS")
    )
    worst = profiles.loc[
        profiles[metric].idxmax() if metric == "churn_rate" else profiles[metric].idxmin()
    ]
    best = profiles.loc[profiles["nps"].idxmax()] if profiles["nps"].notna().any() else None
    title = (
        f"{worst.persona_name} have the {'highest' if metric == 'churn_rate' else 'lowest'} {word}"
    )
    if best is not None:
        title += f"; {best.persona_name} the highest NPS"
    finding_title(axes[0][0], title, "bars: value per persona; whiskers: 95% confidence intervals")
    fig.tight_layout()
    return fig


def textwrap(text: str, width: int) -> str:
    """Wrap a label onto lines of at most ``width`` characters."""
    import textwrap as tw

    return "\n".join(tw.wrap(text, width)) or text
