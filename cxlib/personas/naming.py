"""Persona names from the most distinguishing traits: a name, an alias and a description.

:func:`name_personas` turns standardised centroids into a name ("Young digital bargain
hunters"), an alias in the style of "Efficient Emma" and a one-line description with
numbers. It is deterministic: traits are ranked by ``|z|`` (ties by column name), each
trait's words come from :data:`TRAITS`, and the same centroids always give the same names.
:func:`name_segments` names the personas of a fitted
:class:`~cxlib.personas.segmenter.PersonaSegmenter` (naming is a step of its own, after
the fit). Feature labels and units come from the data dictionary
(:mod:`cxlib.features.dictionary`), numbers are written by :mod:`cxlib.wording`.

Examples
--------
>>> z = pd.DataFrame({"age": [-1.3, 1.4], "digital_share": [0.7, -1.8]}, index=[1, 2])
>>> means = pd.DataFrame({"age": [24.0, 66.0], "digital_share": [0.99, 0.43]}, index=[1, 2])
>>> name_personas(z, means, {"age": 44.5, "digital_share": 0.85})["persona_name"].tolist()
['Young digital customers', 'Older offline customers']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib import wording
from cxlib.features import dictionary

if TYPE_CHECKING:
    from cxlib.personas.segmenter import PersonaSegmenter

Names = Mapping[int, str] | Sequence[str]
"""Persona names given by the user: ``{persona_id: name}`` or a list in persona-id order."""

MIN_Z = 0.5
"""A trait names a persona when its centroid is at least this many sds from the mean."""
NOUN_Z = 0.8
"""A noun that follows a leading adjective must be at least this strong."""
DEFAULT_NOUN = "customers"


@dataclass(frozen=True)
class Word:
    """How one direction of one trait reads: name word, its role, concept, alias adjective."""

    text: str
    role: str  # "age" (leads the name), "adj" or "noun"
    concept: str  # at most one word per concept in a name
    alias: str  # adjective of the alias ("Thrifty" -> "Thrifty Theo")


def _w(text: str, role: str, concept: str, alias: str) -> Word:
    return Word(text, role, concept, alias)


TRAITS: dict[str, tuple[Word | None, Word | None]] = {
    # column: (word when the persona is high, word when low)
    "age": (_w("Older", "age", "age", "Seasoned"), _w("Young", "age", "age", "Youthful")),
    "tenure_days": (
        _w("long-standing", "adj", "tenure", "Steadfast"),
        _w("new", "adj", "tenure", "Fresh"),
    ),
    "avg_order_value": (
        _w("premium", "adj", "spend", "Premium"),
        _w("bargain hunters", "noun", "spend", "Thrifty"),
    ),
    "order_total": (
        _w("big spenders", "noun", "spend", "Generous"),
        _w("light spenders", "noun", "spend", "Frugal"),
    ),
    "monthly_revenue": (
        _w("high-value", "adj", "spend", "Valuable"),
        _w("low-value", "adj", "spend", "Modest"),
    ),
    "orders_per_month": (
        _w("frequent buyers", "noun", "frequency", "Frequent"),
        _w("occasional", "adj", "frequency", "Occasional"),
    ),
    "order_count": (
        _w("repeat buyers", "noun", "frequency", "Regular"),
        _w("occasional", "adj", "frequency", "Occasional"),
    ),
    "ticket_count": (_w("support-heavy", "adj", "support", "Struggling"), None),
    "unresolved_tickets": (_w("strugglers", "noun", "unresolved", "Struggling"), None),
    "mean_resolution_hours": (_w("long-waiting", "adj", "support", "Waiting"), None),
    "nps_mean": (
        _w("loyalists", "noun", "loyalty", "Loyal"),
        _w("detractors", "noun", "loyalty", "Disappointed"),
    ),
    "csat_mean": (
        _w("satisfied", "adj", "satisfaction", "Happy"),
        _w("dissatisfied", "adj", "satisfaction", "Unhappy"),
    ),
    "ces_mean": (
        _w("effortless", "adj", "effort", "Efficient"),
        _w("frustrated", "adj", "effort", "Frustrated"),
    ),
    "digital_share": (
        _w("digital", "adj", "channel", "Digital"),
        _w("offline", "adj", "channel", "Traditional"),
    ),
    "ticket_digital_share": (
        _w("self-service", "adj", "channel", "Digital"),
        _w("phone-support", "adj", "channel", "Traditional"),
    ),
    "events_share_app": (_w("app-first", "adj", "channel", "Mobile"), None),
    "events_share_web": (_w("web", "adj", "channel", "Online"), None),
    "events_share_store": (_w("store & phone", "adj", "channel", "Traditional"), None),
    "events_share_phone": (_w("phone", "adj", "channel", "Traditional"), None),
    "events_share_social": (_w("social", "adj", "channel", "Social"), None),
    "events_share_email": (_w("email", "adj", "channel", "Inbox"), None),
    "browse_share": (_w("browsers", "noun", "browsing", "Browsing"), None),
    "events_per_month": (
        _w("engaged", "adj", "engagement", "Engaged"),
        _w("quiet", "adj", "engagement", "Quiet"),
    ),
    "event_count": (
        _w("engaged", "adj", "engagement", "Engaged"),
        _w("quiet", "adj", "engagement", "Quiet"),
    ),
    "days_since_last_event": (_w("lapsed", "adj", "recency", "Lapsed"), None),
    "days_since_last_order": (_w("lapsed", "adj", "recency", "Lapsed"), None),
    "plan=premium": (_w("premium-plan", "adj", "plan", "Premium"), None),
    "plan=basic": (_w("basic-plan", "adj", "plan", "Budget"), None),
}
"""Words per trait: ``column -> (word when high, word when low)``; None = not used."""

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "B": ("Ben", "Bella", "Bruno"),
    "D": ("Dana", "David", "Dora"),
    "E": ("Emma", "Eric", "Elena"),
    "F": ("Fiona", "Felix", "Frida"),
    "G": ("Grace", "George", "Gina"),
    "H": ("Hannah", "Hugo", "Hana"),
    "I": ("Iris", "Ivan", "Ida"),
    "L": ("Laura", "Leo", "Lena"),
    "M": ("Maya", "Max", "Mila"),
    "O": ("Olivia", "Oscar", "Otto"),
    "P": ("Paula", "Peter", "Pia"),
    "Q": ("Quinn", "Queenie"),
    "R": ("Rosa", "Ravi", "Rita"),
    "S": ("Sam", "Sofia", "Stan"),
    "T": ("Tom", "Tara", "Theo"),
    "U": ("Uma", "Ulrich"),
    "V": ("Vera", "Victor"),
    "W": ("Wendy", "Walter"),
    "Y": ("Yara", "Yusuf"),
}
"""Alliterative first names for aliases, tried in order (a name is not reused)."""

DESCRIBED_TRAITS = 3
"""The description states the persona's value of this many of its strongest traits."""
LISTED_TRAITS = 4
"""``traits`` lists this many of the traits that name the persona."""
TIE_BREAKS = (1, 2)
"""Further adjectives tried, in turn, to tell apart personas that would share a name."""
CENTRE_ALIAS = "Balanced"
"""The alias adjective of a persona near the population on every feature."""
GENERIC_FILLER = frozenset({"annual", "average", "mean", "total", "score", "count", "number"})
"""Words skipped when a column's label gives an alias its key word ("annual income" ->
"income")."""
NAMED_BY = 2
"""Traits that name a persona described by columns without words of their own."""


def feature_label(col: str) -> str:
    """A short plain-language label of a model column (the data dictionary's label).

    Examples
    --------
    >>> feature_label("avg_order_value"), feature_label("plan=basic")
    ('average order', 'share with plan basic')
    """
    return dictionary.label(col)


def format_value(col: str, value: float | None) -> str:
    """A feature's value as a description writes it, by the feature's unit.

    Shares as percentages, money compactly, tenure in months, other days, hours and
    years as whole numbers, everything else with one decimal; unknown values "n/a".

    Examples
    --------
    >>> format_value("digital_share", 0.987), format_value("tenure_days", 400.0)
    ('99%', '13 months')
    >>> format_value("orders_per_month", 0.6319), format_value("age", float("nan"))
    ('0.6', 'n/a')
    """
    unit = dictionary.unit(col)
    if unit == "share":
        return wording.percent(value)
    if unit == "money":
        return wording.money(value)
    if unit == "days" and dictionary.family(col) == "tenure":
        return wording.months(value)
    if unit in ("days", "hours", "years"):
        return wording.number(value)
    return wording.number(value, 1)


def _words(z: pd.Series) -> list[tuple[float, str, Word]]:
    """(|z|, column, word) of the persona's traits strong enough to name it, strongest first.

    Columns :data:`TRAITS` does not list (a data set's own columns, such as an income or
    a score) read "high <label>" / "low <label>" (role ``"trait"``); one-hot columns only
    when the persona is above the population.
    """
    out = []
    for col, value in z.items():
        if not np.isfinite(value) or abs(value) < MIN_Z:
            continue
        word = TRAITS[col][0 if value > 0 else 1] if col in TRAITS else _generic(str(col), value)
        if word is not None:
            out.append((abs(float(value)), str(col), word))
    out.sort(key=lambda t: (-t[0], t[1]))
    return out


def _generic(col: str, value: float) -> Word | None:
    """The word of a column without words of its own: "high annual income", alias "High-income"."""
    if "=" in col:
        return (
            None if value < 0 else Word(f"{feature_label(col)[len('share ') :]}", "trait", col, "")
        )
    level = "high" if value > 0 else "low"
    label = _plain_label(col)
    key = next((w for w in label.split() if w not in GENERIC_FILLER), label.split()[0])
    return Word(f"{level} {label}", "trait", col, f"{level.title()}-{key}")


def _plain_label(col: str) -> str:
    """A column's label without units in brackets, CamelCase split, lower case."""
    label = re.sub(r"\(.*?\)", "", feature_label(col))
    label = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", label)
    return " ".join(label.lower().replace("_", " ").split()) or col


def _compose(words: list[tuple[float, str, Word]], extra: int = 0) -> str:
    """Name from ranked words: [age] [adjective] noun.

    The strongest non-age trait leads. If it is a noun, the strongest adjective of another
    concept qualifies it; if it is an adjective, the strongest noun of another concept at
    ``|z| >= NOUN_Z`` follows it (else "customers"). ``extra`` adds further adjectives of
    new concepts (to tell apart personas that would share a name).
    """
    age = next((w for _, _, w in words if w.role == "age"), None)
    rest = [(z, w) for z, _, w in words if w.role != "age"]
    if rest and rest[0][1].role == "trait":
        traits = [w.text for _, w in rest if w.role == "trait"][: NAMED_BY + extra]
        lead = f"{age.text} customers" if age else "Customers"
        return f"{lead} with {' and '.join(traits)}"
    noun: Word | None = None
    adjs: list[Word] = []
    if rest:
        lead = rest[0][1]
        if lead.role == "noun":
            noun = lead
        else:
            adjs.append(lead)
            noun = next(
                (
                    w
                    for z, w in rest
                    if w.role == "noun" and w.concept != lead.concept and z >= NOUN_Z
                ),
                None,
            )
    used = {w.concept for w in adjs} | ({noun.concept} if noun else set())
    want = (0 if adjs else 1) + extra
    for _, w in rest:
        if want <= 0:
            break
        if w.role == "adj" and w.concept not in used:
            adjs.append(w)
            used.add(w.concept)
            want -= 1
    parts = ([age.text] if age else []) + [w.text for w in adjs]
    parts.append(noun.text if noun else DEFAULT_NOUN)
    name = " ".join(parts)
    return name[0].upper() + name[1:]


def name_personas(
    zscores: pd.DataFrame,
    means: pd.DataFrame,
    population: Mapping[str, float],
    overrides: Names | None = None,
) -> pd.DataFrame:
    """Name, alias and one-line description per persona, from its distinguishing traits.

    Parameters
    ----------
    zscores : DataFrame
        Standardised centroids, one row per persona (index = persona id), one column per
        model column (features; one-hot columns as ``col=value``).
    means : DataFrame
        The personas' mean of each feature in original units (for the description).
    population : dict
        The population mean of each numeric feature (for the description).
    overrides : dict or list, optional
        Names to use instead: ``{persona_id: name}`` or a list in persona-id order.

    Returns
    -------
    DataFrame
        Index = persona id; ``persona_name``, ``persona_alias``, ``description``,
        ``traits`` (the columns that name it, strongest first, with their z-scores).

    Examples
    --------
    >>> z = pd.DataFrame({"browse_share": [1.6], "orders_per_month": [-1.1]}, index=[5])
    >>> m = pd.DataFrame({"browse_share": [0.65], "orders_per_month": [0.02]}, index=[5])
    >>> name_personas(z, m, {"browse_share": 0.31, "orders_per_month": 0.32}).iloc[0, :2].tolist()
    ['Occasional browsers', 'Browsing Ben']
    """
    ranked = {pid: _words(row) for pid, row in zscores.iterrows()}
    names = _unique_names(ranked, zscores)
    if overrides is not None:
        names.update(_given_names(overrides, zscores.index))
    used_first: set[str] = set()
    rows = []
    for pid, row in zscores.iterrows():
        words = ranked[pid]
        adjective = words[0][2].alias if words and words[0][2].alias else CENTRE_ALIAS
        traits = ", ".join(f"{c} {zscores.loc[pid, c]:+.1f}" for _, c, _ in words[:LISTED_TRAITS])
        rows.append(
            {
                "persona_id": pid,
                "persona_name": names[pid],
                "persona_alias": f"{adjective} {_first_name(adjective, used_first)}",
                "description": _description(row, means.loc[pid], means.columns, population),
                "traits": traits,
            }
        )
    return pd.DataFrame(rows).set_index("persona_id")


def name_segments(segmenter: PersonaSegmenter, names: Names | None = None) -> pd.DataFrame:
    """:func:`name_personas` for the personas of a fitted segmenter.

    Parameters
    ----------
    segmenter : PersonaSegmenter
        Fitted (its ``zscores_``, ``means_`` and ``population_``).
    names : dict or list, optional
        Names to use instead of the generated ones (``{persona_id: name}`` or a list in
        persona-id order; ids run 1..k from the largest persona down).

    Examples
    --------
    >>> name_segments(PersonaSegmenter(k=5).fit(X))["persona_name"]   # doctest: +SKIP
    """
    return name_personas(
        segmenter.zscores_, segmenter.means_, segmenter.population_.to_dict(), overrides=names
    )


def _unique_names(ranked: dict, zscores: pd.DataFrame) -> dict:
    """A distinct name per persona: from its words; personas near the population on every
    feature by their strongest columns ("Customers with average ..."); personas that would
    share a name get further adjectives, then the column that sets each apart from the
    others of its name ("... , higher tenure")."""
    names = {
        pid: _compose(words) if words else _centre_name(zscores.loc[pid])
        for pid, words in ranked.items()
    }
    for extra in TIE_BREAKS:
        for pid in _duplicates(names):
            if ranked[pid]:
                names[pid] = _compose(ranked[pid], extra)
    for _ in range(len(zscores.columns)):
        dups = _duplicates(names)
        if not dups:
            break
        for name in {names[p] for p in dups}:
            group = [p for p in dups if names[p] == name]
            for pid in group:
                names[pid] = f"{names[pid]}, {_apart(zscores, pid, group, names[pid])}"
    return names


def _centre_name(z: pd.Series) -> str:
    """ "Customers with average X and Y": a persona near the population on every feature."""
    top = z.abs().sort_values(ascending=False, kind="stable").index[:NAMED_BY]
    return f"Customers with average {' and '.join(_plain_label(str(c)) for c in top)}"


def _apart(zscores: pd.DataFrame, pid: int, group: list[int], name: str) -> str:
    """ "higher <label>" / "lower <label>": the column not yet in ``name`` on which ``pid``
    differs most from the mean of the other personas of its name."""
    others = zscores.loc[[p for p in group if p != pid]].mean()
    diff = (zscores.loc[pid] - others).sort_values(key=np.abs, ascending=False, kind="stable")
    for col, d in diff.items():
        label = _plain_label(str(col))
        if label not in name:
            return f"{'higher' if d > 0 else 'lower'} {label}"
    return f"persona {pid}"


def _given_names(overrides: Names, ids: pd.Index) -> dict:
    """The user's names keyed by persona id (string keys such as ``"2"`` read as ids)."""
    given = (
        {int(k) if str(k).isdigit() else k: v for k, v in overrides.items()}
        if isinstance(overrides, Mapping)
        else dict(zip(ids, overrides, strict=False))
    )
    unknown = set(given) - set(ids)
    if unknown:
        raise ValueError(f"names given for unknown persona ids {sorted(unknown)}")
    return {pid: str(v) for pid, v in given.items()}


def _first_name(adjective: str, used: set[str]) -> str:
    """An unused first name alliterating with ``adjective`` (else the first unused one)."""
    first = next((f for f in FIRST_NAMES.get(adjective[0].upper(), ()) if f not in used), None)
    if first is None:
        first = next(
            f for letter in sorted(FIRST_NAMES) for f in FIRST_NAMES[letter] if f not in used
        )
    used.add(first)
    return first


def _description(
    z: pd.Series, means: pd.Series, columns: pd.Index, population: Mapping[str, float]
) -> str:
    """'Age 24 vs 44; digital share of events 99% vs 85% overall.' from the strongest traits."""
    top = z.abs().sort_values(ascending=False, kind="stable").index[:DESCRIBED_TRAITS]
    parts = []
    for col in top:
        if col not in columns:
            continue
        text = f"{feature_label(col)} {format_value(col, means[col])}"
        pop = population.get(col)
        if pop is not None:
            text += f" vs {format_value(col, pop)}"
        parts.append(text)
    if not parts:
        return "Close to the average customer on every feature."
    text = "; ".join(parts) + " overall."
    return text[0].upper() + text[1:]


def _duplicates(names: dict) -> list:
    counts = pd.Series(names).value_counts()
    return [pid for pid, name in names.items() if counts[name] > 1]
