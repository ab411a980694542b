"""The journey truth study's fast subset: planted friction recovered on small random worlds.

The same assertions as ``benchmarks/truth_journey.py`` (its :func:`check`) on a few worlds
of 1,500 customers: planted friction in the top 2, a high-reach exit above a low-reach one
of the same rate, lifecycle sub-events never loops, directly-follows counts equal to the
generator's and to an independent pandas count.
"""

from __future__ import annotations

import sys

from cxlib.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from truth_journey import check, run  # noqa: E402


def test_fast_subset_recovers_the_planted_friction():
    results, summary = run(worlds=10, start=100, customers=1_500, verbose=False)
    assert summary["worlds"] == 10
    assert check(summary) == [], [r for r in results if not r["top2"]]
    assert all(r["dfg_equal_truth"] and r["dfg_equal_pandas"] for r in results)
