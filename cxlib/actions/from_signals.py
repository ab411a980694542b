"""Actions from what customers say and what broke: comment themes, alerts, the backlog.

- **Comment themes**: the themes of the negative survey comments (each comment's theme
  and sentiment, as the scorecard scores them); the customers are those who wrote them.
- **Alerts**: a target newly missed or a KPI significantly worse (:mod:`cxlib.actions.alerts`);
  the customers are those the KPI was measured on in the alert's month and segment.
  Mention spikes have no customers (posts are anonymous): they are listed unsized.
- **Service backlog**: tickets waiting past the service promises
  (:mod:`cxlib.scorecard.backlog`), one action per ticket category that holds them; the
  customers are the tickets' customers.

Examples
--------
>>> [a.kind for a in backlog_actions(ctx)][:1]                     # doctest: +SKIP
['backlog']
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cxlib.actions.action import Action, action_id
from cxlib.actions.context import PlanContext
from cxlib.io.privacy import mask_contacts
from cxlib.metrics.customer import active_at
from cxlib.wording import count, label, month, share

NO_THEME = "(no shared theme)"
"""The scorecard's label of comments no theme explains."""
TOP_THEMES = 5
"""Detractor themes considered (the largest)."""
MIN_THEME_COMMENTS = 20
"""A theme with fewer comments gets no action."""
SURVEY_KPIS = {"nps": "nps", "csat": "csat", "ces": "ces", "ces_mean": "ces"}
"""KPI -> the survey type it is measured on."""
TICKET_KPIS = {"fcr", "response_24h"}
"""KPIs measured on tickets."""
SEGMENT_COLUMNS = {"channel": "channel", "touchpoint": "touchpoint", "ticket category": "category"}
"""An alert's segment name -> the column it filters."""


def _theme_owner(ctx: PlanContext, text: str) -> str:
    """The owner of the first touchpoint or ticket category the theme's words name."""
    words = text.lower().replace("_", " ")
    o = ctx.owners
    for key, mapping in (("touchpoint", o.touchpoints), ("category", o.categories)):
        for name in mapping:
            if label(name).lower() in words:
                return o.owner(**{key: name})
    return o.default


def theme_actions(ctx: PlanContext) -> list[Action]:
    """One action per large theme of negative comments (the scored survey comments: each
    comment's theme and sentiment); its customers are those who wrote them."""
    scored, surveys = ctx.findings.table("comments"), getattr(ctx.cx, "surveys", None)
    if scored is None or surveys is None or "response_id" not in surveys or "theme" not in scored:
        return []
    neg = scored[scored["sentiment"].astype(str).eq("negative")]
    n = len(neg)
    neg = neg[~neg["theme"].astype(str).eq(NO_THEME)]
    sizes = neg["theme"].astype(str).value_counts()
    sizes = sizes[sizes >= MIN_THEME_COMMENTS].head(TOP_THEMES)
    if sizes.empty:
        return []
    known = "customer_id" in surveys  # anonymous surveys: the writers are not known
    cols = ["response_id"] + (["customer_id"] if known else []) + (
        ["comment"] if "comment" in surveys else [])  # fmt: skip
    who = surveys[cols].astype({"response_id": str})
    if not known:
        who = who.assign(customer_id=pd.NA)
    neg = neg.astype({"response_id": str}).merge(who, on="response_id", how="left")
    commenters = who.loc[who["response_id"].isin(set(scored["response_id"].astype(str))),
                         "customer_id"].dropna().astype(str).unique().tolist()  # fmt: skip
    out = []
    for text, k in sizes.items():
        rows = neg[neg["theme"].astype(str).eq(text)]
        quote = ""
        if "comment" in rows:
            quotes = rows["comment"].dropna().astype(str)
            quote = mask_contacts(quotes.iloc[0]) if len(quotes) else ""
        detail = (
            f"{count(k)} of the {count(n)} negative survey comments ({share(k / n)}) are about "
            f"“{text}”"
        )
        detail += f"; for example “{quote}”." if quote else "."
        out.append(
            Action(
                action_id("theme", text),
                "comment theme",
                f"Fix what customers complain about: “{text}”",
                detail,
                owner=_theme_owner(ctx, text),
                watch=ctx.watch_share(
                    "theme_share",
                    f"share of negative comments about “{text}”",
                    k,
                    n,
                    math.nan,
                    "",
                ),  # fmt: skip
                evidence=ctx.evidence("scorecard", "Voice-of-the-customer"),
                affected=rows["customer_id"].dropna().astype(str).unique().tolist()
                if known
                else None,
                exposed=commenters if known else None,
            )
        )
    return out


def _segment_filter(frame: pd.DataFrame, segment: Any) -> pd.Series:  # noqa: ANN401
    """Rows of ``frame`` in an alert's segment (``"channel: phone"``); all rows for none."""
    keep = pd.Series(True, index=frame.index)
    if not isinstance(segment, str) or ": " not in segment:
        return keep
    name, value = segment.split(": ", 1)
    col = SEGMENT_COLUMNS.get(name)
    if col is None or col not in frame:
        return keep & False
    return frame[col].map(label).astype(str).eq(value)


def _alert_customers(
    ctx: PlanContext, a: dict[str, Any]
) -> tuple[list[str] | None, list[str] | None]:
    """The customers an alert's KPI was measured on in its month and segment, and in its
    month in every segment (the comparison); (None, None) when unknown (anonymous posts).
    An alert on the whole KPI has no comparison group: it is then not sized."""
    kpi, period = str(a.get("kpi")), a.get("period")
    cx = ctx.cx
    if kpi in SURVEY_KPIS and getattr(cx, "surveys", None) is not None:
        s = cx.surveys
        rows = s[s["survey"].astype(str).eq(SURVEY_KPIS[kpi])]
        when = rows["responded_at"]
    elif kpi in TICKET_KPIS and getattr(cx, "tickets", None) is not None:
        rows = cx.tickets
        when = rows["opened_at"]
    elif kpi.startswith("churn_rate") and getattr(cx, "customers", None) is not None:
        base = _active_at(cx.customers, period)
        return base, base
    else:
        return None, None
    if "customer_id" not in rows:
        return None, None
    if period:
        rows = rows[when.dt.strftime("%Y-%m").eq(str(period)[:7]).to_numpy()]
    exposed = rows["customer_id"].dropna().astype(str).unique().tolist()
    rows = rows[_segment_filter(rows, a.get("segment")).to_numpy()]
    return rows["customer_id"].dropna().astype(str).unique().tolist(), exposed


def _active_at(customers: pd.DataFrame, period: Any) -> list[str] | None:  # noqa: ANN401
    """The customers active at the start of a month (``2026-09``): the base of its churn."""
    if not period or not {"signup_date", "churn_date"} <= set(customers):
        return customers["customer_id"].astype(str).tolist()
    start = pd.Timestamp(str(period)[:7] + "-01", tz="UTC")
    return customers.loc[active_at(customers, start).to_numpy(), "customer_id"].astype(str).tolist()


def alert_actions(ctx: PlanContext) -> list[Action]:
    """One action per alert: find out what changed, where and for whom."""
    out = []
    for a in ctx.findings.alerts:
        kpi, seg = str(a.get("kpi")), a.get("segment")
        where = {}
        if isinstance(seg, str) and ": " in seg:
            name, value = seg.split(": ", 1)
            where = {SEGMENT_COLUMNS.get(name, name): value}
        value, other = a.get("value"), a.get("other_value")
        watch = None
        if value is not None:
            unit = "points" if kpi in ("nps",) else "%"
            watch = ctx.watch(kpi, f"{label(kpi).upper() if len(kpi) <= 4 else label(kpi)}"
                              f"{f' ({seg})' if seg else ''}", float(value), math.nan, math.nan,
                              0, float(other) if other is not None else math.nan,
                              "its level before the change", unit)  # fmt: skip
        period = f" in {month(a['period'])}" if a.get("period") else ""
        affected, exposed = _alert_customers(ctx, a)
        out.append(
            Action(
                str(a.get("id") or action_id("alert", kpi, seg or "all")),
                "alert",
                f"Find out what changed{period}{f' for {seg}' if seg else ''} and act on it",
                str(a.get("sentence") or ""),
                channel=where.get("channel"),
                touchpoint=where.get("touchpoint"),
                category=where.get("category"),
                owner=ctx.owners.owner(
                    **{k: v for k, v in where.items() if k in ("channel", "touchpoint", "category")}
                ),  # fmt: skip
                watch=watch,
                evidence=str(a.get("report") or ""),
                affected=affected,
                exposed=exposed,
            )
        )
    return out


def backlog_actions(ctx: PlanContext) -> list[Action]:
    """One action per ticket category holding tickets past a service promise."""
    if getattr(ctx.cx, "tickets", None) is None:
        return []
    from cxlib.scorecard.backlog import scorecard_backlog

    bl = scorecard_backlog(ctx.cx)
    tickets = bl.tickets
    if tickets.empty:
        return []
    total_open = bl.open_tickets or len(ctx.cx.tickets)
    with_tickets = ctx.cx.tickets["customer_id"].dropna().astype(str).unique().tolist()
    out = []
    by = "category" if tickets["category"].notna().any() else "channel"
    for group, rows in tickets.groupby(tickets[by].fillna("unknown").astype(str)):
        n_tickets = rows["ticket_id"].nunique()
        kinds = rows.groupby("kind")["ticket_id"].nunique()
        parts = [f"{count(v)} past the {k} promise" for k, v in kinds.items()]
        detail = (
            f"{count(n_tickets)} {label(group)} tickets wait past a service promise as of the "
            f"end of the data ({', '.join(parts)}); {_promises(bl)}."
        )
        out.append(
            Action(
                action_id("backlog", by, group),
                "backlog",
                f"Clear the {label(group)} ticket backlog",
                detail,
                channel=group if by == "channel" else None,
                category=group if by == "category" else None,
                owner=ctx.owners.owner(**{by: group}),
                watch=ctx.watch(
                    "backlog_tickets",
                    f"{label(group)} tickets past the promise",
                    float(n_tickets),
                    math.nan,
                    math.nan,
                    total_open,
                    0.0,
                    "none past the promise",
                    unit="tickets",
                ),  # fmt: skip
                evidence=ctx.evidence("scorecard", "Service-backlog"),
                affected=rows["customer_id"].dropna().astype(str).unique().tolist(),
                exposed=with_tickets,
            )
        )
    return out


def _promises(bl: Any) -> str:  # noqa: ANN401
    """The promises the backlog is judged against: ``judged against the 24-hour response
    promise and the 72-hour resolution target``."""
    names = [bl.thresholds[k].name for k in bl.judged]
    return "judged against " + " and ".join(names) if names else "no promise could be judged"


__all__ = ["alert_actions", "backlog_actions", "theme_actions"]
