"""``python -m cxlib``: validate data, build the sample data set, run reports.

Sub-commands
------------
validate   load a data set, print its quality report (``--json`` for machines);
           exit 1 on structural errors, 0 otherwise
sample     write the bundled synthetic data set with its planted truths
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from cxlib import config as paths


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m cxlib", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    val = sub.add_parser("validate", help="load a data set and print its data-quality report")
    val.add_argument("--data", required=True, help="folder, DuckDB file or SQLAlchemy URL")
    val.add_argument("--config", help="YAML mapping the data onto the contract")
    val.add_argument(
        "--json", action="store_true", help="print {table: {rows_in, rows_kept, excluded}}"
    )
    val.add_argument("--examples", action="store_true", help="with --json: add example rows")
    val.set_defaults(func=_validate)

    smp = sub.add_parser("sample", help="write the synthetic sample data set (with TRUTH.json)")
    smp.add_argument("--out", default=str(paths.SAMPLE_DIR), help="output folder")
    smp.add_argument("--customers", type=int, default=paths.DEFAULT_SAMPLE_CUSTOMERS)
    smp.add_argument("--seed", type=int, default=paths.DEFAULT_SEED)
    smp.add_argument("--format", choices=["csv", "parquet"], default="csv")
    smp.set_defaults(func=_sample)

    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def _validate(args: argparse.Namespace) -> int:
    from cxlib.config import ConfigError
    from cxlib.dataset import load
    from cxlib.io import DataContractError

    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            cx = load(args.data, args.config)
    except (DataContractError, ConfigError) as exc:
        if args.json:
            problems = getattr(exc, "problems", [str(exc)])
            print(json.dumps({"error": str(exc), "problems": problems}, ensure_ascii=False))
        print(str(exc), file=sys.stderr)
        return 1
    if args.json:
        print(cx.quality.to_json(examples=args.examples))
    else:
        print(cx.quality)
    return 0


def _sample(args: argparse.Namespace) -> int:
    from cxlib.sample import generate

    out = Path(args.out)
    truth = generate(out, customers=args.customers, seed=args.seed, fmt=args.format)
    counts = truth.get("row_counts", {})
    print(
        f"Wrote the sample data set to {out}: " + ", ".join(f"{t} {n:,}" for t, n in counts.items())
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
