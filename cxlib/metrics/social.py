"""Social metrics, each with its 95% confidence interval.

:func:`engagement_rate`
    Engagements (likes + shares + comments) per audience, in %, or per mention.
:func:`share_of_voice`
    A brand's mentions as a % of all mentions of the brands compared.

The rules shared by every metric (empty input, missing values, out-of-range values) are
in :mod:`cxlib.metrics`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.metrics._coerce import column
from cxlib.metrics.intervals import (
    MetricResult,
    bootstrap_ci,
    empty_result,
    proportion_result,
)


def engagement_rate(
    mentions: pd.DataFrame,
    audience: float | str | None = None,
    *,
    n_boot: int = 2000,
    random_state: int | None = 0,
) -> MetricResult:
    """Social engagement: engagements (likes + shares + comments) per audience, in %.

    With ``audience`` (a number, e.g. followers, or a column such as ``followers`` or
    ``impressions``): ``100 * Σ engagements / Σ audience`` over mentions, a number being
    the audience of every mention (so it equals the mean engagements per post / audience).
    Without ``audience``: the mean engagements per mention, unit ``"per mention"``.

    Formula: ``100 * Σ (likes + shares + comments) / Σ audience``, or without an audience
    ``Σ (likes + shares + comments) / n``. CI: seeded percentile bootstrap over mentions.

    Edge cases: a missing engagement column counts as absent; a mention with all three
    missing, or with a missing or non-positive audience, is ignored; no mention left ->
    ``nan`` with ``n = 0``.

    Raises
    ------
    KeyError
        If none of likes, shares and comments is a column (or the audience column is
        missing).
    ValueError
        If an engagement count is negative or a numeric ``audience`` is not positive.

    Examples
    --------
    >>> m = pd.DataFrame({"likes": [10, 0], "shares": [2, 0], "comments": [3, 1]})
    >>> float(engagement_rate(m)), float(engagement_rate(m, audience=100))
    (8.0, 8.0)
    """
    method = f"percentile bootstrap over mentions (n_boot={n_boot})"
    cols = [c for c in ("likes", "shares", "comments") if c in mentions.columns]
    if not cols:
        raise KeyError("engagement_rate needs likes, shares and/or comments columns")
    eng = mentions[cols].apply(pd.to_numeric).sum(axis=1, min_count=1).astype(float)
    if (eng < 0).any():
        raise ValueError(f"engagement_rate: {int((eng < 0).sum())} negative engagement counts")
    if audience is None:
        data = eng.dropna().to_numpy(float)[:, None]
        name, unit, factor = "Engagements per mention", "per mention", 1.0
    else:
        if isinstance(audience, str):
            aud = pd.to_numeric(column(mentions, audience, "engagement_rate")).astype(float)
        elif not float(audience) > 0:
            raise ValueError("audience must be positive")
        else:
            aud = pd.Series(float(audience), index=mentions.index)
        keep = eng.notna() & (aud > 0)
        data = np.column_stack([eng[keep].to_numpy(float), aud[keep].to_numpy(float)])
        name, unit, factor = "Engagement rate", "%", 100.0

    def statistic(sums: np.ndarray, n: int) -> np.ndarray:
        return factor * sums[:, 0] / (sums[:, 1] if audience is not None else n)

    if data.shape[0] == 0:
        return empty_result(name, unit, method)
    value, low, high, se = bootstrap_ci(data, statistic, n_boot=n_boot, random_state=random_state)
    return MetricResult(name, value, data.shape[0], low, high, unit, method, se)


def share_of_voice(brands: pd.Series, brand: str) -> MetricResult:
    """Share of voice: a brand's mentions as a % of all mentions of the brands compared.

    Formula: ``100 * #(mentions of brand) / #(mentions naming a brand)``, with the Wilson
    95% CI of a proportion (each mention names one brand; the shares of all brands sum to
    100). Volume only: what is said (sentiment) is measured apart.

    Edge cases: missing brands are ignored; no mention with a brand -> ``nan`` with ``n = 0``;
    a brand absent from the data -> 0 with a Wilson CI above 0.

    Examples
    --------
    >>> str(share_of_voice(pd.Series(["a", "b", "a", "a", None]), "a"))
    'Share of voice a 75.0% (95% CI 30.1 to 95.4, n=4)'
    """
    known = pd.Series(brands).dropna().astype(str)
    return proportion_result(
        f"Share of voice {brand}", int((known == str(brand)).sum()), len(known)
    )
