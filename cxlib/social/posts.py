"""Public posts as text to read and to quote: handles, links and HTML entities.

Posts carry what survey comments do not: ``@handles`` of the brand and of other users,
links, hashtags and HTML entities (``&amp;``) as exported. :func:`clean_posts` strips them
before sentiment and themes are read, so a theme is "lost luggage", not "@united thanks";
:func:`quote` prepares a post for the page: entities decoded (the page escapes it again),
contact details masked (:func:`cxlib.io.privacy.mask_contacts`) and the handles of private
users replaced by :data:`USER` (a handle is a personal identifier); brand accounts, the
handles that appear in many posts (:func:`brand_handles`), stay.

Examples
--------
>>> clean_posts(pd.Series(["@united lost my bag &amp; no help #fail http://t.co/x"])).tolist()
['lost my bag & no help fail']
>>> quote("@united thanks @jane_doe &amp; crew", {"@united"})
'@united thanks @user & crew'
"""

from __future__ import annotations

import html
import re
from collections import Counter

import numpy as np
import pandas as pd

from cxlib.io.privacy import mask_contacts
from cxlib.voice import cut
from cxlib.voice.text import distinct, spread

HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
LINK = re.compile(r"https?://\S+|www\.\S+")
USER = "@user"
"""What a private user's handle reads on a page."""
BRAND_HANDLE_SHARE = 0.005
"""A handle in at least this share of the posts is a brand account, quoted as is."""
QUOTE_CHARS = 160
"""Quotes on the page are cut to this many characters."""


def clean_posts(texts: pd.Series) -> pd.Series:
    """Posts without handles, links, ``#`` signs and HTML entities (blank stays blank).

    Each distinct post is cleaned once (exports repeat posts: retweets, templates).
    """
    codes, uniques = distinct(texts)
    cleaned = [_clean_post(u) if isinstance(u, str) else None for u in uniques]
    return pd.Series(spread(cleaned, codes), index=texts.index, dtype=object)


def _clean_post(text: str) -> str | None:
    """One post cleaned as :func:`clean_posts` does; None when nothing is left."""
    out = " ".join(LINK.sub(" ", HANDLE.sub(" ", html.unescape(text))).replace("#", " ").split())
    return out or None


def brand_handles(texts: pd.Series, min_share: float = BRAND_HANDLE_SHARE) -> set[str]:
    """Handles (lower case) that appear in at least ``min_share`` of the posts.

    Counted per distinct post, times the posts that hold it.

    >>> sorted(brand_handles(pd.Series(["@Air hi", "@air @bob", "yo", None]), 0.5))
    ['@air']
    """
    codes, uniques = distinct(texts)
    copies = np.bincount(codes[codes >= 0], minlength=len(uniques))
    counts: Counter[str] = Counter()
    for text, n in zip(uniques, copies.tolist(), strict=True):
        for handle in set(re.findall(HANDLE.pattern, str(text).lower())):
            counts[handle] += n
    return {h for h, c in counts.items() if c >= max(1.0, min_share * len(texts))}


def quote(text: str, keep: set[str], limit: int = QUOTE_CHARS) -> str:
    """A post fit for a page: entities decoded, contacts and private handles masked, cut."""
    plain = mask_contacts(html.unescape(str(text)))
    plain = HANDLE.sub(lambda m: m.group(0) if m.group(0).lower() in keep else USER, plain)
    return cut(plain, limit)
