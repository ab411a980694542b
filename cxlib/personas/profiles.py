"""Personas: names from the most distinguishing traits, profiles with CIs, summary sentences.

:func:`name_personas` turns standardised centroids into a name ("Young digital bargain
hunters"), an alias in the style of "Efficient Emma" and a one-line description with
numbers. It is deterministic: traits are ranked by ``|z|`` (ties by column name), each
trait's words come from :data:`TRAITS`, and the same centroids always give the same names.
:func:`persona_profiles` adds what a marketing lead asks about a persona (size, share of
revenue, NPS/CSAT/CES and churn with 95% CIs from :mod:`cxlib.metrics`, preferred channel,
age band); :mod:`cxlib.personas.findings` turns them into the report's sentences and figures.

Examples
--------
>>> z = pd.DataFrame({"age": [-1.3, 1.4], "digital_share": [0.7, -1.8]}, index=[1, 2])
>>> means = pd.DataFrame({"age": [24.0, 66.0], "digital_share": [0.99, 0.43]}, index=[1, 2])
>>> name_personas(z, means, {"age": 44.5, "digital_share": 0.85})["persona_name"].tolist()
['Young digital customers', 'Older offline customers']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib import metrics
from cxlib.io.dataset import CXData
from cxlib.io.ids import positions

MIN_Z = 0.5
"""A trait names a persona when its centroid is at least this many sds from the mean."""
NOUN_Z = 0.8
"""A noun that follows a leading adjective must be at least this strong."""
DEFAULT_NOUN = "customers"


@dataclass(frozen=True)
class Word:
    """How one direction of one trait reads: name word, its role, concept, alias adjective."""

    text: str
    role: str  # "age" (leads the name), "adj" or "noun"
    concept: str  # at most one word per concept in a name
    alias: str  # adjective of the alias ("Thrifty" -> "Thrifty Theo")


def _w(text: str, role: str, concept: str, alias: str) -> Word:
    return Word(text, role, concept, alias)


TRAITS: dict[str, tuple[Word | None, Word | None]] = {
    # column: (word when the persona is high, word when low)
    "age": (_w("Older", "age", "age", "Seasoned"), _w("Young", "age", "age", "Youthful")),
    "tenure_days": (
        _w("long-standing", "adj", "tenure", "Steadfast"),
        _w("new", "adj", "tenure", "Fresh"),
    ),
    "avg_order_value": (
        _w("premium", "adj", "spend", "Premium"),
        _w("bargain hunters", "noun", "spend", "Thrifty"),
    ),
    "order_total": (
        _w("big spenders", "noun", "spend", "Generous"),
        _w("light spenders", "noun", "spend", "Frugal"),
    ),
    "monthly_revenue": (
        _w("high-value", "adj", "spend", "Valuable"),
        _w("low-value", "adj", "spend", "Modest"),
    ),
    "orders_per_month": (
        _w("frequent buyers", "noun", "frequency", "Frequent"),
        _w("occasional", "adj", "frequency", "Occasional"),
    ),
    "order_count": (
        _w("repeat buyers", "noun", "frequency", "Regular"),
        _w("occasional", "adj", "frequency", "Occasional"),
    ),
    "ticket_count": (_w("support-heavy", "adj", "support", "Struggling"), None),
    "unresolved_tickets": (_w("strugglers", "noun", "unresolved", "Struggling"), None),
    "mean_resolution_hours": (_w("long-waiting", "adj", "support", "Waiting"), None),
    "nps_mean": (
        _w("loyalists", "noun", "loyalty", "Loyal"),
        _w("detractors", "noun", "loyalty", "Disappointed"),
    ),
    "csat_mean": (
        _w("satisfied", "adj", "satisfaction", "Happy"),
        _w("dissatisfied", "adj", "satisfaction", "Unhappy"),
    ),
    "ces_mean": (
        _w("effortless", "adj", "effort", "Efficient"),
        _w("frustrated", "adj", "effort", "Frustrated"),
    ),
    "digital_share": (
        _w("digital", "adj", "channel", "Digital"),
        _w("offline", "adj", "channel", "Traditional"),
    ),
    "ticket_digital_share": (
        _w("self-service", "adj", "channel", "Digital"),
        _w("phone-support", "adj", "channel", "Traditional"),
    ),
    "events_share_app": (_w("app-first", "adj", "channel", "Mobile"), None),
    "events_share_web": (_w("web", "adj", "channel", "Online"), None),
    "events_share_store": (_w("store & phone", "adj", "channel", "Traditional"), None),
    "events_share_phone": (_w("phone", "adj", "channel", "Traditional"), None),
    "events_share_social": (_w("social", "adj", "channel", "Social"), None),
    "events_share_email": (_w("email", "adj", "channel", "Inbox"), None),
    "browse_share": (_w("browsers", "noun", "browsing", "Browsing"), None),
    "events_per_month": (
        _w("engaged", "adj", "engagement", "Engaged"),
        _w("quiet", "adj", "engagement", "Quiet"),
    ),
    "event_count": (
        _w("engaged", "adj", "engagement", "Engaged"),
        _w("quiet", "adj", "engagement", "Quiet"),
    ),
    "days_since_last_event": (_w("lapsed", "adj", "recency", "Lapsed"), None),
    "days_since_last_order": (_w("lapsed", "adj", "recency", "Lapsed"), None),
    "plan=premium": (_w("premium-plan", "adj", "plan", "Premium"), None),
    "plan=basic": (_w("basic-plan", "adj", "plan", "Budget"), None),
}
"""Words per trait: ``column -> (word when high, word when low)``; None = not used."""

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "B": ("Ben", "Bella", "Bruno"),
    "D": ("Dana", "David", "Dora"),
    "E": ("Emma", "Eric", "Elena"),
    "F": ("Fiona", "Felix", "Frida"),
    "G": ("Grace", "George", "Gina"),
    "H": ("Hannah", "Hugo", "Hana"),
    "I": ("Iris", "Ivan", "Ida"),
    "L": ("Laura", "Leo", "Lena"),
    "M": ("Maya", "Max", "Mila"),
    "O": ("Olivia", "Oscar", "Otto"),
    "P": ("Paula", "Peter", "Pia"),
    "Q": ("Quinn", "Queenie"),
    "R": ("Rosa", "Ravi", "Rita"),
    "S": ("Sam", "Sofia", "Stan"),
    "T": ("Tom", "Tara", "Theo"),
    "U": ("Uma", "Ulrich"),
    "V": ("Vera", "Victor"),
    "W": ("Wendy", "Walter"),
    "Y": ("Yara", "Yusuf"),
}
"""Alliterative first names for aliases, tried in order (a name is not reused)."""

LABELS: dict[str, str] = {
    "age": "age",
    "tenure_days": "tenure",
    "order_count": "orders",
    "order_total": "total spend",
    "avg_order_value": "average order",
    "orders_per_month": "orders a month",
    "days_since_last_order": "days since last order",
    "monthly_revenue": "monthly revenue",
    "ticket_count": "tickets",
    "unresolved_tickets": "unresolved tickets",
    "mean_resolution_hours": "hours to resolve",
    "mean_first_response_hours": "hours to first answer",
    "contacts_per_ticket": "contacts per ticket",
    "nps_mean": "mean NPS answer",
    "csat_mean": "mean CSAT",
    "ces_mean": "mean CES",
    "survey_count": "survey answers",
    "digital_share": "digital share of events",
    "ticket_digital_share": "digital share of tickets",
    "event_count": "events",
    "events_per_month": "events a month",
    "browse_share": "browsing share of events",
    "days_since_last_event": "days since last event",
}


def feature_label(col: str) -> str:
    """A short plain-language label of a feature column (for descriptions and figures)."""
    if col in LABELS:
        return LABELS[col]
    if col.startswith("events_share_"):
        return f"{col.removeprefix('events_share_')} share of events"
    if "=" in col:
        name, value = col.split("=", 1)
        return f"share with {name} {value}"
    return col.replace("_", " ")


def _fmt(col: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if "share" in col or "=" in col:
        return f"{100 * value:.0f}%"
    if col == "tenure_days":
        return f"{value / 30.44:.0f} months"
    if any(w in col for w in ("revenue", "total", "value")):
        return f"{value:,.0f}"
    if col in ("age",) or col.startswith("days") or col.endswith("hours"):
        return f"{value:.0f}"
    return f"{value:.1f}"


def _words(z: pd.Series) -> list[tuple[float, str, Word]]:
    """(|z|, column, word) of the persona's traits strong enough to name it, strongest first."""
    out = []
    for col, value in z.items():
        if col not in TRAITS or not np.isfinite(value) or abs(value) < MIN_Z:
            continue
        word = TRAITS[col][0 if value > 0 else 1]
        if word is not None:
            out.append((abs(float(value)), str(col), word))
    out.sort(key=lambda t: (-t[0], t[1]))
    return out


def _compose(words: list[tuple[float, str, Word]], extra: int = 0) -> str:
    """Name from ranked words: [age] [adjective] noun.

    The strongest non-age trait leads. If it is a noun, the strongest adjective of another
    concept qualifies it; if it is an adjective, the strongest noun of another concept at
    ``|z| >= NOUN_Z`` follows it (else "customers"). ``extra`` adds further adjectives of
    new concepts (to tell apart personas that would share a name).
    """
    age = next((w for _, _, w in words if w.role == "age"), None)
    rest = [(z, w) for z, _, w in words if w.role != "age"]
    noun: Word | None = None
    adjs: list[Word] = []
    if rest:
        lead = rest[0][1]
        if lead.role == "noun":
            noun = lead
        else:
            adjs.append(lead)
            noun = next(
                (
                    w
                    for z, w in rest
                    if w.role == "noun" and w.concept != lead.concept and z >= NOUN_Z
                ),
                None,
            )
    used = {w.concept for w in adjs} | ({noun.concept} if noun else set())
    want = (0 if adjs else 1) + extra
    for _, w in rest:
        if want <= 0:
            break
        if w.role == "adj" and w.concept not in used:
            adjs.append(w)
            used.add(w.concept)
            want -= 1
    parts = ([age.text] if age else []) + [w.text for w in adjs]
    parts.append(noun.text if noun else DEFAULT_NOUN)
    name = " ".join(parts)
    return name[0].upper() + name[1:]


def name_personas(
    zscores: pd.DataFrame,
    means: pd.DataFrame,
    population: dict[str, float],
    overrides: dict[int, str] | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Name, alias and one-line description per persona, from its distinguishing traits.

    Parameters
    ----------
    zscores : DataFrame
        Standardised centroids, one row per persona (index = persona id), one column per
        model column (features; one-hot columns as ``col=value``).
    means : DataFrame
        The personas' mean of each feature in original units (for the description).
    population : dict
        The population mean of each numeric feature (for the description).
    overrides : dict or list, optional
        Names to use instead: ``{persona_id: name}`` or a list in persona-id order.

    Returns
    -------
    DataFrame
        Index = persona id; ``persona_name``, ``persona_alias``, ``description``,
        ``traits`` (the columns that name it, strongest first, with their z-scores).

    Examples
    --------
    >>> z = pd.DataFrame({"browse_share": [1.6], "orders_per_month": [-1.1]}, index=[5])
    >>> m = pd.DataFrame({"browse_share": [0.65], "orders_per_month": [0.02]}, index=[5])
    >>> name_personas(z, m, {"browse_share": 0.31, "orders_per_month": 0.32}).iloc[0, :2].tolist()
    ['Occasional browsers', 'Browsing Ben']
    """
    ranked = {pid: _words(row) for pid, row in zscores.iterrows()}
    names = {pid: _compose(words) for pid, words in ranked.items()}
    for extra in (1, 2):  # break ties with a further adjective
        dupes = _duplicates(names)
        for pid in dupes:
            names[pid] = _compose(ranked[pid], extra)
    for pid in _duplicates(names):
        names[pid] = f"{names[pid]} ({pid})"
    if overrides is not None:
        given = (
            {int(k) if str(k).isdigit() else k: v for k, v in overrides.items()}
            if isinstance(overrides, dict)
            else dict(zip(zscores.index, overrides, strict=False))
        )
        unknown = set(given) - set(zscores.index)
        if unknown:
            raise ValueError(f"names given for unknown persona ids {sorted(unknown)}")
        names.update({pid: str(v) for pid, v in given.items()})

    used_first: set[str] = set()
    rows = []
    for pid, row in zscores.iterrows():
        words = ranked[pid]
        adjective = words[0][2].alias if words else "Typical"
        first = next(
            (f for f in FIRST_NAMES.get(adjective[0].upper(), ()) if f not in used_first),
            None,
        )
        if first is None:
            first = next(f for letter in sorted(FIRST_NAMES) for f in FIRST_NAMES[letter]
                         if f not in used_first)  # fmt: skip
        used_first.add(first)
        top = row.abs().sort_values(ascending=False, kind="stable").index[:3]
        parts = []
        for col in top:
            if col not in means.columns:
                continue
            pop = population.get(col)
            text = f"{feature_label(col)} {_fmt(col, means.loc[pid, col])}"
            if pop is not None:
                text += f" vs {_fmt(col, pop)}"
            parts.append(text)
        description = (
            ("; ".join(parts) + " overall.")
            if parts
            else "Close to the average customer on every feature."
        )
        description = description[0].upper() + description[1:]
        traits = ", ".join(f"{c} {zscores.loc[pid, c]:+.1f}" for _, c, _ in words[:4])
        rows.append(
            {
                "persona_id": pid,
                "persona_name": names[pid],
                "persona_alias": f"{adjective} {first}",
                "description": description,
                "traits": traits,
            }
        )
    return pd.DataFrame(rows).set_index("persona_id")


def _duplicates(names: dict) -> list:
    counts = pd.Series(names).value_counts()
    return [pid for pid, name in names.items() if counts[name] > 1]


# --- profiles with confidence intervals -----------------------------------------------------

AGE_BAND_QUANTILES = (0.25, 0.75)


def persona_profiles(cx: CXData, segmenter, features: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per persona: size, revenue share, experience and churn with 95% CIs.

    Parameters
    ----------
    cx : CXData
        The data set the personas were built from (surveys and customers give the CIs).
    segmenter : PersonaSegmenter
        A fitted segmenter (its ``personas_`` and ``profiles_``).
    features : DataFrame, optional
        The customer features it was fitted on (for revenue when ``customers`` has no
        ``monthly_revenue``).

    Returns
    -------
    DataFrame
        ``persona_id, persona_name, persona_alias, description, traits, n, share,
        revenue_share, monthly_revenue, nps, nps_ci_low, nps_ci_high, nps_n`` and the same
        four columns for ``csat``, ``ces_mean`` and ``churn_rate`` (NaN when the data set
        lacks the table), ``preferred_channel``, ``median_age``, ``age_band``
        (interquartile range of age).
    """
    assign = segmenter.personas_[["customer_id", "persona_id"]]
    base = segmenter.profiles_[
        ["persona_id", "persona_name", "persona_alias", "description", "traits", "n", "share"]
    ].set_index("persona_id")
    out = base.copy()
    persona_of = np.append(assign["persona_id"].to_numpy(dtype=float), np.nan)

    def with_persona(frame: pd.DataFrame) -> pd.DataFrame:  # -1 (unknown id) -> NaN
        found = persona_of[positions(frame["customer_id"], assign["customer_id"])]
        return frame.assign(persona_id=found)[~np.isnan(found)]

    customers = cx.customers
    cust = None if customers is None else with_persona(customers)
    revenue = None
    if cust is not None and "monthly_revenue" in cust:
        revenue = cust.groupby("persona_id")["monthly_revenue"].agg(["sum", "mean"])
    elif features is not None and "monthly_revenue" in features:
        r = features["monthly_revenue"].groupby(segmenter.labels_).agg(["sum", "mean"])
        revenue = r
    if revenue is not None:
        out["revenue_share"] = revenue["sum"] / revenue["sum"].sum()
        out["monthly_revenue"] = revenue["mean"]
    else:
        out["revenue_share"] = np.nan
        out["monthly_revenue"] = np.nan

    surveys = cx.surveys
    if surveys is not None:  # the persona of every answer, looked up once
        surveys = with_persona(surveys[["customer_id", "survey", "score"]])
    for name, kind, fn in (
        ("nps", "nps", metrics.nps),
        ("csat", "csat", metrics.csat),
        ("ces_mean", "ces", metrics.ces_mean),
    ):
        frame = None
        if surveys is not None:
            frame = surveys[surveys["survey"] == kind]
        kwargs = {}
        if kind in cx.config.scales and name != "nps":
            kwargs["scale"] = cx.config.scales[kind]
        _add_metric(out, name, fn, frame, "score", **kwargs)
    churn = None
    if cust is not None and "churned" in cust:
        churn = cust[cust["churned"].notna()]
    _add_metric(out, "churn_rate", metrics.churn_rate, churn, "churned")

    if cust is not None and "preferred_channel" in cust and cust["preferred_channel"].notna().any():
        mode = cust.groupby("persona_id", observed=True)["preferred_channel"].agg(
            lambda s: s.value_counts().index[0] if s.notna().any() else None
        )
        out["preferred_channel"] = mode.reindex(out.index).astype(object)
    elif features is not None:
        shares = [c for c in features.columns if c.startswith("events_share_")]
        if shares:
            m = features[shares].groupby(segmenter.labels_).mean()
            out["preferred_channel"] = m.idxmax(axis=1).str.removeprefix("events_share_")
    if cust is not None and "age" in cust and cust["age"].notna().any():
        age = cust.assign(age=cust["age"].astype(float)).groupby("persona_id")["age"]
        lo, hi = (age.quantile(q) for q in AGE_BAND_QUANTILES)
        out["median_age"] = age.median()
        out["age_band"] = [
            f"{a:.0f}-{b:.0f}" if pd.notna(a) else None for a, b in zip(lo, hi, strict=True)
        ]
    return out.reset_index()


def _add_metric(out: pd.DataFrame, name: str, fn, frame, value: str, **kwargs) -> None:
    cols = [name, f"{name}_ci_low", f"{name}_ci_high", f"{name}_n"]
    if frame is None or len(frame) == 0:
        for c in cols:
            out[c] = np.nan
        return
    g = metrics.grouped(fn, frame, by="persona_id", value=value, **kwargs)
    g = g.set_index(g["persona_id"].astype(int))
    out[cols[0]] = g["value"].reindex(out.index)
    out[cols[1]] = g["ci_low"].reindex(out.index)
    out[cols[2]] = g["ci_high"].reindex(out.index)
    out[cols[3]] = g["n"].reindex(out.index).fillna(0).astype(int)
