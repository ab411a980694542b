"""The churn-driver report: one study object, its sentences and its output files.

:func:`churn_study` runs the whole analysis the notebook ``churn_drivers.ipynb`` shows:
the modelling table with its guards (:mod:`cxlib.churn.data`), the two models and the
drivers (:class:`cxlib.churn.model.ChurnDriverModel`), revenue at risk
(:mod:`cxlib.churn.value`), retention curves (:mod:`cxlib.churn.survival`) and the NPS key
drivers (:mod:`cxlib.churn.nps_drivers`).
:func:`summary_sentences` writes the first screen, :func:`findings` the three findings the
index page quotes, :func:`save_outputs` the CSV/JSON files. Figures are in
:mod:`cxlib.churn.figures`.

Examples
--------
>>> study = churn_study(cxlib.load("data/sample"))                   # doctest: +SKIP
>>> summary_sentences(study)[0]                                      # doctest: +SKIP
'23.7% of customers had churned by 2026-09-30 (95% CI 23.1–24.3%, n=19,996). ...'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxlib import wording
from cxlib.churn.cox import CoxResult, cox_drivers
from cxlib.churn.data import (
    DEFAULT_HORIZON_MONTHS,
    MAX_ORIGINS,
    ChurnData,
    churn_data,
    persona_by_customer,
)
from cxlib.churn.model import MAX_MODEL_ROWS, ChurnDriverModel
from cxlib.churn.nps_drivers import nps_key_drivers
from cxlib.churn.sentences import cap, group_name
from cxlib.churn.survival import RetentionCurves, lifetimes, retention_curves
from cxlib.churn.value import at_risk, churn_by_group, churn_trend
from cxlib.features import feature_family
from cxlib.io.dataset import CXData
from cxlib.io.outputs import save
from cxlib.io.privacy import looks_like_contacts, pseudonyms
from cxlib.metrics import Comparison, MetricResult, churn_rate
from cxlib.metrics.kpis import stated
from cxlib.paths import private_outputs

DRIVERS_CSV = "churn_drivers.csv"
AT_RISK_CSV = "churn_at_risk.csv"
ID_MAP_CSV = "churn_id_map.csv"
"""Private: pseudonym -> customer id, when the ids are e-mails or phone numbers."""
SUMMARY_JSON = "churn_drivers.json"
MIN_PERSONA_COVERAGE = 0.5
"""A personas file must label at least this share of the customers to be used."""


@dataclass
class ChurnStudy:
    """Everything the churn report shows (see :func:`churn_study`)."""

    cx: CXData
    data: ChurnData
    model: ChurnDriverModel
    overall: MetricResult
    trend: tuple[MetricResult, MetricResult, Comparison] | None
    risk: pd.DataFrame
    by: str
    by_group: pd.DataFrame
    by_plan: pd.DataFrame | None
    km_group: RetentionCurves
    km_plan: RetentionCurves | None
    kda: pd.DataFrame
    kda_info: dict
    top_n: int
    cox: CoxResult = field(default_factory=CoxResult)
    notes: list[str] = field(default_factory=list)

    @property
    def curves(self) -> list[RetentionCurves]:
        """The retention curves to show: by persona (or plan), then by plan."""
        return [self.km_group] + ([self.km_plan] if self.km_plan is not None else [])


def churn_study(
    cx: CXData,
    *,
    design: str = "auto",
    horizon: int = DEFAULT_HORIZON_MONTHS,
    max_origins: int = MAX_ORIGINS,
    model: str = "auto",
    features: list[str] | None = None,
    exclude: list[str] | None = None,
    personas: pd.DataFrame | pd.Series | None = None,
    top_n: int = 100,
    n_splits: int = 5,
    n_permutations: int = 10,
    min_churners: int = 50,
    max_rows: int | None = MAX_MODEL_ROWS,
    random_state: int = 0,
) -> ChurnStudy:
    """Run the churn analysis of a loaded data set.

    Parameters
    ----------
    cx : CXData
        Needs ``customers`` with ``churned`` or ``churn_date``; every other table adds
        features.
    design, horizon, max_origins, features, exclude
        See :func:`cxlib.churn.data.churn_data` (as-of design with a 3-month horizon by
        default when churn dates exist).
    model : {"auto", "logistic", "boosting"}
        The model that ranks the drivers (:class:`ChurnDriverModel`); ``auto``: the one
        with the higher cross-validated ROC-AUC.
    personas : Series, optional
        Persona per customer, as :func:`cxlib.io.outputs.read_personas` returns it; without it
        (or when it labels under half the customers) churn is split by plan.
    top_n : int
        Customers in the at-risk list.
    n_splits, n_permutations, min_churners, max_rows, random_state
        Passed to :class:`ChurnDriverModel` (above ``max_rows`` customers the models use a
        stratified sample of that many; the method notes say so).
    """
    data = churn_data(
        cx,
        design=design,
        horizon=horizon,
        max_origins=max_origins,
        features=features,
        exclude=exclude,
    )
    m = ChurnDriverModel(
        model=model,
        n_splits=n_splits,
        n_permutations=n_permutations,
        min_churners=min_churners,
        max_rows=max_rows,
        random_state=random_state,
    ).fit(data.X, data.y, data.families, groups=data.groups)
    c = cx.customers
    notes = list(data.notes)
    if m.sampled_:
        notes.append(sample_note(m))
    risk = at_risk(m, data)
    labels, by, plan = _grouping(c, persona_by_customer(personas), notes)
    life = lifetimes(c, data.as_of)
    if "signup_date" not in c:
        notes.append("Without customers.signup_date lifetimes are unknown: no retention curves.")
    by_group = churn_by_group(c, labels, risk, by=by)
    by_plan = (
        churn_by_group(c, plan, risk, by="plan") if by == "persona" and plan is not None else None
    )
    km_group = retention_curves(life, labels, by=by)
    km_plan = retention_curves(life, plan, by="plan") if by_plan is not None else None
    kda, kda_info = _nps_drivers(data, random_state, notes)
    cox = (
        cox_drivers(data, m.drivers_, m.shapes_, random_state=random_state)
        if m.trustworthy_
        else CoxResult(reason=str(m.reason_))
    )
    return ChurnStudy(
        cx=cx,
        data=data,
        model=m,
        overall=churn_rate(c),
        trend=churn_trend(c, data.as_of),
        risk=risk,
        by=by,
        by_group=by_group,
        by_plan=by_plan,
        km_group=km_group,
        km_plan=km_plan,
        kda=kda,
        kda_info=kda_info,
        top_n=top_n,
        cox=cox,
        notes=notes,
    )


def _grouping(
    customers: pd.DataFrame, personas: pd.Series | None, notes: list[str]
) -> tuple[pd.Series, str, pd.Series | None]:
    """The split churn is shown by: personas, else plans, else everybody; and the plans.

    Returns the group label per ``customer_id``, the grouping's name and the plan per
    customer (None without plans); appends to ``notes`` why a split was not used.
    """
    ids = customers["customer_id"].astype(object)
    plan = (
        pd.Series(customers["plan"].astype(object).to_numpy(), index=ids.to_numpy(), name="plan")
        if "plan" in customers
        else None
    )
    if personas is not None:
        coverage = float(ids.isin(personas.index).mean())
        if coverage < MIN_PERSONA_COVERAGE:
            notes.append(
                f"The personas file labels only {wording.percent(coverage)} of these customers "
                "(another data set's?): churn is split by plan instead."
            )
            personas = None
    if personas is not None:
        return personas, "persona", plan
    if plan is not None:
        return plan, "plan", plan
    notes.append("Neither personas nor plans are known: churn is shown for all customers.")
    return pd.Series("All", index=ids.to_numpy()), "all customers", plan


def _nps_drivers(data: ChurnData, random_state: int, notes: list[str]) -> tuple[pd.DataFrame, dict]:
    """NPS key drivers of every customer's latest features (a method note when resampled)."""
    F = data.latest
    kda, info = nps_key_drivers(F, {f: feature_family(f) for f in F}, random_state=random_state)
    if info.get("boot_rows", 0) < info["n"] and len(kda):
        notes.append(
            f"NPS key drivers: the shares use all {info['n']:,} respondents; their 95% "
            f"intervals come from bootstrap resamples of {info['boot_rows']:,} respondents "
            "each, scaled to the full count (the m-out-of-n bootstrap)."
        )
    return kda, info


# --- sentences -------------------------------------------------------------------------------


def sample_note(m: ChurnDriverModel) -> str:
    """The method note of a model fitted on a sample of a large table."""
    seed = f"; seed {m.random_state}" if m.random_state is not None else ""
    return (
        f"The models were fitted, cross-validated and explained on a stratified random sample "
        f"of {m.sample_size_:,} of the {m.n_:,} rows (the same {m.churn_rate_:.1%} churn "
        f"rate{seed}): at that size the drivers' intervals are already narrow. Every active "
        "customer is still scored for the revenue at risk, those outside the sample by the "
        "models fitted on it, which never saw them."
    )


def churn_sentence(study: ChurnStudy) -> str:
    """Churn rate with its CI, and its change over the last months when dates allow."""
    o = study.overall
    end = study.data.as_of
    by = f" by {end:%Y-%m-%d}" if end is not None else ""
    text = (
        f"{o.value:.1f}% of customers had churned{by} (95% CI {o.ci_low:.1f}–{o.ci_high:.1f}%, "
        f"n={o.n:,})."
    )
    if study.trend is None:
        return text + " The data has no churn dates, so the change over time is unknown."
    now, before, cmp = study.trend
    way = "up" if cmp.diff > 0 else "down"
    verdict = "a significant change" if cmp.significant else "not a significant change"
    return text + (
        f" In the last 3 months {now.value:.1f}% of the customers active at the start left, "
        f"{way} {abs(cmp.diff):.1f} points from {before.value:.1f}% in the 3 months before "
        f"(95% CI {cmp.ci_low:+.1f} to {cmp.ci_high:+.1f}; {verdict}, "
        f"{wording.p_value(cmp.p_value)})."
    )


def top_drivers(study: ChurnStudy, k: int = 3) -> pd.DataFrame:
    """The ``k`` highest-ranked significant drivers (none when the drivers are not reliable)."""
    d = study.model.drivers_
    if not study.model.reliable_:
        return d.head(0)
    return d[d["significant"].astype(bool)].head(k)


def risk_sentence(study: ChurnStudy) -> str:
    """Revenue at risk over the horizon, and the top-N share of it."""
    r = study.risk
    if r.empty:
        return "No revenue at risk is estimated: the churn model is not trustworthy."
    total = float(r["revenue_at_risk"].sum())
    if not math.isfinite(total) or r["monthly_revenue"].isna().all():
        return "Revenue at risk is unknown: the data has no monthly revenue."
    top = float(r["revenue_at_risk"].head(study.top_n).sum())
    return (
        f"Revenue at risk per year: {wording.money(total)} across "
        f"{wording.count(len(r))} active customers (each one's chance of churning within a "
        f"year × monthly revenue × 12); the {wording.count(study.top_n)} most at risk hold "
        f"{wording.money(top)} ({wording.share(top / total)} of it)."
        if total > 0
        else "Revenue at risk per year: 0 (no monthly revenue recorded)."
    )


def group_sentence(study: ChurnStudy) -> str:
    """Which persona (or plan) bleeds most: revenue at risk and churn rate."""
    g = study.by_group
    if g.empty or study.by == "all customers":
        return "No persona or plan is known, so churn is not split by group."
    common = g[~g["low_n"]] if (~g["low_n"]).any() else g
    worst = common.loc[common["churn_rate"].idxmax()]
    churn = (
        f"churn {worst['churn_rate']:.1f}% (95% CI {worst['ci_low']:.1f}–{worst['ci_high']:.1f}%)"
        f" against {study.overall.value:.1f}% overall"
    )
    name = group_name(study.by, worst[study.by])
    if "revenue_at_risk" not in g or not g["revenue_at_risk"].sum() > 0:
        return f"{cap(name)} bleeds most: {churn}."
    top = common.loc[common["revenue_at_risk"].idxmax()]
    money = (
        f"{wording.money(top['revenue_at_risk'])}, {top['risk_share']:.0%} of the revenue at risk"
    )
    if top[study.by] == worst[study.by]:
        return f"{cap(name)} bleeds most: {money}, and the highest {churn}."
    return (
        f"{cap(group_name(study.by, top[study.by]))} holds the most revenue at risk: {money} "
        f"(churn {top['churn_rate']:.1f}%); {name} loses customers fastest: {churn}."
    )


def summary_sentences(study: ChurnStudy) -> list[str]:
    """The first screen: churn and change, top drivers, revenue at risk, who bleeds most."""
    out = [churn_sentence(study), study.data.scope()]
    m = study.model
    if not m.reliable_:
        out.append(str(m.reliability_ or m.reason_))
    else:
        top = top_drivers(study)
        if top.empty:
            out.append(
                "No feature clearly goes with churn: every driver's importance is within noise."
            )
        for i, s in enumerate(top["sentence"], start=1):
            out.append(f"Driver {i}: {s}")
        auc = m.cv_summary_["roc_auc"]
        if auc.max() < 0.7:
            out.append(
                f"Caution: the models predict churn only weakly (cross-validated ROC-AUC "
                f"{auc.max():.2f}); read the drivers as loose associations."
            )
    out += [risk_sentence(study), group_sentence(study)]
    return out


def findings(study: ChurnStudy) -> list[str]:
    """The report's top three findings (most important first), for the index page."""
    m = study.model
    if not m.reliable_:
        first = str(m.reliability_ or m.reason_)
    else:
        top = top_drivers(study, 1)
        first = (
            f"Top churn driver: {top['sentence'].iloc[0][0].lower()}{top['sentence'].iloc[0][1:]}"
            if not top.empty
            else "No feature clearly drives churn."
        )
    return [churn_sentence(study), first, f"{risk_sentence(study)} {group_sentence(study)}"]


# --- outputs ---------------------------------------------------------------------------------


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    cols = [c for c in columns if c in frame.columns]
    return frame[cols].to_dict("records")


TOP_DRIVER_FIELDS = [
    "rank",
    "driver",
    "direction",
    "importance",
    "importance_low",
    "importance_high",
    "term",
    "odds_ratio",
    "or_low",
    "or_high",
    "sentence",
]
"""Columns of the driver table that the JSON summary quotes for each top driver."""


def summary(study: ChurnStudy) -> dict:
    """The JSON summary: churn rate, CV AUCs, top drivers, value, quality and findings."""
    o = study.overall
    return {
        "churn_rate": o.value / 100,
        "churn_rate_ci": [o.ci_low / 100, o.ci_high / 100],
        "customers": o.n,
        "design": study.data.design,
        "horizon_months": study.data.horizon_months if study.data.design == "asof" else None,
        "cutoffs": [f"{t:%Y-%m-%d}" for t in study.data.origins],
        "modelled_rows": len(study.data.y),
        **_model_summary(study),
        **_value_summary(study),
        "excluded_features": study.data.excluded.to_dict("records")
        + study.model.dropped_features_.to_dict("records"),
        "trend": None
        if study.trend is None
        else {
            "last_3_months": study.trend[0].value / 100,
            "previous_3_months": study.trend[1].value / 100,
            "p_value": study.trend[2].p_value,
        },
        "findings": findings(study),
        "stated_kpis": _stated(study),
        "driver_shapes": _driver_shapes(study),
    }


def _driver_shapes(study: ChurnStudy) -> dict[str, dict]:
    """Each reliable top driver's lead feature and its churn rate per bin (the shape the
    page draws), so the CX action plan can find the customers a driver marks."""
    m = study.model
    if not (m.trustworthy_ and m.reliable_):
        return {}
    out = {}
    for r in top_drivers(study).to_dict("records"):
        table = m.shapes_.get(str(r["driver"]))
        if table is None or table.empty:
            continue
        cols = ["label", "low", "high", "n", "churners", "rate", "ci_low", "ci_high"]
        out[str(r["driver"])] = {
            "lead": str(r["lead"]),
            "name": str(r["name"]),
            "shape": str(r["shape"]),
            "bins": table[cols].to_dict("records"),
        }
    return out


def _stated(study: ChurnStudy) -> list[dict]:
    """The KPIs the page states, from their one definition (:mod:`cxlib.metrics.kpis`)."""
    o, span = study.overall, study.cx.period()
    period = None if span is None else (span[0], study.data.as_of)
    out = [
        stated("churn_rate", o.value, period=period, n=o.n, ci=(o.ci_low, o.ci_high)),
        stated("customers", o.n, period=period),
    ]
    if study.trend is not None:
        now = study.trend[0]
        start = study.data.as_of - pd.DateOffset(months=3)
        out.append(
            stated(
                "churn_rate_3m",
                now.value,
                period=(start, study.data.as_of),
                n=now.n,
                ci=(now.ci_low, now.ci_high),
            )
        )
    risk = study.risk
    if len(risk) and risk["revenue_at_risk"].notna().any():
        out.append(stated("revenue_at_risk", float(risk["revenue_at_risk"].sum()), period=period))
    return out


def _model_summary(study: ChurnStudy) -> dict:
    """The summary's model part: sizes, trust, CV and holdout scores, the top drivers."""
    m = study.model
    cv = m.cv_summary_

    def cv_value(model: str, col: str) -> float | None:
        return float(cv.loc[model, col]) if model in cv.index else None

    top = top_drivers(study) if m.trustworthy_ else m.drivers_.head(0)
    return {
        "modelled_customers": study.data.n_customers,
        "modelled_churners": m.n_churners_,
        "model_sample_size": m.sample_size_,
        "trustworthy": bool(m.trustworthy_),
        "reason": m.reason_,
        "drivers_reliable": bool(m.reliable_),
        "reliability": m.reliability_,
        "auc_logistic": cv_value("logistic", "roc_auc"),
        "auc_logistic_sd": cv_value("logistic", "roc_auc_sd"),
        "auc_boosting": cv_value("boosting", "roc_auc"),
        "auc_boosting_sd": cv_value("boosting", "roc_auc_sd"),
        "cv_folds": int(cv["folds"].iloc[0]) if len(cv) else 0,
        "driver_model": m.model_,
        "scoring_model": m.scorer_,
        "holdout": m.holdout_.reset_index().to_dict("records") if len(m.holdout_) else [],
        "top_drivers": _records(top, TOP_DRIVER_FIELDS),
        "family_importance": _records(
            m.family_importance_, ["family", "importance", "importance_low", "importance_high"]
        ),
    }


def _value_summary(study: ChurnStudy) -> dict:
    """The summary's value part: revenue at risk, groups, lifetimes and NPS drivers."""
    risk = study.risk
    return {
        "revenue_at_risk_per_year": float(risk["revenue_at_risk"].sum(min_count=1))
        if len(risk)
        else None,
        "revenue_at_risk_top_n": float(risk["revenue_at_risk"].head(study.top_n).sum(min_count=1))
        if len(risk)
        else None,
        "by": study.by,
        "by_group": study.by_group.to_dict("records"),
        "median_lifetime_months": _records(
            study.km_group.summary, ["group", "median_months", "median_low", "median_high"]
        ),
        "logrank_p": study.km_group.p_value,
        "nps_key_drivers": _records(study.kda, ["rank", "feature", "share", "direction"]),
        "cox": {
            "reason": study.cox.reason,
            "concordance": study.cox.concordance if study.cox.reason is None else None,
            "hazard_ratios": study.cox.table.to_dict("records"),
        },
    }


def save_outputs(study: ChurnStudy, output_dir: str | Path) -> dict[str, Path]:
    """Write ``churn_drivers.csv``, ``churn_at_risk.csv`` (top N) and ``churn_drivers.json``.

    When the customer ids are e-mail addresses or phone numbers, the at-risk list shows a
    stable pseudonym per customer and the mapping goes to a private file beside the run
    (:func:`cxlib.paths.private_outputs`), never published.
    """
    risk = study.risk.head(study.top_n)
    files = {}
    if len(risk) and looks_like_contacts(risk["customer_id"]):
        alias = pseudonyms(risk["customer_id"])
        mapping = pd.DataFrame({"pseudonym": alias, "customer_id": risk["customer_id"]})
        files["id_map"] = save(private_outputs(output_dir), ID_MAP_CSV, mapping)
        risk = risk.assign(customer_id=alias)
    return files | {
        "drivers": save(output_dir, DRIVERS_CSV, study.model.drivers_),
        "at_risk": save(output_dir, AT_RISK_CSV, risk),
        "summary": save(output_dir, SUMMARY_JSON, summary(study)),
    }
