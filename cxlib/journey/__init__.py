"""Customer journeys: stage funnel, touchpoint friction, paths and per-persona journey maps.

Journey analysis is process mining on a customer event log, so the event-level work is SQL
on DuckDB (the standard-SQL files in ``cxlib/sql/journey/``, run by
:class:`~cxlib.journey.log.JourneyLog`; the sequential steps -- ordering the log, counting
visits, spelling out variants -- run in numpy, :mod:`~cxlib.journey.sequence` and
:mod:`~cxlib.journey.tallies`, tested against their SQL definitions); the modules of this
package turn the counts into rates with 95% Wilson intervals, scores, tables, sentences and
figures: :mod:`~cxlib.journey.funnel`, :mod:`~cxlib.journey.friction`, :mod:`~cxlib.journey.paths`,
:mod:`~cxlib.journey.maps` (per-persona journey maps), :mod:`~cxlib.journey.voices` (what
customers say: comment themes and sentiment per touchpoint, the emotion of each persona x
stage) and :mod:`~cxlib.journey.voice_tables`, :mod:`~cxlib.journey.analysis`
(everything at once), :mod:`~cxlib.journey.findings` (sentences, tables, output files) and
:mod:`~cxlib.journey.figures`. Any event log runs through it once a config maps its
case, activity and time columns onto ``customer_id``, ``touchpoint`` and ``timestamp`` (see
``configs/helpdesk.yaml``).

Definitions
-----------
Order
    A customer's events by timestamp, ties kept in source order.
Reached a stage
    Has an event in it. *Progressed* (converted): has an event in any later stage after
    first entering it. Median time to the next stage: from the first event in the stage to
    the first later-stage event after it.
Journey end and exit
    A journey ends at the customer's last event. Before purchase (the customer never reached
    a stage after ``purchase_stage``) every end is an exit -- abandonment. After purchase an
    end is an exit only when the customer churned: a retained customer's last event is not a
    drop-off. Without a purchase stage, reaching the final stage completes the journey.
    *Exit rate* = exits at the touchpoint / customers who visited it. *Drop-off* of a stage
    = exits of customers whose furthest stage it was / customers who reached it.
Loop
    A visit repeating the same touchpoint at most ``loop_window_hours`` after the customer's
    previous visit to it (daily log-ins are not loops). *Loop rate* = loop visits / visits.
Follow-up contact
    A support ticket opened by the customer at most ``followup_hours`` after the visit
    (failure demand). *Follow-up contact rate* = followed-up visits / visits.
Time to next step
    Consecutive visits to one touchpoint form a step; the time from a step to the
    customer's next step, shown against the stage's median. A step is *slow* when it waits
    longer than three in four comparable steps of its stage (the 75th percentile), steps
    that stay in the stage and steps that lead to the next stage judged apart (a stage's
    last touchpoint waits for the next stage by nature). *Slow step share*: slow steps /
    steps (25% is the norm).
Negative answer
    An NPS detractor (0-6) or a CES/CSAT answer in the two lowest points of its scale given
    about the touchpoint; *negative comment share* = comments that came with a negative
    answer / comments.
Rework
    Coming back to a touchpoint after other steps within ``rework_window_hours`` (a loop is
    a direct repeat within ``loop_window_hours``).
Impact and rank
    Per component ``c`` (exits, loops, rework, follow-up contacts, slow steps; negative
    answers count only their excess answers): ``units_c * max(0, rate_c - norm_c)``, where
    the norm is the median rate of the touchpoints of the same stage (of all touchpoints
    when the stage has fewer than three). *Impact* is their sum: the customers who meet
    friction there beyond what is normal for the stage, so a high-reach step outranks a
    rare one of the same rate. Touchpoints are ranked by impact; the *friction score*
    (100 x impact / customers, with :data:`DEFAULT_WEIGHTS`) is shown beside it. A
    touchpoint with fewer than ``min_customers`` customers is scored but not ranked.
Customers affected and revenue at risk
    Customers who exited, looped, reworked, were followed up, answered negatively or took a
    slow step at the touchpoint. Revenue at risk is the monthly revenue of those affected by
    more than a slow step (a quarter of all steps are slow by definition), a customer who
    never bought counted at the mean monthly revenue of paying customers (the value of a
    lost sale). A journey that ends at the goal or a configured outcome is not an exit.

Examples
--------
>>> from cxlib import journey
>>> cx = cxlib.load("data/sample")                                       # doctest: +SKIP
>>> ja = journey.JourneyAnalysis(loop_window_hours=1).fit(cx)            # doctest: +SKIP
>>> ja.friction_[["touchpoint", "friction_score", "rank"]].head(2)       # doctest: +SKIP
>>> journey.findings(ja)[0]                                              # doctest: +SKIP
"""

from cxlib.io.outputs import read_personas
from cxlib.journey.analysis import JourneyAnalysis
from cxlib.journey.findings import (
    SCORE_FORMULA,
    describe_touchpoint,
    findings,
    save_outputs,
    score_explanation,
    summary,
    table_cross_channel,
    table_friction,
    table_variants,
    top_friction,
)
from cxlib.journey.friction import DEFAULT_WEIGHTS, affected_total, friction, score_friction
from cxlib.journey.funnel import funnel
from cxlib.journey.log import JourneyLog
from cxlib.journey.maps import journey_map
from cxlib.journey.paths import cross_channel_repeats, directly_follows, variants
from cxlib.journey.queries import SQL_DIR, render
from cxlib.journey.voice_tables import table_voices, voice_method
from cxlib.journey.voices import JourneyVoices, journey_voices


def __getattr__(name: str):
    """Import :mod:`cxlib.journey.figures` (matplotlib, seaborn) only when it is used."""
    if name == "figures":
        import importlib

        return importlib.import_module("cxlib.journey.figures")
    raise AttributeError(f"module 'cxlib.journey' has no attribute {name!r}")


__all__ = [
    "DEFAULT_WEIGHTS",
    "SCORE_FORMULA",
    "SQL_DIR",
    "JourneyAnalysis",
    "JourneyLog",
    "JourneyVoices",
    "affected_total",
    "cross_channel_repeats",
    "describe_touchpoint",
    "directly_follows",
    "figures",
    "findings",
    "friction",
    "funnel",
    "journey_map",
    "journey_voices",
    "read_personas",
    "render",
    "save_outputs",
    "score_explanation",
    "score_friction",
    "summary",
    "table_cross_channel",
    "table_friction",
    "table_variants",
    "table_voices",
    "top_friction",
    "variants",
    "voice_method",
]
