"""The cxlib data contract: canonical tables, columns, scales and row rules.

This module is the one home of what a CX data set looks like (it mirrors
``shared/DATA_CONTRACT.md``). Loaders map a user's files onto these names,
:mod:`cxlib.io.validate` enforces them, and every analysis reads them.

Column kinds
------------
``id``        string, leading zeros kept, surrounding blanks stripped
``date``      calendar date (stored as midnight, no time-zone shift)
``datetime``  instant; values without an offset are read in the configured
              time zone, everything is stored as naive UTC
``category``  short string label
``text``      free text (comments, posts), any language
``int``       whole number (nullable)
``float``     real number
``bool``      true/false, yes/no, 1/0 (case-insensitive; mappable in the config)

Row-problem reasons
-------------------
A row that breaks a rule is excluded and counted under exactly one reason: the
first in :data:`REASONS` order that applies. The orphan check compares against
every ``customer_id`` present in the customers file (excluded customer rows
included), so one bad customer row does not cascade into its events.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_STAGE_ORDER: tuple[str, ...] = (
    "awareness",
    "consideration",
    "purchase",
    "usage",
    "loyalty",
)
"""Journey stages in order; a config may replace them (``stage_order``)."""

SINGLE_STAGE = "journey"
"""The one stage of an events table without a ``stage`` column (the journey report then
shows touchpoints and paths, with no funnel by stage)."""

DAYS_PER_MONTH = 365.25 / 12
"""Days in an average month (30.4375): the one conversion of days to months, for per-month
rates, tenure in months and retention curves alike."""

DEFAULT_SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 5)}
"""Inclusive score range per survey type (CES: 5 = very easy); configurable."""

SURVEY_TYPES: tuple[str, ...] = ("nps", "csat", "ces")

REASONS: dict[str, str] = {
    "duplicate_row": "the row repeats an earlier row exactly, in every column (one copy is kept)",
    "missing_value": "a required column is empty",
    "unparseable_date": "a date/time value could not be parsed",
    "unparseable_number": "a numeric value could not be parsed (or is not whole where it must be)",
    "unparseable_bool": "a yes/no value is not one of true/false, yes/no, 1/0 (or the config's map)",
    "unknown_survey_type": (
        "survey is not nps, csat, ces or a question declared in the config (questions:)"
    ),
    "score_out_of_range": "score lies outside its survey's scale",
    "unknown_stage": "stage is not in the configured stage order",
    "age_out_of_range": "age is not between 1 and 119",
    "negative_amount": "a money amount is negative",
    "count_out_of_range": "a count is negative (contacts must be at least 1)",
    "churn_before_signup": "churn_date is before signup_date",
    "response_before_open": "first_response_at is before opened_at",
    "resolved_before_open": "resolved_at is before opened_at",
    "orphan_customer_id": "customer_id does not exist in the customers table",
}
"""Row-problem reasons, in the order they are tested, with a plain explanation."""


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, kind, whether it is required, and a note."""

    name: str
    kind: str
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Table:
    """One canonical table.

    ``key`` is the column that must be unique (None: no key). ``customer_ref``
    says whether ``customer_id`` must exist in the customers table when both
    are given.
    """

    name: str
    columns: tuple[Column, ...]
    doc: str
    key: str | None = None
    customer_ref: bool = True

    def column(self, name: str) -> Column | None:
        """The canonical column called ``name``, or None."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns."""
        return tuple(c.name for c in self.columns if c.required)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "customers",
            (
                Column("customer_id", "id", True, "unique customer identifier"),
                Column(
                    "signup_date",
                    "date",
                    False,
                    "first day as a customer; without it tenure is unknown",
                ),
                Column("churned", "bool", False, "has the customer left; needed by churn"),
                Column("churn_date", "date", False, "empty while active"),
                Column("age", "int", False, "years, 0 < age < 120"),
                Column("gender", "category"),
                Column("region", "category"),
                Column("plan", "category"),
                Column("income_band", "category"),
                Column("preferred_channel", "category"),
                Column("monthly_revenue", "float", False, ">= 0, currency of the data set"),
            ),
            "one row per customer; other columns are kept as features",
            key="customer_id",
            customer_ref=False,
        ),
        Table(
            "surveys",
            (
                Column("response_id", "id", False, "unique; generated (R<row>) when absent"),
                Column("customer_id", "id", False, "empty for anonymous answers"),
                Column("responded_at", "datetime", True),
                Column("survey", "category", True, "nps, csat, ces or a declared question"),
                Column(
                    "score",
                    "int",
                    True,
                    "nps 0-10; csat 1-5; ces 1-5 (5 = very easy); a question its scale",
                ),
                Column("touchpoint", "category"),
                Column("channel", "category"),
                Column("comment", "text", False, "free text, any language"),
            ),
            "one row per survey answer",
            key="response_id",
        ),
        Table(
            "tickets",
            (
                Column("ticket_id", "id", True),
                Column("customer_id", "id", True),
                Column("opened_at", "datetime", True),
                Column("first_response_at", "datetime", False, "empty = not yet answered"),
                Column("resolved_at", "datetime", False, "empty = open"),
                Column("channel", "category", True, "phone, email, chat, social, store, ..."),
                Column("category", "category", False, "billing, technical, delivery, ..."),
                Column("contacts", "int", False, "contacts needed; 1 and resolved = FCR"),
                Column(
                    "team",
                    "category",
                    False,
                    "the support team handling the case; gives the scorecard its team view",
                ),
                Column(
                    "agent",
                    "category",
                    False,
                    "who handled the case (personal data: agent tables stay private)",
                ),
            ),
            "one row per support case",
            key="ticket_id",
        ),
        Table(
            "events",
            (
                Column("customer_id", "id", True),
                Column("timestamp", "datetime", True),
                Column(
                    "stage",
                    "category",
                    False,
                    "ordered by the configured stage order; without it the journey has one stage",
                ),
                Column("touchpoint", "category", True),
                Column("channel", "category"),
                Column("session_id", "id"),
            ),
            "customer journey, one row per interaction",
        ),
        Table(
            "orders",
            (
                Column("order_id", "id", True),
                Column("customer_id", "id", True),
                Column("ordered_at", "datetime", True),
                Column("amount", "float", True, ">= 0"),
            ),
            "one row per purchase",
            key="order_id",
        ),
        Table(
            "mentions",
            (
                Column("mention_id", "id", True),
                Column("posted_at", "datetime", True),
                Column("platform", "category", True),
                Column("text", "text", True, "any language"),
                Column("likes", "int", False, "engagement"),
                Column("shares", "int", False, "engagement"),
                Column("comments", "int", False, "engagement"),
                Column("customer_id", "id", False, "when known"),
                Column("brand", "category", False, "the brand the post is about, when several"),
                Column(
                    "in_reply_to", "id", False, "mention_id of the post this one answers (replies)"
                ),
            ),
            "social listening, one row per post",
            key="mention_id",
        ),
    )
}
"""The canonical tables, in load order (customers first: others refer to it)."""

MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("monthly_revenue",),
    "orders": ("amount",),
}
"""Columns holding money: negative values are row problems."""

COUNT_COLUMNS: dict[str, dict[str, int]] = {
    "tickets": {"contacts": 1},
    "mentions": {"likes": 0, "shares": 0, "comments": 0},
}
"""Count columns and their smallest valid value."""
