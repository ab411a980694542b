"""Kept for old imports: the function words now live in :mod:`cxlib.voice.stopwords`."""

from __future__ import annotations

from cxlib.voice.stopwords import LANGUAGES, STOP_WORDS

__all__ = ["LANGUAGES", "STOP_WORDS"]
