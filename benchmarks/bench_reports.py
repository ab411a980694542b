"""Report pipeline timings: the fixed cost per notebook and the time of each report.

Prints
  1. the fixed per-notebook overhead, from trivial notebooks (a parameters cell and one
     print): papermill + nbconvert driven from one Python process (cold kernel each),
     their command-line tools, and the cxlib runner (pre-warmed kernels, one at a time);
  2. ``python -m cxlib reports`` on the default sample (20,000 customers): per report its
     time (waiting for a warm kernel, executing, writing the ipynb/HTML), the run's wall
     time and the CPU seconds of the runner and its kernels;
  3. with ``--big``: the same run on 1,000,000 customers / ~10,000,000 events, built once
     into ``data/bench/reports_1m/`` (Parquet) from ten seeded 100,000-customer samples
     with ids made unique and events thinned to 10 per customer on average.

Targets: the sample run under 45 s, the big one under 2 minutes on a 2-core machine.
Run: ``make bench`` or ``python benchmarks/bench_reports.py [--big] [--skip-sample]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from cxlib.paths import DATA_DIR, DEFAULT_SAMPLE_CUSTOMERS, PROJECT_ROOT, SAMPLE_DIR
from cxlib.report import registry

TRIVIAL = 4  # trivial notebooks per overhead measurement
TIMES = {"signup_date", "churn_date", "responded_at", "opened_at", "first_response_at",
         "resolved_at", "timestamp", "ordered_at", "posted_at"}  # fmt: skip


def _trivial_notebooks(folder: Path) -> Path:
    """The real report names, each a notebook with a parameters cell, one print, a summary."""
    folder.mkdir(parents=True, exist_ok=True)
    for report in registry.REPORTS:
        nb = nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_markdown_cell(f"# {report.title}"),
                nbformat.v4.new_code_cell(
                    "data = None  # data\nconfig = None  # config\noutput_dir = None  # outputs",
                    metadata={"tags": ["parameters"]},
                ),
                nbformat.v4.new_code_cell(
                    "import json, pathlib\nprint('hello')\n"
                    f"pathlib.Path(output_dir, {report.summary!r}).write_text("
                    "json.dumps({'findings': ['a', 'b', 'c']}))"
                ),
            ]
        )
        nb.metadata["kernelspec"] = {
            "name": "cxlib",
            "display_name": "Python (cxlib)",
            "language": "python",
        }
        nbformat.write(nb, folder / report.notebook)
    return folder


def _cpu() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def overhead(tmp: Path) -> None:
    """Seconds per trivial notebook: papermill+nbconvert in-process and CLI, and the runner."""
    import papermill
    from nbconvert import HTMLExporter

    from cxlib.report.pipeline import run_reports

    nbs = _trivial_notebooks(tmp / "trivial")
    paths = sorted(nbs.glob("*.ipynb"))[:TRIVIAL]
    out = tmp / "pm"
    out.mkdir()
    t0 = time.perf_counter()
    for p in paths:
        executed = papermill.execute_notebook(
            str(p), str(out / p.name), parameters={"output_dir": str(out)}, kernel_name="cxlib",
            progress_bar=False,
        )  # fmt: skip
        HTMLExporter(template_name="lab", exclude_input=True).from_notebook_node(executed)
    in_process = (time.perf_counter() - t0) / len(paths)
    t0 = time.perf_counter()
    for p in paths:
        bin_dir = Path(sys.executable).parent
        subprocess.run([bin_dir / "papermill", str(p), str(out / p.name), "-k", "cxlib",
                        "-p", "output_dir", str(out), "--no-progress-bar"],
                       check=True, capture_output=True)  # fmt: skip
        subprocess.run([bin_dir / "jupyter", "nbconvert", "--to", "html", "--no-input",
                        str(out / p.name)], check=True, capture_output=True)  # fmt: skip
    cli = (time.perf_counter() - t0) / len(paths)
    data = tmp / "tiny"
    data.mkdir()
    (data / "customers.csv").write_text("customer_id,signup_date\nc1,2024-01-01\n")
    (data / "surveys.csv").write_text("responded_at,survey,score\n2024-02-01,nps,9\n")
    (data / "events.csv").write_text(
        "customer_id,timestamp,stage,touchpoint\nc1,2024-02-01,usage,app\n"
    )
    t0 = time.perf_counter()
    result = run_reports(
        data, out_dir=tmp / "runner", notebooks_dir=nbs, jobs=1, echo=lambda s: None
    )
    whole = time.perf_counter() - t0
    parts = {k: 0.0 for k in ("kernel_wait", "execute", "files")}
    for r in result.reports:
        for k in parts:
            parts[k] += r.timings.get(k, 0.0) / len(result.reports)
    n = len(result.reports)
    print(f"fixed overhead per notebook ({n} trivial notebooks, one at a time):")
    print(f"  papermill + nbconvert, one Python process    {in_process:5.2f} s")
    print(f"  papermill + nbconvert command-line tools      {cli:5.2f} s")
    print(f"  cxlib runner, whole run / {n}                   {whole / n:5.2f} s  (all of a run: "
          "start-up, lock, kernels, data, index, manifest, publish)")  # fmt: skip
    print(
        f"    per notebook inside the run: waiting for a warm kernel {parts['kernel_wait']:.2f} s, "
        f"executing {parts['execute']:.2f} s, ipynb+HTML {parts['files']:.2f} s (overlaps the next)"
    )


def run(data: Path, label: str, tmp: Path, jobs: int = 2) -> float:
    """``python -m cxlib reports`` on ``data``; prints the time of each report."""
    out = tmp / f"reports_{abs(hash(label))}"
    cpu0, t0 = _cpu(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "cxlib", "reports", "--data", str(data), "--out", str(out),
         "--jobs", str(jobs)],
        capture_output=True, text=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    latest = sorted(
        p for p in out.iterdir() if p.is_dir() and p.name[:1] not in ".l_" and not p.is_symlink()
    )  # run folders only: not .build-*, latest or _private
    manifest = json.loads((latest[-1] / "manifest.json").read_text()) if latest else {}
    print(f"python -m cxlib reports on {label} ({data}), {jobs} at a time:")
    for r in manifest.get("reports", []):
        t = r.get("timings_s", {})
        print(
            f"  {r['name']:<10} {r['status']:<9} {r['duration_s']:6.1f} s   (kernel wait "
            f"{t.get('kernel_wait', 0):4.1f} s, execute {t.get('execute', 0):5.1f} s, "
            f"ipynb+HTML {t.get('files', 0):4.1f} s)"
        )
    print(f"  whole command {wall:6.1f} s wall, {cpu:6.1f} s CPU (exit {proc.returncode})")
    if proc.returncode:
        print(proc.stderr[-2000:])
    return wall


def build_big(folder: Path, customers: int = 1_000_000, events: int = 10_000_000) -> Path:
    """1M customers / ~10M events from ten 100k samples (ids prefixed, events thinned)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cxlib.sample import generate

    done = folder / "DONE"
    if done.is_file() and done.read_text() == "typed\n":
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    chunk = 100_000
    writers: dict[str, pq.ParquetWriter] = {}
    ids = {"customer_id", "response_id", "ticket_id", "order_id", "mention_id", "session_id"}
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        for i in range(customers // chunk):
            part = Path(scratch) / f"part{i}"
            truth = generate(part, customers=chunk, seed=1000 + i, fmt="parquet")
            keep = min(1.0, events / (truth["row_counts"]["events"] * customers / chunk))
            for table in ("customers", "surveys", "tickets", "events", "orders", "mentions"):
                t = pq.read_table(part / f"{table}.parquet")
                if table == "events":
                    t = t.filter(pa.array(rng.random(t.num_rows) < keep))
                cols = {}
                for name in t.column_names:
                    col = t[name]
                    if pa.types.is_dictionary(col.type):
                        col = col.cast(pa.string())
                    if name in TIMES and pa.types.is_string(col.type):  # typed, as real exports
                        stamps = pd.to_datetime(
                            col.to_pandas(), utc=True, format="ISO8601", errors="coerce"
                        )
                        col = pa.array(stamps.dt.tz_localize(None), type=pa.timestamp("s"))
                    if name in ids:
                        col = pa.compute.binary_join_element_wise(
                            f"p{i}", col.cast(pa.string()), "-"
                        )
                    cols[name] = col
                t = pa.table(cols)
                if table not in writers:
                    writers[table] = pq.ParquetWriter(folder / f"{table}.parquet", t.schema)
                writers[table].write_table(t.cast(writers[table].schema))
            shutil.rmtree(part)
            print(f"  built part {i + 1}/{customers // chunk}", flush=True)
    for w in writers.values():
        w.close()
    done.write_text("typed\n")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also 1M customers / 10M events")
    parser.add_argument("--skip-sample", action="store_true", help="skip the default sample")
    parser.add_argument("--skip-overhead", action="store_true", help="skip the overhead part")
    args = parser.parse_args(argv)
    sample = SAMPLE_DIR
    if not (sample / "TRUTH.json").is_file():
        from cxlib.sample import generate

        print(f"building the default sample into {sample} ...", flush=True)
        generate(sample, customers=DEFAULT_SAMPLE_CUSTOMERS)
    with tempfile.TemporaryDirectory(prefix="cxlib-bench-") as tmp:
        if not args.skip_overhead:
            overhead(Path(tmp))
        if not args.skip_sample:
            run(sample, "the default sample", Path(tmp))
        if args.big:
            t0 = time.perf_counter()
            big = build_big(DATA_DIR / "bench" / "reports_1m")
            print(f"big data set ready in {time.perf_counter() - t0:.0f} s: {big}")
            run(big, "1M customers / 10M events", Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
