"""Compare the CSV and JSON outputs of two report runs: are the results the same?

A refactoring must not change a result. Run the reports before and after, then::

    python benchmarks/compare_outputs.py reports_before/latest reports_after/latest

Every ``outputs/*.csv`` is compared cell by cell (numbers to 1e-9 relative, so a
last-digit rounding difference is not a change) and every ``outputs/*.json`` value by
value, skipping the keys that differ from run to run by nature (timings, run ids, paths).
Prints one line per file and exits 1 when any file differs.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

VOLATILE_KEYS = {
    "run_id",
    "started",
    "finished",
    "seconds",
    "elapsed",
    "generated",
    "data",
    "output_dir",
}
"""JSON keys whose values change from run to run (timings, run ids, paths), not results."""
REL_TOL = 1e-9


def _excerpt(a: str, b: str, context: int = 40) -> str:
    """The two texts around their first difference: ``'...old...' -> '...new...'``."""
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, i - context)
    return f"{a[start : i + context]!r} -> {b[start : i + context]!r}"


def _same_value(a: Any, b: Any, where: str, diffs: list[str]) -> None:
    """Append to ``diffs`` every place where two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in VOLATILE_KEYS:
                continue
            if k not in a or k not in b:
                diffs.append(f"{where}.{k}: only in {'after' if k in b else 'before'}")
            else:
                _same_value(a[k], b[k], f"{where}.{k}", diffs)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            diffs.append(f"{where}: {len(a)} items before, {len(b)} after")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _same_value(x, y, f"{where}[{i}]", diffs)
    elif isinstance(a, float) and isinstance(b, float):
        if not (math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12) or (a != a and b != b)):
            diffs.append(f"{where}: {a!r} -> {b!r}")
    elif a != b:
        diffs.append(f"{where}: {_excerpt(str(a), str(b))}")


def compare_csv(before: Path, after: Path) -> list[str]:
    """The differences between two CSV files (empty when the same)."""
    a, b = pd.read_csv(before), pd.read_csv(after)
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return [f"shape/columns {a.shape} {list(a.columns)[:6]} -> {b.shape} {list(b.columns)[:6]}"]
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=REL_TOL, atol=1e-12)
    except AssertionError as e:
        return [str(e).splitlines()[0] + " " + " ".join(str(e).split())[:300]]
    return []


def compare_json(before: Path, after: Path) -> list[str]:
    """The differences between two JSON files (empty when the same)."""
    diffs: list[str] = []
    _same_value(json.loads(before.read_text()), json.loads(after.read_text()), "", diffs)
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path, help="a run folder (holding outputs/)")
    ap.add_argument("after", type=Path, help="a run folder (holding outputs/)")
    args = ap.parse_args(argv)
    out_a, out_b = args.before / "outputs", args.after / "outputs"
    names = sorted({p.name for p in out_a.iterdir()} | {p.name for p in out_b.iterdir()})
    changed = 0
    for name in names:
        a, b = out_a / name, out_b / name
        if not (a.exists() and b.exists()):
            print(f"{name:32} only in {'after' if b.exists() else 'before'}")
            changed += 1
            continue
        diffs = compare_csv(a, b) if name.endswith(".csv") else compare_json(a, b)
        print(f"{name:32} {'same' if not diffs else f'{len(diffs)} difference(s)'}")
        for d in diffs[:10]:
            print(f"    {d}")
        changed += bool(diffs)
    print(f"{len(names) - changed} of {len(names)} output files the same")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
