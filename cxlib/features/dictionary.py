"""The one data dictionary of the per-customer features: what each column is and how it reads.

Every report that shows, names or filters a feature reads it here: the persona report's
descriptions and figures (:attr:`Feature.label`), the churn report's driver sentences
(:attr:`Feature.phrase`), grouped importance (:attr:`Feature.family`), number formatting
(:attr:`Feature.unit`) and how a feature grows with the time a customer is watched
(:attr:`Feature.exposure`: why a lifetime churn flag must not be modelled on it; the churn
report's as-of design measures every feature at a cutoff instead).
:data:`FEATURES` holds the named columns in the order :func:`cxlib.features.customer_features`
returns them; :data:`PATTERNS` the families of columns made per value seen in the data
(``events_share_<channel>``), whose texts hold ``{}`` for that value.

Families group columns for grouped importance: ``tenure``, ``orders``, ``revenue``,
``support load``, ``experience``, ``channel mix``, ``engagement``, ``demographics`` and
``other attributes`` (any further column of the customers table, not listed here).

Units (:data:`UNITS`) say what a value counts and therefore how it is written:
``share`` as a percentage, ``money`` compactly (:func:`cxlib.wording.money`), tenure
``days`` in months, other ``days``, ``hours`` and ``years`` as whole numbers, the rest
(``count``, ``per month``, ``points``) with one decimal.

Examples
--------
>>> label("avg_order_value"), phrase("avg_order_value"), unit("avg_order_value")
('average order', 'average order value', 'money')
>>> label("events_share_app"), family("events_share_app"), label("plan=basic")
('app share of events', 'channel mix', 'share with plan basic')
>>> exposure_reason("events_share_web") == exposure_reason("browse_share")
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

OTHER_FAMILY = "other attributes"
"""The family of a customers-table column the dictionary does not list."""

UNITS = ("days", "hours", "years", "money", "share", "count", "per month", "points", "category")
"""What a feature's values count (see the module docstring for how each is written)."""


@dataclass(frozen=True)
class Feature:
    """One feature column (or, in :data:`PATTERNS`, one family of per-value columns).

    Attributes
    ----------
    name : str
        The column (a pattern's prefix, e.g. ``events_share_``).
    family : str
        Group of related features, for grouped importance and the dictionary table.
    label : str
        Short plain label for charts, tables and persona descriptions ("hours to resolve").
    unit : str
        One of :data:`UNITS`.
    description : str
        How the column is computed (the data dictionary of the reports).
    phrase : str
        The name a sentence gives it (churn drivers: "mean resolution time"); by default
        the column name with spaces.
    exposure : str or None
        How it grows with the time a customer is watched (it changes with the length of
        observation), or None when it does not.
    """

    name: str
    family: str
    label: str
    unit: str
    description: str
    phrase: str = ""
    exposure: str | None = None


_TOTAL = "a lifetime total: grows with the time a customer is observed"
_RECENCY = "recency at the churn date: inactivity is how churn shows"
_RATE = "a rate over tenure: first-month activity weighs more in a short window"
_MIX = "event mix: shifts from browsing to using the longer a customer is observed"
_TENURE = "time since signup stops at the churn date for churners only"
_REVENUE = (
    "revenue per month of tenure (as the features module and the sample compute it): "
    "first-month spend weighs more in a short window"
)


def _f(
    family: str,
    label: str,
    unit: str,
    description: str,
    *,
    phrase: str = "",
    exposure: str | None = None,
) -> Feature:
    """A dictionary row; its name is filled in from the key of :data:`FEATURES`."""
    return Feature("", family, label, unit, description, phrase, exposure)


# fmt: off
_ROWS: dict[str, Feature] = {
    # tenure
    "tenure_days": _f(
        "tenure", "tenure", "days",
        "Days from signup_date to the cutoff (or to churn_date if earlier; to the data's "
        "last activity without a cutoff). NaN for customers who sign up after the cutoff.",
        phrase="tenure", exposure=_TENURE,
    ),
    # orders (RFM)
    "order_count": _f("orders", "orders", "count", "Orders before the cutoff (frequency).",
                      exposure=_TOTAL),
    "order_total": _f("orders", "total spend", "money",
                      "Sum of order amounts before the cutoff (monetary).", exposure=_TOTAL),
    "avg_order_value": _f("orders", "average order", "money",
                          "order_total / order_count; NaN without orders.",
                          phrase="average order value"),
    "orders_per_month": _f("orders", "orders a month", "per month",
                           "order_count per month of tenure (at least one month).",
                           exposure=_RATE),
    "days_since_last_order": _f(
        "orders", "days since last order", "days",
        "Days from the last order to the cutoff (recency); NaN without orders.",
        exposure=_RECENCY,
    ),
    # revenue
    "monthly_revenue": _f(
        "revenue", "monthly revenue", "money",
        "customers.monthly_revenue when the data set has it (a static snapshot); else "
        "order_total per month of tenure.",
        exposure=_REVENUE,
    ),
    # support load
    "ticket_count": _f("support load", "tickets", "count", "Tickets opened before the cutoff."),
    "unresolved_tickets": _f(
        "support load", "unresolved tickets", "count",
        "Tickets opened before the cutoff and not resolved before it (resolved_at empty or "
        "at/after the cutoff).",
    ),
    "mean_resolution_hours": _f(
        "support load", "hours to resolve", "hours",
        "Mean hours from opened_at to resolved_at over tickets resolved before the cutoff.",
        phrase="mean resolution time",
    ),
    "mean_first_response_hours": _f(
        "support load", "hours to first answer", "hours",
        "Mean hours from opened_at to first_response_at over tickets answered before the cutoff.",
        phrase="mean first-response time",
    ),
    "contacts_per_ticket": _f("support load", "contacts per ticket", "count",
                              "Mean of tickets.contacts (contacts per ticket)."),
    # experience
    "nps_mean": _f("experience", "mean NPS answer", "points",
                   "Mean NPS answer (0-10 scale) before the cutoff.", phrase="mean NPS"),
    "csat_mean": _f("experience", "mean CSAT", "points",
                    "Mean CSAT answer (1-5 by default) before the cutoff.", phrase="mean CSAT"),
    "ces_mean": _f("experience", "mean effort score (1-5)", "points",
                   "Mean CES answer (1-5, 5 = very easy) before the cutoff; the CES KPI is the "
                   "share of easy answers (cxlib.metrics.kpis).", phrase="mean effort score (1-5)"),
    "survey_count": _f("experience", "survey answers", "count",
                       "Survey answers given before the cutoff.", exposure=_TOTAL),
    # channel mix
    "digital_share": _f("channel mix", "digital share of events", "share",
                        "Share of events in digital channels (web, app, email, social, chat).",
                        exposure=_MIX),
    "ticket_digital_share": _f(
        "channel mix", "digital share of tickets", "share",
        "Share of tickets opened in digital channels (email, chat, social, web, app).",
        phrase="share of tickets in digital channels",
    ),
    "preferred_channel": _f("channel mix", "preferred channel", "category",
                            "customers.preferred_channel (category)."),
    # engagement
    "event_count": _f("engagement", "events", "count", "Journey events before the cutoff.",
                      exposure=_TOTAL),
    "events_per_month": _f("engagement", "events a month", "per month",
                           "event_count per month of tenure (at least one month).",
                           exposure=_RATE),
    "browse_share": _f(
        "engagement", "browsing share of events", "share",
        "Share of events in the first two journey stages (awareness, consideration by "
        "default): browsing rather than buying and using.",
        exposure=_MIX,
    ),
    "days_since_last_event": _f("engagement", "days since last event", "days",
                                "Days from the last event to the cutoff; NaN without events.",
                                exposure=_RECENCY),
    # demographics
    "age": _f("demographics", "age", "years", "customers.age in years."),
    "gender": _f("demographics", "gender", "category", "customers.gender (category)."),
    "region": _f("demographics", "region", "category", "customers.region (category)."),
    "income_band": _f("demographics", "income band", "category",
                      "customers.income_band (category)."),
    "plan": _f("demographics", "plan", "category", "customers.plan (category)."),
}
# fmt: on


def _named(name: str, row: Feature) -> Feature:
    return replace(row, name=name, phrase=row.phrase or name.replace("_", " "))


FEATURES: dict[str, Feature] = {name: _named(name, row) for name, row in _ROWS.items()}
"""Every named feature column, in the order of the feature table."""

PERSONA_FEATURES: tuple[str, ...] = (
    "monthly_revenue",
    "avg_order_value",
    "orders_per_month",
    "events_per_month",
    "digital_share",
    "browse_share",
    "ticket_count",
    "nps_mean",
    "csat_mean",
    "ces_mean",
    "tenure_days",
    "age",
)
"""The compact default features personas are clustered on: value (monthly revenue, average
order), behaviour as rates (orders and events a month, channel and browsing mix, tickets),
experience (NPS, CSAT, CES means), tenure and age. Each behaviour enters once: lifetime
totals (``order_count``, ``order_total``, ``event_count``) and recencies grow with the time
a customer is observed and would split customers by tenure twice; the per-channel shares
would weigh the channel mix five times; categoricals (plan, region, gender) and 0/1 flags
are left out because one category difference is a distance of several standard deviations
that would dominate the behavioural ones. A data set without at least three of these uses
its other numeric columns instead (``PersonaSegmenter(features=...)`` overrides both)."""

PATTERNS: dict[str, Feature] = {
    "events_share_": Feature(
        "events_share_",
        "channel mix",
        "{} share of events",
        "share",
        "Share of the customer's events in channel '{}'.",
        exposure=_MIX,
    ),
}
"""Column-name prefixes of per-value features (one column per channel in the data);
``{}`` in the texts stands for the value."""


def lookup(column: str) -> Feature | None:
    """The dictionary row of ``column`` (a pattern's row filled in), or None when unlisted.

    Examples
    --------
    >>> lookup("events_share_web").description
    "Share of the customer's events in channel 'web'."
    >>> lookup("loyalty_points") is None
    True
    """
    if column in FEATURES:
        return FEATURES[column]
    for prefix, row in PATTERNS.items():
        if column.startswith(prefix):
            value = column[len(prefix) :]
            return replace(
                row,
                name=column,
                label=row.label.format(value),
                description=row.description.format(value),
                phrase=column.replace("_", " "),
            )
    return None


def family(column: str) -> str:
    """The family of a feature column (:data:`OTHER_FAMILY` for extra customer columns).

    Examples
    --------
    >>> family("unresolved_tickets"), family("loyalty_points")
    ('support load', 'other attributes')
    """
    row = lookup(column)
    return row.family if row else OTHER_FAMILY


def label(column: str) -> str:
    """A short plain-language label of a column (charts, tables, persona descriptions).

    A one-hot model column ``name=value`` reads "share with name value".

    Examples
    --------
    >>> label("mean_resolution_hours"), label("loyalty_points")
    ('hours to resolve', 'loyalty points')
    """
    row = lookup(column)
    if row:
        return row.label
    if "=" in column:
        name, value = column.split("=", 1)
        return f"share with {name} {value}"
    return column.replace("_", " ")


def phrase(column: str) -> str:
    """The name a sentence gives a feature (the churn drivers' sentences and charts).

    Examples
    --------
    >>> phrase("mean_resolution_hours"), phrase("unresolved_tickets"), phrase("tenure")
    ('mean resolution time', 'unresolved tickets', 'tenure')
    """
    row = lookup(column)
    return row.phrase if row else column.replace("_", " ")


def unit(column: str) -> str:
    """The unit of a column (:data:`UNITS`); for an unlisted one, guessed from its name.

    Examples
    --------
    >>> unit("tenure_days"), unit("plan=basic"), unit("lifetime_value"), unit("loyalty_points")
    ('days', 'share', 'money', 'count')
    """
    row = lookup(column)
    if row:
        return row.unit
    if "share" in column or "=" in column:
        return "share"
    if any(word in column for word in ("revenue", "total", "value")):
        return "money"
    if column.startswith("days"):
        return "days"
    if column.endswith("hours"):
        return "hours"
    return "count"


def exposure_reason(column: str) -> str | None:
    """Why the churn exposure guard leaves ``column`` out (None when it keeps it).

    Examples
    --------
    >>> exposure_reason("order_count")
    'a lifetime total: grows with the time a customer is observed'
    >>> exposure_reason("unresolved_tickets") is None
    True
    """
    row = lookup(column)
    return row.exposure if row else None


def exposure_features() -> dict[str, str]:
    """``column or prefix -> reason`` of every feature the exposure guard leaves out.

    Examples
    --------
    >>> exposure_features()["events_share_"] == exposure_reason("digital_share")
    True
    """
    rows = list(FEATURES.values()) + list(PATTERNS.values())
    return {row.name: row.exposure for row in rows if row.exposure}


def describe_features(columns: list[str] | pd.Index | pd.DataFrame) -> pd.DataFrame:
    """The data dictionary of the given feature columns: ``feature, family, description``.

    Examples
    --------
    >>> describe_features(["age", "events_share_app"])["family"].tolist()
    ['demographics', 'channel mix']
    """
    cols = list(columns.columns if isinstance(columns, pd.DataFrame) else columns)
    rows = []
    for name in cols:
        row = lookup(name)
        text = row.description if row else f"customers.{name} as given."
        rows.append({"feature": name, "family": family(name), "description": text})
    return pd.DataFrame(rows, columns=["feature", "family", "description"])
