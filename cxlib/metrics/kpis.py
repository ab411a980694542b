"""The one definition of every KPI a page states: name, unit, period, formula, direction.

Two pages that state the same KPI must state the same thing, so each KPI is defined here
once (:data:`KPIS`) and every page names, formats and records it from this definition:

- **CES** is always the % of effort answers in the top boxes ("found it easy", 4–5 on
  1–5). The mean effort answer on its 1–5 scale is a different KPI, ``ces_mean``, named
  "mean effort score (1–5)" and never "CES".
- **Churn** always carries its period: ``churn_rate`` is the share of all customers who
  had churned by the end of the data, ``churn_rate_monthly`` the share of the customers
  active at the start of a month who left in it, ``churn_rate_3m`` the same over the last
  three months.
- **Money at risk** is always per year: ``revenue_at_risk`` is the expected yearly
  revenue lost to churn (P(churn within a year) × monthly revenue × 12), while
  ``affected_revenue`` is the yearly revenue of the customers who meet friction (all of
  it, not an expected loss): two KPIs, two names.
- **Customers** counts the customers table after validation; a page counting customers
  elsewhere (an event log) states the difference with a reason.

Each page's summary JSON carries a ``stated_kpis`` list of :func:`stated` records (key,
name, value, unit, period, n, CI, note); :func:`stated_kpis` reads it (and the older
fields of pages written before it) and :func:`disagreements` lists every KPI two pages of
one run state differently. ``tests/test_kpi_consistency.py`` fails on any.

Examples
--------
>>> KPIS["ces"].name, KPIS["ces"].unit, KPIS["churn_rate"].higher_is_better
('CES (% easy)', '%', False)
>>> KPIS["revenue_at_risk"].format(954_019.4, "EUR")
'€954.0k a year'
>>> stated("customers", 19996, period=("2024-10-01", "2026-09-30"))["value"]
19996.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxlib.wording import count, hours, is_known, money, value

MONTHS_PER_YEAR = 12
"""Months in a year: a monthly amount times this is the yearly one."""
MONEY_PER_YEAR = "money per year"
"""The unit of every money KPI: an amount per year, in the config's currency."""
CUSTOMERS = "customers"
"""The unit of a count of customers."""
MONEY_PER_CUSTOMER = "money per customer"
"""The unit of a value per customer over their whole lifetime (CLV), in the config's currency."""
HOURS = "hours"
"""The unit of a duration KPI (first response, resolution)."""
REL_TOL = 1e-6
"""Two pages agree on a value when it differs by less than this share (rounding)."""


@dataclass(frozen=True)
class Kpi:
    """One KPI's definition: what every page calls it, in what unit, over what period.

    ``higher_is_better`` is None for a count with no good direction (customers).
    """

    key: str
    name: str
    unit: str
    period: str
    formula: str
    higher_is_better: bool | None

    def format(self, x: Any, currency: str | None = None) -> str:
        """The value as every page writes it (one decimal; money compact, per year).

        Examples
        --------
        >>> KPIS["nps"].format(-27.85), KPIS["csat"].format(42.91), KPIS["customers"].format(19996)
        ('-27.9', '42.9%', '19,996')
        """
        if self.unit == MONEY_PER_YEAR:
            return f"{money(x, currency)} a year" if is_known(x) else money(x)
        if self.unit == CUSTOMERS:
            return count(x)
        if self.unit == MONEY_PER_CUSTOMER:
            return money(x, currency)
        if self.unit == HOURS:
            return hours(x)
        return value(x, self.unit)

    def better(self, diff: float) -> bool | None:
        """Whether a change of ``diff`` is good news (None: no direction, or no change).

        >>> KPIS["churn_rate"].better(-1.0), KPIS["nps"].better(-1.0)
        (True, False)
        """
        if self.higher_is_better is None or not is_known(diff) or diff == 0:
            return None
        return (diff > 0) == self.higher_is_better

    def change_unit(self) -> str:
        """How a change of the KPI reads: points for a % or a score, else its unit.

        >>> KPIS["ces"].change_unit(), KPIS["nps"].change_unit(), KPIS["ces_mean"].change_unit()
        ('percentage points', 'points', 'points on 1–5')
        """
        if self.unit == "%":
            return "percentage points"
        if self.unit.startswith("mean on "):
            return "points on " + self.unit.removeprefix("mean on ")
        return "points" if self.unit == "points" else self.unit


_SURVEY_PERIOD = "the answers given in the period"
KPIS: dict[str, Kpi] = {
    k.key: k
    for k in (
        Kpi("nps", "NPS", "points", _SURVEY_PERIOD,
            "100 × (promoters 9–10 − detractors 0–6) / answers, from −100 to 100", True),
        Kpi("csat", "CSAT", "%", _SURVEY_PERIOD,
            "% of satisfaction answers in the top two boxes (4–5 on 1–5)", True),
        Kpi("ces", "CES (% easy)", "%", _SURVEY_PERIOD,
            "% of effort answers in the top two boxes (4–5 on 1–5, 5 = very easy)", True),
        Kpi("ces_mean", "Mean effort score (1–5)", "mean on 1–5", _SURVEY_PERIOD,
            "mean effort answer on 1–5 (5 = very easy); not the CES, which is % easy", True),
        Kpi("fcr", "FCR", "%", "the tickets resolved in the period",
            "% of resolved tickets resolved at the first contact", True),
        Kpi("response_24h", "Response within 24h", "%", "the tickets opened in the period",
            "% of tickets with a first response within 24 hours (younger open ones not judged)",
            True),
        Kpi("churn_rate", "Churn rate (all customers, by the end of the data)", "%",
            "every customer since signup, up to the end of the data",
            "% of all customers who had churned by the end of the data", False),
        Kpi("churn_rate_monthly", "Monthly churn rate", "%", "one calendar month",
            "% of the customers active at the start of the month who churned in it", False),
        Kpi("churn_rate_3m", "Churn in the last 3 months", "%", "the last three months",
            "% of the customers active at the start of the three months who churned in them",
            False),
        Kpi("revenue_at_risk", "Revenue at risk (expected loss to churn)", MONEY_PER_YEAR,
            "a year ahead, for the customers active at the end of the data",
            "Σ P(churn within a year) × monthly revenue × 12 over active customers", False),
        Kpi("affected_revenue", "Yearly revenue of customers meeting friction", MONEY_PER_YEAR,
            "a year, for the customers in the event log",
            "Σ monthly revenue × 12 of the customers affected (all of it, not an expected loss)",
            False),
        Kpi("first_response_time", "Avg first response time", HOURS,
            "the tickets answered in the period",
            "mean of first_response_at − opened_at over answered tickets, in hours (t 95% CI); "
            "unanswered tickets are not in it (Response within 24h counts them)", False),
        Kpi("resolution_time", "Avg resolution time", HOURS, "the tickets resolved in the period",
            "mean of resolved_at − opened_at over resolved tickets, in hours (t 95% CI); "
            "open tickets are not in it", False),
        Kpi("clv", "Customer lifetime value (CLV, revenue)", MONEY_PER_CUSTOMER,
            "customers with orders: revenue over the span of the orders; lifetime from the "
            "customers table's churn up to the end of the data",
            "revenue per customer-year (average order value × orders per customer-year) × "
            "expected lifetime in years (1 / yearly churn rate: churns per customer-year); "
            "revenue-based (margin 1: the data has no margin), percentile-bootstrap 95% CI",
            True),
        Kpi(CUSTOMERS, "Customers", CUSTOMERS, "the customers table after validation",
            "customers kept by validation (a page counting elsewhere states why it differs)",
            None),
    )
}  # fmt: skip
"""Every KPI a page states, by key."""


def kpi(key: str) -> Kpi:
    """The definition of ``key`` (a KeyError names the known keys).

    >>> kpi("fcr").name
    'FCR'
    """
    try:
        return KPIS[key]
    except KeyError:
        raise KeyError(f"no KPI {key!r}; known: {', '.join(KPIS)}") from None


def per_year(monthly: Any) -> float:
    """A monthly amount as a yearly one (× 12); unknown stays NaN.

    >>> per_year(100.0), math.isnan(per_year(None))
    (1200.0, True)
    """
    return float(monthly) * MONTHS_PER_YEAR if is_known(monthly) else math.nan


def _day(x: Any) -> str | None:
    """An ISO date (YYYY-MM-DD) from a date, timestamp or ISO string; None when unknown."""
    if x is None:
        return None
    text = x.isoformat() if hasattr(x, "isoformat") else str(x)
    return text[:10] or None


def stated(
    key: str,
    x: Any,
    *,
    period: Sequence[Any] | None = None,
    n: Any = None,
    ci: Sequence[Any] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The record of one KPI a page states, for its summary JSON's ``stated_kpis``.

    ``period`` is the data window the value covers (first and last day); ``note`` the
    reason a count differs from the customers table (or any other caveat a reader needs).

    Examples
    --------
    >>> r = stated("churn_rate_3m", 10.16, period=("2026-07-01", "2026-09-30"), n=16285)
    >>> r["name"], r["unit"], r["period"], r["text"]
    ('Churn in the last 3 months', '%', ['2026-07-01', '2026-09-30'], '10.2%')
    """
    k = kpi(key)
    low, high = (None, None) if ci is None else ci
    return {
        "kpi": key,
        "name": k.name,
        "value": float(x) if is_known(x) else None,
        "unit": k.unit,
        "period": None if period is None else [_day(p) for p in period],
        "n": int(n) if is_known(n) else None,
        "ci_low": float(low) if is_known(low) else None,
        "ci_high": float(high) if is_known(high) else None,
        "text": k.format(x),
        "note": note,
    }


LEGACY_FIELDS: dict[str, tuple[str, float]] = {
    "churn_rate": ("churn_rate", 100.0),
    "customers": (CUSTOMERS, 1.0),
    "revenue_at_risk_per_year": ("revenue_at_risk", 1.0),
}
"""Top-level summary fields of pages written before ``stated_kpis``: field -> (KPI key,
factor to the KPI's unit; churn was stored as a share of 1)."""


def stated_kpis(summary: Mapping[str, Any], period: Sequence[Any] | None = None) -> list[dict]:
    """The KPIs a page's summary JSON states: its ``stated_kpis``, then the older fields.

    A record without a period gets the summary's ``period``, else ``period`` (the run's
    data window: every page of a run reads the same load). An older field already stated
    in ``stated_kpis`` is not read twice.

    Examples
    --------
    >>> recs = stated_kpis({"churn_rate": 0.237, "customers": 19996}, ("2024-10-01", "2026-09-30"))
    >>> [(r["kpi"], round(r["value"], 1), r["period"]) for r in recs]
    [('churn_rate', 23.7, ['2024-10-01', '2026-09-30']), ('customers', 19996.0, ['2024-10-01', '2026-09-30'])]
    """
    window = summary.get("period") or period
    window = None if not window else [_day(p) for p in window]
    out = [dict(r) for r in summary.get("stated_kpis") or []]
    keys = {r["kpi"] for r in out}
    for field_name, (key, factor) in LEGACY_FIELDS.items():
        x = summary.get(field_name)
        if key not in keys and is_known(x):
            out.append(stated(key, float(x) * factor))
    for r in out:
        r["period"] = r.get("period") or window
    return out


def customers_note(ids: Iterable[Any], table_ids: Iterable[Any] | None, where: str) -> str | None:
    """Why a page counting customers in ``where`` (an event log) differs from the customers
    table, or None when both hold the same customers.

    Examples
    --------
    >>> customers_note(["a", "b", "x"], ["a", "b", "c"], "the event log")
    'The event log holds 3 customers, the customers table 3 after validation: 1 customer with events is not in the customers table (excluded there by validation or never listed), 1 customer of the table has no events.'
    >>> customers_note(["a"], ["a"], "the event log") is None
    True
    """
    mine = {str(i) for i in ids}
    if table_ids is None:
        return f"Counted in {where}: the data has no customers table."
    table = {str(i) for i in table_ids}
    extra, missing = len(mine - table), len(table - mine)
    if not extra and not missing:
        return None
    parts = []
    if extra:
        parts.append(
            f"{count(extra)} customer{'s' if extra != 1 else ''} with events "
            f"{'are' if extra != 1 else 'is'} not in the customers table (excluded there by "
            "validation or never listed)"
        )
    if missing:
        parts.append(
            f"{count(missing)} customer{'s' if missing != 1 else ''} of the table "
            f"{'have' if missing != 1 else 'has'} no events"
        )
    return (
        f"{where[0].upper()}{where[1:]} holds {count(len(mine))} customers, the customers "
        f"table {count(len(table))} after validation: {', '.join(parts)}."
    )


def _same(a: Any, b: Any) -> bool:
    """Two stated values agree (both unknown, or equal up to rounding)."""
    if not (is_known(a) and is_known(b)):
        return not is_known(a) and not is_known(b)
    return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-9)


def disagreements(pages: Mapping[str, Iterable[Mapping[str, Any]]]) -> list[str]:
    """Every KPI two pages state differently (value, unit or period), as sentences.

    ``pages`` maps a page name to its :func:`stated_kpis`. Customer counts may differ when
    the record that differs carries a ``note`` giving the reason; any other KPI must agree.

    Examples
    --------
    >>> a = [stated("customers", 19996, period=("2024-10-01", "2026-09-30"))]
    >>> b = [stated("customers", 20000, period=("2024-10-01", "2026-09-30"))]
    >>> disagreements({"personas": a, "journey": b})
    ['Customers: personas states 19,996 (customers, 2024-10-01 to 2026-09-30), journey 20,000 (customers, 2024-10-01 to 2026-09-30)']
    >>> b[0]["note"] = "the event log holds 4 customers the customers table excluded"
    >>> disagreements({"personas": a, "journey": b})
    []
    """
    first: dict[str, tuple[str, Mapping[str, Any]]] = {}
    out = []
    for page, records in pages.items():
        for r in records:
            if r["kpi"] not in first:
                first[r["kpi"]] = (page, r)
                continue
            page0, r0 = first[r["kpi"]]
            agree = (
                _same(r0["value"], r["value"])
                and r0["unit"] == r["unit"]
                and list(r0.get("period") or []) == list(r.get("period") or [])
            )
            explained = r["kpi"] == CUSTOMERS and bool(r.get("note") or r0.get("note"))
            if not (agree or explained):
                out.append(f"{kpi(r['kpi']).name}: {page0} states {_said(r0)}, {page} {_said(r)}")
    return out


def _said(r: Mapping[str, Any]) -> str:
    """A stated KPI as the disagreement sentence quotes it: value (unit, period)."""
    period = " to ".join(str(p) for p in r.get("period") or []) or "no period"
    shown = kpi(r["kpi"]).format(r["value"])
    return f"{shown} ({r['unit']}, {period})"


def glossary(keys: Iterable[str] | None = None) -> list[str]:
    """One line per KPI for a page's appendix: name, formula, period, direction.

    >>> glossary(["ces"])[0]
    'CES (% easy): % of effort answers in the top two boxes (4–5 on 1–5, 5 = very easy); over the answers given in the period; higher is better.'
    """
    lines = []
    for key in KPIS if keys is None else keys:
        k = kpi(key)
        way = {True: " higher is better.", False: " lower is better.", None: ""}
        lines.append(
            f"{k.name}: {k.formula}; over {k.period};{way[k.higher_is_better]}".rstrip(";")
        )
    return [line if line.endswith(".") else line + "." for line in lines]


__all__ = [
    "CUSTOMERS",
    "HOURS",
    "KPIS",
    "LEGACY_FIELDS",
    "MONEY_PER_CUSTOMER",
    "MONEY_PER_YEAR",
    "MONTHS_PER_YEAR",
    "Kpi",
    "customers_note",
    "disagreements",
    "glossary",
    "kpi",
    "per_year",
    "stated",
    "stated_kpis",
]
