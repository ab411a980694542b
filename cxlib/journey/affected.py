"""Who met friction where: the customers behind each ranked friction point.

The journey page states how many customers met friction at a touchpoint; the CX action
plan (:mod:`cxlib.actions`) needs *which* customers, to size every action the same way
(their churn and revenue against everyone else's). :func:`customer_friction` lists them
for the top ranked touchpoints; :func:`save_private` writes the list where customer-level
files go (never published).

Examples
--------
>>> ja = JourneyAnalysis().fit(cx)                                 # doctest: +SKIP
>>> customer_friction(ja, top=2).groupby("touchpoint").size()     # doctest: +SKIP
touchpoint
billing_page     6707
payment         14405
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cxlib.io import outputs
from cxlib.journey.queries import render
from cxlib.paths import private_outputs

AFFECTED_CSV = "journey_affected.csv"
"""The private file of the customers who met friction at the top touchpoints."""
TOP = 10
"""Ranked touchpoints whose customers are listed (the journey page's top ten)."""
KINDS = ("exited", "looped", "reworked", "followed_up", "slowed", "negative_answer")
"""What a customer can meet at a touchpoint (1 = met it)."""


def customer_friction(ja, top: int = TOP) -> pd.DataFrame:  # noqa: ANN001
    """The customers who met friction at the ``top`` ranked touchpoints of a fitted journey.

    Returns
    -------
    DataFrame
        ``customer_id, touchpoint, stage`` and the 0/1 columns of :data:`KINDS`, one row
        per customer and touchpoint (empty when nothing is ranked).
    """
    ranked = ja.friction_
    if ranked is None or ranked.empty:
        return pd.DataFrame(columns=["customer_id", "touchpoint", "stage", *KINDS])
    touchpoints = ranked.sort_values("rank")["touchpoint"].astype(str).head(top).tolist()
    log = ja.log_
    log.con.register("journey_selected", pd.DataFrame({"touchpoint": touchpoints}, dtype="string"))
    return log.con.execute(render("customer_friction")).df()


def save_private(ja, output_dir: str | Path, top: int = TOP) -> Path:  # noqa: ANN001
    """Write :func:`customer_friction` to the run's private outputs (customer ids inside)."""
    return outputs.save(private_outputs(output_dir), AFFECTED_CSV, customer_friction(ja, top))
