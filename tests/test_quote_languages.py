"""Quotes not in English carry their language where a page shows them (issue 15)."""

from __future__ import annotations

import pandas as pd

from cxlib import wording
from cxlib.personas.voices import card_lines
from cxlib.scorecard.voc import theme_table
from cxlib.voice import quoted, quoted_lists

CZECH = "Platba kartou opakovaně selhala při objednávce"
GERMAN = "Die Lieferung kam viel zu spät und das Paket war beschädigt"
ENGLISH = "The delivery was late and the parcel was damaged"


def test_language_names_and_marks():
    assert wording.language_name("cs") == "Czech" and wording.language_name("DE") == "German"
    assert wording.language_name("und") is None and wording.language_name(None) is None
    assert wording.language_name("sv") == "sv"  # unlisted codes are shown as they are
    assert wording.in_language("cs") == " (in Czech)"
    assert wording.in_language("en") == wording.in_language("und") == ""


def test_quoted_marks_only_foreign_text():
    out = quoted([ENGLISH, CZECH, GERMAN, "ok"])
    assert out == [f"“{ENGLISH}”", f"“{CZECH}” (in Czech)", f"“{GERMAN}” (in German)", "“ok”"]
    assert quoted(["anything"], languages=["fr"]) == ["“anything” (in French)"]
    assert quoted([]) == []


def test_quoted_lists_keep_each_cell_apart():
    assert quoted_lists([[ENGLISH, CZECH], [], None, [GERMAN]]) == [
        f"“{ENGLISH}” · “{CZECH}” (in Czech)", "", "", f"“{GERMAN}” (in German)",
    ]  # fmt: skip


def test_scorecard_theme_examples_are_marked():
    themes = pd.DataFrame({"group": ["detractor"], "label": ["late delivery"], "share": [40.0],
                           "comments": [12], "examples": [[ENGLISH, GERMAN]]})  # fmt: skip
    cell = theme_table(themes)["examples"].iloc[0]
    assert cell == f"“{ENGLISH}” · “{GERMAN}” (in German)"


def test_persona_card_marks_a_foreign_theme():
    t = pd.DataFrame({"persona_id": [1, 1], "theme": ["platba kartou", "late delivery"],
                      "share": [0.2, 0.1], "lift": [2.0, 1.0], "distinct": [True, False],
                      "language": ["cs", "en"]})  # fmt: skip
    assert card_lines(t) == {1: ["“platba kartou” (in Czech) 20% (2.0× others)",
                                 "“late delivery” 10%"]}  # fmt: skip


def test_social_quotes_are_marked():
    from types import SimpleNamespace

    from cxlib.social.tables import table_negative_themes

    nt = pd.DataFrame({"theme": [1], "label": ["late parcel"], "n": [30], "share": [0.3],
                       "share_low": [0.2], "share_high": [0.4], "quotes": [[CZECH, ENGLISH]]})  # fmt: skip
    cell = table_negative_themes(SimpleNamespace(negative_themes_=nt))["what people write"]
    assert cell.iloc[0] == f"“{CZECH}” (in Czech) · “{ENGLISH}”"


def test_journey_quotes_are_marked():
    from cxlib.journey.voice_tables import _rows

    part = pd.DataFrame({"comments": [40, 40], "sentiment": [-0.2, -0.2],
                         "sentiment_low": [-0.3, -0.3], "sentiment_high": [-0.1, -0.1],
                         "suppressed": [False, False], "theme": ["payment", "delivery"],
                         "share": [0.5, 0.3], "share_low": [0.4, 0.2], "share_high": [0.6, 0.4],
                         "quote": [CZECH, ENGLISH]})  # fmt: skip
    rows = _rows("payment_page", "1", part, 20)
    assert [r["for example"] for r in rows] == [f"“{CZECH}” (in Czech)", f"“{ENGLISH}”"]
