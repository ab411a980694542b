"""``python -m cxlib``: validate data, build the sample data set, run reports.

Sub-commands
------------
validate   load a data set, print its quality report (``--json`` for machines);
           exit 1 on structural errors, 0 otherwise
sample     write the bundled synthetic data set with its planted truths
reports    run the report notebooks and publish them as dated, self-contained HTML;
           exit 0 when every report that could run succeeded, 1 when one failed or the
           output folder cannot be written, 2 on a usage error (unknown report or
           parameter, a parameter of the wrong type, missing data, bad config: nothing
           runs), 3 when another run holds the output folder, 130 when interrupted;
           ``--list-params`` lists every report parameter with its type, default and help
send       mail a published run (index page as body, reports attached) via SMTP
           settings from CXLIB_SMTP_* environment variables
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from cxlib import paths
from cxlib.wording import count

if TYPE_CHECKING:
    from cxlib.io.quality import QualityReport


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
    _engine_option(val, "the checks run (spark reads a folder of CSV/Parquet files)")
    val.set_defaults(func=_validate)

    smp = sub.add_parser("sample", help="write the synthetic sample data set (with TRUTH.json)")
    smp.add_argument("--out", default=str(paths.SAMPLE_DIR), help="output folder")
    smp.add_argument("--customers", type=int, default=paths.DEFAULT_SAMPLE_CUSTOMERS)
    smp.add_argument("--seed", type=int, default=paths.DEFAULT_SEED)
    smp.add_argument("--format", choices=["csv", "parquet"], default="csv")
    smp.set_defaults(func=_sample)

    rep = sub.add_parser("reports", help="run the report notebooks and publish HTML reports")
    rep.add_argument("--data", help="folder, DuckDB file or SQLAlchemy URL (default: the sample)")
    rep.add_argument("--config", help="YAML mapping the data onto the contract")
    rep.add_argument("--out", default=str(paths.REPORTS_DIR), help="where runs are published")
    rep.add_argument(
        "--only",
        action="append",
        metavar="NAMES",
        help="reports to run (comma-separated; "
        "the reports they need run too): scorecard, personas, churn, journey",
    )
    rep.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="notebook parameter (report.key=value for one report); repeatable",
    )
    rep.add_argument("--jobs", type=int, default=2, help="notebooks run at the same time")
    _engine_option(
        rep, "the data is read and validated and the heavy SQL runs (spark: a folder of files)"
    )
    rep.add_argument(
        "--notebooks", default=str(paths.NOTEBOOKS_DIR), help="folder of the report notebooks"
    )
    rep.add_argument("--timeout", type=float, default=1800, help="seconds a cell may run")
    rep.add_argument(
        "--list-params",
        action="store_true",
        help="list every report parameter (type, default, help) and exit",
    )
    rep.set_defaults(func=_reports)

    snd = sub.add_parser("send", help="mail a report run (SMTP settings from CXLIB_SMTP_*)")
    snd.add_argument(
        "--run",
        default="latest",
        help="latest (newest complete run), newest (newest run, failed or not), a run id or folder",
    )
    snd.add_argument("--to", action="append", required=True, help="recipient; repeatable")
    snd.add_argument("--out", default=str(paths.REPORTS_DIR), help="the reports folder")
    snd.add_argument("--subject", help="mail subject (default: run id and status)")
    snd.set_defaults(func=_send)

    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def _reports(args: argparse.Namespace) -> int:
    from cxlib.report import RunLocked, run_reports
    from cxlib.report.publish import OutputFolderError

    if args.list_params:
        return _list_params(args.notebooks)
    if args.engine:  # the report kernels inherit the environment (cxlib.engine.engine_name)
        os.environ["CXLIB_ENGINE"] = args.engine
    try:
        result = run_reports(
            args.data,
            args.config,
            args.out,
            only=args.only,
            params=args.param,
            jobs=args.jobs,
            timeout=args.timeout,
            notebooks_dir=args.notebooks,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except OutputFolderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        print(f"interrupted: {exc}; the last complete run is untouched", file=sys.stderr)
        return 130
    return result.exit_code


def _list_params(notebooks: str) -> int:
    """Print every available report's parameters (``reports --list-params``)."""
    from cxlib.report.params import describe_parameters
    from cxlib.report.registry import available
    from cxlib.report.run_context import RESERVED

    reports = available(notebooks_dir=notebooks)
    if not reports:
        print(f"error: no report notebook found in {notebooks}", file=sys.stderr)
        return 2
    print(describe_parameters(reports, notebooks, set(RESERVED)))
    return 0


def _send(args: argparse.Namespace) -> int:
    from cxlib.report.send import send_run

    try:
        msg = send_run(args.run, args.to, out_dir=args.out, subject=args.subject)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"sent {msg['Subject']!r} to {', '.join(args.to)}")
    return 0


def _engine_option(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--engine``: where ``what`` (default: the config's engine, else DuckDB)."""
    parser.add_argument(
        "--engine",
        choices=["duckdb", "spark"],
        help=f"where {what} (default: the config's engine, else duckdb; spark needs the "
        "spark extra and Java)",
    )


def _validate(args: argparse.Namespace) -> int:
    from cxlib.io.config import ConfigError
    from cxlib.io.readers import DataContractError

    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            quality = _quality(args.data, args.config, args.engine)
    except (DataContractError, ConfigError) as exc:
        if args.json:
            problems = getattr(exc, "problems", [str(exc)])
            print(json.dumps({"error": str(exc), "problems": problems}, ensure_ascii=False))
        print(str(exc), file=sys.stderr)
        return 1
    if args.json:
        print(quality.to_json(examples=args.examples))
    else:
        print(quality)
    return 0


def _quality(data: str, config: str | None, engine: str | None) -> QualityReport:
    """The quality report of loading ``data`` on ``engine`` (None: the config's, or DuckDB)."""
    from cxlib.engine import engine_name
    from cxlib.io.config import load_config
    from cxlib.io.dataset import load

    cfg = load_config(config)
    if (engine or engine_name(cfg)) == "spark":
        from cxlib.engine.spark_load import validate_on_spark  # pyspark only when chosen

        return validate_on_spark(data, cfg)[0]
    return load(data, cfg).quality


def _sample(args: argparse.Namespace) -> int:
    from cxlib.sample import generate

    out = Path(args.out)
    truth = generate(out, customers=args.customers, seed=args.seed, fmt=args.format)
    counts = truth.get("row_counts", {})
    print(
        f"Wrote the sample data set to {out}: "
        + ", ".join(f"{t} {count(n)}" for t, n in counts.items())
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
