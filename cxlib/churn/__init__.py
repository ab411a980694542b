"""Churn drivers: who leaves, what sets them apart, and what it is worth.

:func:`~cxlib.churn.findings.churn_study` runs the whole analysis on a loaded data set:
the modelling table (:mod:`~cxlib.churn.data`), the driver models
(:mod:`~cxlib.churn.model`, :mod:`~cxlib.churn.models`, :mod:`~cxlib.churn.drivers`,
:mod:`~cxlib.churn.evaluation`), retention curves (:mod:`~cxlib.churn.survival`), the value
at risk (:mod:`~cxlib.churn.value`) and NPS key drivers (:mod:`~cxlib.churn.nps_drivers`);
:mod:`~cxlib.churn.findings` writes the sentences and output files and
:mod:`~cxlib.churn.figures` draws (imported lazily).
"""

from cxlib.churn.findings import (
    ChurnStudy,
    churn_study,
    findings,
    save_outputs,
    summary,
    summary_sentences,
)
from cxlib.churn.model import ChurnDriverModel
from cxlib.io.outputs import read_personas


def __getattr__(name: str):
    """Import :mod:`cxlib.churn.figures` (matplotlib) only when it is used."""
    if name == "figures":
        import importlib

        return importlib.import_module("cxlib.churn.figures")
    raise AttributeError(f"module 'cxlib.churn' has no attribute {name!r}")


__all__ = [
    "ChurnDriverModel",
    "ChurnStudy",
    "churn_study",
    "figures",
    "findings",
    "read_personas",
    "save_outputs",
    "summary",
    "summary_sentences",
]
