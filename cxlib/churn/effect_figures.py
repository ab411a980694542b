"""Figures and tables of what the top churn drivers look like and how soon churn comes.

:func:`plot_shapes` draws each top driver's observed churn rate per bin or level with its
95% CI (the bars) beside the ranking model's partial dependence at the same points (the
line); :func:`cox_table` lists the Cox model's hazard ratios. Nothing is computed here
that :class:`cxlib.churn.findings.ChurnStudy` does not already hold. Re-exported by
:mod:`cxlib.churn.figures`.

Examples
--------
>>> plot_shapes(study)                                              # doctest: +SKIP
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from cxlib import wording
from cxlib.churn.findings import ChurnStudy, top_drivers
from cxlib.churn.sentences import cap, label
from cxlib.io.privacy import mask_contacts
from cxlib.plots import NEUTRAL, PALETTE, finding_title

SHAPE_PANELS = 4
"""Top drivers drawn by :func:`plot_shapes`."""


def plot_shapes(study: ChurnStudy, k: int = SHAPE_PANELS) -> plt.Figure:
    """Churn rate by bin or level of each of the ``k`` top drivers, with the model's view."""
    m = study.model
    top = top_drivers(study, k)
    fig_w = 11
    if top.empty:
        fig, ax = plt.subplots(figsize=(fig_w, 1.2))
        ax.axis("off")
        ax.text(0, 0.5, str(m.reliability_ or "No driver clearly goes with churn."), fontsize=11)
        return fig
    cols = min(2, len(top))
    rows = int(np.ceil(len(top) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(fig_w, 3.6 * rows), squeeze=False)
    for ax, (_, r) in zip(axes.flat, top.iterrows(), strict=False):
        _shape_panel(ax, m.shapes_[str(r["driver"])], str(r["name"]), str(r["lead"]))
    for ax in axes.flat[len(top) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(0.005, 0.96), ncol=2, frameon=False
    )
    fig.suptitle(
        "How churn differs across each top driver (observed, 95% CI) and what the model "
        "expects with everything else as it is",
        x=0.01,
        y=0.995,
        ha="left",
        fontsize=11,
        fontweight="bold",
    )
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return fig


def _shape_panel(ax: plt.Axes, table: pd.DataFrame, name: str, lead: str) -> None:
    x = np.arange(len(table))
    rate = table["rate"].to_numpy(dtype=float)
    err = np.vstack([rate - table["ci_low"], table["ci_high"] - rate]).clip(min=0)
    ax.bar(x, rate, color=PALETTE[0], alpha=0.85, label="observed churn rate")
    ax.errorbar(x, rate, yerr=err, fmt="none", ecolor="#333333", capsize=3)
    if "model_rate" in table and table["model_rate"].notna().any():
        ax.plot(x, table["model_rate"], color=NEUTRAL, marker="o", lw=2, label="model")
    labels = [mask_contacts(str(v)) for v in table["label"]]
    ax.set_xticks(x, labels, rotation=20 if max(map(len, labels)) > 8 else 0, ha="right")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("churn rate")
    lead_name = cap(mask_contacts(name))
    finding_title(ax, lead_name, f"{wording.count(int(table['n'].sum()))} rows; bars: 95% CI")
    ax.set_xlabel(mask_contacts(label(lead)))


def cox_table(study: ChurnStudy) -> pd.DataFrame:
    """The Cox model's hazard ratios with 95% CIs and the proportional-hazards check."""
    t = study.cox.table
    if study.cox.reason or t.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "driver": [cap(mask_contacts(str(v))) for v in t["term"]],
            "churn comes × as fast (95% CI)": [
                f"{wording.number(r.hazard_ratio, 2)} ({wording.number(r.hr_low, 2)}–"
                f"{wording.number(r.hr_high, 2)})"
                for r in t.itertuples()
            ],
            "p": [wording.p_value(p) for p in t["p_value"]],
            "same effect over time?": [
                "yes" if ok else f"no ({wording.p_value(p)})"
                for ok, p in zip(t["ph_ok"], t["ph_p"], strict=True)
            ],
        }
    )
