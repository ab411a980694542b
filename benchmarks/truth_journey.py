"""Journey truth study: does the friction ranking recover what is planted, on many worlds?

Runs :class:`cxlib.journey.JourneyAnalysis` over randomized journey worlds
(:mod:`cxlib.sample.journey_worlds`), each written to CSV and loaded through its config as a
user's data would be, and prints one line per world and the recovery figures:

- planted friction points in the top 2 of the ranking (target: >= 90% of worlds);
- a high-reach exit outranks a low-reach exit of the same rate (target: always);
- lifecycle sub-events of one activity never rank as loops (target: always);
- directly-follows counts equal the generator's and an independent pandas count of the
  raw log (target: every world).

Usage::

    python benchmarks/truth_journey.py [--worlds 40] [--start 0] [--customers N] [--json out.json]

``run(...)`` is the same study as a function; ``tests/test_truth_journey.py`` runs a fast
subset with the same assertions (:func:`check`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cxlib  # noqa: E402
from cxlib import journey  # noqa: E402
from cxlib.sample.journey_worlds import journey_world, journey_worlds  # noqa: E402

TOP = 2
"""Planted friction points must rank within the top ``TOP``."""
TARGET_TOP2 = 0.90
"""Share of worlds whose planted points all rank in the top 2."""


def pandas_dfg(events: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Directly-follows counts of a raw events table, with plain pandas (independent)."""
    if "lifecycle" in events:
        events = events[events["lifecycle"] == "COMPLETE"]
    ordered = events.assign(_t=pd.to_datetime(events["timestamp"])).sort_values(
        ["customer_id", "_t"], kind="stable"
    )
    nxt = ordered.groupby("customer_id")["touchpoint"].shift(-1)
    pairs = pd.DataFrame({"source": ordered["touchpoint"], "target": nxt}).dropna()
    return {k: int(v) for k, v in pairs.groupby(["source", "target"]).size().items()}


def study_world(world, folder: Path) -> dict:  # noqa: ANN001 -- JourneyWorld
    """Analyse one world and compare the result with its truths."""
    world.write(folder)
    t0 = time.perf_counter()
    cx = cxlib.load(folder, world.config)
    ja = journey.JourneyAnalysis().fit(cx)
    seconds = time.perf_counter() - t0
    f = ja.friction_.set_index("touchpoint")
    truth = world.truth
    planted = {p["touchpoint"]: p["kind"] for p in truth["friction_touchpoints"]}
    ranks = {tp: _rank(f, tp) for tp in planted}
    outranks = [_rank(f, hi) < _rank(f, lo) for hi, lo in truth["outranks"]]
    lifecycle_loops = [
        tp for tp in truth["lifecycle_touchpoints"]
        if tp in f.index and (f.loc[tp, "loop_visits"] > 0 or f.loc[tp, "main_driver"] == "loop")
    ]  # fmt: skip
    got = {(r.source, r.target): int(r.count) for r in ja.dfg_.itertuples()}
    expected = {(d["source"], d["target"]): d["count"] for d in truth["dfg"]}
    top = f[f["rank"].notna()].sort_values("rank").head(3)
    return {
        "world": world.name,
        "seed": world.scenario.seed,
        "planted": planted,
        "ranks": ranks,
        "top2": all(r <= TOP for r in ranks.values()),
        "outranks": outranks,
        "lifecycle_loops": lifecycle_loops,
        "dfg_equal_truth": got == expected,
        "dfg_equal_pandas": got == pandas_dfg(world.tables["events"]),
        "top3": [f"{tp} ({r.main_driver}, {r.impact:.0f})" for tp, r in top.iterrows()],
        "seconds": round(seconds, 2),
    }


def _rank(f: pd.DataFrame, touchpoint: str) -> float:
    """The touchpoint's rank (inf when absent or not ranked)."""
    if touchpoint not in f.index or pd.isna(f.loc[touchpoint, "rank"]):
        return float("inf")
    return float(f.loc[touchpoint, "rank"])


def summarise(results: list[dict]) -> dict:
    """The recovery figures over the worlds studied."""
    pairs = [ok for r in results for ok in r["outranks"]]
    lifecycle = [r for r in results if "lifecycle=-" not in r["world"]]
    return {
        "worlds": len(results),
        "top2_share": sum(r["top2"] for r in results) / max(len(results), 1),
        "high_reach_outranks_low": f"{sum(pairs)}/{len(pairs)}",
        "high_reach_always_first": all(pairs),
        "lifecycle_worlds": len(lifecycle),
        "lifecycle_ranked_as_loop": sum(bool(r["lifecycle_loops"]) for r in results),
        "dfg_equal_everywhere": all(
            r["dfg_equal_truth"] and r["dfg_equal_pandas"] for r in results
        ),
    }


def check(summary: dict) -> list[str]:
    """The targets missed (empty when all are met)."""
    missed = []
    if summary["top2_share"] < TARGET_TOP2:
        missed.append(f"planted friction in the top 2 in {summary['top2_share']:.0%} < 90%")
    if not summary["high_reach_always_first"]:
        missed.append(f"high-reach exit outranks low-reach: {summary['high_reach_outranks_low']}")
    if summary["lifecycle_ranked_as_loop"]:
        missed.append(
            f"lifecycle sub-events ranked as loops in {summary['lifecycle_ranked_as_loop']}"
        )
    if not summary["dfg_equal_everywhere"]:
        missed.append("directly-follows counts differ from the independent count")
    return missed


def run(
    worlds: int = 40, start: int = 0, customers: int | None = None, verbose: bool = True
) -> tuple[list[dict], dict]:
    """Study ``worlds`` worlds (seeds ``start``...); print a line per world when verbose."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for sc in journey_worlds(worlds, start, customers):
            r = study_world(journey_world(sc), Path(tmp) / f"world_{sc.seed}")
            results.append(r)
            if verbose:
                ranks = ", ".join(f"{tp}={v:g}" for tp, v in r["ranks"].items())
                flags = "ok " if r["top2"] and all(r["outranks"]) else "MISS"
                dfg = "dfg=ok" if r["dfg_equal_truth"] and r["dfg_equal_pandas"] else "dfg=DIFF"
                print(f"{flags} {r['world']}  ranks: {ranks}  {dfg}  top: "
                      f"{'; '.join(r['top3'])}  {r['seconds']:.1f}s", flush=True)  # fmt: skip
    return results, summarise(results)


def main() -> int:
    """Run the study from the command line; exit 1 when a target is missed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=40)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--customers", type=int, default=None)
    ap.add_argument("--json", type=Path, default=ROOT / "reports" / "truth_journey.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    results, summary = run(args.worlds, args.start, args.customers)
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    print(
        f"\nJourney truth study over {summary['worlds']} worlds ({summary['seconds']} s):\n"
        f"  planted friction in the top 2: {summary['top2_share']:.0%} of worlds (target >= 90%)\n"
        f"  high-reach exit outranks low-reach of the same rate: "
        f"{summary['high_reach_outranks_low']} (target: all)\n"
        f"  lifecycle sub-events ranked as loops: {summary['lifecycle_ranked_as_loop']} of "
        f"{summary['lifecycle_worlds']} lifecycle worlds (target 0)\n"
        f"  directly-follows = generator = pandas on every world: "
        f"{summary['dfg_equal_everywhere']}"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"summary": summary, "worlds": results}, indent=2, default=str))
    print(f"  written to {args.json}")
    missed = check(summary)
    for m in missed:
        print(f"MISSED: {m}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
