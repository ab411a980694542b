"""The persona report's parts: summary sentences, persona cards, tables, output files, notes.

The notebook ``notebooks/persona_segmentation.ipynb`` calls these one line at a time.
Numbers are written by :mod:`cxlib.wording`; the cards are the Jinja2 template
``persona_cards.html.j2`` (autoescaped: every text that reaches the report is
HTML-escaped). :func:`write_personas` is the one writer of ``personas.csv``
(:data:`cxlib.paths.PERSONAS_FILE`), the file the other reports split by persona with.

Examples
--------
>>> seg = PersonaSegmenter().fit(X)                                  # doctest: +SKIP
>>> profiles = persona_profiles(cx, seg, X)                          # doctest: +SKIP
>>> plots.show_findings(findings(profiles, seg, overall_metrics(cx)))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxlib import metrics, wording
from cxlib.features import describe_features, unavailable_features
from cxlib.io.dataset import CXData
from cxlib.io.outputs import save
from cxlib.paths import PERSONAS_FILE
from cxlib.personas.segmenter import PersonaSegmenter
from cxlib.personas.selection import WEAK
from cxlib.personas.voices import card_lines
from cxlib.plots import PALETTE
from cxlib.templates import render

PROFILES_CSV = "persona_profiles.csv"
"""Per-persona profiles (with the mean of every clustering feature)."""
SUMMARY_JSON = "persona_segmentation.json"
"""The report's summary (its ``findings`` are the index page's sentences)."""
PERSONAS_COLUMNS = ["customer_id", "persona_id", "persona_name"]
"""The columns of ``personas.csv``, exactly (other reports read them)."""
NO_VALUE = wording.UNKNOWN
"""How a table cell without a value reads (``n/a``, as on every page)."""
CARD_METRICS = (("NPS", "nps", ""), ("CSAT", "csat", "%"), ("churn", "churn_rate", "%"))
"""(label, profile column, unit) of the metrics a persona card shows."""


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
    who = ", ".join(f"{r.persona_name} ({wording.percent(r.share)})" for r in p.itertuples())
    sil, stab = wording.number(segmenter.silhouette_, 2), wording.number(segmenter.stability_, 2)
    how = (
        f"the best-separated grouping that stays stable on resampled data: separation score "
        f"{sil}, stability {stab} of 1; how it was chosen is in the appendix"
        if segmenter.k is None
        else f"a number set in the parameters; separation score {sil}"
    )
    out = [f"{segmenter.k_} personas describe the {wording.count(n)} customers ({how}): {who}."]
    if getattr(segmenter, "structure_", "clear") == "weak":
        out.append(weak_structure_sentence(segmenter))
    if p["revenue_share"].notna().any():
        out.append(_most_valuable(p, overall))
    if p["churn_rate"].notna().any() or p["nps"].notna().any():
        out.append(_at_risk(p, overall))
    return out


def weak_structure_sentence(segmenter: PersonaSegmenter) -> str:
    """The warning of weak structure: "The customers do not fall into distinct groups; ..."

    Examples
    --------
    >>> class Seg:
    ...     k_, structure_note_ = 4, "bootstrap stability 0.62 is below 0.8"
    >>> weak_structure_sentence(Seg())  # doctest: +ELLIPSIS
    'The customers do not fall into distinct groups; these 4 segments are a convenience split (...).'
    """
    text = WEAK.format(k=segmenter.k_)
    return f"{text[0].upper()}{text[1:]} ({segmenter.structure_note_})."


def _most_valuable(p: pd.DataFrame, overall: dict[str, float]) -> str:
    top = p.loc[(p["revenue_share"] / p["share"]).idxmax()]
    line = (
        f"Most valuable: {top.persona_name} ({top.persona_alias}) are "
        f"{wording.percent(top.share)} of customers but bring "
        f"{wording.percent(top.revenue_share)} of revenue"
    )
    if pd.notna(top.monthly_revenue) and "monthly_revenue" in overall:
        line += (
            f" ({wording.money(top.monthly_revenue)} a month each vs "
            f"{wording.money(overall['monthly_revenue'])} on average)"
        )
    return line + "."


def _at_risk(p: pd.DataFrame, overall: dict[str, float]) -> str:
    """The persona with the highest churn (else the lowest NPS), with its 95% CI."""
    num = wording.number
    if p["churn_rate"].notna().any():
        w = p.loc[p["churn_rate"].idxmax()]
        line = (
            f"At risk: {w.persona_name} ({w.persona_alias}) churn at {num(w.churn_rate)}% "
            f"(95% CI {num(w.churn_rate_ci_low)}-{num(w.churn_rate_ci_high)}%)"
        )
        if "churn_rate" in overall:
            line += f" vs {num(overall['churn_rate'])}% overall"
        if pd.notna(w.nps):
            line += f", NPS {num(w.nps)} (95% CI {num(w.nps_ci_low)} to {num(w.nps_ci_high)})"
        return line + "."
    w = p.loc[p["nps"].idxmin()]
    line = (
        f"At risk: {w.persona_name} ({w.persona_alias}) have the lowest NPS, {num(w.nps)} "
        f"(95% CI {num(w.nps_ci_low)} to {num(w.nps_ci_high)})"
    )
    if "nps" in overall:
        line += f" vs {num(overall['nps'])} overall"
    return line + "."


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
            f"Not clustered on, as missing for more than {wording.percent(segmenter.max_missing)}"
            f" of customers: {', '.join(parts)}."
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
    n, search = len(X), segmenter.search_size
    out.append(
        f"{wording.count(n)} customers segmented on {len(segmenter.columns_)} model columns; "
        f"k searched on {wording.count(min(n, search))} customers, silhouette on "
        f"{wording.count(min(n, search, segmenter.silhouette_size))}, stability from "
        f"{segmenter.n_boot} bootstrap refits per k."
    )
    return out


# --- tables and cards -----------------------------------------------------------------------


def _with_ci(r: pd.Series, m: str) -> str:
    """'12.3 (10.1 to 14.5)': a profile metric with its 95% CI, one decimal."""
    if pd.isna(r[m]):
        return NO_VALUE
    if pd.isna(r[f"{m}_ci_low"]):
        return wording.number(r[m], 1)
    low, high = wording.number(r[f"{m}_ci_low"], 1), wording.number(r[f"{m}_ci_high"], 1)
    return f"{wording.number(r[m], 1)} ({low} to {high})"


def _text(value: Any) -> str:
    """A text cell: the value, or :data:`NO_VALUE` when it is missing (never ``nan``)."""
    return value if isinstance(value, str) and value else NO_VALUE


def profile_table(profiles: pd.DataFrame) -> pd.DataFrame:
    """The per-persona metrics with their 95% CIs as readable text columns."""
    rows = []
    for _, r in profiles.iterrows():
        rows.append(
            {
                "persona": f"{r.persona_id}. {r.persona_name}",
                "alias": r.persona_alias,
                "customers": f"{wording.count(r.n)} ({wording.percent(r.share)})",
                "revenue share": NO_VALUE
                if pd.isna(r.revenue_share)
                else wording.percent(r.revenue_share),
                "NPS (95% CI)": _with_ci(r, "nps"),
                "CSAT % (95% CI)": _with_ci(r, "csat"),
                "mean effort score 1-5 (95% CI)": _with_ci(r, "ces_mean"),
                "churned by the end of the data, % (95% CI)": _with_ci(r, "churn_rate"),
                "preferred channel": _text(r.get("preferred_channel")),
                "age (middle 50%)": _text(r.get("age_band")),
            }
        )
    return pd.DataFrame(rows)


def _card(i: int, r: Any, says: list[str] | None = None) -> dict[str, Any]:
    """What one persona card shows (plain text; the template escapes it); ``says``: the
    comment themes that set the persona apart (:func:`cxlib.personas.voices.card_lines`)."""
    facts = [f"{wording.count(r.n)} customers ({wording.percent(r.share)})"]
    if pd.notna(r.revenue_share):
        facts.append(f"{wording.percent(r.revenue_share)} of revenue")
    if pd.notna(getattr(r, "monthly_revenue", np.nan)):
        facts.append(f"{wording.money(r.monthly_revenue)} a month each")
    details = [
        f"{label} {wording.number(getattr(r, m))}{unit}"
        for label, m, unit in CARD_METRICS
        if pd.notna(getattr(r, m))
    ]
    if isinstance(getattr(r, "age_band", None), str):
        details.append(f"age {r.age_band}")
    if isinstance(getattr(r, "preferred_channel", None), str):
        details.append(f"prefers {r.preferred_channel}")
    return {
        "colour": PALETTE[i % len(PALETTE)],
        "alias": str(r.persona_alias),
        "persona_id": str(r.persona_id),
        "name": str(r.persona_name),
        "facts": facts,
        "details": details,
        "description": str(r.description),
        "says": says or [],
    }


def cards_html(profiles: pd.DataFrame, themes: pd.DataFrame | None = None) -> str:
    """One card per persona (escaped HTML): alias, name, size, value, metrics, description,
    and what the persona says (``themes``: :func:`cxlib.personas.voices.persona_themes`).

    Examples
    --------
    >>> p = pd.DataFrame({"persona_id": [1], "persona_name": ["<b>Bold</b>"],
    ...     "persona_alias": ["Bold Ben"], "description": ["Age 30 vs 44 overall."],
    ...     "n": [1200], "share": [0.6], "revenue_share": [0.7], "nps": [12.0],
    ...     "csat": [np.nan], "churn_rate": [20.0]})
    >>> html = cards_html(p)
    >>> "&lt;b&gt;Bold&lt;/b&gt;" in html, "<b>" in html
    (True, False)
    >>> "1,200 customers (60%) · 70% of revenue" in html
    True
    """
    says = card_lines(themes)
    cards = [_card(i, r, says.get(r.persona_id)) for i, r in enumerate(profiles.itertuples())]
    return render("persona_cards.html.j2", cards=cards)


def show_cards(profiles: pd.DataFrame, themes: pd.DataFrame | None = None) -> None:
    """Display :func:`cards_html` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(cards_html(profiles, themes)))


def k_table(segmenter: PersonaSegmenter) -> pd.DataFrame:
    """The k-selection scores as display text."""
    s = segmenter.k_scores_
    return pd.DataFrame(
        {
            "k": s.index,
            "silhouette": s["silhouette"].map(lambda x: wording.number(x, 3)),
            "no-structure reference": s["null_silhouette"].map(lambda x: wording.number(x, 3)),
            "gain": s["gain"].map(lambda x: wording.number(x, 3)),
            "Calinski-Harabasz": s["calinski_harabasz"].map(wording.number),
            "Davies-Bouldin": s["davies_bouldin"].map(lambda x: wording.number(x, 2)),
            "stability (sd)": [
                f"{wording.number(a, 2)} ({wording.number(b, 2)})"
                for a, b in zip(s["stability"], s["stability_sd"], strict=True)
            ],
            "smallest persona": s["min_share"].map(lambda x: wording.percent(x, 1)),
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


def summary(
    segmenter: PersonaSegmenter, profiles: pd.DataFrame, sentences: list[str]
) -> dict[str, Any]:
    """What ``persona_segmentation.json`` holds: the choice of k, the personas, the findings.

    ``k``, ``silhouette``, ``stability`` (and the other scores of the chosen k), ``sizes``,
    ``shares``, ``names`` and ``aliases`` (in persona-id order), ``findings``, the
    k-selection scores, the features used and left out, and the seed.
    """
    chosen = segmenter.k_scores_.loc[segmenter.k_]
    return {
        "k": segmenter.k_,
        "k_automatic": segmenter.k is None,
        "silhouette": segmenter.silhouette_,
        "stability": segmenter.stability_,
        "structure": segmenter.structure_,
        "structure_note": segmenter.structure_note_,
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


def assignments(segmenter: PersonaSegmenter, profiles: pd.DataFrame) -> pd.DataFrame:
    """The persona of every customer: ``customer_id, persona_id, persona_name``."""
    names = profiles.set_index("persona_id")["persona_name"]
    out = segmenter.personas_[["customer_id", "persona_id"]].copy()
    out["persona_name"] = names.loc[out["persona_id"].to_numpy()].to_numpy()
    return out[PERSONAS_COLUMNS]


def write_personas(
    output_dir: str | Path, segmenter: PersonaSegmenter, profiles: pd.DataFrame
) -> Path:
    """Write ``personas.csv`` (:func:`assignments`): the one writer of the file.

    Other reports read it back with :func:`cxlib.io.outputs.read_personas` to split their
    results by persona.
    """
    return save(output_dir, PERSONAS_FILE, assignments(segmenter, profiles))


def save_outputs(
    output_dir: str | Path,
    segmenter: PersonaSegmenter,
    profiles: pd.DataFrame,
    sentences: list[str],
    X: pd.DataFrame | None = None,
    themes: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write ``personas.csv``, ``persona_profiles.csv`` and ``persona_segmentation.json``
    (and ``persona_themes.csv`` when ``themes`` are given).

    ``personas.csv`` has exactly ``customer_id, persona_id, persona_name`` (other reports
    split their results by it); the profiles add the persona's mean of every clustering
    feature; the JSON is :func:`summary`.
    """
    means = segmenter.profiles_.filter(like="mean_")
    table = pd.concat([profiles.reset_index(drop=True), means.reset_index(drop=True)], axis=1)
    files = {
        "personas": write_personas(output_dir, segmenter, profiles),
        "profiles": save(output_dir, PROFILES_CSV, table),
        "summary": save(output_dir, SUMMARY_JSON, summary(segmenter, profiles, sentences)),
    }
    if themes is not None:
        files["themes"] = save(output_dir, "persona_themes.csv", themes)
    return files
