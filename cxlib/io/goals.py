"""What the business aims for: KPI targets, outside benchmarks, owners and service promises.

These four config keys turn measurement into steering (every key optional)::

    targets:                      # per KPI key (cxlib.metrics.kpis.KPIS, a declared
      nps: 20                     # question, or a watched action KPI, WATCHED_KPIS);
      csat: {value: 80}           # the direction comes from the KPI's definition
      followup_contact_rate: {value: 10, direction: lower}   # % for rates
    benchmarks:                   # an outside reference, shown beside the value
      nps: {value: 32, source: "Retail NPS benchmark 2025 (vendor report)"}
    owners:                       # who acts on an action, most specific match first:
      touchpoints: {payment: Payments team}       # touchpoint, ticket category,
      categories: {billing: Billing team}         # channel, stage, persona, then the
      channels: {phone: Contact centre}           # churn driver's feature family
      stages: {onboarding: Onboarding team}
      personas: {Support-heavy detractors: Service team}
      families: {experience: CX team}
      default: unassigned
    service:                      # the service promises the backlog is judged against
      response_hours: 24          # first response (default 24: the common promise)
      resolution_hours: 72        # resolution (default: none; the backlog then uses the
                                  # time 90% of resolved tickets took, and says so)

No target is invented: without ``targets:`` a KPI is shown without one. The one default
is the 24-hour first-response promise, a common service standard that the scorecard's
"Response within 24h" KPI already measures.

Examples
--------
>>> t = parse_targets({"nps": 20, "churn_rate_monthly": {"value": 1.5}})
>>> t["nps"].direction, t["churn_rate_monthly"].direction, t["nps"].met(25.0)
('higher', 'lower', True)
>>> parse_owners({"touchpoints": {"payment": "Payments team"}}).owner(
...     touchpoint="payment", stage="purchase")
'Payments team'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cxlib.metrics.kpis import KPIS

HIGHER, LOWER = "higher", "lower"
"""A target's direction: the value should be at least (higher) or at most (lower) it."""
DEFAULT_RESPONSE_HOURS = 24.0
"""The first-response promise when the config names none (a common service standard)."""
UNASSIGNED = "unassigned"
"""The owner of an action no ``owners:`` entry matches."""
WATCHED_KPIS: dict[str, tuple[str, bool]] = {
    "exit_rate": ("exit rate", False),
    "loop_rate": ("loop rate", False),
    "rework_rate": ("rework rate", False),
    "followup_contact_rate": ("follow-up contact rate", False),
    "negative_comment_share": ("share of negative comments", False),
    "negative_answer_share": ("share of negative survey answers", False),
    "slow_customer_share": ("share of customers waiting longer than usual", False),
    "driver_churn_rate": ("churn rate of the customers the driver marks", False),
    "persona_churn_rate": ("persona churn rate", False),
    "theme_share": ("share of comments on the theme", False),
    "backlog_tickets": ("tickets past the service promise", False),
}
"""KPIs an action watches (key: label, higher is better) that the KPI list lacks."""
OWNER_KEYS = ("touchpoints", "categories", "channels", "stages", "personas", "families")
"""Where an owner is looked up, most specific first."""


@dataclass(frozen=True)
class Target:
    """A KPI's target: at least (``higher``) or at most (``lower``) ``value``."""

    kpi: str
    value: float
    direction: str
    source: str = "config"

    def met(self, x: Any) -> bool | None:  # noqa: ANN401
        """Whether ``x`` meets the target (None when ``x`` is unknown)."""
        try:
            x = float(x)
        except (TypeError, ValueError):
            return None
        if math.isnan(x):
            return None
        return x >= self.value if self.direction == HIGHER else x <= self.value

    def gap(self, x: Any) -> float:  # noqa: ANN401
        """How far ``x`` is on the good side of the target (negative: short of it)."""
        try:
            x = float(x)
        except (TypeError, ValueError):
            return math.nan
        return x - self.value if self.direction == HIGHER else self.value - x

    def describe(self) -> str:
        """``at least 20`` / ``at most 1.5``: the target as a phrase (value unformatted)."""
        return f"{'at least' if self.direction == HIGHER else 'at most'} {self.value:g}"


@dataclass(frozen=True)
class Benchmark:
    """An outside reference value for a KPI and where it comes from."""

    kpi: str
    value: float
    source: str


@dataclass(frozen=True)
class Owners:
    """Who owns the actions on a touchpoint, ticket category, channel, stage, persona."""

    touchpoints: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    personas: dict[str, str] = field(default_factory=dict)
    families: dict[str, str] = field(default_factory=dict)
    default: str = UNASSIGNED

    def owner(
        self,
        *,
        touchpoint: Any = None,  # noqa: ANN401
        category: Any = None,  # noqa: ANN401
        channel: Any = None,  # noqa: ANN401
        stage: Any = None,  # noqa: ANN401
        persona: Any = None,  # noqa: ANN401
        family: Any = None,  # noqa: ANN401
    ) -> str:
        """The owner of the most specific place given that the map names, else the default.

        >>> Owners(stages={"purchase": "Sales"}).owner(touchpoint="payment", stage="purchase")
        'Sales'
        >>> Owners().owner(stage="purchase")
        'unassigned'
        """
        given = (touchpoint, category, channel, stage, persona, family)
        for key, where in zip(OWNER_KEYS, given, strict=True):
            if where is not None and str(where) in getattr(self, key):
                return getattr(self, key)[str(where)]
        return self.default


@dataclass(frozen=True)
class ServicePromise:
    """The hours within which tickets should be answered and resolved."""

    response_hours: float = DEFAULT_RESPONSE_HOURS
    resolution_hours: float | None = None


def known_kpis(questions: Iterable[str] = ()) -> dict[str, bool | None]:
    """Every KPI key a target may name, with its direction (higher is better, or None)."""
    out: dict[str, bool | None] = {k: v.higher_is_better for k, v in KPIS.items()}
    out |= {q: True for q in questions}
    out |= {k: better for k, (_, better) in WATCHED_KPIS.items()}
    return out


def _number(key: str, x: Any) -> float:  # noqa: ANN401
    if isinstance(x, bool):
        raise ValueError(f"{key} must be a number, got {x!r}")
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, got {x!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{key} must be a finite number, got {x!r}")
    return v


def _kpi_entries(
    section: str,
    spec: Any,  # noqa: ANN401
    known: Mapping[str, bool | None],
    shape: str,
) -> Iterator[tuple[str, str, Any]]:
    """``(name as written, KPI key, value)`` of a per-KPI config section, each key checked."""
    if not spec:
        return
    if not isinstance(spec, Mapping):
        raise ValueError(f"{section} must be a mapping of KPI key to {shape}")
    for name, given in spec.items():
        key = str(name).strip().lower()
        if key not in known:
            raise ValueError(f"{section}.{name}: unknown KPI; the KPIs are {sorted(known)}")
        yield str(name), key, given


def parse_targets(spec: Any, questions: Iterable[str] = ()) -> dict[str, Target]:  # noqa: ANN401
    """``targets:`` as :class:`Target` per KPI key (ValueError names the bad key).

    >>> parse_targets({"nps": {"value": 20, "direction": "lower"}})["nps"].describe()
    'at most 20'
    """
    known = known_kpis(questions)
    out: dict[str, Target] = {}
    for name, key, given in _kpi_entries("targets", spec, known, "a value or {value, direction}"):
        if isinstance(given, Mapping):
            if set(given) - {"value", "direction"} or "value" not in given:
                raise ValueError(f"targets.{name} takes value and an optional direction")
            value, direction = given["value"], given.get("direction")
        else:
            value, direction = given, None
        if direction is None:
            better = known[key]
            if better is None:
                raise ValueError(f"targets.{name}: say direction: higher or lower")
            direction = HIGHER if better else LOWER
        direction = str(direction).strip().lower()
        if direction not in (HIGHER, LOWER):
            raise ValueError(f"targets.{name}.direction must be higher or lower")
        out[key] = Target(key, _number(f"targets.{name}", value), direction)
    return out


def parse_benchmarks(spec: Any, questions: Iterable[str] = ()) -> dict[str, Benchmark]:  # noqa: ANN401
    """``benchmarks:`` as :class:`Benchmark` per KPI key; each needs a value and a source."""
    out: dict[str, Benchmark] = {}
    for name, key, given in _kpi_entries(
        "benchmarks", spec, known_kpis(questions), "{value, source}"
    ):
        if not isinstance(given, Mapping) or set(given) != {"value", "source"}:
            raise ValueError(f"benchmarks.{name} takes value and source (where it comes from)")
        out[key] = Benchmark(
            key, _number(f"benchmarks.{name}", given["value"]), str(given["source"])
        )
    return out


def parse_owners(spec: Any) -> Owners:  # noqa: ANN401
    """``owners:`` as :class:`Owners` (every map optional; ``default`` a team name)."""
    if not spec:
        return Owners()
    if not isinstance(spec, Mapping) or set(spec) - {*OWNER_KEYS, "default"}:
        raise ValueError(f"owners takes {', '.join(OWNER_KEYS)} (each name: team) and default")
    maps = {}
    for key in OWNER_KEYS:
        given = spec.get(key) or {}
        if not isinstance(given, Mapping):
            raise ValueError(f"owners.{key} must be a mapping of name to team")
        maps[key] = {str(k): str(v) for k, v in given.items()}
    return Owners(**maps, default=str(spec.get("default") or UNASSIGNED))


def parse_service(spec: Any) -> ServicePromise:  # noqa: ANN401
    """``service:`` as :class:`ServicePromise` (hours > 0)."""
    if not spec:
        return ServicePromise()
    if not isinstance(spec, Mapping) or set(spec) - {"response_hours", "resolution_hours"}:
        raise ValueError("service takes response_hours and resolution_hours")
    hours = {}
    for key in ("response_hours", "resolution_hours"):
        if spec.get(key) is not None:
            hours[key] = _number(f"service.{key}", spec[key])
            if hours[key] <= 0:
                raise ValueError(f"service.{key} must be more than 0 hours")
    return ServicePromise(**hours)


__all__ = [
    "DEFAULT_RESPONSE_HOURS",
    "HIGHER",
    "LOWER",
    "OWNER_KEYS",
    "UNASSIGNED",
    "WATCHED_KPIS",
    "Benchmark",
    "Owners",
    "ServicePromise",
    "Target",
    "known_kpis",
    "parse_benchmarks",
    "parse_owners",
    "parse_service",
    "parse_targets",
]
