"""Every number, percent, money amount and duration as a report writes it: one style.

A leader reading two pages must see the same amount written the same way, so every page,
table and sentence formats through these functions and no module keeps a formatter of
its own. Unknown values (``None``, NaN, infinities) read ``"n/a"`` everywhere.

Examples
--------
>>> money(681_500), money(209_000.0), money(950)
('681.5k', '209.0k', '950')
>>> percent(0.237), percent(0.0004), share(0.004)
('24%', '0%', '0.4%')
>>> value(-27.93, "%"), p_value(0.0002), hours(30), hours(72)
('-27.9%', 'p < 0.001', '30.0 h', '3.0 days')
"""

from __future__ import annotations

import math
from typing import Any

from cxlib.contract import DAYS_PER_MONTH

UNKNOWN = "n/a"
"""How an unknown value reads on every page."""


_MONEY_UNITS = ((1e9, "bn"), (1e6, "m"), (1e3, "k"))


def is_known(x: Any) -> bool:
    """Whether ``x`` is a finite number (not None, NaN or infinite).

    >>> is_known(1.0), is_known(float("nan")), is_known(None)
    (True, False, False)
    """
    if x is None:
        return False
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def number(x: Any, digits: int = 0) -> str:
    """A number with thousands separators: ``number(12345.6) == '12,346'``.

    >>> number(12345.6), number(3.14159, 2), number(None)
    ('12,346', '3.14', 'n/a')
    """
    return f"{float(x):,.{digits}f}" if is_known(x) else UNKNOWN


def count(n: Any) -> str:
    """A whole count with thousands separators.

    >>> count(19996)
    '19,996'
    """
    return f"{int(n):,}" if is_known(n) else UNKNOWN


CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}
"""Currencies written with their symbol; any other ISO code is written before the amount."""
_CURRENCY: dict[str, str | None] = {"code": None}
"""The currency :func:`money` writes by default (set by :func:`use_currency`)."""


def use_currency(code: str | None) -> None:
    """Set the currency every :func:`money` call writes (the config's ``currency:``).

    The loader sets it from the config, so every page of a run writes amounts alike
    without passing the currency around; None writes bare amounts. (A module-level
    setting, not a context variable: a notebook kernel may run each cell in a copy of
    the context.)

    >>> use_currency("EUR"); money(681_500); use_currency(None)
    '€681.5k'
    """
    _CURRENCY["code"] = None if code is None else str(code).strip().upper() or None


def currency_prefix(code: str | None = None) -> str:
    """How an amount starts in ``code`` (default: the current one): ``'€'``, ``'CHF '``, ``''``.

    >>> currency_prefix("usd"), currency_prefix("CHF"), currency_prefix()
    ('$', 'CHF ', '')
    """
    code = _CURRENCY["code"] if code is None else code.strip().upper()
    if not code:
        return ""
    return CURRENCY_SYMBOLS.get(code, f"{code} ")


def money(x: Any, currency: str | None = None) -> str:
    """A money amount, compact above a thousand, in the currency: ``€681.5k``, ``2.3m``.

    One style on every page. ``currency`` (an ISO code) defaults to the one the config set
    (:func:`use_currency`); without one the amount is bare.

    >>> money(1_234_567), money(-5_400), money(950, "GBP"), money(12_000, "CHF")
    ('1.2m', '-5.4k', '£950', 'CHF 12.0k')
    """
    if not is_known(x):
        return UNKNOWN
    x = float(x)
    sign, x = ("-" if x < 0 else ""), abs(x)
    prefix = currency_prefix(currency)
    for size, unit in _MONEY_UNITS:
        if x >= size:
            return f"{sign}{prefix}{x / size:,.1f}{unit}"
    return f"{sign}{prefix}{x:,.0f}"


def percent(x: Any, digits: int = 0) -> str:
    """A share in [0, 1] as a percentage: ``percent(0.237) == '24%'``.

    >>> percent(0.2372, 1)
    '23.7%'
    """
    return f"{100 * float(x):.{digits}f}%" if is_known(x) else UNKNOWN


def share(x: Any) -> str:
    """A share as a percentage, with a decimal below 1% (never a bare '0%' for a small share).

    >>> share(0.25), share(0.004), share(0.0004), share(0)
    ('25%', '0.4%', 'under 0.1%', '0%')
    """
    if not is_known(x):
        return UNKNOWN
    x = float(x)
    if x >= 0.01 or x == 0:
        return f"{x:.0%}"
    return f"{x:.1%}" if x >= 0.001 else "under 0.1%"


def value(x: Any, unit: str = "") -> str:
    """A metric's value with one decimal, and ``%`` when its unit is a percentage.

    >>> value(45.26, "%"), value(3.25, "points")
    ('45.3%', '3.2')
    """
    if not is_known(x):
        return UNKNOWN
    return f"{float(x):,.1f}{'%' if unit == '%' else ''}"


def interval(low: Any, high: Any, digits: int = 1) -> str:
    """A 95% confidence interval: ``'95% CI 1.0 to 2.5'`` (``'n/a'`` when unknown).

    >>> interval(1, 2.5)
    '95% CI 1.0 to 2.5'
    """
    if not (is_known(low) and is_known(high)):
        return UNKNOWN
    return f"95% CI {float(low):,.{digits}f} to {float(high):,.{digits}f}"


def p_value(p: Any) -> str:
    """A p-value as a sentence writes it: ``'p = 0.012'`` or ``'p < 0.001'``.

    >>> p_value(0.0123)
    'p = 0.012'
    """
    if not is_known(p):
        return UNKNOWN
    return "p < 0.001" if float(p) < 0.001 else f"p = {float(p):.3f}"


def change(ratio: Any) -> str:
    """A multiplicative change (an odds or hazard ratio) as a signed percent: 1.2 -> '+20%'.

    The minus is the typographic one (U+2212), as on every page.

    >>> change(1.2), change(0.8)
    ('+20%', '−20%')
    """
    if not is_known(ratio):
        return UNKNOWN
    return f"{100 * (float(ratio) - 1):+.0f}%".replace("-", "−")


def hours(h: Any) -> str:
    """A duration in hours, in days from two days on: ``'30.0 h'``, ``'3.0 days'``.

    >>> hours(1.25)
    '1.2 h'
    """
    if not is_known(h):
        return UNKNOWN
    h = float(h)
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} days"


def seconds(s: Any) -> str:
    """A short duration (a run, a step) in seconds with one decimal: ``'10.3 s'``.

    >>> seconds(10.26), seconds(None)
    ('10.3 s', 'n/a')
    """
    return f"{float(s):.1f} s" if is_known(s) else UNKNOWN


def months(days: Any) -> str:
    """A duration in days as whole months: ``months(365) == '12 months'``.

    >>> months(365.25)
    '12 months'
    """
    return f"{float(days) / DAYS_PER_MONTH:.0f} months" if is_known(days) else UNKNOWN


def decimals(x: Any, digits: int = 3) -> str:
    """A model coefficient with fixed decimals and no negative zero.

    >>> decimals(-0.0001), decimals(0.12345)
    ('0.000', '0.123')
    """
    return f"{round(float(x), digits) + 0.0:.{digits}f}" if is_known(x) else UNKNOWN


_LABELS: dict[str, str] = {}
"""The config's ``labels:`` (name -> how it reads), set by :func:`use_labels`."""


def use_labels(labels: dict[str, str] | None) -> None:
    """Set how raw names (touchpoints, stages, channels) read on every page.

    The loader sets it from the config's ``labels:``; names it does not map are humanised
    by :func:`label`.

    >>> use_labels({"A_SUBMITTED": "application submitted"}); label("A_SUBMITTED")
    'application submitted'
    >>> use_labels(None)
    """
    _LABELS.clear()
    _LABELS.update({str(k): str(v) for k, v in (labels or {}).items()})


def label(name: Any) -> str:
    """A raw name as a page writes it: the config's label, else humanised.

    Humanised: underscores become spaces and runs of blanks one (``billing_page`` ->
    ``billing page``); hyphens stay (``e-mail``, ``check-out``) and the case is kept, so a
    name reads the same in a sentence and in a table. Unknown values read ``n/a``.

    >>> label("billing_page"), label("e-mail"), label(None)
    ('billing page', 'e-mail', 'n/a')
    """
    if name is None or (isinstance(name, float) and not is_known(name)):
        return UNKNOWN
    text = str(name)
    if text in _LABELS:
        return _LABELS[text]
    return " ".join(text.replace("_", " ").split()) or text


LANGUAGE_NAMES = {
    "en": "English", "cs": "Czech", "sk": "Slovak", "sl": "Slovenian", "de": "German",
    "pl": "Polish", "hu": "Hungarian", "hr": "Croatian", "fr": "French", "es": "Spanish",
    "it": "Italian", "pt": "Portuguese", "nl": "Dutch", "ru": "Russian", "uk": "Ukrainian",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
}  # fmt: skip
"""English names of the languages :func:`cxlib.voice.detect_language` tells apart."""
PAGE_LANGUAGE = "en"
"""The language the pages are written in: quotes in it carry no language mark."""


def language_name(code: Any) -> str | None:
    """The English name of an ISO 639-1 code (the code itself when unlisted); None when
    unknown ("und", blank, missing).

    >>> language_name("cs"), language_name("SV"), language_name("und")
    ('Czech', 'sv', None)
    """
    if code is None or (isinstance(code, float) and not is_known(code)):
        return None
    text = str(code).strip().lower()
    if text in ("", "und"):
        return None
    return LANGUAGE_NAMES.get(text, text)


def in_language(code: Any) -> str:
    """What follows a quote not in the pages' language: ``' (in Czech)'``; else ``''``.

    A reader who does not know the language sees what it is (to translate it, or to know
    why a theme reads oddly); English and undetermined quotes are left unmarked.

    >>> in_language("cs"), in_language("en"), in_language("und")
    (' (in Czech)', '', '')
    """
    name = language_name(code)
    return "" if name is None or str(code).strip().lower() == PAGE_LANGUAGE else f" (in {name})"


def month(period: Any) -> str:
    """A calendar month (``'2025-09'``, a date or a pandas Period) as pages write it.

    >>> month("2025-09"), month("2026-01-15"), month(None)
    ('Sep 2025', 'Jan 2026', 'n/a')
    """
    if period is None or (isinstance(period, float) and not is_known(period)):
        return UNKNOWN
    text = str(period)[:7]
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    try:
        year, mon = int(text[:4]), int(text[5:7])
        return f"{names[mon - 1]} {year}"
    except (ValueError, IndexError):
        return str(period)
