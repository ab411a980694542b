"""Load + validate throughput on a generated 10-million-row events table in Parquet.

Prints rows/s and peak memory for ``cxlib.load`` (customers + events, orphan check
included), next to two reference scans of the same file: pyarrow's ``read_table``
and a plain DuckDB ``count(*)``. Target: at least 5 million rows/s.

Run: ``make bench`` or ``python benchmarks/bench_load.py [--rows N]``. The data is
generated once into ``data/bench/`` (git-ignored) and reused.
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

from cxlib.config import DATA_DIR

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


def measure(folder: str) -> dict:
    """Time one ``cxlib.load`` in this process; return figures (run in a fresh process)."""
    import resource

    import duckdb

    import cxlib

    t0 = time.perf_counter()
    arrow_rows = pq.read_table(Path(folder) / "events.parquet").num_rows
    t_arrow = time.perf_counter() - t0
    t0 = time.perf_counter()
    duckdb.execute(f"SELECT count(*) FROM read_parquet('{folder}/events.parquet')").fetchone()
    t_duck = time.perf_counter() - t0
    t0 = time.perf_counter()
    cx = cxlib.load(folder, tables=["customers", "events"])
    t_load = time.perf_counter() - t0
    q = cx.quality.tables["events"]
    return {
        "rows": arrow_rows,
        "kept": q.rows_kept,
        "excluded": q.rows_excluded,
        "customers": len(cx.customers),
        "seconds": t_load,
        "arrow_read_s": t_arrow,
        "duckdb_count_s": t_duck,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    folder = DATA_DIR / "bench" / f"events_{args.rows}"
    if not (folder / "events.parquet").exists():
        t0 = time.perf_counter()
        make_data(folder, args.rows)
        print(f"generated {args.rows:,} events in {time.perf_counter() - t0:.1f} s -> {folder}")
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(folder)], capture_output=True, text=True
    )
    if out.returncode:
        print(out.stderr, file=sys.stderr)
        return out.returncode
    r = json.loads(out.stdout.strip().splitlines()[-1])
    rate = r["rows"] / r["seconds"]
    print(
        f"load+validate: {r['rows']:,} events (+{r['customers']:,} customers) in "
        f"{r['seconds']:.2f} s = {rate / 1e6:.2f} M rows/s (target 5.0); "
        f"peak memory {r['peak_rss_mb']:,.0f} MB; kept {r['kept']:,}, excluded {r['excluded']:,}"
    )
    print(
        f"  reference scans of the same file: pyarrow read_table {r['rows'] / r['arrow_read_s'] / 1e6:.1f} M rows/s, "
        f"DuckDB count(*) {r['rows'] / r['duckdb_count_s'] / 1e6:.1f} M rows/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
