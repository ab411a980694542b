"""The shape of a churn driver: churn rate by bins or levels, from the data, with CIs.

A leader reads "churn is lowest at 2 products (7.6%) and 83% at 3", not "each +1 product
lowers the odds by 10%" (a straight line through a U). :func:`shape_table` cuts a feature
into its values (few distinct values), quantile bins (many) or levels (categories), with
each bin's churn rate and Wilson 95% CI; :func:`classify` names the shape
(:data:`SHAPES`) only when the differences are beyond noise; :func:`shape_sentence` says
it in words. Every number is observed: how churn differs between customers, not what
changing a feature would do.

Examples
--------
>>> x = pd.Series([1] * 100 + [2] * 100 + [3] * 100)
>>> y = np.r_[np.zeros(70), np.ones(30), np.zeros(95), np.ones(5), np.zeros(20), np.ones(80)]
>>> t = shape_table(x, y)
>>> t["label"].tolist(), t["rate"].round(2).tolist()
(['1', '2', '3'], [0.3, 0.05, 0.8])
>>> classify(t)
'u_shaped'
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from cxlib import wording
from cxlib.churn.design import is_categorical
from cxlib.metrics.intervals import wilson

SHAPES = ("increasing", "decreasing", "u_shaped", "inverted_u", "levels", "flat")
"""``increasing``/``decreasing``: churn rises/falls with the feature; ``u_shaped``: lowest
inside the range, higher on both sides; ``inverted_u``: the reverse; ``levels``: a
category whose levels differ; ``flat``: no difference beyond noise."""
MONOTONE = ("increasing", "decreasing")
MAX_VALUES = 8
"""A numeric feature with at most this many distinct values gets one bin per value."""
QUANTILE_BINS = 5
"""Otherwise it is cut into this many quantile bins (fifths)."""
MAX_LEVELS = 8
"""Categories shown at most; the rest pooled as "other"."""
MIN_BIN = 30
"""A value or level with fewer customers is pooled with its neighbour (or "other")."""
ALPHA = 0.01
"""Two bins differ when a two-proportion z-test gives p below this."""
SHAPE_COLUMNS = ["label", "low", "high", "value", "n", "churners", "rate", "ci_low", "ci_high"]


def shape_table(x: pd.Series, y: object) -> pd.DataFrame:
    """Churn rate (Wilson 95% CI) per value, quantile bin or level of one feature.

    Returns
    -------
    DataFrame
        :data:`SHAPE_COLUMNS`: ``label`` (as a page shows it), ``low``/``high`` (the bin's
        range, numeric only), ``value`` (the bin's median, where a model's partial
        dependence is read), ``n``, ``churners``, ``rate`` and its CI as shares. Ordered
        by value (numeric) or by rate, highest first (categorical). Missing values are
        left out.
    """
    yy = np.asarray(y, dtype=float)
    if is_categorical(x):
        return _level_table(x, yy)
    v = x.to_numpy(dtype=float, na_value=np.nan)
    keep = np.isfinite(v)
    v, yy = v[keep], yy[keep]
    if v.size == 0:
        return pd.DataFrame(columns=SHAPE_COLUMNS)
    values = np.unique(v)
    if values.size <= MAX_VALUES:
        codes = _pool_small(np.searchsorted(values, v), values.size)
    else:
        edges = bin_edges(v)
        codes = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
        codes = _pool_small(codes, len(edges) - 1)
    rows = [_bin_row(v[codes == c], yy[codes == c]) for c in np.unique(codes)]
    table = pd.DataFrame(rows, columns=SHAPE_COLUMNS[1:])
    table.insert(0, "label", _numeric_labels(table, values.size <= MAX_VALUES))
    return table


def bin_edges(v: np.ndarray) -> np.ndarray:
    """Left edges of quantile bins (fifths), plus the last value; a value that holds many
    rows (the zeros of a count) gets a bin of its own and the rest is cut into quantiles.

    Examples
    --------
    >>> v = np.r_[np.zeros(80), np.arange(1, 21)]
    >>> bin_edges(v).tolist()
    [0.0, 1.0, 5.75, 10.5, 15.25, 20.0]
    """
    edges = np.nanquantile(v, np.linspace(0, 1, QUANTILE_BINS + 1))
    values, counts = np.unique(v, return_counts=True)
    mode = values[np.argmax(counts)]
    if counts.max() * QUANTILE_BINS >= len(v):  # one value holds a fifth or more
        above, below = v[v > mode], v[v < mode]
        extra = [mode]
        if above.size:
            extra += [above.min(), *np.quantile(above, np.linspace(0, 1, QUANTILE_BINS)[1:-1])]
        if below.size:
            extra += list(np.quantile(below, np.linspace(0, 1, QUANTILE_BINS)[:-1]))
        edges = np.concatenate([[v.min(), v.max()], extra])
    return np.unique(edges)


def _pool_small(codes: np.ndarray, k: int) -> np.ndarray:
    """Merge bins holding fewer than :data:`MIN_BIN` rows into their lower neighbour
    (the first bin into the next): pooling keeps order and every row."""
    codes = codes.copy()
    for c in range(k - 1, -1, -1):
        n = int((codes == c).sum())
        if 0 < n < MIN_BIN and len(np.unique(codes)) > 1:
            present = np.unique(codes)
            lower = present[present < c]
            target = lower.max() if lower.size else present[present > c].min()
            codes[codes == c] = target
    return codes


def _bin_row(v: np.ndarray, y: np.ndarray) -> dict:
    k, n = float(y.sum()), len(y)
    low, high = wilson(k, n)
    return {
        "low": float(v.min()),
        "high": float(v.max()),
        "value": float(np.median(v)),
        "n": n,
        "churners": int(k),
        "rate": k / n,
        "ci_low": low,
        "ci_high": high,
    }


def _numeric_labels(table: pd.DataFrame, exact: bool) -> list[str]:
    """'2' for one value, '3 or more' for a pooled top, '120–250' for a bin."""
    labels = []
    last = len(table) - 1
    for i, r in enumerate(table.itertuples(index=False)):
        lo, hi = _fmt(r.low), _fmt(r.high)
        if lo == hi:
            labels.append(lo)
        elif exact and i == last:
            labels.append(f"{lo} or more")
        elif exact and i == 0:
            labels.append(f"{hi} or less")
        else:
            labels.append(f"{lo}–{hi}")
    return labels


def _fmt(x: float) -> str:
    """A bin edge: whole numbers plainly, others with two significant decimals."""
    if float(x).is_integer():
        return wording.number(x)
    text = wording.number(x, 2 if abs(x) < 10 else 1 if abs(x) < 100 else 0)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _level_table(x: pd.Series, y: np.ndarray) -> pd.DataFrame:
    """Rates per level: the :data:`MAX_LEVELS` largest, the rest (and tiny ones) 'other'."""
    labels = x.astype(object)
    keep = labels.notna().to_numpy()
    labels, y = labels[keep].astype(str).to_numpy(), y[keep]
    counts = pd.Series(labels).value_counts()
    common = counts[counts >= MIN_BIN].index[:MAX_LEVELS]
    labels = np.where(np.isin(labels, common), labels, "other")
    rows = []
    for level in pd.unique(labels):
        sel = labels == level
        row = _bin_row(np.zeros(int(sel.sum())), y[sel])
        rows.append({"label": str(level)} | row | {"low": np.nan, "high": np.nan, "value": np.nan})
    table = pd.DataFrame(rows, columns=SHAPE_COLUMNS)
    table = table[(table["n"] >= MIN_BIN) | (table["label"] != "other")]
    return table.sort_values("rate", ascending=False, kind="stable").reset_index(drop=True)


def differ(a: pd.Series, b: pd.Series) -> bool:
    """Whether two bins' churn rates differ beyond noise (two-proportion z-test, p < ALPHA)."""
    n1, n2 = float(a["n"]), float(b["n"])
    k1, k2 = float(a["churners"]), float(b["churners"])
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) if 0 < pooled < 1 else 0.0
    if se == 0:
        return k1 / n1 != k2 / n2
    z = (k1 / n1 - k2 / n2) / se
    return bool(2 * stats.norm.sf(abs(z)) < ALPHA)


def classify(table: pd.DataFrame, categorical: bool = False) -> str:
    """The shape of a :func:`shape_table` (one of :data:`SHAPES`).

    ``flat`` unless the highest and lowest bins differ beyond noise; a categorical feature
    is ``levels``; a numeric one is ``u_shaped`` when its lowest bin lies inside the range
    and both ends differ from it (``inverted_u`` likewise for the highest), else
    ``increasing`` or ``decreasing`` by its ends.
    """
    if len(table) < 2:
        return "flat"
    rates = table["rate"].to_numpy(dtype=float)
    lo, hi = int(np.argmin(rates)), int(np.argmax(rates))
    if not differ(table.iloc[hi], table.iloc[lo]):
        return "flat"
    if categorical:
        return "levels"
    first, last = table.iloc[0], table.iloc[-1]
    inner = range(1, len(table) - 1)
    if lo in inner and differ(first, table.iloc[lo]) and differ(last, table.iloc[lo]):
        return "u_shaped"
    if hi in inner and differ(first, table.iloc[hi]) and differ(last, table.iloc[hi]):
        return "inverted_u"
    if differ(first, last):
        return "increasing" if rates[-1] > rates[0] else "decreasing"
    # the ends agree: the difference lies inside the range
    ends = (rates[0] + rates[-1]) / 2
    return "u_shaped" if ends - rates[lo] >= rates[hi] - ends else "inverted_u"


def _rate(r: pd.Series) -> str:
    """'7.6% (95% CI 6.9–8.4%)'."""
    low, high = wording.number(100 * r["ci_low"], 1), wording.number(100 * r["ci_high"], 1)
    return f"{wording.percent(r['rate'], 1)} (95% CI {low}–{high}%)"


def shape_sentence(
    name: str, table: pd.DataFrame, shape: str, unit: str = "", countable: bool = True
) -> str:
    """The driver's shape in words, from the observed rates (no per-unit effect).

    Examples
    --------
    >>> t = pd.DataFrame({"label": ["1", "2", "3"], "n": [100] * 3, "churners": [30, 5, 80],
    ...     "rate": [0.3, 0.05, 0.8], "ci_low": [0.22, 0.02, 0.71], "ci_high": [0.4, 0.11, 0.87]})
    >>> shape_sentence("products held", t, "u_shaped")
    'Churn is lowest at 2 products held, 5.0% (95% CI 2.0–11.0%), and higher on both sides: 30.0% at 1, 80.0% at 3.'
    """
    at = f" {unit}" if unit else f" {name}"
    if shape == "flat" or table.empty:
        return f"Churn barely differs by {name}: no bin differs from another beyond noise."
    if shape == "levels":
        top, low = table.iloc[0], table.iloc[-1]
        return (
            f"Churn differs by {name}: {_rate(top)} for {top['label']} against "
            f"{_rate(low)} for {low['label']}."
        )
    if shape in MONOTONE and table["label"].tolist() == ["0", "1"]:
        no, yes = table.iloc[0], table.iloc[1]
        more = "more" if shape == "increasing" else "less"
        return (
            f"Customers with {name} churn {more}: {_rate(yes)} against {_rate(no)} "
            f"for those without."
        )
    if shape in MONOTONE:
        first, last = table.iloc[0], table.iloc[-1]
        more = "more" if shape == "increasing" else "less"
        amount = amount_phrase(name, countable)
        return (
            f"Customers with {amount} churn {more}: {_rate(first)} at {first['label']}{_unit(unit)}"
            f" against {_rate(last)} at {last['label']}{_unit(unit)}."
        )
    pick = np.argmin if shape == "u_shaped" else np.argmax
    i = int(pick(table["rate"].to_numpy(dtype=float)))
    centre = table.iloc[i]
    others = ", ".join(
        f"{wording.percent(r['rate'], 1)} at {r['label']}"
        for j, r in table.iterrows()
        if j != table.index[i]
    )
    word, side = ("lowest", "higher") if shape == "u_shaped" else ("highest", "lower")
    return (
        f"Churn is {word} at {centre['label']}{at}, {_rate(centre)}, and {side} on both "
        f"sides: {others}."
    )


def amount_phrase(name: str, countable: bool = True) -> str:
    """'more unresolved tickets', 'more days since last event', 'a higher mean CES'.

    Examples
    --------
    >>> amount_phrase("unresolved tickets"), amount_phrase("ticket count"), amount_phrase("tenure")
    ('more unresolved tickets', 'a higher ticket count', 'a longer tenure')
    """
    words = name.split()
    if name == "tenure":
        return "a longer tenure"
    plural = words[-1].endswith("s") and not words[-1].endswith("ss")
    if countable and plural or words[0] in ("days", "months", "hours", "years"):
        return f"more {name}"
    return f"a higher {name}"


def _unit(unit: str) -> str:
    return f" {unit}" if unit else ""


def shape_of(x: pd.Series, y: object) -> tuple[pd.DataFrame, str]:
    """:func:`shape_table` and :func:`classify` of one feature."""
    table = shape_table(x, y)
    return table, classify(table, is_categorical(x))


def raw_direction(shape: str) -> str | None:
    """``increases``/``decreases`` for a monotone shape (the driver-table wording), else None."""
    return {"increasing": "increases", "decreasing": "decreases"}.get(shape)
