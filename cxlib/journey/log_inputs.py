"""What the journey log is built from: the events as the queries read them, and the
outcome events -- on pandas tables (:func:`complete_events`, :func:`one_stage`) or on
tables kept on Spark (:func:`kept_events`), by the same rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.contract import SINGLE_STAGE


def kept_on_spark(cx) -> bool:  # noqa: ANN001
    """True when ``cx``'s events stay on Spark (a :class:`cxlib.engine.spark_data.SparkData`)."""
    return "events" in (getattr(cx, "views", None) or {})


def kept_events(cx) -> tuple[object, int, int, bool]:  # noqa: ANN001 -- SparkData
    """Events kept on Spark as ``journey_source`` (a Spark DataFrame: ``seq`` is the source
    row), the lifecycle sub-events left out, the events kept and whether any has a channel;
    the rule of :func:`complete_events` and :func:`one_stage`, as Spark expressions."""
    from pyspark.sql import functions as F

    ev, columns = cx.frame("events"), cx.columns("events")
    sub_events = 0
    if "lifecycle" in columns:
        complete = F.lower(F.trim(F.col("lifecycle").cast("string"))) == "complete"
        n, n_complete = ev.agg(F.count(F.lit(1)), F.count(F.when(complete, 1))).first()
        if 0 < n_complete < n:
            ev, sub_events = ev.where(complete), int(n - n_complete)
    none = F.lit(None).cast("string")
    source = ev.select(
        F.col("customer_id"),
        F.col("timestamp").alias("ts"),
        F.col("stage") if "stage" in columns else F.lit(SINGLE_STAGE).alias("stage"),
        F.col("touchpoint"),
        F.col("channel") if "channel" in columns else none.alias("channel"),
        F.col("_row").cast("bigint").alias("seq"),
    )
    n_in, n_channel = source.agg(F.count(F.lit(1)), F.count("channel")).first()
    return source, sub_events, int(n_in), bool(n_channel)


def complete_events(events: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The events without lifecycle sub-events, and how many were left out.

    A process log with a ``lifecycle`` column logs one activity as several rows (schedule,
    start, complete, ...). When some rows are ``complete`` (any case), only those are kept:
    an activity counts once, and its sub-events are not loops. Without the column, or when
    no row is ``complete``, the events are returned as they are.

    >>> ev = pd.DataFrame({"lifecycle": ["SCHEDULE", "START", "COMPLETE", None]})
    >>> kept, dropped = complete_events(ev)
    >>> kept.index.tolist(), dropped
    ([2], 3)
    """
    if "lifecycle" not in events:
        return events, 0
    complete = events["lifecycle"].astype("string").str.strip().str.lower() == "complete"
    complete = complete.fillna(False).to_numpy(dtype=bool)
    if complete.all() or not complete.any():
        return events, 0
    return events[complete], int((~complete).sum())


def outcome_events(
    config,  # noqa: ANN001 -- DatasetConfig
    outcomes: dict[str, str] | None,
    goal: str | list[str] | None,
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The outcome events (touchpoint -> outcome) and goal outcomes, given or from the config.

    >>> outcome_events(None, {"ok": "approved", "no": "declined"}, "approved")
    ({'ok': 'approved', 'no': 'declined'}, ('approved',))
    """
    if outcomes is None:
        outcomes = dict(getattr(config, "outcomes", None) or {})
    if goal is None:
        goal = getattr(config, "goal", None) or ()
    goals = (goal,) if isinstance(goal, str) else tuple(goal)
    unknown = set(goals) - set(outcomes.values())
    if unknown:
        raise ValueError(
            f"goal {sorted(unknown)} is not an outcome; the outcomes are "
            f"{sorted(set(outcomes.values()))}"
        )
    return {str(k): str(v) for k, v in outcomes.items()}, goals


def one_stage(events: pd.DataFrame) -> pd.DataFrame:
    """``events`` with every event in the one stage :data:`~cxlib.contract.SINGLE_STAGE`.

    A new frame over the same columns (not copied) plus the constant stage.

    >>> one_stage(pd.DataFrame({"customer_id": ["a", "b"]}))["stage"].tolist()
    ['journey', 'journey']
    """
    stage = pd.Categorical.from_codes(
        np.zeros(len(events), dtype=np.int8), categories=[SINGLE_STAGE], ordered=True
    )
    columns = {c: events[c] for c in events.columns} | {
        "stage": pd.Series(stage, index=events.index)
    }
    return pd.DataFrame(columns, copy=False)
