"""The journey tables on DuckDB and on Spark local: time per step, ratio, driver memory.

For each size (default 1 and 10 million events: a sample-shaped data set with as many
customers as give that many events, generated once into ``data/bench/engines_<N>/``),
one fresh process per engine runs the journey analysis and prints its steps:
``session`` (Spark only: JVM and session start), ``load`` (DuckDB: :func:`cxlib.load`
into pandas; Spark: :func:`cxlib.engine.spark_data.load_on_spark`, read and validated on
Spark and kept there), ``log`` (the journey inputs registered and events + journeys
built), ``analysis`` (funnel, friction, paths, map) and ``total``; then the Spark/DuckDB
ratio, and Spark ``local[1]`` against ``local[2]`` (what a second core buys: on a cluster
the same plan spreads over executors).

``CPU s``: the CPU seconds of the run's process and its JVM (all threads), a measure a
busy machine hardly stretches; the wall times are stretched by other jobs' load.

Peak memory: the Python driver's (``ru_maxrss``) and, on Spark, the JVM's (``VmHWM``; in
local mode the JVM is the driver *and* the executors, so it holds the data). On Spark no
event reaches the Python driver: only the customers and survey answers (the friction
table's CES and CSAT per touchpoint) and one row per result, so its memory grows with the
customers, not with the events. ``--validate`` times reading and validation alone (see
the README, "When your data outgrows one machine").

Two designs. By default the customers grow with the events (the 1M set is a tenth of the
customers of :data:`BENCH_SET`, 10M all of them), as a growing business's data would. With
``--same-customers`` only the events grow: the 10M set is :data:`SAME_CUSTOMERS_SET`
(400,000 customers, 10 million events; ``bench_load.py`` writes it) and a smaller size a
fixed-hash share of its events with *all* its customers (customers and events only: what
the journey needs; no tickets or surveys). The driver's peak should then hardly move: it
holds one row per customer and per result, never an event (the one result that grows is
the journey variants, one row per distinct path: longer journeys are more often distinct,
up to one per customer).

Each run line starts with the 1-minute load average when it started (the machine may be
shared: a load above the core count stretches every time).

Run: ``python benchmarks/bench_engines.py [--events 1000000 10000000] [--runs ...]
[--validate] [--same-customers]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from cxlib.paths import DATA_DIR

EVENTS_PER_CUSTOMER = 26.6
"""Events per customer in the sample (532,259 events for 20,000 customers)."""

RUNS = ("duckdb", "spark local[1]", "spark local[2]")
VALIDATE_RUNS = ("validate duckdb", "validate spark local[2]")
"""``--validate``: reading and validation alone (``cxlib.load`` against
:func:`cxlib.engine.spark_load.validate_on_spark`, which leaves the kept rows on Spark)."""

TABLES = ["customers", "events", "tickets", "surveys"]


BENCH_SET = DATA_DIR / "bench" / "reports_1m"
"""The 1-million-customer, 10-million-event Parquet set (when present, the 10M size)."""

SAMPLED_TABLES = ("customers", "events", "tickets", "surveys")
"""The tables the journey run reads (a sampled set holds only these)."""

SAME_CUSTOMERS_SET = DATA_DIR / "bench" / "events_10000000"
"""400,000 customers and 10 million events (customers and events; ``bench_load.py``)."""


def same_customers_data(events: int) -> Path:
    """``--same-customers``: :data:`SAME_CUSTOMERS_SET`'s customers, all of them, and about
    ``events`` of its events (a fixed hash of the source row: the same sample every time,
    in source order), made once into ``data/bench/same_customers_<events>/``."""
    import duckdb

    source = SAME_CUSTOMERS_SET
    if not (source / "events.parquet").is_file():
        raise SystemExit(f"{source} is missing: run benchmarks/bench_load.py first (it writes it)")
    have = duckdb.sql(f"SELECT count(*) FROM '{source}/events.parquet'").fetchall()[0][0]
    if events >= have * 0.99:
        return source
    out = DATA_DIR / "bench" / f"same_customers_{events}"
    if (out / "events.parquet").is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    keep = round(events / have * 1_000_000)
    duckdb.sql(f"COPY (SELECT * FROM '{source}/customers.parquet') "
               f"TO '{out}/customers.parquet' (FORMAT parquet)")  # fmt: skip
    duckdb.sql(
        f"COPY (SELECT * EXCLUDE (file_row_number) FROM read_parquet('{source}/events.parquet', "
        f"file_row_number = true) WHERE hash(file_row_number) % 1000000 < {keep} "
        f"ORDER BY file_row_number) TO '{out}/events.parquet' (FORMAT parquet)"
    )
    return out


def data_for(events: int) -> Path:
    """A sample-shaped data set with about ``events`` events (made once, Parquet).

    The 10-million-event set is :data:`BENCH_SET` when present, and a smaller size a
    random share of its customers (with all their rows); else one is generated.
    """
    out = DATA_DIR / "bench" / f"engines_{events}"
    if (out / "events.parquet").is_file():
        return out
    if (BENCH_SET / "events.parquet").is_file():
        import duckdb

        have = duckdb.sql(f"SELECT count(*) FROM '{BENCH_SET}/events.parquet'").fetchall()[0][0]
        if events >= have * 0.99:
            return BENCH_SET
        return _sampled(BENCH_SET, events / have, out)
    from cxlib.sample import generate

    generate(out, customers=max(100, round(events / EVENTS_PER_CUSTOMER)), seed=0,
             fmt="parquet")  # fmt: skip
    return out


def _sampled(source: Path, share: float, out: Path) -> Path:
    """``share`` of ``source``'s customers (a fixed hash), with their rows, into ``out``."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    keep = f"hash(customer_id) % 1000000 < {round(share * 1_000_000)}"
    for table in SAMPLED_TABLES:
        duckdb.sql(f"COPY (SELECT * FROM '{source}/{table}.parquet' WHERE {keep}) "
                   f"TO '{out}/{table}.parquet' (FORMAT parquet)")  # fmt: skip
    return out


def _jvm_pid() -> str | None:
    """The process id of this process's Java child (the Spark driver JVM), if any."""
    for pid in os.listdir("/proc"):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"java" in cmd and f"PPid:\t{os.getpid()}\n" in status:
            return pid
    return None


def _jvm_peak_mb() -> float:
    """Peak resident memory of this process's Java child (the Spark driver JVM), MB."""
    pid = _jvm_pid()
    if pid is None:
        return float("nan")
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process and its Java child (every thread): unlike
    the wall time, hardly stretched by other jobs on a shared machine."""
    used = time.process_time()
    pid = _jvm_pid()
    if pid is not None:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def one_run(folder: str, run: str) -> dict[str, float]:
    """Time the journey on ``run`` in this process (called in a fresh process)."""
    import cxlib
    from cxlib import journey

    if run.startswith("validate"):
        return validate_run(folder, run)
    times: dict[str, float] = {}
    if run.startswith("spark"):  # read, validated and kept on Spark: no event on the driver
        from cxlib.engine.spark import spark_session
        from cxlib.engine.spark_data import load_on_spark

        os.environ["CXLIB_ENGINE"] = "spark"
        t = time.perf_counter()
        spark = spark_session(run.split()[1])
        times["session"] = time.perf_counter() - t
        t = time.perf_counter()
        cx = load_on_spark(folder, tables=TABLES, spark=spark)
    else:
        t = time.perf_counter()
        cx = cxlib.load(folder, tables=TABLES)
    times["load"] = time.perf_counter() - t
    _progress(run, "load", times)
    t = time.perf_counter()
    log = journey.JourneyLog(cx)
    times["log"] = time.perf_counter() - t
    _progress(run, "log", times)
    t = time.perf_counter()
    for step in (journey.funnel, journey.friction, journey.directly_follows, journey.variants,
                 journey.cross_channel_repeats):  # fmt: skip
        s = time.perf_counter()
        step(log)
        _progress(run, step.__name__, {step.__name__: time.perf_counter() - s})
    times["analysis"] = time.perf_counter() - t
    times["total"] = sum(times.values())
    times["cpu"] = _cpu_seconds()
    times["events"] = log.n_events
    times["customers"] = log.n_customers
    times["driver_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times["jvm_mb"] = _jvm_peak_mb() if run.startswith("spark") else float("nan")
    return times


def _progress(run: str, step: str, times: dict[str, float]) -> None:
    """A step's time on stderr as it ends (a long run shows how far it got)."""
    print(f"    [{run}] {step} done: {times[step]:.1f} s (load avg {os.getloadavg()[0]:.1f})",
          file=sys.stderr, flush=True)  # fmt: skip


def validate_run(folder: str, run: str) -> dict[str, float]:
    """Time reading + validating ``folder``'s tables on ``run``'s engine (a fresh process)."""
    import cxlib

    times: dict[str, float] = {}
    if "spark" in run:
        from cxlib.engine.spark import spark_session
        from cxlib.engine.spark_load import validate_on_spark

        t = time.perf_counter()
        spark = spark_session(run.split()[-1])
        times["session"] = time.perf_counter() - t
        t = time.perf_counter()
        quality, _ = validate_on_spark(folder, tables=TABLES, spark=spark, keep=True)
    else:
        t = time.perf_counter()
        quality = cxlib.load(folder, tables=TABLES).quality
    times["load"] = time.perf_counter() - t
    times["total"] = sum(times.values())
    times["events"] = quality.tables["events"].rows_in
    times["driver_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times["jvm_mb"] = _jvm_peak_mb() if "spark" in run else float("nan")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--runs", nargs="+", default=list(RUNS), choices=RUNS + VALIDATE_RUNS)
    parser.add_argument("--validate", action="store_true", help="time reading + validation only")
    parser.add_argument("--same-customers", action="store_true",
                        help="the same 400,000 customers at every size: only events grow")  # fmt: skip
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # folder run (child)
    args = parser.parse_args()
    if args.validate:
        args.runs = list(VALIDATE_RUNS)
    if args.one:
        print(json.dumps(one_run(*args.one)))
        return
    steps = ("load", "session", "log", "analysis", "total")
    design = "same customers at every size" if args.same_customers else "customers grow"
    print(f"design: {design}; {os.cpu_count()} cores")
    print(f"{'load avg':>8} {'events':>11} {'customers':>10} {'run':<24}"
          + "".join(f"{s:>10}" for s in steps) + f"{'CPU s':>8}{'driver MB':>11}{'JVM MB':>9}")  # fmt: skip
    peaks: dict[str, list[str]] = {}
    for events in args.events:
        folder = same_customers_data(events) if args.same_customers else data_for(events)
        got = {}
        for run in args.runs:
            load = os.getloadavg()[0]
            out = subprocess.run([sys.executable, __file__, "--one", str(folder), run],
                                 stdout=subprocess.PIPE, text=True, check=True)  # fmt: skip
            got[run] = r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{load:>8.1f} {r['events']:>11,} {r.get('customers', float('nan')):>10,.0f} "
                  f"{run:<24}" + "".join(f"{r.get(s, float('nan')):>10.1f}" for s in steps)
                  + f"{r.get('cpu', float('nan')):>8.0f}{r['driver_mb']:>11.0f}"
                  f"{r['jvm_mb']:>9.0f}", flush=True)  # fmt: skip
            peaks.setdefault(run, []).append(f"{r['driver_mb']:,.0f} MB at {r['events']:,} events")
        base = "validate duckdb" if args.validate else "duckdb"
        if base in got:
            for run in (r for r in got if r != base):
                ratio = got[run]["total"] / got[base]["total"]
                cpu = got[run].get("cpu", float("nan")) / got[base].get("cpu", float("nan"))
                print(f"{'':>11} {run} / duckdb: {ratio:.1f}x the time, {cpu:.1f}x the CPU")
        if {"spark local[1]", "spark local[2]"} <= set(got):
            gain = got["spark local[1]"]["log"] + got["spark local[1]"]["analysis"]
            gain /= got["spark local[2]"]["log"] + got["spark local[2]"]["analysis"]
            print(f"{'':>11} local[1] / local[2] (journey steps): {gain:.2f}x")
    for run, sizes in peaks.items():
        if len(sizes) > 1:
            print(f"driver peak, {run}: " + ", ".join(sizes))


if __name__ == "__main__":
    main()
