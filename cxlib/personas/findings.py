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
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib import metrics
from cxlib.features import describe_features, unavailable_features
from cxlib.io.dataset import CXData
from cxlib.io.outputs import save
from cxlib.personas.segmenter import PersonaSegmenter
from cxlib.plots import PALETTE

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
