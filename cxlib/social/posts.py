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

import pandas as pd

from cxlib.io.privacy import mask_contacts
from cxlib.voice import cut

HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
LINK = re.compile(r"https?://\S+|www\.\S+")
USER = "@user"
"""What a private user's handle reads on a page."""
BRAND_HANDLE_SHARE = 0.005
"""A handle in at least this share of the posts is a brand account, quoted as is."""
QUOTE_CHARS = 160
"""Quotes on the page are cut to this many characters."""


def clean_posts(texts: pd.Series) -> pd.Series:
    """Posts without handles, links, ``#`` signs and HTML entities (blank stays blank)."""
    text = texts.astype(object).where(texts.notna(), None)
    out = text.map(
        lambda t: (
            " ".join(LINK.sub(" ", HANDLE.sub(" ", html.unescape(t))).replace("#", " ").split())
            if isinstance(t, str)
            else None
        )
    )
    return out.where(out.astype(str).str.len() > 0, None)


def brand_handles(texts: pd.Series, min_share: float = BRAND_HANDLE_SHARE) -> set[str]:
    """Handles (lower case) that appear in at least ``min_share`` of the posts."""
    found = texts.dropna().astype(str).str.lower().str.findall(HANDLE.pattern)
    per_post = found.map(lambda hs: sorted(set(hs))).explode().dropna()
    counts = per_post.value_counts()
    return set(counts.index[counts >= max(1.0, min_share * len(texts))])


def quote(text: str, keep: set[str], limit: int = QUOTE_CHARS) -> str:
    """A post fit for a page: entities decoded, contacts and private handles masked, cut."""
    plain = mask_contacts(html.unescape(str(text)))
    plain = HANDLE.sub(lambda m: m.group(0) if m.group(0).lower() in keep else USER, plain)
    return cut(plain, limit)
