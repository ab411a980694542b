"""Personal data and spreadsheet formulas out of every text a report publishes.

Customers write their e-mail address, phone number, card or account number into survey
comments; a report that quotes a comment (a theme's examples, a table, a CSV cell) must
not publish them. :func:`mask_contacts` replaces each with a placeholder; it is the one
function every published text goes through (:func:`cxlib.io.outputs.save` for CSV and
JSON files, :func:`cxlib.plots.table_html` and :func:`cxlib.plots.findings_html` for
pages, the comment themes before they are fitted).

What is masked (placeholder):

- e-mail addresses (``[e-mail]``);
- links whose query string, fragment or path carries data (``?id=…``, ``&email=…``,
  ``/reset/3f9a…`` tokens, an ``@``) (``[link]``); a plain link such as
  ``https://shop.example/help`` stays;
- IBANs (mod-97 checked) and numbers written after *account*, *acct*, *konto*, *IBAN*,
  *sort code* … (``[account]``);
- payment card numbers: 13–19 digits, spaces or dashes between, Luhn-checked (``[card]``);
- phone numbers: international (``+49 170 1234567``, ``0049 …``), national with a
  leading 0 (``0170 1234567``, ``01701234567``) or grouped (``(555) 123-4567``,
  ``555-123-4567``) (``[phone]``).

What is not: dates (``2024-10-01``, ``01.02.2024``), times, amounts (``1,234.56``,
``1.234.567``), order, invoice and ticket numbers (a bare number, or one written after
*order*, *invoice*, *ticket*, *ref* …), ids glued to letters (``ORD-2024-000123``), and
names in general: a customer's own name is masked in their own comment when the customers
table has it (:func:`mask_names`, :func:`customer_names`), other people's names are not.
Addresses written out in words (``anna at example dot com``) are not recognised.

:func:`neutralise_formula` stops a spreadsheet from running a cell read from the data
(``=HYPERLINK(…)``): a string starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading single quote, as OWASP advises against CSV injection.

Examples
--------
>>> mask_contacts("Mail anna.berg@example.com or call +49 170 1234567.")
'Mail [e-mail] or call [phone].'
>>> mask_contacts("Order 12345678 of 2024-10-01 at 14:30, 1,234.56 EUR")
'Order 12345678 of 2024-10-01 at 14:30, 1,234.56 EUR'
>>> neutralise_formula('=HYPERLINK("http://x")'), neutralise_formula("-5")
('\\'=HYPERLINK("http://x")', "'-5")
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

import pandas as pd

EMAIL = "[e-mail]"
PHONE = "[phone]"
CARD = "[card]"
ACCOUNT = "[account]"
LINK = "[link]"
NAME = "[name]"
PLACEHOLDERS = (EMAIL, PHONE, CARD, ACCOUNT, LINK, NAME)
"""Every placeholder :func:`mask_contacts` and :func:`mask_names` write."""

NAME_COLUMNS = (
    "name",
    "full_name",
    "customer_name",
    "first_name",
    "given_name",
    "last_name",
    "surname",
    "family_name",
)
"""Columns of the customers table (any case) that hold a customer's name."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is read as a formula by spreadsheets (OWASP)."""
PHONE_DIGITS = (7, 15)
"""Digits a phone number has (E.164 allows at most 15)."""
CARD_DIGITS = (13, 19)
"""Digits a payment card number has."""
TOKEN_CHARS = 16
"""A path segment of a link at least this long, with letters and digits, is a token."""
CONTEXT_CHARS = 24
"""Characters before a number searched for words such as *order* or *account*."""

_CANDIDATE = re.compile(r"@|https?://|www\.|\d[\d ()./\-\u00a0]{4,}\d", re.IGNORECASE)
"""Cheap test: a text without any of these has nothing to mask."""
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'\])}]+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
_CARD = re.compile(r"(?<![\w.,/+-])\d(?:[ -]?\d){12,18}(?![\w/-]|[.,]\d)")
_ACCOUNT = re.compile(
    r"\b(?:account|acct|a/c|iban|konto|kontonummer|compte|cuenta|conto|rekening|sort code)"
    r"(?:\s*(?:no\.?|number|nr\.?|nummer|num[eé]ro|#))?\s*[:#]?\s*(\d[\d \-]{4,}\d)",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w#/.,:+-])(?:\+|\(\+?)?\d[\d ()./\-\u00a0]{4,}\d\)?(?![\w/-]|[.,:]\d|:)"
)
_NOT_PHONE_WORDS = re.compile(
    r"(?:\b(?:order|invoice|ticket|customer|case|tracking)(?: number| no\.?| nr\.?| id)?|"
    r"\bref(?:erence)?|\bid|#|\b(?:bestell|rechnungs?|auftrags?|kunden|sendungs)\w*|"
    r"\b(?:commande|facture|pedido|factura|ordine|fattura))\W{0,3}$",
    re.IGNORECASE,
)
_YEARS = re.compile(r"(?:19|20)\d\d\s*[-/]\s*(?:19|20)\d\d")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_THOUSANDS = re.compile(r"\d{1,3}(?:([., \u00a0])\d{3})(?:\1\d{3})*(?:[.,]\d{1,2})?")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_NATIONAL = re.compile(r"0[1-9]\d{8,10}|00[1-9]\d{7,13}")


def mask_contacts(text: str) -> str:
    """``text`` with e-mails, phones, card and account numbers and personal links masked.

    What is and is not recognised is listed in this module's docstring. Non-strings
    are returned unchanged (a number is not text).

    Examples
    --------
    >>> mask_contacts("card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00")
    'card [card], IBAN [account]'
    >>> mask_contacts("see https://shop.example/track?order=1&email=a@b.de, or www.shop.example")
    'see [link], or www.shop.example'
    """
    if not isinstance(text, str) or not _CANDIDATE.search(text):
        return text
    text = _URL.sub(_link, text)
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(lambda m: ACCOUNT if _iban_valid(m.group(0)) else m.group(0), text)
    text = _CARD.sub(lambda m: CARD if _luhn_valid(m.group(0)) else m.group(0), text)
    text = _ACCOUNT.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + ACCOUNT, text)
    return _PHONE.sub(_phone, text)


def _link(m: re.Match[str]) -> str:
    """A link stays unless it carries data: a query, a fragment, an ``@`` or a token."""
    url = m.group(0)
    tail = ""
    while url and url[-1] in ".,;:!?":  # sentence punctuation is not part of the link
        url, tail = url[:-1], url[-1] + tail
    if re.search(r"[?#@]|=", url) or any(_is_token(part) for part in url.split("/")[3:]):
        return LINK + tail
    return url + tail


def _is_token(part: str) -> bool:
    """A long path segment mixing letters and digits (a reset link, a tracking id)."""
    return (
        len(part) >= TOKEN_CHARS
        and re.fullmatch(r"[\w-]+", part) is not None
        and any(c.isdigit() for c in part)
        and any(c.isalpha() for c in part)
    )


def _iban_valid(text: str) -> bool:
    """ISO 13616: 15–34 characters whose mod-97 check (country code moved last) is 1."""
    iban = re.sub(r"\s", "", text).upper()
    if not 15 <= len(iban) <= 34:
        return False
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def _luhn_valid(text: str) -> bool:
    """A card number: 13–19 digits passing the Luhn checksum."""
    digits = [int(c) for c in text if c.isdigit()]
    if not CARD_DIGITS[0] <= len(digits) <= CARD_DIGITS[1]:
        return False
    total = sum(d if i % 2 == 0 else (2 * d - 9 if d > 4 else 2 * d)
                for i, d in enumerate(reversed(digits)))  # fmt: skip
    return total % 10 == 0


def _phone(m: re.Match[str]) -> str:
    """:data:`PHONE` when the candidate reads as a phone number, else the text unchanged."""
    found = m.group(0).rstrip(" .-/\u00a0")
    rest = m.group(0)[len(found) :]
    return (PHONE + rest) if _is_phone(found, m.string[: m.start()]) else m.group(0)


def _is_phone(found: str, before: str) -> bool:
    """Whether a digit run with separators is a phone (not a date, amount, id or order)."""
    digits = re.sub(r"\D", "", found)
    if not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
        return False
    if found.startswith(("+", "(+")):
        return len(digits) >= PHONE_DIGITS[0] + 1
    if _NOT_PHONE_WORDS.search(before[-CONTEXT_CHARS:].rstrip()):
        return False  # "order no. 555-123-4567" is an order number
    if _DATE.search(found) or _YEARS.fullmatch(found) or _IPV4.fullmatch(found):
        return False  # a date, a range of years, an IP address
    if _THOUSANDS.fullmatch(found):
        return False  # an amount: 1.234.567, 1 234 567
    if found.isdigit():
        return _NATIONAL.fullmatch(found) is not None
    groups = re.findall(r"\d+", found)
    if sum(len(g) == 1 for g in groups) > 1:
        return False  # a list of small numbers (scores, counts)
    return len(groups) >= 2 and (found.startswith(("0", "(")) or len(groups[-1]) >= 4)


def mask_names(text: str, names: Iterable[str]) -> str:
    """``text`` with each of ``names`` (a customer's name and its parts) as :data:`NAME`.

    A name is matched as a whole word, written as in the data, capitalised or in capitals
    (``Anna``, ``ANNA``; ``anna`` is left, as it is also a word in some languages).
    Parts shorter than two letters are ignored.

    Examples
    --------
    >>> mask_names("Thanks, Anna Berg! BERG here.", ["Anna Berg", "Anna", "Berg"])
    'Thanks, [name]! [name] here.'
    """
    if not isinstance(text, str):
        return text
    variants = {
        v for n in names if isinstance(n, str) and len(n.strip()) >= 2
        for v in (n.strip(), n.strip().title(), n.strip().upper())
    }  # fmt: skip
    variants = {v for v in variants if v in text}  # cheap test before any pattern
    if not variants:
        return text
    alternatives = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
    masked = re.sub(rf"(?<!\w)(?:{alternatives})(?!\w)", NAME, text)
    return re.sub(rf"{re.escape(NAME)}(?:\s+{re.escape(NAME)})+", NAME, masked)


def customer_names(customers: pd.DataFrame | None) -> pd.Series | None:
    """Each customer's name and its parts (a list) by ``customer_id``, from
    :data:`NAME_COLUMNS` of the customers table; None when it has none.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["1"], "First_Name": ["Anna"], "last_name": ["Berg"]})
    >>> customer_names(c).to_dict()
    {'1': ['Anna', 'Berg', 'Anna Berg']}
    """
    if customers is None or "customer_id" not in customers:
        return None
    cols = [c for c in customers.columns if str(c).casefold() in NAME_COLUMNS]
    if not cols:
        return None
    parts = [customers[c].astype("string").fillna("").tolist() for c in cols]
    names = pd.Series(
        [_name_parts(list(row)) for row in zip(*parts, strict=True)],
        index=customers["customer_id"].astype(str).to_numpy(),
        dtype=object,
    )
    return names[names.str.len() > 0]


def _name_parts(values: list[str]) -> list[str]:
    """The non-empty names of one customer, each word of them, and first + last together."""
    words = [v.strip() for v in values if v and v.strip()]
    out = list(dict.fromkeys(words + [w for v in words for w in v.split()]))
    if len(words) >= 2:
        out.append(" ".join(words[-2:]))
    return list(dict.fromkeys(out))


def mask_comments(
    comments: pd.Series, customer_ids: pd.Series | None = None, names: pd.Series | None = None
) -> pd.Series:
    """Comments with contact details masked, and each customer's own name where known.

    ``customer_ids`` (aligned with ``comments``) and ``names`` (:func:`customer_names`)
    are optional: without them only contact details are masked.
    """
    out = mask_series(comments)
    if names is None or customer_ids is None or not len(out):
        return out
    own = customer_ids.astype(str).map(names)
    has = own.notna() & out.notna()
    out = out.astype(object)
    out[has] = [mask_names(t, n) for t, n in zip(out[has], own[has], strict=True)]
    return out


def mask_series(values: pd.Series, also: Callable[[str], str] | None = None) -> pd.Series:
    """:func:`mask_contacts` (then ``also``) on every string of ``values``, each distinct
    value once; non-strings are kept, and the dtype unless a category changes."""

    def mask(v: str) -> str:
        new = mask_contacts(v)
        return also(new) if also is not None else new

    return _map_strings(values, mask, into_lists=True)


def _is_text(values: pd.Series) -> bool:
    """Whether ``values`` can hold strings (object, string or categorical dtype)."""
    dtype = values.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def _map_strings(
    values: pd.Series, fn: Callable[[str], str], *, into_lists: bool = False
) -> pd.Series:
    """``fn`` on each distinct string of ``values`` (the others untouched); ``values``
    itself when nothing changes, so callers can tell. Cells holding lists (a theme's
    example comments) get ``fn`` on each of their strings when ``into_lists``."""
    if not _is_text(values):
        return values
    if values.dtype == object and any(isinstance(v, (list, tuple)) for v in values):
        if not into_lists:
            return values
        return _map_lists(values, fn)
    uniques = pd.unique(values.dropna())
    mapping = {v: new for v in uniques if isinstance(v, str) and (new := fn(v)) != v}
    if not mapping:
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    hit = values.isin(list(mapping)).to_numpy()  # Series.replace is slow on many keys
    out = values.copy()
    out[hit] = values[hit].map(mapping)
    return out


def _map_lists(values: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """``fn`` on every string of a column whose cells may be lists of strings."""

    def one(v: object) -> object:
        if isinstance(v, str):
            return fn(v)
        if isinstance(v, (list, tuple)):
            return [fn(x) if isinstance(x, str) else x for x in v]
        return v

    out = values.map(one)
    return values if out.equals(values) else out


def neutralise_formula(text: str) -> str:
    """``text`` with a leading single quote when a spreadsheet would run it as a formula.

    Only strings change (a number is never a formula).

    Examples
    --------
    >>> neutralise_formula("@SUM(A1)"), neutralise_formula("plain"), neutralise_formula(-5)
    ("'@SUM(A1)", 'plain', -5)
    """
    if isinstance(text, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def is_id_column(name: object) -> bool:
    """Whether a column holds ids (``customer_id``, ``id``, ``*_id``): never masked, as a
    number-like id is not a phone and other reports read the ids back."""
    key = str(name).casefold()
    return key == "id" or key.endswith("_id")


def publishable(frame: pd.DataFrame, *, formulas: bool = True) -> pd.DataFrame:
    """``frame`` as it may be published: contact details masked in its text columns (not
    in id columns) and, when ``formulas``, every formula-like string neutralised (ids
    included; column names too). Numbers are left as they are."""
    out = frame
    for col in frame.columns:
        s = frame[col]
        if not _is_text(s):
            continue
        new = s if is_id_column(col) else mask_series(s)
        if formulas:
            new = _neutralise_series(new)
        if new is not s:
            out = out.copy() if out is frame else out
            out[col] = new
    if formulas and any(isinstance(c, str) and c.startswith(FORMULA_STARTS) for c in out.columns):
        out = out.rename(columns=neutralise_formula)
    return out


def _neutralise_series(values: pd.Series) -> pd.Series:
    """:func:`neutralise_formula` on the strings of ``values`` (each distinct one once)."""
    return _map_strings(values, neutralise_formula)


PERSONAL_COLUMN_WORDS = (
    "name", "surname", "email", "e_mail", "mail", "phone", "mobile", "telephone", "tel",
    "address", "street", "postcode", "zip", "ssn", "passport", "iban", "card_number",
)  # fmt: skip
"""Words that mark a column as personal data when they are a whole word of its name
(``full_name``, ``Email``, ``home_address``; not ``plan_name_code``'s ``plan``)."""
CONTACT_SHARE = 0.5
"""A text column whose values are mostly e-mails or phone numbers holds contact data."""
FREE_TEXT_CHARS = 40
"""Median length above which a text column reads as free text, not a category."""


def personal_data_reason(name: object, values: pd.Series) -> str | None:
    """Why a column must not be used as a model feature (personal data), or None.

    A name made of a personal-data word (:data:`PERSONAL_COLUMN_WORDS`, or
    :data:`NAME_COLUMNS`), values that are mostly e-mail addresses or phone numbers, and
    free text (long values) are personal or identifying: a model would learn individuals,
    and a page describing the driver would list them.

    Examples
    --------
    >>> personal_data_reason("full_name", pd.Series(["Ann Lee"]))
    'looks like personal data (the column name says name)'
    >>> personal_data_reason("contact", pd.Series(["a@b.com", "c@d.org"]))
    'holds e-mail addresses or phone numbers'
    >>> personal_data_reason("plan", pd.Series(["basic", "premium"])) is None
    True
    """
    words = [w for w in re.split(r"[^a-z0-9]+", str(name).casefold()) if w]
    key = "_".join(words)
    hit = next((w for w in PERSONAL_COLUMN_WORDS if w in words or w == key), None)
    if hit is None and key in NAME_COLUMNS:
        hit = "name"
    if hit is not None:
        return f"looks like personal data (the column name says {hit})"
    if not _is_text(values):
        return None
    texts = values.dropna().astype(str)
    if texts.empty:
        return None
    sample = texts.sample(min(len(texts), 500), random_state=0)
    if float(sample.map(_is_contact).mean()) >= CONTACT_SHARE:
        return "holds e-mail addresses or phone numbers"
    if float(sample.str.len().median()) > FREE_TEXT_CHARS:
        return "free text, not a category"
    return None


def _is_contact(text: str) -> bool:
    """Whether one value is (mostly) an e-mail address or a phone number."""
    masked = mask_contacts(text.strip())
    return masked != text.strip() and (EMAIL in masked or PHONE in masked)


def looks_like_contacts(ids: pd.Series) -> bool:
    """Whether customer ids are e-mail addresses or phone numbers (then never shown).

    Examples
    --------
    >>> looks_like_contacts(pd.Series(["ann@x.com", "bo@y.org"]))
    True
    >>> looks_like_contacts(pd.Series(["0001", "0002"]))
    False
    """
    texts = ids.dropna().astype(str)
    if texts.empty:
        return False
    sample = texts.sample(min(len(texts), 500), random_state=0)
    return float(sample.map(_is_contact).mean()) >= CONTACT_SHARE


def pseudonyms(ids: pd.Series, *, salt: str = "cxlib") -> pd.Series:
    """A stable pseudonym per id (``C-`` and 10 hex digits of a salted SHA-256).

    The same id gets the same pseudonym in every run with the same salt, so a service team
    holding the private mapping file can find the customer; the page shows only the
    pseudonym.

    Examples
    --------
    >>> p = pseudonyms(pd.Series(["ann@x.com", "ann@x.com"]))
    >>> p.iloc[0] == p.iloc[1], p.iloc[0].startswith("C-"), len(p.iloc[0])
    (True, True, 12)
    """

    def one(value: object) -> str:
        digest = hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()
        return f"C-{digest[:10]}"

    return ids.astype(object).map(one)
