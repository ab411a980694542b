"""Figures and display tables of the churn-driver report (house style, findings as titles).

Every function takes a :class:`cxlib.churn.findings.ChurnStudy` (or one of its parts) and
returns a matplotlib Figure or a DataFrame for :func:`cxlib.plots.show_table`; nothing is
computed here that the report's numbers do not already hold.

Examples
--------
>>> plot_drivers(study.model)                                       # doctest: +SKIP
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from cxlib import wording
from cxlib.churn.effect_figures import cox_table, plot_shapes  # noqa: F401 (re-exported)
from cxlib.churn.findings import ChurnStudy
from cxlib.churn.model import ChurnDriverModel
from cxlib.churn.sentences import cap, group_name, label, separates
from cxlib.churn.survival import RetentionCurves
from cxlib.io.privacy import mask_contacts
from cxlib.plots import BAD, GOOD, NEUTRAL, PALETTE, finding_title


def _empty(message: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(8, 1.2))
    ax.axis("off")
    ax.text(0, 0.5, message, fontsize=11, va="center")
    return fig


def _driver_label(row: pd.Series) -> str:
    """A driver's label for a figure (a category level from the data: contacts masked)."""
    name = row.get("name")
    return mask_contacts(str(name) if isinstance(name, str) else label(str(row["driver"])))


def plot_drivers(model: ChurnDriverModel, k: int = 12) -> plt.Figure:
    """Permutation importance of the top ``k`` drivers with 95% CIs, coloured by effect."""
    if not model.trustworthy_:
        return _empty(str(model.reason_))
    d = model.drivers_.head(k).iloc[::-1]
    colours = [
        NEUTRAL if not sig else (GOOD if way == "decreases" else BAD)
        for sig, way in zip(d["significant"], d["direction"], strict=True)
    ]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(d) + 1.6))
    err = np.vstack(
        [d["importance"] - d["importance_low"], d["importance_high"] - d["importance"]]
    ).clip(min=0)
    ax.barh([_driver_label(r) for _, r in d.iterrows()], d["importance"], color=colours)
    ax.errorbar(d["importance"], np.arange(len(d)), xerr=err, fmt="none", ecolor="#333333")
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlabel("how much worse the model tells churners from stayers without it")
    top = model.drivers_.iloc[0]
    finding_title(
        ax,
        f"{cap(_driver_label(top))} is the strongest churn driver",
        "95% CIs; green: more of it goes with less churn; red: with more churn, or churn "
        "differs by level or peaks inside the range; grey: not significant",
    )
    return fig


def _with_interval(x: float, low: float, high: float) -> str:
    """'0.012 (0.008 to 0.016)': an importance with its 95% CI, three decimals."""
    return f"{wording.decimals(x)} ({wording.decimals(low)} to {wording.decimals(high)})"


def driver_table(model: ChurnDriverModel, k: int = 12) -> pd.DataFrame:
    """Rank, driver, importance with CI, direction and the plain-language sentence."""
    d = model.drivers_.head(k)
    return pd.DataFrame(
        {
            "rank": d["rank"],
            "driver": [_driver_label(r) for _, r in d.iterrows()],
            "importance (95% CI)": [
                _with_interval(r.importance, r.importance_low, r.importance_high)
                for r in d.itertuples()
            ],
            "effect": [
                w if s else f"{w} (not significant)"
                for w, s in zip(d["direction"], d["significant"], strict=True)
            ],
            "what it means": d["sentence"],
        }
    )


def family_table(model: ChurnDriverModel) -> pd.DataFrame:
    """Importance per feature family (all of a family's columns shuffled together)."""
    f = model.family_importance_
    if f.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "feature family": f["family"],
            "importance (95% CI)": [
                _with_interval(r.importance, r.importance_low, r.importance_high)
                for r in f.itertuples()
            ],
            "significant": np.where(f["importance_low"] > 0, "yes", "no"),
        }
    )


def plot_groups(study: ChurnStudy) -> plt.Figure:
    """Churn rate per persona (or plan) with 95% CIs, and each group's revenue at risk."""
    g = study.by_group
    if g.empty:
        return _empty("No groups to compare.")
    g = g.sort_values("churn_rate", kind="stable")
    has_risk = "revenue_at_risk" in g and g["revenue_at_risk"].sum() > 0
    fig, axes = plt.subplots(
        1,
        2 if has_risk else 1,
        figsize=(11 if has_risk else 8, 0.5 * len(g) + 1.8),
        sharey=True,
        squeeze=False,
    )
    names = g[study.by].astype(str)
    ax = axes[0, 0]
    err = np.vstack([g["churn_rate"] - g["ci_low"], g["ci_high"] - g["churn_rate"]])
    ax.barh(names, g["churn_rate"], xerr=err, color=PALETTE[0], ecolor="#333333")
    ax.axvline(study.overall.value, color=BAD, ls="--", lw=1)
    ax.set_xlabel("churn rate (%), dashed: all customers")
    worst = g.iloc[-1]
    finding_title(
        ax,
        f"{cap(group_name(study.by, worst[study.by]))} loses the most customers: "
        f"{worst['churn_rate']:.0f}% churned",
        f"by {study.by}; 95% CIs",
    )
    if has_risk:
        ax2 = axes[0, 1]
        ax2.barh(names, g["revenue_at_risk"], color=BAD)
        ax2.set_xlabel("revenue at risk per year")
        ax2.xaxis.set_major_locator(MaxNLocator(4))
        ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _: wording.money(v)))
        top = g.loc[g["revenue_at_risk"].idxmax()]
        ax2.set_title(
            f"{cap(group_name(study.by, top[study.by]))}: "
            f"{wording.percent(top['risk_share'])} of the revenue at risk",
            loc="left",
            fontsize=12,
            fontweight="bold",
        )
    fig.tight_layout()
    return fig


def group_table(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group: customers, churn rate with CI, active customers and revenue at risk.

    Unknown values (no monthly revenue, no interval) read ``n/a``, never 0 or ``nan``.
    """
    out = pd.DataFrame(
        {
            by: frame[by],
            "customers": frame["customers"],
            "churn % (95% CI)": [
                f"{wording.number(r.churn_rate, 1)} "
                f"({wording.number(r.ci_low, 1)}–{wording.number(r.ci_high, 1)})"
                for r in frame.itertuples()
            ],
        }
    )
    if "revenue_at_risk" in frame:
        out["active"] = frame["active"]
        out["revenue at risk"] = [wording.money(v) for v in frame["revenue_at_risk"]]
        out["share of risk"] = [wording.percent(v) for v in frame["risk_share"]]
    return out


def _median_text(v: float) -> str:
    return "not reached" if math.isinf(v) else f"{v:.0f} months"


def plot_retention(curves: RetentionCurves | list[RetentionCurves]) -> plt.Figure:
    """Kaplan-Meier retention per group with 95% bands, one panel per grouping."""
    curves = [curves] if isinstance(curves, RetentionCurves) else list(curves)
    curves = [km for km in curves if not km.curves.empty]
    if not curves:
        return _empty("Too few customers per group for retention curves.")
    # one panel under the other: side by side, their finding titles ran into each other
    fig, axes = plt.subplots(len(curves), 1, figsize=(8, 5 * len(curves)), squeeze=False)
    for ax, km in zip(axes[:, 0], curves, strict=True):
        _retention_panel(ax, km)
    fig.tight_layout()
    return fig


def _retention_panel(ax: plt.Axes, km: RetentionCurves) -> None:
    for i, (name, part) in enumerate(km.curves.groupby("group", sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        ax.step(part["months"], part["retention"], where="post", color=colour, label=name)
        ax.fill_between(
            part["months"], part["low"], part["high"], step="post", color=colour, alpha=0.15
        )
    ax.axhline(0.5, color="#999999", lw=0.8, ls=":")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months since signup")
    ax.set_ylabel("share still a customer")
    ax.legend(title=km.by, loc="upper left", bbox_to_anchor=(0, -0.14), ncols=2, fontsize=9)
    s = km.summary
    worst, best = s.iloc[0], s.iloc[-1]
    name, best_name = group_name(km.by, worst["group"]), group_name(km.by, best["group"])
    test = f"log-rank {wording.p_value(km.p_value)}; shaded: 95% CI"
    if len(s) == 1:
        title = f"Median customer lifetime: {_median_text(worst['median_months'])}"
        detail = "Kaplan-Meier estimate; shaded: 95% CI"
    elif math.isfinite(worst["median_months"]):
        title = f"Shortest median lifetime: {name}, {worst['median_months']:.0f} months"
        detail = f"vs {_median_text(best['median_months'])} for {best_name}; {test}"
    else:
        title = f"Lowest 12-month retention: {name}, {wording.percent(worst['retention_12m'])}"
        detail = f"vs {wording.percent(best['retention_12m'])} for {best_name}; {test}"
    finding_title(ax, title, detail)


def retention_table(curves: RetentionCurves | list[RetentionCurves]) -> pd.DataFrame:
    """Per group: customers, churners, median lifetime and 12-month retention with CIs."""
    curves = [curves] if isinstance(curves, RetentionCurves) else list(curves)

    def med(r: pd.Series) -> str:
        if math.isinf(r["median_months"]):
            return "not reached"
        low, high = (wording.number(r[k], 1) for k in ("median_low", "median_high"))
        return f"{wording.number(r['median_months'], 1)} ({low}–{high})"

    def ret(r: pd.Series) -> str:
        if not math.isfinite(r["retention_12m"]):
            return wording.UNKNOWN
        low, high = r["retention_12m_low"], r["retention_12m_high"]
        if not (wording.is_known(low) and wording.is_known(high)):
            return wording.percent(r["retention_12m"])
        return (
            f"{wording.percent(r['retention_12m'])} "
            f"({wording.number(100 * low)}–{wording.number(100 * high)}%)"
        )

    parts = [
        pd.DataFrame(
            {
                "group": [f"{km.by}: {g}" for g in km.summary["group"]],
                "customers": km.summary["customers"],
                "churners": km.summary["churners"],
                "median lifetime, months (95% CI)": [med(r) for _, r in km.summary.iterrows()],
                "still a customer after 12 months": [ret(r) for _, r in km.summary.iterrows()],
            }
        )
        for km in curves
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def plan_table(study: ChurnStudy) -> pd.DataFrame:
    """Churn and revenue at risk per plan when the main split is by persona (else empty)."""
    if study.by_plan is None:
        return pd.DataFrame()
    return group_table(study.by_plan, "plan")


def plot_nps_drivers(kda: pd.DataFrame, info: dict) -> plt.Figure:
    """Share of explained NPS variance per experience feature, with bootstrap 95% CIs."""
    if kda.empty:
        return _empty(f"No NPS key-driver analysis: {info.get('reason', 'no data')}.")
    d = kda.iloc[::-1]
    colours = [GOOD if w == "raises NPS" else BAD for w in d["direction"]]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(d) + 1.6))
    err = np.vstack([d["share"] - d["share_low"], d["share_high"] - d["share"]]).clip(min=0)
    ax.barh(
        [label(f) for f in d["feature"]],
        100 * d["share"],
        xerr=100 * err,
        color=colours,
        ecolor="#333333",
    )
    ax.set_xlabel(f"share of explained NPS differences (%); R² = {info['r2']:.2f}")
    top = kda.iloc[0]
    finding_title(
        ax,
        f"{cap(label(top['feature']))} explains the largest share of NPS differences "
        f"({100 * top['share']:.0f}%)",
        f"Johnson's relative weights, n={info['n']:,}; green: higher means higher NPS, "
        "red: lower NPS",
    )
    return fig


def plot_model_quality(model: ChurnDriverModel) -> plt.Figure:
    """Calibration and cumulative gains of both models on the held-out customers."""
    if not model.trustworthy_:
        return _empty(str(model.reason_))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5))
    for i, (name, cal) in enumerate(model.calibration_.groupby("model", sort=False)):
        a1.plot(cal["predicted"], cal["observed"], marker="o", color=PALETTE[i], label=name)
    lim = max(model.calibration_[["predicted", "observed"]].max().max(), 0.05) * 1.05
    a1.plot([0, lim], [0, lim], color="#999999", ls=":")
    a1.set_xlabel("predicted churn probability")
    a1.set_ylabel("observed churn share")
    a1.legend()
    a1.set_title(
        "Calibration: dots on the diagonal = honest probabilities",
        loc="left",
        fontsize=11,
        fontweight="bold",
    )
    for i, (name, g) in enumerate(model.gains_.groupby("model", sort=False)):
        a2.plot(
            np.r_[0, g["cum_share"]] * 100,
            np.r_[0, g["cum_capture"]] * 100,
            marker="o",
            color=PALETTE[i],
            label=name,
        )
    a2.plot([0, 100], [0, 100], color="#999999", ls=":")
    a2.set_xlabel("% of customers contacted (highest scores first)")
    a2.set_ylabel("% of churners caught")
    best = model.holdout_["top_decile_capture"].max()
    a2.set_title(
        f"The top 10% of scores catch {wording.percent(best)} of churners",
        loc="left",
        fontsize=11,
        fontweight="bold",
    )
    a2.legend()
    fig.tight_layout()
    return fig


def quality_table(model: ChurnDriverModel) -> pd.DataFrame:
    """Cross-validated and held-out scores of both models."""
    if not model.trustworthy_:
        return pd.DataFrame()
    cv, ho = model.cv_summary_, model.holdout_
    d = wording.decimals
    rows = []
    for name in cv.index:
        c, h = cv.loc[name], ho.loc[name]
        rows.append(
            {
                "model": name,
                f"CV ROC-AUC, mean ± sd ({int(c['folds'])} folds)": (
                    f"{d(c['roc_auc'])} ± {d(c['roc_auc_sd'])}"
                ),
                "held-out ROC-AUC (95% CI)": (
                    f"{d(h['roc_auc'])} ({d(h['roc_auc_low'])}–{d(h['roc_auc_high'])})"
                ),
                "held-out PR-AUC": f"{d(h['pr_auc'])} (base rate {d(h['base_rate'])})",
                "held-out Brier": d(h["brier"]),
                "top-decile capture / lift": (
                    f"{wording.percent(h['top_decile_capture'])} / {h['top_decile_lift']:.1f}x"
                ),
            }
        )
    return pd.DataFrame(rows)


def odds_table(model: ChurnDriverModel) -> pd.DataFrame:
    """The logistic regression's odds ratios per natural step, with 95% CIs and p-values."""
    o = model.odds_ratios_
    if o.empty:
        return pd.DataFrame()
    o = o[o["kind"] != "contrast"]
    bent = set(model.drivers_.loc[model.drivers_["shape"].isin(("u_shaped", "inverted_u")), "lead"])
    term = [
        f"{label(r.feature)} = {r.level} (vs {r.reference})"
        if r.kind == "level"
        else f"{label(r.feature)} missing"
        if r.kind == "missing"
        else f"{label(r.feature)} (not a straight line: see its shape)"
        if r.feature in bent
        else f"{label(r.feature)} (per {1 if r.step == 1 else r.step_name})"
        for r in o.itertuples()
    ]
    return pd.DataFrame(
        {
            "term": term,
            "odds ratio (95% CI)": [
                "separates almost completely"
                if separates(r.odds_ratio, r.or_low, r.or_high)
                else f"{r.odds_ratio:.2f} ({r.or_low:.2f}–{r.or_high:.2f})"
                for r in o.itertuples()
            ],
            "p": [wording.p_value(p) for p in o["p_value"]],
        }
    )


def at_risk_preview(study: ChurnStudy, n: int = 10) -> pd.DataFrame:
    """The first ``n`` rows of the at-risk list (customer_id only, no contact data)."""
    r = study.risk.head(n)
    return pd.DataFrame(
        {
            "rank": r["rank"],
            "customer_id": r["customer_id"],
            "P(churn within a year)": [wording.percent(p) for p in r["churn_probability_year"]],
            "monthly revenue": [wording.number(v, 2) for v in r["monthly_revenue"]],
            "revenue at risk per year": [wording.number(v) for v in r["revenue_at_risk"]],
        }
    )


def notes(study: ChurnStudy) -> list[str]:
    """How the table was built and what was left out, as sentences (method appendix)."""
    out = list(study.notes)
    ex = pd.concat([study.data.excluded, study.model.dropped_features_], ignore_index=True)
    for reason, part in ex.groupby("reason", sort=False):
        names = ", ".join(label(f) for f in part["feature"])
        out.append(f"Left out ({reason}): {names}.")
    for f, why in study.kda_info.get("left_out", {}).items():
        out.append(f"NPS key drivers leave out {label(f)}: {why}.")
    m = study.model
    if m.trustworthy_:
        out.append(
            f"Drivers are ranked by the {m.model_} model; the at-risk list uses the "
            f"{m.scorer_} model (higher cross-validated ROC-AUC), scored out of fold"
            + (
                " (outside the model's sample: by the model fitted on the sample)."
                if m.sampled_
                else "."
            )
        )
    return out
