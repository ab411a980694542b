"""Spikes of negative mentions: days with far more negative posts than usual, dated.

A day is tested for each *unit* (all mentions, and each brand when the data names several):
its count of negative mentions ``y`` against a robust baseline ``lambda``, under a
negative-binomial model whose over-dispersion is estimated from the unit's own days; the
p-values of every unit and day are then controlled together for false alarms (Benjamini-
Hochberg at ``alpha``; in a world without spikes that is also the chance of raising any alarm
at all).

Baseline
    ``lambda_d = e_d * w_d * m_d``, ``m_d`` the winsorised mean of the rates ``y_j / (e_j * w_j)``
    (values above the median + 3 robust scales count as that; a median alone would fall
    below the mean of skewed low counts) over the ``window_days`` days ``j``
    before ``d`` that hold at least half a day of data (the recent past, as a monitor sees
    it: a spike does not raise its own baseline, and a run of high days is judged against
    the days before it), at least :data:`MIN_BASELINE_RATE` a day. ``e_d`` is the day's
    *exposure*: 1 for a full day; the first and last day of the data count only the part of
    a usual day's volume that falls in the hours they cover (from the hour-of-day profile
    of all mentions), so an export that starts at noon is not read as a quiet morning.
    ``w_d`` is the weekday factor of all mentions (median ratio of a weekday's volume to its
    centred running median), used when the data spans at least :data:`WEEKDAY_MIN_DAYS`
    days, else 1.
Dispersion
    ``phi``: the larger of the squared MAD scale (x 1.4826) and the Huber second moment
    (clipped at 3 scales) of the Pearson deviations ``(r_j - m_d) / sqrt(m_d)`` of
    every tested day's baseline days, at least 1 (Poisson): the day-to-day noise of quiet
    days, robust to the spikes among them. It is inflated by ``1 + pi / (2 m)`` for the
    error of a baseline from ``m`` days.
Test
    ``p = P(Y >= y)`` for ``Y`` negative binomial with mean ``lambda`` and variance
    ``phi * lambda``. A day is a *spike* when its Benjamini-Hochberg q-value is below
    ``alpha``, it holds at least ``min_count`` negative mentions and ``y >= min_ratio *
    lambda`` (a statistically clear but small rise is not called a spike). Days with less
    than :data:`MIN_EXPOSURE` of a usual day's data, or fewer than :data:`MIN_BASELINE_DAYS`
    baseline days, are not tested.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> days = pd.date_range("2024-01-01", periods=60, freq="D")
>>> counts = rng.poisson(20, 60)
>>> counts[40] = 90                                               # a planted spike
>>> t = pd.Series(np.repeat(days + pd.Timedelta(hours=12), counts + 10))
>>> neg = pd.Series(np.concatenate([[True] * c + [False] * 10 for c in counts]))
>>> s = negative_spikes(t, neg)
>>> s.loc[s["spike"], "day"].dt.strftime("%Y-%m-%d").tolist()
['2024-02-10']
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as st

ALL = "all mentions"
"""The unit name of the whole data (brands are the other units)."""
MIN_BASELINE_RATE = 0.5
"""Smallest baseline of negative mentions a day: a unit that is usually silent is not
alarmed by its first post."""
MIN_EXPOSURE = 0.25
"""Edge days with less than this share of a usual day's data are not tested."""
MIN_BASELINE_DAYS = 4
"""Fewest baseline days a test needs."""
WEEKDAY_MIN_DAYS = 28
"""Days of data needed before weekday factors are estimated (four weeks)."""
MAD_SCALE = 1.4826
"""MAD -> standard deviation for normal data."""
HUBER_CLIP = 3.0
"""Deviations beyond this many robust scales count as this many in the dispersion."""
HUBER_CONSISTENCY = 0.99501
"""E[min(Z^2, 9)] for a standard normal Z: makes the clipped second moment unbiased."""
HOURS = 24


def negative_spikes(
    times: pd.Series,
    negative: pd.Series,
    units: pd.Series | None = None,
    *,
    window_days: int = 14,
    alpha: float = 0.05,
    min_ratio: float = 1.5,
    min_count: int = 5,
) -> pd.DataFrame:
    """Test every day of every unit for a spike of negative mentions (see the module).

    Parameters
    ----------
    times : Series of datetime
        When each mention was posted, in the time zone whose calendar days are wanted.
    negative : Series of bool
        Whether each mention is negative (aligned with ``times``).
    units : Series, optional
        A unit per mention (e.g. the brand): each is tested besides all mentions together.
    window_days : int
        Days on each side of a day that form its baseline.
    alpha : float
        False-discovery rate (Benjamini-Hochberg) over all units and days.
    min_ratio, min_count : float, int
        A spike holds at least ``min_ratio`` times its baseline and ``min_count`` posts.

    Returns
    -------
    DataFrame
        One row per unit and day: ``unit``, ``day``, ``mentions``, ``negative``,
        ``negative_share``, ``exposure``, ``expected``, ``ratio``, ``dispersion``,
        ``p_value``, ``q_value`` (NaN when not tested), ``tested`` and ``spike``.
    """
    t = pd.to_datetime(times).reset_index(drop=True)
    neg = pd.Series(negative).fillna(False).astype(bool).reset_index(drop=True)
    if t.empty:
        return _frame([])
    day = t.dt.floor("D")
    days = pd.date_range(day.min(), day.max(), freq="D")
    total = _daily(day, np.ones(len(t), bool), days)
    exposure = _exposure(t, days)
    weekday = _weekday_factors(total, days, exposure, window_days)
    groups = [(ALL, np.ones(len(t), bool))]
    if units is not None:
        u = pd.Series(units).reset_index(drop=True)
        groups += [(str(k), (u == k).to_numpy()) for k in sorted(u.dropna().unique())]
    rows = []
    for name, mask in groups:
        y = _daily(day, neg.to_numpy() & mask, days)
        n = _daily(day, mask, days)
        lam = _baseline(y, exposure, weekday, window_days)
        rows.append(_unit_tests(name, days, y, n, lam, exposure))
    out = _frame(rows)
    tested = out["tested"].to_numpy()
    out.loc[tested, "q_value"] = _bh(out.loc[tested, "p_value"].to_numpy())
    out["spike"] = (
        tested
        & (out["q_value"] < alpha)
        & (out["negative"] >= min_count)
        & (out["negative"] >= min_ratio * out["expected"])
    )
    return out


def _daily(day: pd.Series, mask: np.ndarray, days: pd.DatetimeIndex) -> np.ndarray:
    """Count of ``mask`` rows per calendar day of ``days`` (zeros filled)."""
    idx = ((day[mask] - days[0]) // pd.Timedelta(days=1)).to_numpy(np.int64)
    return np.bincount(idx, minlength=len(days)).astype(float)


def _exposure(t: pd.Series, days: pd.DatetimeIndex) -> np.ndarray:
    """Share of a usual day's volume each day covers: 1 inside, less on the edge days."""
    e = np.ones(len(days))
    if len(days) == 1:
        return e
    hour = (t - t.dt.floor("D")) / pd.Timedelta(hours=1)
    inner = (t.dt.floor("D") > days[0]) & (t.dt.floor("D") < days[-1])
    profile = np.bincount(hour[inner].astype(int), minlength=HOURS)[:HOURS].astype(float)
    if profile.sum() < HOURS:  # too few full days to know the daily rhythm: flat
        profile = np.ones(HOURS)
    cum = np.concatenate([[0.0], np.cumsum(profile / profile.sum())])
    grid = np.arange(HOURS + 1)
    day = t.dt.floor("D")
    e[0] = 1 - np.interp(hour[day == days[0]].min(), grid, cum)
    e[-1] = np.interp(hour[day == days[-1]].max(), grid, cum)
    return np.clip(e, 1e-9, 1)


def _windows(rate: np.ndarray, usable: np.ndarray, window: int, *, past: bool) -> np.ndarray:
    """Each day's window of ``rate`` (one row per day, NaN where not usable): the
    ``window`` days before it (``past``), or the days on both sides and the day itself."""
    d = len(rate)
    padded = np.full(d + 2 * window, np.nan)
    padded[window : window + d] = np.where(usable, rate, np.nan)
    view = np.lib.stride_tricks.sliding_window_view(padded, 2 * window + 1).copy()
    if past:
        view[:, window:] = np.nan
    return view


def _nanmedian(view: np.ndarray) -> np.ndarray:
    """Row medians ignoring NaN (NaN for an empty row, without a warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(view, axis=1)


def _weekday_factors(
    total: np.ndarray, days: pd.DatetimeIndex, exposure: np.ndarray, window: int
) -> np.ndarray:
    """Weekday factor of each day from the volume of all mentions (1 for short data)."""
    usable = exposure >= 0.5
    if len(days) < WEEKDAY_MIN_DAYS:
        return np.ones(len(days))
    med = _nanmedian(_windows(total / exposure, usable, window, past=False))
    with np.errstate(all="ignore"):
        ratio = np.where(usable & (med > 0), total / exposure / med, np.nan)
    wd = days.dayofweek.to_numpy()
    factor = np.array([np.nanmedian(ratio[wd == k]) if np.any(wd == k) else 1.0 for k in range(7)])
    factor = np.where(np.isfinite(factor) & (factor > 0), factor, 1.0)
    return (factor / factor.mean())[wd]


def _baseline(
    y: np.ndarray, exposure: np.ndarray, weekday: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each day's expected negative count from the days before it, the number of those
    days, and their Pearson deviations from that baseline (one row per day)."""
    usable = exposure >= 0.5
    view = _windows(y / (exposure * weekday), usable, window, past=True)
    n = np.sum(~np.isnan(view), axis=1)
    med = _nanmedian(view)
    mad = _nanmedian(np.abs(view - med[:, None]))
    scale = np.maximum(np.maximum(MAD_SCALE * mad, np.sqrt(np.maximum(med, 0))), 1.0)
    with warnings.catch_warnings():  # a day without baseline days: NaN, said by n = 0
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmean(np.minimum(view, (med + HUBER_CLIP * scale)[:, None]), axis=1)
    rate = np.maximum(np.nan_to_num(level, nan=MIN_BASELINE_RATE), MIN_BASELINE_RATE)
    deviations = (view - level[:, None]) / np.sqrt(rate)[:, None]
    return rate * exposure * weekday, n, deviations


def _unit_tests(
    name: str,
    days: pd.DatetimeIndex,
    y: np.ndarray,
    n: np.ndarray,
    baseline: tuple[np.ndarray, np.ndarray, np.ndarray],
    exposure: np.ndarray,
) -> pd.DataFrame:
    """One unit's days with their negative-binomial upper-tail p-values."""
    lam, n_base, deviations = baseline
    tested = (exposure >= MIN_EXPOSURE) & (n_base >= MIN_BASELINE_DAYS)
    dev = deviations[tested].ravel()
    phi = _dispersion(dev[~np.isnan(dev)]) * (1 + np.pi / (2 * np.maximum(n_base, 1)))
    p = st.nbinom.sf(y - 1, lam / (phi - 1), 1 / phi)  # phi > 1: the baseline is estimated
    with np.errstate(all="ignore"):
        share = np.where(n > 0, y / n, np.nan)
    return pd.DataFrame(
        {
            "unit": name,
            "day": days,
            "mentions": n.astype(int),
            "negative": y.astype(int),
            "negative_share": share,
            "exposure": exposure,
            "expected": np.where(n_base > 0, lam, np.nan),
            "ratio": np.where(n_base > 0, y / lam, np.nan),
            "dispersion": phi,
            "p_value": np.where(tested, p, np.nan),
            "q_value": np.nan,
            "tested": tested,
        }
    )


def _dispersion(r: np.ndarray) -> float:
    """Over-dispersion from Pearson deviations: the larger of the squared MAD scale and the
    Huber second moment (deviations clipped at :data:`HUBER_CLIP` scales), at least 1.

    >>> 3.8 < _dispersion(np.random.default_rng(0).normal(0, 2, 4000)) < 4.2   # sd 2: phi 4
    True
    """
    if r.size < MIN_BASELINE_DAYS:
        return 1.0
    centred = r - np.median(r)
    scale = MAD_SCALE * np.median(np.abs(centred))
    clip = HUBER_CLIP * max(scale, 1.0)
    huber = np.mean(np.minimum(centred**2, clip**2)) / HUBER_CONSISTENCY
    return float(max(1.0, scale**2, huber))


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values).

    >>> _bh(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def _frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The concatenated unit tables (an empty table with the columns when none)."""
    cols = [
        "unit", "day", "mentions", "negative", "negative_share", "exposure", "expected",
        "ratio", "dispersion", "p_value", "q_value", "tested", "spike",
    ]  # fmt: skip
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)
