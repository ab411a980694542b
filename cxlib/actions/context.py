"""What every action builder needs: the data, the population, the config, the findings.

:class:`PlanContext` is built once per plan: the loaded data, the customers every action
is sized against (:class:`~cxlib.actions.sizing.Population`), the config's targets and
owners, the other reports' outputs, and the per-customer features (computed on first use:
only the churn and NPS driver actions need them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from cxlib.actions.action import Watch
from cxlib.actions.inputs import PAGES, Findings
from cxlib.actions.sizing import Population
from cxlib.engine.spark_data import kept_on_spark
from cxlib.io.goals import HIGHER, LOWER, Owners, Target, known_kpis
from cxlib.metrics.intervals import wilson


@dataclass
class PlanContext:
    """The inputs of the action builders (see the module docstring)."""

    cx: Any
    findings: Findings
    targets: dict[str, Target] = field(default_factory=dict)
    owners: Owners = field(default_factory=Owners)
    notes: list[str] = field(default_factory=list)
    _visitors: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _rows_of: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @cached_property
    def population(self) -> Population:
        """The customers every action is sized against (empty without a customers table)."""
        customers = getattr(self.cx, "customers", None)
        if customers is None:
            customers = pd.DataFrame({"customer_id": pd.Series([], dtype=str)})
        period = self.cx.period() if hasattr(self.cx, "period") else None
        return Population.from_customers(customers, period[1] if period else None)

    @cached_property
    def features(self) -> pd.DataFrame | None:
        """Per-customer features as of the end of the data (None without customers)."""
        if getattr(self.cx, "customers", None) is None:
            return None
        from cxlib.features import customer_features

        return customer_features(self.cx)

    @cached_property
    def _event_rows(self) -> np.ndarray | None:
        """Each event's customer's row in the population (-1: not a customer)."""
        events = getattr(self.cx, "events", None)
        if events is None or "touchpoint" not in events or not len(self.population.ids):
            return None
        codes, uniques = pd.factorize(events["customer_id"])
        rows = self.population.positions(pd.Index(uniques))
        return np.where(codes >= 0, rows[codes], -1)

    def visitors(self, touchpoint: str) -> np.ndarray | None:
        """Which customers used ``touchpoint`` (a mask in the population's order; None when
        the data has no events or no customers table)."""
        if kept_on_spark(self.cx):
            return self._visitors_on_spark(touchpoint)
        rows = self._event_rows
        if rows is None:
            return None
        if touchpoint not in self._visitors:
            used = (self.cx.events["touchpoint"] == touchpoint).to_numpy(dtype=bool)
            found = rows[used & (rows >= 0)]
            mask = np.zeros(len(self.population.ids), dtype=bool)
            mask[found] = True
            self._visitors[touchpoint] = mask
        return self._visitors[touchpoint]

    def _visitors_on_spark(self, touchpoint: str) -> np.ndarray | None:
        """:meth:`visitors` when the events stay on Spark: the distinct customers who used
        ``touchpoint`` are found there, and only they come to the driver."""
        cx = self.cx
        if not cx.has("events") or "touchpoint" not in cx.columns("events"):
            return None
        if not len(self.population.ids):
            return None
        if touchpoint not in self._visitors:
            from pyspark.sql import functions as F

            used = cx.frame("events").where(F.col("touchpoint").cast("string") == touchpoint)
            ids = used.select("customer_id").where("customer_id IS NOT NULL").distinct()
            rows = self.population.positions(pd.Index(ids.toPandas()["customer_id"]))
            mask = np.zeros(len(self.population.ids), dtype=bool)
            mask[rows[rows >= 0]] = True
            self._visitors[touchpoint] = mask
        return self._visitors[touchpoint]

    def mask_of(self, hit: pd.Series) -> np.ndarray:
        """A boolean Series indexed by customer id (e.g. over :attr:`features`) as a mask in
        the population's order."""
        key = id(hit.index)
        if key not in self._rows_of:
            self._rows_of[key] = self.population.positions(hit.index)
        rows = self._rows_of[key]
        out = np.zeros(len(self.population.ids), dtype=bool)
        ok = hit.to_numpy(dtype=bool) & (rows >= 0)
        out[rows[ok]] = True
        return out

    def evidence(self, report: str, section: str) -> str:
        """The link to a report's section: ``journey_friction.html#Friction-ranking``."""
        return f"{PAGES[report]}#{section}"

    def watch_share(
        self, key: str, label: str, k: float, n: float, norm: float, norm_source: str
    ) -> Watch:
        """A watched rate ``k / n`` in % (Wilson CI) against the config's target for
        ``key``, else ``norm`` (a share, NaN for none) with where it comes from."""
        n = int(n)
        value = 100 * k / n if n else math.nan
        low, high = (100 * x for x in wilson(k, n)) if n else (math.nan, math.nan)
        return self.watch(key, label, value, low, high, n, 100 * norm, norm_source)

    def watch(
        self,
        key: str,
        label: str,
        value: float,
        low: float,
        high: float,
        n: int,
        fallback: float = math.nan,
        fallback_source: str = "",
        unit: str = "%",
    ) -> Watch:
        """A watched KPI: the config's target for ``key`` when it has one, else
        ``fallback`` (a level the data gives, e.g. the typical touchpoint's rate)."""
        target = self.targets.get(key)
        if target is not None:
            return Watch(key, label, value, low, high, n, target.value, target.direction,
                         "the config's target", unit)  # fmt: skip
        direction = HIGHER if known_kpis().get(key) else LOWER
        return Watch(key, label, value, low, high, n, fallback, direction, fallback_source, unit)


__all__ = ["PlanContext"]
