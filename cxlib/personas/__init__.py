"""Customer personas: k-means segments of customer behaviour, named and profiled.

:class:`~cxlib.personas.segmenter.PersonaSegmenter` clusters the per-customer features
(:mod:`cxlib.features`); :mod:`~cxlib.personas.profiles` names and profiles the personas;
:mod:`~cxlib.personas.findings` turns them into sentences, tables and output files, and
:mod:`~cxlib.personas.figures` draws them (imported lazily).

Examples
--------
>>> from cxlib import personas
>>> X = customer_features(cx)                                        # doctest: +SKIP
>>> seg = personas.PersonaSegmenter().fit(X)                         # doctest: +SKIP
>>> profiles = personas.persona_profiles(cx, seg, X)                 # doctest: +SKIP
"""

from cxlib.personas.findings import (
    PERSONAS_CSV,
    cards_html,
    dictionary,
    findings,
    k_table,
    notes,
    overall_metrics,
    profile_table,
    save_outputs,
    show_cards,
)
from cxlib.personas.profiles import name_personas, persona_profiles
from cxlib.personas.segmenter import PersonaSegmenter


def __getattr__(name: str):
    """Import :mod:`cxlib.personas.figures` (matplotlib, seaborn) only when it is used."""
    if name == "figures":
        import importlib

        return importlib.import_module("cxlib.personas.figures")
    raise AttributeError(f"module 'cxlib.personas' has no attribute {name!r}")


__all__ = [
    "PERSONAS_CSV",
    "PersonaSegmenter",
    "cards_html",
    "dictionary",
    "figures",
    "findings",
    "k_table",
    "name_personas",
    "notes",
    "overall_metrics",
    "persona_profiles",
    "profile_table",
    "save_outputs",
    "show_cards",
]
