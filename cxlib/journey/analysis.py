"""The whole journey-friction analysis of a data set, as one estimator."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.base import BaseEstimator

from cxlib.io.ids import positions
from cxlib.journey.friction import friction_counts, ranked_friction
from cxlib.journey.funnel import funnel, outcomes
from cxlib.journey.log import JourneyLog
from cxlib.journey.log_inputs import kept_on_spark
from cxlib.journey.maps import build_journey_map
from cxlib.journey.paths import cross_channel_repeats, directly_follows, variants
from cxlib.journey.voices import MIN_COMMENTS, JourneyVoices, add_emotions, journey_voices
from cxlib.wording import percent

FULL_COVERAGE = 0.95
"""Personas covering less than this share of the journeys' customers earn a note."""


class JourneyAnalysis(BaseEstimator):
    """The whole journey-friction analysis of a data set, on one prepared event log.

    A scikit-learn style estimator: ``__init__`` only stores the parameters, :meth:`fit`
    validates them and computes the learned attributes (ending in ``_``), and
    ``sklearn.base.clone`` gives an unfitted copy with the same parameters.

    Parameters
    ----------
    stage_order : list of str, optional
        Stages in order; default the data set's config.
    purchase_stage : str or None
        Stage after which only churned customers' journey ends count as exits.
    loop_window_hours, followup_hours : float
        Loop window (default 1 h) and follow-up contact window (default 48 h).
    rework_window_hours : float
        A return to a touchpoint within this many hours, after another touchpoint, is
        rework (default 8 h: within the working day or session; daily use is not rework).
    outcomes : dict, optional
        Touchpoint -> outcome: events that end a journey by nature (default the config's
        ``outcomes``); ``goal``: the outcome(s) that complete it (default the config's).
    repeat_contact_days : float
        Window for repeat contacts across channels (default 7 days).
    min_customers : int
        Minimum customers to rank a touchpoint or show a journey-map cell.
    weights : dict, optional
        Friction-score weights (default :data:`DEFAULT_WEIGHTS`).
    top_variants, max_variant_steps : int
        How many journey variants to keep, and after how many steps to cut journeys.
    comments : bool
        Read the survey comments (:mod:`~cxlib.journey.voices`): themes and sentiment per
        touchpoint, and the emotion (mean sentiment) per persona x stage of the map.
    min_comments : int
        Touchpoints and persona x stage cells with fewer comments are suppressed.

    Attributes
    ----------
    funnel_, friction_, dfg_, variants_, cross_channel_, journey_map_ : DataFrame
        The results of :func:`funnel`, :func:`friction`, :func:`directly_follows`,
        :func:`variants`, :func:`cross_channel_repeats` and :func:`journey_map`; the
        journey map has ``sentiment`` and ``sentiment_comments`` per cell when
        ``comments`` is True.
    voices_ : JourneyVoices
        The scored comments, each touchpoint's themes and sentiment, the sentiment model
        (:func:`~cxlib.journey.voices.journey_voices`); empty when ``comments`` is False.
    outcomes_ : DataFrame
        How journeys end (:func:`~cxlib.journey.funnel.outcomes`): one row per outcome
        named in the config, plus journeys without one; empty without outcomes.
    notes_ : list of str
        What the data could not support, as sentences for the report.
    n_customers_, n_events_ : int
    stage_order_, purchase_stage_ :
        The stage order and purchase stage used (None when there is none).

    Examples
    --------
    >>> ja = JourneyAnalysis().fit(cx, personas)                        # doctest: +SKIP
    >>> ja.friction_.head(3)                                            # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        stage_order: list[str] | None = None,
        purchase_stage: str | None = "purchase",
        loop_window_hours: float = 1.0,
        followup_hours: float = 48.0,
        rework_window_hours: float = 8.0,
        repeat_contact_days: float = 7.0,
        outcomes: dict[str, str] | None = None,
        goal: str | list[str] | None = None,
        min_customers: int = 30,
        weights: dict[str, float] | None = None,
        top_variants: int = 10,
        max_variant_steps: int | None = 6,
        comments: bool = True,
        min_comments: int = MIN_COMMENTS,
    ) -> None:
        self.stage_order = stage_order
        self.purchase_stage = purchase_stage
        self.loop_window_hours = loop_window_hours
        self.followup_hours = followup_hours
        self.rework_window_hours = rework_window_hours
        self.outcomes = outcomes
        self.goal = goal
        self.repeat_contact_days = repeat_contact_days
        self.min_customers = min_customers
        self.weights = weights
        self.top_variants = top_variants
        self.max_variant_steps = max_variant_steps
        self.comments = comments
        self.min_comments = min_comments

    def fit(self, cx, personas: pd.DataFrame | None = None) -> JourneyAnalysis:  # noqa: ANN001
        """Run every part of the analysis on ``cx`` (a CXData with events)."""
        for name in (
            "loop_window_hours",
            "followup_hours",
            "rework_window_hours",
            "repeat_contact_days",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        notes: list[str] = []
        if personas is not None:
            covered = (
                cx.share_known("events", personas["customer_id"])  # events kept on Spark
                if kept_on_spark(cx)
                else _coverage(cx.events["customer_id"], personas["customer_id"])
            )
            if covered == 0:
                notes.append(
                    f"The personas file ({personas.attrs.get('path', 'given')}) shares no "
                    "customer with these events: persona splits are skipped."
                )
                personas = None
            elif covered < FULL_COVERAGE:
                notes.append(
                    f"Personas cover {percent(covered)} of the customers with a journey; the others "
                    "are left out of the persona splits."
                )
        log = JourneyLog(
            cx,
            stage_order=self.stage_order,
            purchase_stage=self.purchase_stage,
            outcomes=self.outcomes,
            goal=self.goal,
            personas=personas,
        )
        if personas is None and not notes:
            notes.append(
                "No personas file (personas.csv of the persona report): persona splits and "
                "the persona journey map are skipped."
            )
        self.log_ = log
        self.stage_order_ = log.stage_order
        self.purchase_stage_ = log.purchase_stage
        self.n_customers_, self.n_events_ = log.n_customers, log.n_events
        self.funnel_ = funnel(log)
        self.outcomes_ = outcomes(log)
        counts = friction_counts(
            log, self.loop_window_hours, self.followup_hours, self.rework_window_hours
        )
        self.friction_ = ranked_friction(
            counts[counts["split"] == "all"], self.min_customers, self.weights
        )
        self.journey_map_ = build_journey_map(
            log, self.funnel_, counts, self.min_customers, self.weights
        )
        self.dfg_ = directly_follows(log)
        self.variants_ = variants(log, top=self.top_variants, max_steps=self.max_variant_steps)
        self.cross_channel_ = cross_channel_repeats(log, days=self.repeat_contact_days)
        self.notes_ = log.notes + notes
        self._fit_voices(personas)
        return self

    def _fit_voices(self, personas: pd.DataFrame | None) -> None:
        """``voices_`` and the emotions of the journey map, from the survey comments."""
        cx = self.log_.cx
        if not self.comments:
            self.voices_ = JourneyVoices(pd.DataFrame())
            return
        self.voices_, emotions = journey_voices(
            cx, self.friction_, personas, min_comments=self.min_comments
        )
        self.journey_map_ = add_emotions(self.journey_map_, emotions)
        if self.voices_.touchpoints.empty:
            self.notes_.append(
                "No survey comment names a touchpoint: what customers say at each step and "
                "the emotions of the persona journey map are not available."
            )


def _coverage(ids: pd.Series, known: pd.Series) -> float:
    """The share of the distinct ``ids`` that are in ``known`` (0 when there are none).

    Arrow's hash lookup (:func:`cxlib.io.ids.positions`), not ``Index.isin``: pandas checks
    Arrow-backed strings one Python object at a time (18 s for a million customers).

    >>> _coverage(pd.Series(["a", "b", "a", "c"]), pd.Series(["a", "c", "x"]))
    0.6666666666666666
    """
    distinct = pc.drop_null(pc.unique(pa.array(ids.astype("string[pyarrow]"))))
    if len(distinct) == 0:
        return 0.0
    return float((positions(distinct, known.dropna()) >= 0).mean())
