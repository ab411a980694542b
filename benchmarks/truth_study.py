"""The truth study: does each analysis recover what is planted, across many random worlds?

Runs every ``benchmarks/truth_*.py`` study in a process of its own (personas, journey,
churn), each printing one line per world and its recovery figures against the targets of
issues 12 and 13, and writing them as JSON. Exits 1 when any study misses a target.
A fast subset of each study runs in ``make test`` (``tests/test_truth_*.py``) with the
same assertions.

Run: ``make truth`` or ``python benchmarks/truth_study.py [--only personas]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def studies() -> dict[str, Path]:
    """Every study script beside this one, by name (``truth_journey.py`` -> ``journey``)."""
    return {
        p.stem.removeprefix("truth_"): p
        for p in sorted(HERE.glob("truth_*.py"))
        if p != Path(__file__).resolve()
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", help="run only these studies (repeatable)")
    args = ap.parse_args(argv)
    chosen = {k: v for k, v in studies().items() if not args.only or k in args.only}
    failed = []
    for name, script in chosen.items():
        print(f"=== {name} ({script.name})", flush=True)
        t0 = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], check=False).returncode
        print(
            f"=== {name}: {'all targets met' if code == 0 else 'TARGET MISSED'} in {time.perf_counter() - t0:.0f} s\n",
            flush=True,
        )
        if code:
            failed.append(name)
    print(
        f"truth study: {len(chosen) - len(failed)} of {len(chosen)} studies met every target"
        + (f"; missed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
