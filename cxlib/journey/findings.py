"""The journey-friction report in words and numbers: findings, tables and output files.

Reads a fitted :class:`~cxlib.journey.JourneyAnalysis`. :func:`save_outputs` writes
``journey_friction.csv`` (one row per touchpoint, ranked), ``journey_dfg.csv``
(``source``, ``target``, ``count``), ``journey_funnel.csv`` (all splits),
``journey_map.csv`` (personas x stages, with the emotion: mean sentiment of comments),
``journey_voices.csv`` (what customers say per touchpoint: top themes and sentiment) and
``journey_friction.json`` (``findings``, ``top_friction``, ``funnel`` and ``conversion`` per
stage, the score formula, ``voices`` and ``sentiment_model``, notes and parameters).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cxlib.io import outputs
from cxlib.journey.analysis import JourneyAnalysis
from cxlib.journey.friction import DEFAULT_WEIGHTS, affected_total
from cxlib.journey.log_inputs import kept_on_spark
from cxlib.journey.voice_tables import voice_sentence
from cxlib.metrics.kpis import MONTHS_PER_YEAR, customers_note, per_year, stated
from cxlib.wording import count, hours, label, money, percent

SCORE_FORMULA = (
    "impact = sum over components c of w_c * n_c * max(0, x_c - norm_c(stage)) (n_c: the "
    "touchpoint's customers; its survey answers for negative answers); "
    "friction_score = 100 * impact / customers; components (shares of the touchpoint's "
    "customers): exit, loop, rework, follow-up ticket, slow step, and the negative answer "
    "share; norm: the median over the stage's ranked touchpoints (over all ranked touchpoints "
    "when the stage has fewer than 3); touchpoints are ranked by impact; a component the data "
    "lacks adds 0."
)
"""The friction-score formula as shown in the report and written to the JSON."""

COMPONENT_NAMES = {
    "exit": "exits",
    "loop": "loops",
    "rework": "rework",
    "followup": "follow-up tickets",
    "negative": "negative answers",
    "slow": "slow next step",
}


# --- findings ---------------------------------------------------------------------------


def describe_touchpoint(row: pd.Series, ja: JourneyAnalysis, parts: int = 2) -> str:
    """The evidence behind a touchpoint's friction score, in words (largest parts first)."""
    bits = []
    comps = sorted(
        ((row[f"score_{c}"], c) for c in DEFAULT_WEIGHTS if row[f"score_{c}"] > 0), reverse=True
    )
    for _, comp in comps[:parts]:
        if comp == "exit":
            kinds = []
            if row["abandonment_exits"]:
                before = "before buying" if ja.purchase_stage_ else "before completing"
                kinds.append(f"{count(row['abandonment_exits'])} left {before}")
            if row["churn_exits"]:
                kinds.append(f"{count(row['churn_exits'])} churned")
            bits.append(
                f"{percent(row['exit_rate'])} of its {count(row['customers'])} customers end "
                f"their journey there ({', '.join(kinds)})"
            )
        elif comp == "loop":
            bits.append(
                f"{percent(row['loop_rate'])} of visits repeat it straight away within "
                f"{ja.loop_window_hours:g} h ({count(row['loop_customers'])} customers)"
            )
        elif comp == "rework":
            bits.append(
                f"{percent(row['rework_customer_share'])} of its customers come back to it "
                f"after another step, within {ja.rework_window_hours:g} h "
                f"({count(row['rework_customers'])} customers: rework)"
            )
        elif comp == "followup":
            bits.append(
                f"{percent(row['followup_contact_rate'])} of visits are followed by a support "
                f"ticket within {ja.followup_hours:g} h "
                f"({count(row['followup_customers'])} customers)"
            )
        elif comp == "negative":
            bits.append(
                f"{percent(row['negative_answer_share'])} of {count(row['answers'])} survey "
                "answers about it are negative"
            )
        elif comp == "slow":
            bits.append(
                f"{percent(row['slow_step_share'])} of its steps wait longer than three in four "
                f"steps of the {row['stage']} stage (median {hours(row['median_hours_to_next'])})"
            )
    return "; ".join(bits) if bits else "no component above the norm"


def unranked_sentence(ja: JourneyAnalysis) -> str | None:
    """Why no touchpoint is ranked (too few customers at each), or None when some are.

    Small data (a log of a few cases) gets a page that says what it cannot show instead
    of an empty ranking.
    """
    f = ja.friction_
    if f["rank"].notna().any():
        return None
    busiest = int(f["customers"].max()) if len(f) else 0
    return (
        f"No touchpoint has the {count(ja.min_customers)} customers needed to rank friction; "
        f"{count(ja.n_customers_)} customers (cases) in the log, at most {count(busiest)} at "
        "one touchpoint. The funnel and the paths below are shown; rates on so few customers "
        "are noise (min_customers sets the threshold)."
    )


UNRANKED_REFERENCE = "No touchpoint is ranked: too few customers at each (see the findings above)."
"""What the friction table and the score explanation say when nothing is ranked: the full
reason (:func:`unranked_sentence`) stands once in the findings and once on the figure."""


def top_friction(ja: JourneyAnalysis, n: int = 3) -> pd.DataFrame:
    """The ``n`` highest-ranked touchpoints with a friction score above zero."""
    f = ja.friction_
    return f[f["rank"].notna() & (f["friction_score"] > 0)].head(n)


def findings(ja: JourneyAnalysis) -> list[str]:
    """The report's findings as sentences with numbers, most important first.

    The first three go into ``journey_friction.json`` (``findings``) and the index page:
    the top friction points with what they touch, the first one's evidence and the
    funnel's worst stage. Then what customers say at the first friction point (its
    comments' sentiment and top theme), the second friction point, the persona that drops
    off most and the cross-channel repeat contacts, each when the data supports it.
    """
    top = top_friction(ja)
    fa = ja.funnel_[ja.funnel_["split"] == "all"]
    out = _top_friction_sentences(ja, top)
    out += _funnel_sentence(fa)
    out += voice_sentence(ja, top["touchpoint"].iloc[0]) if len(top) else []
    if len(top) > 1:
        second = top.iloc[1]
        out.append(
            f"{label(second['touchpoint'])} ranks second: {describe_touchpoint(second, ja)}."
        )
    out += _persona_sentence(ja, fa)
    out += _cross_channel_sentence(ja)
    return out


def _top_friction_sentences(ja: JourneyAnalysis, top: pd.DataFrame) -> list[str]:
    """The top friction points with the customers and revenue they touch; the first one's
    evidence (or one sentence saying there is no friction above the norm)."""
    if not len(top):
        return [unranked_sentence(ja) or "No touchpoint has friction above the typical touchpoint."]
    names = [f"{label(r.touchpoint)} ({label(r.stage)})" for r in top.itertuples()]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    total = affected_total(ja.log_, list(top["touchpoint"]))
    risk = (
        f", who bring in {money(per_year(total['revenue_at_risk']))} of revenue a year"
        if ja.log_.has_revenue and not math.isnan(total["revenue_at_risk"])
        else ""
    )
    slow = ""
    if total["slow_customers"] and top["main_driver"].iloc[0] == "slow":
        slow = (
            f"; {count(total['slow_customers'])} of them waited longer than usual for their "
            "next step there"
        )
    lead = top.iloc[0]
    excess = (
        f"{label(lead['touchpoint'])} ranks first by impact: about {count(lead['impact'])} more of "
        f"its {count(lead['customers'])} customers ({percent(lead['reach'])} of all) meet "
        "friction there than at a typical touchpoint of the stage. "
    )
    return [
        f"The top {len(top)} friction points — {listed} — touch "
        f"{count(total['customers'])} customers{risk}{slow}.",
        f"{excess}Evidence: {describe_touchpoint(lead, ja)}.",
    ]


def _funnel_sentence(fa: pd.DataFrame) -> list[str]:
    """The stage where the funnel (all customers, ``fa``) loses most customers, if any."""
    if not fa["dropped"].sum() > 0:
        return []
    worst = fa.loc[fa["dropped"].idxmax()]
    nxt = (
        f"; {percent(worst['conversion_rate'])} go on to a later stage"
        if not math.isnan(worst["conversion_rate"])
        else ""
    )
    return [
        f"The funnel loses most customers at {worst['stage']}: "
        f"{percent(worst['drop_off_rate'], 1)} "
        f"(95% CI {percent(worst['drop_off_rate_ci_low'], 1)}"
        f"–{percent(worst['drop_off_rate_ci_high'], 1)}) of the {count(worst['reached'])} who "
        f"reach it drop off there{nxt}."
    ]


def _persona_sentence(ja: JourneyAnalysis, fa: pd.DataFrame) -> list[str]:
    """The persona and stage with the highest drop-off, against all customers."""
    jm = ja.journey_map_
    if not (len(jm) and jm["drop_off_rate"].notna().any()):
        return []
    cell = jm.loc[jm["drop_off_rate"].idxmax()]
    overall = fa.set_index("stage").loc[cell["stage"], "drop_off_rate"]
    pain = cell["top_pain_point"]
    return [
        f"{cell['persona']}: {percent(cell['drop_off_rate'])} of those who reach "
        f"{cell['stage']} drop off there (all customers: {percent(overall)})"
        + (f"; their top pain point there is {pain}." if isinstance(pain, str) else ".")
    ]


def _cross_channel_sentence(ja: JourneyAnalysis) -> list[str]:
    """The share of support contacts repeated on another channel (needs tickets)."""
    cc = ja.cross_channel_
    if not len(cc):
        return []
    a = cc[cc["channel"] == "all"].iloc[0]
    return [
        f"{percent(a['cross_channel_rate'], 1)} of {count(a['contacts'])} support contacts "
        f"are followed within {ja.repeat_contact_days:g} days by another contact on a "
        "different channel — the customer had to start again."
    ]


# --- outputs ------------------------------------------------------------------------------


def summary(ja: JourneyAnalysis) -> dict:
    """The content of ``journey_friction.json``."""
    top = top_friction(ja)
    total = affected_total(ja.log_, list(top["touchpoint"])) if len(top) else None
    keep = [
        "rank", "stage", "touchpoint", "impact", "friction_score", "main_driver", "main_rate",
        "main_norm", "customers", "reach", "customers_affected", "revenue_at_risk", "exit_rate",
        "loop_rate", "rework_customer_share", "followup_contact_rate", "negative_answer_share",
        "slow_step_share", "slow_customer_share",
    ]  # fmt: skip
    fa = ja.funnel_[ja.funnel_["split"] == "all"]
    funnel_rows = fa[
        ["stage", "reached", "converted", "conversion_rate", "conversion_rate_ci_low",
         "conversion_rate_ci_high", "dropped", "drop_off_rate", "median_hours_to_next"]
    ]  # fmt: skip
    period = ja.log_.cx.period()
    return {
        "report": "journey_friction",
        "data": ja.log_.cx.source,
        "customers": ja.n_customers_,
        "events": ja.n_events_,
        "period": list(period) if period else None,
        "findings": findings(ja)[:3],
        "stated_kpis": _stated(ja, total, period),
        "top_friction": top[keep]
        .assign(revenue_at_risk=top["revenue_at_risk"] * MONTHS_PER_YEAR)
        .rename(columns={"revenue_at_risk": "revenue_per_year"})
        .to_dict(orient="records"),
        "top_friction_customers_affected": total["customers"] if total else 0,
        "top_friction_revenue_per_year": per_year(total["revenue_at_risk"]) if total else None,
        "top_friction_slow_customers": total["slow_customers"] if total else 0,
        "funnel": funnel_rows.to_dict(orient="records"),
        "conversion": dict(zip(fa["stage"], fa["conversion_rate"], strict=True)),
        "outcomes": ja.outcomes_.to_dict(orient="records"),
        "friction_score": {
            "formula": SCORE_FORMULA,
            "weights": ja.friction_.attrs["weights"],
            "norms": ja.friction_.attrs["norms"],
        },
        "stage_order": list(ja.stage_order_),
        "purchase_stage": ja.purchase_stage_,
        "parameters": {
            "loop_window_hours": ja.loop_window_hours,
            "followup_hours": ja.followup_hours,
            "rework_window_hours": ja.rework_window_hours,
            "repeat_contact_days": ja.repeat_contact_days,
            "min_customers": ja.min_customers,
        },
        "voices": ja.voices_.touchpoints.to_dict(orient="records"),
        "sentiment_model": ja.voices_.model,
        "notes": ja.notes_,
    }


def _stated(ja: JourneyAnalysis, total: dict | None, period: tuple | None) -> list[dict]:
    """The KPIs the page states (:mod:`cxlib.metrics.kpis`): the log's customers, with the
    reason they differ from the customers table, and the affected customers' yearly revenue."""
    cx = ja.log_.cx
    if kept_on_spark(cx):  # the events stay on Spark: only their distinct ids come over
        ids = cx.distinct("events", "customer_id")
    else:
        ids = cx.events["customer_id"].dropna().unique() if cx.events is not None else []
    table = None if cx.customers is None else cx.customers["customer_id"]
    note = customers_note(ids, table, "the event log")
    out = [stated("customers", ja.n_customers_, period=period, note=note)]
    if total and ja.log_.has_revenue:
        out.append(stated("affected_revenue", per_year(total["revenue_at_risk"]), period=period))
    return out


def save_outputs(ja: JourneyAnalysis, output_dir: str | Path) -> list[Path]:
    """Write the report's CSV and JSON files into ``output_dir``; return their paths.

    The customers behind the top friction points go to the private outputs
    (:func:`cxlib.journey.affected.save_private`), for the CX action plan.
    """
    from cxlib.journey.affected import save_private

    return [
        save_private(ja, output_dir),
        outputs.save(output_dir, "journey_friction.csv", ja.friction_),
        outputs.save(output_dir, "journey_dfg.csv", ja.dfg_),
        outputs.save(output_dir, "journey_funnel.csv", ja.funnel_),
        outputs.save(output_dir, "journey_map.csv", ja.journey_map_),
        outputs.save(output_dir, "journey_voices.csv", ja.voices_.touchpoints),
        outputs.save(output_dir, "journey_friction.json", summary(ja)),
    ]


# --- tables -----------------------------------------------------------------------------


def table_cross_channel(ja: JourneyAnalysis) -> pd.DataFrame:
    """Repeat and cross-channel repeat contacts per channel, as a readable table."""
    cc = ja.cross_channel_
    if cc.empty:
        return pd.DataFrame({"note": ["No tickets table: repeat contacts are not available."]})
    return pd.DataFrame(
        {
            "channel": cc["channel"],
            "contacts": cc["contacts"].map(count),
            f"repeat within {ja.repeat_contact_days:g} days": cc["repeat_rate"].map(
                lambda x: percent(x, 1)
            ),
            "on another channel": cc["cross_channel_rate"].map(lambda x: percent(x, 1)),
            "mostly to": cc["top_next_channel"].fillna("–"),
        }
    )


def table_friction(ja: JourneyAnalysis, top: int = 10) -> pd.DataFrame:
    """The friction ranking as a readable table (percentages as text); a one-row note
    when no touchpoint is ranked (:func:`unranked_sentence`)."""
    f = ja.friction_[ja.friction_["rank"].notna()].head(top)
    if f.empty:
        return pd.DataFrame({"note": [UNRANKED_REFERENCE]})
    driver = f["main_driver"].map(
        lambda d: COMPONENT_NAMES.get(d, "–") if isinstance(d, str) else "–"
    )
    out = pd.DataFrame(
        {
            "rank": f["rank"].astype(int),
            "touchpoint": f["touchpoint"].map(label),
            "stage": f["stage"].map(label),
            "impact (excess customers)": f["impact"].map(count),
            "reach": [
                f"{count(c)} ({percent(r)})"
                for c, r in zip(f["customers"], f["reach"], strict=True)
            ],
            "main driver": driver,
            "rate vs stage norm": [
                f"{percent(r)} vs {percent(n)}" if isinstance(d, str) else "–"
                for d, r, n in zip(f["main_driver"], f["main_rate"], f["main_norm"], strict=True)
            ],
            "affected": f["customers_affected"].map(count),
            "their revenue a year": f["revenue_at_risk"].map(per_year).map(money),
            "exit": f["exit_rate"].map(percent),
            "loop": f["loop_rate"].map(percent),
            "rework": f["rework_customer_share"].map(percent),
            "follow-up": f["followup_contact_rate"].map(percent),
            "negative answers": f["negative_answer_share"].map(percent),
            "next step (median)": f["median_hours_to_next"].map(hours),
            "stage norm": f["stage_median_hours"].map(hours),
        }
    )
    return out


def table_variants(ja: JourneyAnalysis) -> pd.DataFrame:
    """The top journey variants with their share of customers (touchpoint names through
    :func:`cxlib.wording.label`)."""
    v = ja.variants_
    if v.empty:
        return pd.DataFrame({"note": ["No journeys: the events table has no customer events."]})
    return pd.DataFrame(
        {
            "variant": v["variant"].map(lambda s: " > ".join(map(label, str(s).split(" > ")))),
            "customers": v["customers"],
            "share": v["share"].map(lambda x: percent(x, 1)),
        }
    )


def score_explanation(ja: JourneyAnalysis) -> list[str]:
    """How the friction score is computed, with the weights and norms of this run (the
    norms only when touchpoints are ranked: without them they are not measured)."""
    norms = ja.friction_.attrs["norms"]
    weights = ja.friction_.attrs["weights"]
    formula = [
        "Impact = Σ weight × customers × max(0, share − norm) over six components (exits, "
        "loops, rework, follow-up tickets, slow steps: shares of the touchpoint's customers; "
        "negative answers: share of its survey answers, times the answers): about how many more customers meet "
        "friction there than at a typical touchpoint of the stage. Touchpoints rank by "
        "impact, so a step every customer passes outranks a rare one with the same rate; "
        "the score (points) is the impact per 100 customers. The norm of a share is its "
        "median over the stage's ranked touchpoints (over all ranked touchpoints when the "
        "stage has fewer than three).",
    ]
    if unranked_sentence(ja):
        return formula + [UNRANKED_REFERENCE]
    overall = norms.get("*", {})
    return formula + [
        f"{COMPONENT_NAMES[c]}: weight {weights[c]:g}, norm over all touchpoints "
        f"{percent(overall.get(c, 0.0), 1)}"
        for c in DEFAULT_WEIGHTS
    ]
