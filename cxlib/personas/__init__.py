"""Customer personas: k-means segments of customer behaviour, named and profiled.

The analysis runs in three steps. :class:`~cxlib.personas.segmenter.PersonaSegmenter`
clusters the per-customer features (:mod:`cxlib.features`) through one scikit-learn
preprocessing pipeline (:mod:`~cxlib.personas.preprocessing`), k chosen by
:mod:`~cxlib.personas.selection`; it only fits.
:mod:`~cxlib.personas.naming` names the personas from their distinguishing traits, and
:func:`persona_profiles` (:mod:`~cxlib.personas.profiles`) names and profiles them with
95% CIs. :mod:`~cxlib.personas.findings` turns them into sentences, cards, tables,
:func:`summary` and the output files (:func:`save_outputs`; :func:`write_personas` is the
one writer of ``personas.csv``), :mod:`~cxlib.personas.voices` finds the comment themes that
set each persona apart (on its card), and :mod:`~cxlib.personas.figures` draws them
(imported lazily).

Examples
--------
>>> from cxlib import personas
>>> X = customer_features(cx)                                        # doctest: +SKIP
>>> seg = personas.PersonaSegmenter().fit(X)                         # doctest: +SKIP
>>> profiles = personas.persona_profiles(cx, seg, X)                 # doctest: +SKIP
>>> personas.findings(profiles, seg, personas.overall_metrics(cx))   # doctest: +SKIP
"""

from cxlib.paths import PERSONAS_FILE
from cxlib.personas.findings import (
    assignments,
    cards_html,
    dictionary,
    findings,
    k_table,
    notes,
    overall_metrics,
    profile_table,
    save_outputs,
    show_cards,
    summary,
    write_personas,
)
from cxlib.personas.naming import name_personas, name_segments
from cxlib.personas.preprocessing import model_matrix
from cxlib.personas.profiles import persona_profiles
from cxlib.personas.segmenter import PersonaSegmenter
from cxlib.personas.voices import card_lines, persona_themes


def __getattr__(name: str):
    """Import :mod:`cxlib.personas.figures` (matplotlib, seaborn) only when it is used."""
    if name == "figures":
        import importlib

        return importlib.import_module("cxlib.personas.figures")
    raise AttributeError(f"module 'cxlib.personas' has no attribute {name!r}")


__all__ = [
    "PERSONAS_FILE",
    "PersonaSegmenter",
    "assignments",
    "card_lines",
    "cards_html",
    "dictionary",
    "figures",
    "findings",
    "k_table",
    "model_matrix",
    "name_personas",
    "name_segments",
    "notes",
    "overall_metrics",
    "persona_profiles",
    "persona_themes",
    "profile_table",
    "save_outputs",
    "show_cards",
    "summary",
    "write_personas",
]
