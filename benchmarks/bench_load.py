"""Load + validate throughput on a generated 10-million-row events table in Parquet.

Prints rows/s and peak memory for ``cxlib.load`` (customers + events, orphan check
included), next to two reference scans of the same file: pyarrow's ``read_table``
and a plain DuckDB ``count(*)``. Target: at least 5 million rows/s.

Each load is the first thing a fresh interpreter does after its imports (a user's
first load: cold allocator, no warm pages), and it is timed in ``--repeat`` such
processes: on a shared 2-core VM one run varies by +-25%, so the median is the
figure and the range is printed beside it. The reference scans run in a process of
their own, so their memory does not change the load's.

Run: ``make bench`` or ``python benchmarks/bench_load.py [--rows N] [--repeat K]``.
The data is generated once into ``data/bench/`` (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cxlib.paths import DATA_DIR

STAGES = ["awareness", "consideration", "purchase", "usage", "loyalty"]
TOUCHPOINTS = ["ad_click", "product_page", "compare_plans", "cart", "checkout", "payment",
               "onboarding_email", "app_login", "billing_page", "referral"]  # fmt: skip
CHANNELS = ["web", "app", "email", "phone", "store", "social"]


def make_data(folder: Path, rows: int, seed: int = 0) -> None:
    """Write customers.parquet and events.parquet (``rows`` events) into ``folder``."""
    rng = np.random.default_rng(seed)
    n_customers = max(rows // 25, 1)
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.char.zfill(np.arange(n_customers).astype(str), 7)
    signup = np.datetime64("2024-01-01") + rng.integers(0, 365, n_customers).astype(
        "timedelta64[D]"
    )
    pq.write_table(
        pa.table({"customer_id": ids, "signup_date": signup.astype("datetime64[ms]")}),
        folder / "customers.parquet",
    )
    chunk = 2_000_000
    writer = None
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        stage = rng.integers(0, len(STAGES), n)
        table = pa.table(
            {
                "customer_id": ids[rng.integers(0, n_customers, n)],
                "timestamp": (
                    np.datetime64("2025-01-01")
                    + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")
                ).astype("datetime64[ms]"),
                "stage": pa.DictionaryArray.from_arrays(stage.astype(np.int32), STAGES),
                "touchpoint": pa.DictionaryArray.from_arrays(
                    rng.integers(0, len(TOUCHPOINTS), n).astype(np.int32), TOUCHPOINTS
                ),
                "channel": pa.DictionaryArray.from_arrays(
                    rng.integers(0, len(CHANNELS), n).astype(np.int32), CHANNELS
                ),
                "session_id": np.char.add("S", rng.integers(0, rows // 4, n).astype(str)),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(folder / "events.parquet", table.schema)
        writer.write_table(table)
    writer.close()


def measure_load(folder: str) -> dict:
    """Time one ``cxlib.load`` as the first thing this (fresh) process does after imports."""
    import resource

    import cxlib

    t0 = time.perf_counter()
    cx = cxlib.load(folder, tables=["customers", "events"])
    seconds = time.perf_counter() - t0
    q = cx.quality.tables["events"]
    return {
        "rows": q.rows_in,
        "kept": q.rows_kept,
        "excluded": q.rows_excluded,
        "customers": len(cx.customers),
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure_references(folder: str) -> dict:
    """Two reference scans of the same file: pyarrow's ``read_table``, DuckDB's ``count(*)``."""
    import duckdb

    t0 = time.perf_counter()
    rows = pq.read_table(Path(folder) / "events.parquet").num_rows
    arrow_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    duckdb.execute(f"SELECT count(*) FROM read_parquet('{folder}/events.parquet')").fetchall()
    return {"rows": rows, "arrow_read_s": arrow_s, "duckdb_count_s": time.perf_counter() - t0}


def _in_fresh_process(what: str, folder: Path) -> dict:
    """Run ``measure_<what>`` in a new interpreter (cold allocator, as a user's first load)."""
    out = subprocess.run(
        [sys.executable, __file__, f"--{what}", str(folder)], capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--repeat", type=int, default=5, help="fresh processes to time the load in (default 5)"
    )
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--references", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load or args.references:
        measured = measure_load(args.load) if args.load else measure_references(args.references)
        print(json.dumps(measured))
        return 0
    folder = DATA_DIR / "bench" / f"events_{args.rows}"
    if not (folder / "events.parquet").exists():
        t0 = time.perf_counter()
        make_data(folder, args.rows)
        print(f"generated {args.rows:,} events in {time.perf_counter() - t0:.1f} s -> {folder}")
    try:
        runs = [_in_fresh_process("load", folder) for _ in range(max(args.repeat, 1))]
        ref = _in_fresh_process("references", folder)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    seconds = sorted(r["seconds"] for r in runs)
    median = float(np.median(seconds))
    r = runs[0]
    print(
        f"load+validate: {r['rows']:,} events (+{r['customers']:,} customers), "
        f"median of {len(runs)} fresh processes {median:.2f} s = "
        f"{r['rows'] / median / 1e6:.2f} M rows/s (target 5.0); "
        f"range {seconds[0]:.2f}-{seconds[-1]:.2f} s = "
        f"{r['rows'] / seconds[-1] / 1e6:.2f}-{r['rows'] / seconds[0] / 1e6:.2f} M rows/s"
    )
    print(
        f"  peak memory {max(x['peak_rss_mb'] for x in runs):,.0f} MB; "
        f"kept {r['kept']:,}, excluded {r['excluded']:,}"
    )
    print(
        f"  reference scans of the same file: pyarrow read_table "
        f"{ref['rows'] / ref['arrow_read_s'] / 1e6:.1f} M rows/s, "
        f"DuckDB count(*) {ref['rows'] / ref['duckdb_count_s'] / 1e6:.1f} M rows/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
