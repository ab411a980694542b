"""The journey queries and the DuckDB connection they run on.

Every event-level step of :mod:`cxlib.journey` is a standard-SQL query in
``cxlib/sql/journey/<name>.sql`` (window functions, CTEs, CASE, GROUPING SETS,
PERCENTILE_CONT ... WITHIN GROUP); the two places where no standard form exists are marked
in the files and call engine snippets (epoch seconds of a timestamp, ordered string
aggregation: :mod:`cxlib.engine.dialect`). The queries read
``journey_*`` relations only, so the same files run on Spark SQL too (:mod:`cxlib.engine`
chooses the engine) once those are
registered there as views:

====================== ==================================================================
journey_source         customer_id, ts, stage, touchpoint, channel, seq (the events; seq
                       is the row's position in the source, the tie-break for equal times)
journey_stages         stage, stage_rank (1 = first stage)
journey_customers      customer_id, churned, monthly_revenue
journey_personas       customer_id, persona
journey_ticket_source  ticket_id, customer_id, opened_at, channel
journey_survey_source  customer_id, touchpoint, survey, score, comment
journey_outcomes       touchpoint, outcome, is_goal (the outcome events named in the config)
====================== ==================================================================

Each file is one SELECT. Some are materialised as ``journey_<file name>`` temp tables (or
views, :data:`VIEWS`) that later files read, in this order: ``tickets``, ``events``
(from its SQL file after ``event_steps``, :data:`NEEDS`), ``answers``, ``journeys``, then
on demand ``customer_stages``, ``runs``, ``step_norms``, ``visits`` and
``customer_touchpoints`` (:meth:`JourneyLog.materialize`; on
Spark, ``createOrReplaceTempView``). Parameters are written ``:name`` in the files and
rendered as literals by :func:`~cxlib.journey.queries.render` (numbers only), which keeps
the files engine-neutral.

Three relations are built differently on DuckDB (:data:`BUILT_WITH_NUMPY`):
``journey_events``, the events in customer order with their neighbours;
``journey_visits``, their counts per customer and touchpoint; and the journey
``variants``. Their SQL files define them, but :class:`JourneyLog` builds them with numpy
(:mod:`cxlib.journey.sequence`, :mod:`cxlib.journey.tallies`) and registers the Arrow
tables: at 10 million events,
ordering the log costs DuckDB's window functions several seconds per pass, the counts per
customer and touchpoint (6 million groups) a ~9 s hash aggregation and the ordered string
aggregation of the variants ~5 s, against a second or two in all in numpy on the already
ordered events. The tests check that both give the same rows. What the log is built
from -- the events as the queries read them, on pandas or kept on Spark -- is
:mod:`cxlib.journey.log_inputs`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from cxlib.contract import DEFAULT_SCALES, SINGLE_STAGE
from cxlib.engine import DEFAULT_ENGINE, connect, create_relation, engine_name
from cxlib.journey.log_inputs import (
    complete_events,
    kept_events,
    kept_on_spark,
    one_stage,
    outcome_events,
)
from cxlib.journey.queries import render
from cxlib.journey.sequence import ordered_events
from cxlib.journey.tallies import path_variants, touchpoint_visits
from cxlib.metrics.survey import boxes

T = TypeVar("T")

VIEWS = frozenset({"runs", "customer_stages", "customer_touchpoints"})
"""Prepared relations that are views (a filter and joins over tables read once or twice:
cheaper than a copy of millions of rows)."""

BUILT_WITH_NUMPY = frozenset({"events", "visits", "variants"})
"""Relations that :class:`JourneyLog` builds with numpy on DuckDB (their SQL files define
them for other engines; the tests check that both agree)."""

NEEDS = {"events": ("event_steps",)}
"""Prepared tables a query's SQL file reads besides the inputs, built before it runs
(``events`` reads the ordered events three times: materialised once, not re-sorted per
reading on an engine that inlines common table expressions, as Spark does)."""


class JourneyLog:
    """A data set's events prepared in DuckDB for the journey queries.

    Registers the ``journey_*`` inputs on ``cx.connect()``, builds ``journey_events``
    (ordered events with their neighbours, with numpy: see :data:`BUILT_WITH_NUMPY`) and
    materialises ``journey_journeys`` (one row per customer: where the journey ended, exit
    or not). Other prepared tables are built on first use. ``notes`` collects sentences on
    what the data cannot support (no customers table, no tickets, ...), for the report.

    Parameters
    ----------
    cx : CXData
        A loaded data set with an ``events`` table.
    stage_order : sequence of str, optional
        The stages in order; default the data set's (``cx.config.stage_order``). Events in
        other stages are left out (and counted in ``notes``). Events without a ``stage``
        column all belong to one stage, :data:`cxlib.contract.SINGLE_STAGE` (said in
        ``notes``): touchpoints, paths and exits are analysed, the funnel has one step.
    purchase_stage : str or None
        The stage whose completion makes a customer a buyer: journeys that end before or in
        it are abandonment exits, later ones exit only when the customer churned. When it is
        None or not in the stage order, reaching the final stage completes a journey (or,
        with a ``goal``, reaching the goal).
    outcomes : dict, optional
        Touchpoint -> outcome (``{"A_APPROVED": "approved", "A_DECLINED": "declined"}``):
        events that end a journey by nature; default the config's ``outcomes``. A journey
        that reached one is not abandoned: it ended with that outcome.
    goal : str or list of str, optional
        The outcome(s) that complete the journey; default the config's ``goal``.
    personas : DataFrame, optional
        ``customer_id`` and ``persona`` (label) per customer, see
        :func:`cxlib.journey.read_personas`.

    Examples
    --------
    >>> log = JourneyLog(cxlib.load("data/sample"))            # doctest: +SKIP
    >>> log.query("dfg").head()                               # doctest: +SKIP
    """

    def __init__(
        self,
        cx,  # noqa: ANN001 -- CXData (imported lazily to keep this module light)
        *,
        stage_order: list[str] | tuple[str, ...] | None = None,
        purchase_stage: str | None = "purchase",
        outcomes: dict[str, str] | None = None,
        goal: str | list[str] | None = None,
        personas: pd.DataFrame | None = None,
    ) -> None:
        self.cx = cx
        self.notes: list[str] = []
        self.kept = kept_on_spark(cx)  # events and tickets stay on Spark (SparkData)
        if (cx.count("events") == 0) if self.kept else (cx.events is None or cx.events.empty):
            raise ValueError(
                "the data set has no events table (or it is empty): the journey report needs "
                "one row per customer interaction (customer_id, timestamp, stage, touchpoint)"
            )
        if self.kept:
            self.has_stages = "stage" in cx.columns("events")
            self.events, self.sub_events, n_in, self.has_channel = kept_events(cx)
        else:
            self.has_stages = "stage" in cx.events
            events, self.sub_events = complete_events(cx.events)
            self.events = events if self.has_stages else one_stage(events)
            n_in = len(self.events)
            self.has_channel = "channel" in cx.events and cx.events["channel"].notna().any()
        self.outcomes, self.goal = outcome_events(cx.config, outcomes, goal)
        if self.has_stages:
            self.stage_order = tuple(stage_order or cx.config.stage_order)
        else:
            self.stage_order = (SINGLE_STAGE,)
        if len(set(self.stage_order)) != len(self.stage_order):
            raise ValueError(f"stage_order repeats a stage: {list(self.stage_order)}")
        self.has_churn = cx.customers is not None and "churned" in cx.customers
        self.has_revenue = cx.customers is not None and "monthly_revenue" in cx.customers
        self.has_tickets = (
            cx.count("tickets") > 0 if self.kept else cx.tickets is not None and len(cx.tickets) > 0
        )
        self.has_answers = (
            cx.surveys is not None
            and "touchpoint" in cx.surveys
            and cx.surveys["touchpoint"].notna().any()
        )
        self.has_personas = personas is not None and len(personas) > 0
        self.scales = dict(getattr(cx.config, "scales", DEFAULT_SCALES))
        if purchase_stage in self.stage_order:
            self.purchase_stage: str | None = purchase_stage
            self.purchase_rank = self.stage_order.index(purchase_stage) + 1
        else:
            self.purchase_stage = None
            self.purchase_rank = len(self.stage_order) - (0 if self.goal else 1)
        self.engine = "spark" if self.kept else engine_name(cx.config)
        self.con = connect(cx, self.engine)  # DuckDB, or Spark when chosen (cxlib.engine)
        self._register(personas)
        self._built: dict[str, dict[str, float]] = {}
        self._results: dict = {}
        self._tables: dict[str, pa.Table] = {}
        self.materialize("tickets")
        self.materialize("events")
        self.materialize("answers", **self._scale_params())
        self.materialize("journeys", purchase_rank=self.purchase_rank)
        self._describe(n_in)

    # --- inputs -------------------------------------------------------------------------

    def _register(self, personas: pd.DataFrame | None) -> None:
        """Register the ``journey_*`` inputs (see the module docstring) on the connection.

        Each is a frame over the data set's columns (no copy where the columns are used as
        they are); a missing table or column becomes an empty or NULL one of the right type,
        so every query runs on every data set.
        """
        if personas is None:
            personas = pd.DataFrame({"customer_id": [], "persona": []}, dtype="string")
        stages = pd.DataFrame(
            {"stage": list(self.stage_order), "stage_rank": np.arange(1, len(self.stage_order) + 1)}
        )
        for name, frame in (
            ("journey_source", self._source()),
            ("journey_stages", stages),
            ("journey_customers", self._customers()),
            ("journey_personas", personas[["customer_id", "persona"]]),
            ("journey_ticket_source", self._ticket_source()),
            ("journey_survey_source", self._survey_source()),
            ("journey_outcomes", self._outcome_table()),
        ):
            self.con.register(name, frame)

    def _source(self) -> pd.DataFrame:
        """``journey_source``: the events with their source row (``seq``); a Spark
        DataFrame when the events stay on Spark."""
        ev = self.events
        if self.kept:
            return ev
        source = pd.DataFrame(
            {
                "customer_id": ev["customer_id"],
                "ts": ev["timestamp"],
                "stage": ev["stage"],
                "touchpoint": ev["touchpoint"],
                "channel": ev["channel"] if "channel" in ev else pd.Series(pd.NA, index=ev.index),
                "seq": np.arange(len(ev), dtype=np.int64),
            },
            copy=False,
        )
        if "channel" not in ev:
            source["channel"] = source["channel"].astype("string")
        return source

    def _customers(self) -> pd.DataFrame:
        """``journey_customers``: churn flag and monthly revenue (NULL when unknown)."""
        cu = self.cx.customers
        index = None if cu is None else cu.index
        return pd.DataFrame(
            {
                "customer_id": pd.Series([], dtype="string") if cu is None else cu["customer_id"],
                "churned": (
                    cu["churned"].astype("boolean")
                    if self.has_churn
                    else pd.Series(pd.NA, index=index, dtype="boolean")
                ),
                "monthly_revenue": (
                    cu["monthly_revenue"].astype(float)
                    if self.has_revenue
                    else pd.Series(np.nan, index=index, dtype=float)
                ),
            }
        )

    def _outcome_table(self) -> pd.DataFrame:
        """``journey_outcomes``: the outcome events named in the config (may be empty)."""
        return pd.DataFrame(
            {
                "touchpoint": pd.Series(list(self.outcomes), dtype="string"),
                "outcome": pd.Series(list(self.outcomes.values()), dtype="string"),
                "is_goal": pd.Series(
                    [int(o in self.goal) for o in self.outcomes.values()], dtype="int64"
                ),
            }
        )

    def _ticket_source(self) -> pd.DataFrame:
        """``journey_ticket_source``: the tickets (empty without a tickets table)."""
        if self.kept and self.has_tickets:
            return self.cx.frame("tickets").select(
                "ticket_id", "customer_id", "opened_at", "channel"
            )
        tk = None if self.kept else self.cx.tickets
        if tk is not None:
            return tk[["ticket_id", "customer_id", "opened_at", "channel"]]
        return pd.DataFrame(
            {
                "ticket_id": pd.Series([], dtype="string"),
                "customer_id": pd.Series([], dtype="string"),
                "opened_at": pd.Series([], dtype="datetime64[us]"),
                "channel": pd.Series([], dtype="string"),
            }
        )

    def _survey_source(self) -> pd.DataFrame:
        """``journey_survey_source``: the survey answers (empty when none names a touchpoint)."""
        sv = self.cx.surveys
        if not self.has_answers:
            return pd.DataFrame(
                {
                    c: pd.Series([], dtype="Int64" if c == "score" else "string")
                    for c in ("customer_id", "touchpoint", "survey", "score", "comment")
                }
            )
        cols = {c: sv[c] for c in ("customer_id", "touchpoint", "survey", "score") if c in sv}
        surveys = pd.DataFrame(cols, copy=False)
        if "customer_id" not in surveys:
            surveys["customer_id"] = pd.Series(pd.NA, index=sv.index, dtype="string")
        surveys["comment"] = (
            sv["comment"] if "comment" in sv else pd.Series(pd.NA, index=sv.index, dtype="string")
        )
        return surveys

    def _build_events(self) -> pa.Table:
        """``journey_events`` with numpy (:func:`~cxlib.journey.sequence.ordered_events`)."""
        tickets = (
            self.con.sql("SELECT customer_id, t FROM journey_tickets").to_arrow_table()
            if self.has_tickets
            else None
        )
        return ordered_events(self.events, self.stage_order, tickets)

    def _build_visits(
        self, loop_window_s: float, followup_s: float, rework_window_s: float
    ) -> pa.Table:
        """``journey_visits`` with numpy (:func:`~cxlib.journey.tallies.touchpoint_visits`)."""
        norms = self.con.sql("SELECT * FROM journey_step_norms").to_arrow_table()
        return touchpoint_visits(
            self._tables["events"], loop_window_s, followup_s, rework_window_s, norms
        )

    def _build_variants(self, max_steps: float) -> pa.Table:
        """Journey variants with numpy (:func:`~cxlib.journey.tallies.path_variants`)."""
        return path_variants(self._tables["events"], int(max_steps))

    def _scale_params(self) -> dict[str, int]:
        """The ``answers`` query's parameters: each CES/CSAT scale and its negative answers
        (:func:`cxlib.metrics.boxes`, the one definition)."""
        params = {}
        for survey in ("ces", "csat"):
            low, high = self.scales.get(survey, DEFAULT_SCALES[survey])
            params |= {f"{survey}_low": low, f"{survey}_high": high}
            params[f"{survey}_negative_max"] = boxes((low, high)).negative_max
        return params

    def _stage_notes(self) -> list[str]:
        """What the stages (or their absence) mean for exits, as sentences."""
        if not self.has_stages:
            exits = (
                "only a churned customer's last event counts as an exit"
                if self.has_churn
                else "without churn data (customers.churned) no journey end counts as an exit"
            )
            return [
                f"The events have no stage column, so every event counts as one stage "
                f"({SINGLE_STAGE!r}): the funnel has one step, and {exits}. To see stages, "
                "map a column onto stage in the config (tables.events.columns.stage, with "
                "values: to group touchpoints into stages)."
            ]
        if self.purchase_stage is None:
            return [
                f"The stage order has no purchase stage: a journey that reaches the final "
                f"stage ({self.stage_order[-1]}) counts as complete, one that ends earlier as "
                "an exit."
            ]
        if not self.has_churn and self.purchase_rank < len(self.stage_order):
            return [
                "Without churn data (customers.churned) no journey end after purchase counts "
                "as an exit: exits are abandonment before purchase only."
            ]
        return []

    def _describe(self, n_in: int) -> None:
        """Sentences on the parts of the analysis the data cannot support (``n_in``: the
        events after lifecycle sub-events are left out)."""
        if self.sub_events:
            self.notes.append(
                f"{self.sub_events:,} lifecycle sub-events (schedule, start, ...) are left "
                "out: each activity counts once, at its 'complete' event, so the steps of one "
                "work item are not read as loops."
            )
        n_kept, n_customers = self.con.execute(render("event_counts", self.engine)).fetchall()[0]
        self.n_events, self.n_customers = int(n_kept), int(n_customers)
        if n_kept < n_in:
            self.notes.append(
                f"{n_in - n_kept:,} events in stages outside the stage order "
                f"{list(self.stage_order)} are left out."
            )
        self.notes += self._stage_notes()
        if not self.has_revenue:
            self.notes.append(
                "Without customers.monthly_revenue, revenue at risk is not available."
            )
        if not self.has_tickets:
            self.notes.append(
                "Without a tickets table, follow-up contacts (failure demand) and cross-channel "
                "repeat contacts are not available."
            )
        if not self.has_answers:
            self.notes.append(
                "No survey answer carries a touchpoint: CES/CSAT and negative comments per "
                "touchpoint are not available."
            )
        if not self.has_channel:
            self.notes.append("The events carry no channel: the funnel is not split by channel.")

    # --- running queries ----------------------------------------------------------------

    def materialize(self, name: str, **params: float) -> None:
        """Run query ``name`` into the temp table ``journey_<name>`` (again if ``params`` change).

        Queries that only filter and join prepared tables (:data:`VIEWS`) become views: a
        copy of millions of rows costs more than reading them again. Relations in
        :data:`BUILT_WITH_NUMPY` are built with numpy on DuckDB and registered as Arrow tables
        (on Spark their SQL files run; :mod:`cxlib.engine`).
        """
        if self._built.get(name) == params:
            return
        if name == "visits":  # its slow steps are judged against the step norms
            self.materialize("runs")
            self.materialize("step_norms")
        numpy = name in BUILT_WITH_NUMPY and self.engine == DEFAULT_ENGINE
        for needed in () if numpy else NEEDS.get(name, ()):
            self.materialize(needed)
        if numpy:
            self._tables[name] = getattr(self, f"_build_{name}")(**params)
            self.con.register(f"journey_{name}", self._tables[name])
        else:
            sql = render(name, self.engine, **params)
            create_relation(self.con, f"journey_{name}", sql, view=name in VIEWS)
        self._built[name] = params
        self._results.clear()

    def cached(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()``, kept under ``key`` until a prepared table is built again.

        For results asked for several times per report (the findings and the summary both
        total the customers affected at the top touchpoints).
        """
        if key not in self._results:
            self._results[key] = compute()
        return self._results[key]

    def query(self, name: str, **params: float) -> pd.DataFrame:
        """Run query ``name`` and return the result as a DataFrame.

        Relations in :data:`BUILT_WITH_NUMPY` come from numpy; :meth:`reference` runs their
        SQL file instead.
        """
        if name in BUILT_WITH_NUMPY and self.engine == DEFAULT_ENGINE:
            return getattr(self, f"_build_{name}")(**params).to_pandas()
        return self.reference(name, **params)

    def reference(self, name: str, **params: float) -> pd.DataFrame:
        """Run the SQL file of ``name`` (also for those built with numpy) as a DataFrame."""
        for needed in NEEDS.get(name, ()):
            self.materialize(needed)
        return self.con.execute(render(name, self.engine, **params)).df()
