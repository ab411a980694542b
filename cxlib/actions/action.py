"""One action: what to do, where, for whom, how big, who owns it and what KPI to watch.

Every analysis's findings become :class:`Action` records of one shape, so that a friction
point, a churn driver, a persona, a comment theme, an alert and the service backlog can be
ranked against each other (:mod:`cxlib.actions.plan`) and followed from run to run
(:mod:`cxlib.actions.tracking`). An action's ``id`` is built from what it is about (its
kind and place, e.g. ``friction:billing_page:loop``), not from its rank, so it is the
same in every run that finds the same problem.

Examples
--------
>>> a = Action(action_id("friction", "billing_page", "loop"), "friction", "Stop the loops")
>>> a.id
'friction:billing_page:loop'
>>> Watch("loop_rate", "loop rate at billing page", 14.4, 14.0, 14.8, 35150, 5.0,
...       "lower").met
False
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from cxlib.actions.sizing import UNKNOWN_SIZE, Size
from cxlib.io.goals import LOWER


def action_id(kind: str, *parts: Any) -> str:  # noqa: ANN401
    """A stable, readable id: the kind and the place, lower-case, words joined by ``_``.

    >>> action_id("theme", "App crashes every time!")
    'theme:app_crashes_every_time'
    """
    words = [re.sub(r"[^0-9a-z]+", "_", str(p).lower()).strip("_") for p in parts]
    return ":".join([kind, *[w for w in words if w]])


@dataclass(frozen=True)
class Watch:
    """The KPI an action is judged by: its value now (with its 95% CI) and its target.

    ``value``, ``low`` and ``high`` are in the KPI's unit (% for rates); ``target`` is
    the level at which the problem counts as solved (NaN: none, then the action is watched
    without a threshold); ``direction`` says whether the KPI should be at most (lower) or
    at least (higher) the target.
    """

    key: str
    label: str
    value: float
    low: float
    high: float
    n: int
    target: float = math.nan
    direction: str = LOWER
    target_source: str = ""
    unit: str = "%"

    @property
    def met(self) -> bool | None:
        """Whether the KPI meets its target (None without a target or a value)."""
        if not (math.isfinite(self.target) and math.isfinite(self.value)):
            return None
        return self.value <= self.target if self.direction == LOWER else self.value >= self.target

    def target_text(self) -> str:
        """``below 10.0%`` / ``at least 75.0%`` (empty without a target)."""
        if not math.isfinite(self.target):
            return ""
        word = "below" if self.direction == LOWER else "at least"
        unit = "%" if self.unit == "%" else f" {self.unit}" if self.unit else ""
        text = f"{word} {self.target:,.1f}{unit}"
        return f"{text} ({self.target_source})" if self.target_source else text


@dataclass
class Action:
    """A proposed action (see the module docstring); sized by the plan."""

    id: str
    kind: str
    action: str
    detail: str = ""
    stage: str | None = None
    touchpoint: str | None = None
    channel: str | None = None
    persona: str | None = None
    category: str | None = None
    owner: str = ""
    watch: Watch | None = None
    evidence: str = ""
    affected: Any = None
    """The customers it is about: their ids, or a mask over the plan's population."""
    exposed: Any = None
    """Who could have met the problem (the baseline of the excess churn); None: everyone."""
    size: Size = field(default=UNKNOWN_SIZE)

    def record(self) -> dict[str, Any]:
        """The action as one row of the plan (no customer ids)."""
        w = self.watch
        return {
            "id": self.id,
            "kind": self.kind,
            "action": self.action,
            "detail": self.detail,
            "stage": self.stage,
            "touchpoint": self.touchpoint,
            "channel": self.channel,
            "persona": self.persona,
            "category": self.category,
            "owner": self.owner,
            "kpi": w.label if w else None,
            "kpi_key": w.key if w else None,
            "kpi_value": w.value if w else math.nan,
            "kpi_low": w.low if w else math.nan,
            "kpi_high": w.high if w else math.nan,
            "kpi_n": w.n if w else 0,
            "kpi_unit": w.unit if w else None,
            "target": w.target_text() if w else "",
            "target_value": w.target if w else math.nan,
            "target_direction": w.direction if w else None,
            "target_met": w.met if w else None,
            "evidence": self.evidence,
            **self.size.record(),
        }


__all__ = ["Action", "Watch", "action_id"]
