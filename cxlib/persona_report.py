"""The persona report's parts: summary sentences, persona cards, figures, output files, notes.

The notebook ``notebooks/persona_segmentation.ipynb`` calls these one line at a time; each
figure follows :mod:`cxlib.plots` and is titled with its finding. Every text that reaches
the report is HTML-escaped.

Examples
--------
>>> seg = PersonaSegmenter().fit(X)                                  # doctest: +SKIP
>>> profiles = persona_profiles(cx, seg, X)                          # doctest: +SKIP
>>> plots.show_findings(findings(profiles, seg, overall_metrics(cx)))  # doctest: +SKIP
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from cxlib import metrics
from cxlib.dataset import CXData
from cxlib.features import describe_features, unavailable_features
from cxlib.outputs import save
from cxlib.personas import feature_label
from cxlib.plots import BAD, DIVERGING, GOOD, PALETTE, finding_title
from cxlib.segmentation import PersonaSegmenter

PERSONAS_CSV = "personas.csv"
PROFILES_CSV = "persona_profiles.csv"
SUMMARY_JSON = "persona_segmentation.json"


# --- sentences ------------------------------------------------------------------------------


def overall_metrics(cx: CXData) -> dict[str, float]:
    """Population values of the profile metrics (for "vs overall" in sentences)."""
    out: dict[str, float] = {}
    s = cx.surveys
    if s is not None and ((s["survey"] == "nps") & s["customer_id"].notna()).any():
        out["nps"] = float(
            metrics.nps(s.loc[(s["survey"] == "nps") & s["customer_id"].notna(), "score"])
        )
    c = cx.customers
    if c is not None and "churned" in c and c["churned"].notna().any():
        out["churn_rate"] = float(metrics.churn_rate(c["churned"].dropna()))
    if c is not None and "monthly_revenue" in c:
        out["monthly_revenue"] = float(c["monthly_revenue"].mean())
    return out


def findings(
    profiles: pd.DataFrame, segmenter: PersonaSegmenter, overall: dict[str, float] | None = None
) -> list[str]:
    """The report's first-screen sentences: how many personas and who, most valuable, at risk.

    Returns
    -------
    list of str
        Up to three plain sentences with numbers, most important first.
    """
    overall = overall or {}
    p = profiles.sort_values("share", ascending=False)
    n = int(p["n"].sum())
    who = ", ".join(f"{r.persona_name} ({r.share:.0%})" for r in p.itertuples())
    how = (
        f"chosen by silhouette {segmenter.silhouette_:.2f} with bootstrap stability "
        f"{segmenter.stability_:.2f}"
        if segmenter.k is None
        else f"k fixed at {segmenter.k_}; silhouette {segmenter.silhouette_:.2f}"
    )
    out = [f"{segmenter.k_} personas describe the {n:,} customers ({how}): {who}."]
    if p["revenue_share"].notna().any():
        top = p.loc[(p["revenue_share"] / p["share"]).idxmax()]
        line = (
            f"Most valuable: {top.persona_name} ({top.persona_alias}) are {top.share:.0%} of "
            f"customers but bring {top.revenue_share:.0%} of revenue"
        )
        if pd.notna(top.monthly_revenue) and "monthly_revenue" in overall:
            line += (
                f" ({top.monthly_revenue:,.0f} a month each vs "
                f"{overall['monthly_revenue']:,.0f} on average)"
            )
        out.append(line + ".")
    if p["churn_rate"].notna().any():
        w = p.loc[p["churn_rate"].idxmax()]
        line = (
            f"At risk: {w.persona_name} ({w.persona_alias}) churn at {w.churn_rate:.0f}% "
            f"(95% CI {w.churn_rate_ci_low:.0f}-{w.churn_rate_ci_high:.0f}%)"
        )
        if "churn_rate" in overall:
            line += f" vs {overall['churn_rate']:.0f}% overall"
        if pd.notna(w.nps):
            line += f", NPS {w.nps:.0f} (95% CI {w.nps_ci_low:.0f} to {w.nps_ci_high:.0f})"
        out.append(line + ".")
    elif p["nps"].notna().any():
        w = p.loc[p["nps"].idxmin()]
        line = (
            f"At risk: {w.persona_name} ({w.persona_alias}) have the lowest NPS, {w.nps:.0f} "
            f"(95% CI {w.nps_ci_low:.0f} to {w.nps_ci_high:.0f})"
        )
        if "nps" in overall:
            line += f" vs {overall['nps']:.0f} overall"
        out.append(line + ".")
    return out


def notes(cx: CXData, X: pd.DataFrame, segmenter: PersonaSegmenter) -> list[str]:
    """Limits of the analysis for the data-quality appendix (plain sentences)."""
    out = []
    missing = cx.quality.missing_tables
    if missing:
        out.append(f"Tables not in the data, so fewer features: {', '.join(missing)}.")
    gone = unavailable_features(cx)
    if len(gone):
        reasons = gone.groupby("reason")["feature"].agg(", ".join)
        out += [f"Features not built ({why}): {cols}." for why, cols in reasons.items()]
    ex = segmenter.excluded_
    sparse = ex[ex["reason"].str.startswith("missing for")]
    if len(sparse):
        parts = [f"{r.feature} ({r.reason.split()[2]})" for r in sparse.itertuples()]
        out.append(
            f"Not clustered on, as missing for more than {segmenter.max_missing:.0%} of "
            f"customers: {', '.join(parts)}."
        )
    rest = ex.drop(sparse.index)
    for why, cols in rest.groupby("reason")["feature"].agg(", ".join).items():
        out.append(f"Not clustered on ({why}): {cols}.")
    if segmenter.log_features_:
        out.append(
            "Log-transformed before clustering (right-skewed): "
            + ", ".join(segmenter.log_features_)
            + "."
        )
    if segmenter.selection_note_:
        out.append(f"Choice of k: {segmenter.selection_note_}.")
    out.append(
        f"{len(X):,} customers segmented on {len(segmenter.columns_)} model columns; "
        f"k searched on {min(len(X), segmenter.search_size):,} customers, silhouette on "
        f"{min(len(X), segmenter.search_size, segmenter.silhouette_size):,}, stability from "
        f"{segmenter.n_boot} bootstrap refits per k."
    )
    return out


# --- tables and cards -----------------------------------------------------------------------


def profile_table(profiles: pd.DataFrame) -> pd.DataFrame:
    """The per-persona metrics with their 95% CIs as readable text columns."""

    def ci(r: pd.Series, m: str, unit: str = "") -> str:
        if pd.isna(r[m]):
            return "–"
        if pd.isna(r[f"{m}_ci_low"]):
            return f"{r[m]:.1f}{unit}"
        return f"{r[m]:.1f}{unit} ({r[f'{m}_ci_low']:.1f} to {r[f'{m}_ci_high']:.1f})"

    rows = []
    for _, r in profiles.iterrows():
        rows.append(
            {
                "persona": f"{r.persona_id}. {r.persona_name}",
                "alias": r.persona_alias,
                "customers": f"{r.n:,} ({r.share:.0%})",
                "revenue share": "–" if pd.isna(r.revenue_share) else f"{r.revenue_share:.0%}",
                "NPS (95% CI)": ci(r, "nps"),
                "CSAT % (95% CI)": ci(r, "csat"),
                "CES mean (95% CI)": ci(r, "ces_mean"),
                "churn % (95% CI)": ci(r, "churn_rate"),
                "preferred channel": r.get("preferred_channel", "–"),
                "age (middle 50%)": r.get("age_band", "–"),
            }
        )
    return pd.DataFrame(rows)


def cards_html(profiles: pd.DataFrame) -> str:
    """One card per persona (escaped HTML): alias, name, size, value, metrics, description."""
    colours = PALETTE
    cards = []
    for i, r in enumerate(profiles.itertuples()):
        e = html.escape
        facts = [f"{r.n:,} customers ({r.share:.0%})"]
        if pd.notna(r.revenue_share):
            facts.append(f"{r.revenue_share:.0%} of revenue")
        if pd.notna(getattr(r, "monthly_revenue", np.nan)):
            facts.append(f"{r.monthly_revenue:,.0f} a month each")
        kpis = []
        for label, m, unit in (
            ("NPS", "nps", ""),
            ("CSAT", "csat", "%"),
            ("churn", "churn_rate", "%"),
        ):
            v = getattr(r, m)
            if pd.notna(v):
                kpis.append(f"{label} {v:.0f}{unit}")
        who = []
        if isinstance(getattr(r, "age_band", None), str):
            who.append(f"age {r.age_band}")
        if isinstance(getattr(r, "preferred_channel", None), str):
            who.append(f"prefers {r.preferred_channel}")
        colour = colours[i % len(colours)]
        cards.append(
            f"<div style='border-left:6px solid {colour};padding:8px 12px;margin:6px;"
            "background:#f7f7f7;flex:1 1 260px;max-width:420px'>"
            f"<div style='font-size:1.25em;font-weight:bold'>{e(str(r.persona_alias))}</div>"
            f"<div style='font-weight:bold'>{e(str(r.persona_id))}. {e(str(r.persona_name))}</div>"
            f"<div>{e(' · '.join(facts))}</div>"
            f"<div>{e(' · '.join(kpis + who))}</div>"
            f"<div style='color:#444;margin-top:4px'>{e(str(r.description))}</div></div>"
        )
    return f"<div style='display:flex;flex-wrap:wrap'>{''.join(cards)}</div>"


def show_cards(profiles: pd.DataFrame) -> None:
    """Display :func:`cards_html` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(cards_html(profiles)))


def k_table(segmenter: PersonaSegmenter) -> pd.DataFrame:
    """The k-selection scores as display text."""
    s = segmenter.k_scores_
    return pd.DataFrame(
        {
            "k": s.index,
            "silhouette": s["silhouette"].map("{:.3f}".format),
            "Calinski-Harabasz": s["calinski_harabasz"].map("{:,.0f}".format),
            "Davies-Bouldin": s["davies_bouldin"].map("{:.2f}".format),
            "stability (sd)": [
                f"{a:.2f} ({b:.2f})" for a, b in zip(s["stability"], s["stability_sd"], strict=True)
            ],
            "smallest persona": s["min_share"].map("{:.1%}".format),
            "eligible": np.where(s["eligible"], "yes", "no"),
            "chosen": np.where(s["chosen"], "◀ chosen", ""),
        }
    )


def dictionary(X: pd.DataFrame, segmenter: PersonaSegmenter) -> pd.DataFrame:
    """The data dictionary of the features, with how each one is used."""
    d = describe_features(X)
    used = set(segmenter.features_)
    logged = set(segmenter.log_features_)
    why = segmenter.excluded_.set_index("feature")["reason"]
    d["use"] = [
        ("clustered, log1p" if f in logged else "clustered")
        if f in used
        else f"not clustered: {why.get(f, 'not selected')}"
        for f in d["feature"]
    ]
    return d


# --- figures --------------------------------------------------------------------------------


def _persona_labels(segmenter: PersonaSegmenter) -> list[str]:
    return [f"{r.persona_id}. {r.persona_name}" for r in segmenter.profiles_.itertuples()]


def plot_centroids(segmenter: PersonaSegmenter) -> plt.Figure:
    """Heatmap of the standardised centroids (features x personas), in population sds."""
    z = segmenter.zscores_.T
    z.index = [feature_label(c) for c in z.index]
    z.columns = [textwrap(s, 18) for s in _persona_labels(segmenter)]
    fig, ax = plt.subplots(figsize=(1.5 * z.shape[1] + 3.5, 0.36 * z.shape[0] + 1.8))
    sns.heatmap(z, cmap=DIVERGING, center=0, vmin=-2, vmax=2, annot=True, fmt=".1f",
                annot_kws={"fontsize": 8}, cbar_kws={"label": "sd from the average customer"},
                ax=ax)  # fmt: skip
    ax.tick_params(axis="x", labelrotation=0, labelsize=9)
    ax.tick_params(axis="y", labelsize=9)
    flat = segmenter.zscores_.abs().stack()
    pid, col = flat.idxmax()
    name = segmenter.profiles_.set_index("persona_id").loc[pid, "persona_name"]
    value = segmenter.zscores_.loc[pid, col]
    finding_title(
        ax,
        f"{name} stand out most: {feature_label(col)} {value:+.1f} sd",
        "persona centroids in standard deviations from the average customer (after log1p)",
    )
    return fig


def plot_projection(
    segmenter: PersonaSegmenter, X: pd.DataFrame, max_points: int = 4_000
) -> plt.Figure:
    """2-D PCA of the model matrix, coloured by persona."""
    xy = segmenter.project(X, max_points=max_points)
    ev = xy.attrs["explained_variance"]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    order = _persona_labels(segmenter)
    xy["persona"] = [order[i - 1] for i in xy["persona_id"]]
    sns.scatterplot(data=xy, x="pc1", y="pc2", hue="persona", hue_order=order, s=8,
                    alpha=0.5, linewidth=0, palette=PALETTE[: len(order)], ax=ax)  # fmt: skip
    ax.set_xlabel(f"component 1 ({ev[0]:.0%} of the variation)")
    ax.set_ylabel(f"component 2 ({ev[1]:.0%})")
    ax.legend(loc="best", fontsize=8, markerscale=2)
    finding_title(
        ax,
        f"The {segmenter.k_} personas occupy distinct regions of customer space",
        f"principal components of the clustering features; {len(xy):,} customers shown",
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
            f"(silhouette {segmenter.silhouette_:.2f}, stability {segmenter.stability_:.2f})"
        )
    else:
        title = f"k = {segmenter.k_} was fixed (silhouette {segmenter.silhouette_:.2f})"
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
                ax.text(vi, yi + 0.33, f"{vi:.0f}", fontsize=8, ha="center")
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


# --- outputs --------------------------------------------------------------------------------


def save_outputs(
    output_dir: str | Path,
    segmenter: PersonaSegmenter,
    profiles: pd.DataFrame,
    sentences: list[str],
    X: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write ``personas.csv``, ``persona_profiles.csv`` and ``persona_segmentation.json``.

    ``personas.csv`` has exactly ``customer_id, persona_id, persona_name`` (other reports
    split their results by it); the profiles add the persona's mean of every clustering
    feature; the JSON holds ``k``, ``silhouette``, ``stability``, ``sizes``, ``names`` (in
    persona-id order), ``findings`` and the k-selection scores.
    """
    means = segmenter.profiles_.filter(like="mean_")
    table = pd.concat([profiles.reset_index(drop=True), means.reset_index(drop=True)], axis=1)
    chosen = segmenter.k_scores_.loc[segmenter.k_]
    summary = {
        "k": segmenter.k_,
        "k_automatic": segmenter.k is None,
        "silhouette": segmenter.silhouette_,
        "stability": segmenter.stability_,
        "calinski_harabasz": chosen["calinski_harabasz"],
        "davies_bouldin": chosen["davies_bouldin"],
        "sizes": profiles["n"].tolist(),
        "shares": profiles["share"].round(4).tolist(),
        "names": profiles["persona_name"].tolist(),
        "aliases": profiles["persona_alias"].tolist(),
        "findings": sentences,
        "k_scores": segmenter.k_scores_.reset_index().to_dict("records"),
        "features": segmenter.features_,
        "log_features": segmenter.log_features_,
        "excluded_features": segmenter.excluded_.to_dict("records"),
        "selection_note": segmenter.selection_note_,
        "random_state": segmenter.random_state,
        "customers": int(profiles["n"].sum()),
    }
    return {
        "personas": save(output_dir, PERSONAS_CSV, segmenter.personas_),
        "profiles": save(output_dir, PROFILES_CSV, table),
        "summary": save(output_dir, SUMMARY_JSON, summary),
    }
