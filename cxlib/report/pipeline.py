"""``run_reports``: one report run, from the data to a published, dated run folder.

The steps: take the output folder's lock; run the report notebooks in dependency order,
``jobs`` at a time, each in a fresh pre-warmed kernel, the data loaded and validated once
(:mod:`~cxlib.report.scheduler`, :mod:`cxlib.io.memo`); turn each executed notebook into a
self-contained HTML page; write the index page and ``manifest.json``; publish the run
atomically and move ``latest`` if every report succeeded. One failing report does not
stop the others; SIGINT/SIGTERM stop the run cleanly (nothing is published). What can be
checked before anything runs is: the report names, the parameters' names and types, the
data source's existence and the config. The executed notebooks (customer-level rows) are
kept in ``<out>/_private/<run-id>/``, never in the published run.

Examples
--------
>>> result = run_reports("data/sample", out_dir="reports")      # doctest: +SKIP
>>> result.exit_code, result.path.name                          # doctest: +SKIP
(0, '2025-01-06_070000')
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import signal
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from cxlib.paths import NOTEBOOKS_DIR, REPORTS_DIR, SAMPLE_DIR, resolve_data
from cxlib.report import publish as pub
from cxlib.report.kernels import KERNEL_NAME, kernel_name_or_fallback
from cxlib.report.params import check_types, parameter_specs
from cxlib.report.registry import REPORTS, Report, available, plan
from cxlib.report.results import OUTPUTS, ReportResult, RunResult
from cxlib.report.run_context import RunContext, parse_params
from cxlib.report.scheduler import run_all
from cxlib.wording import seconds


def run_reports(
    data: str | Path | None = None,
    config: str | Path | None = None,
    out_dir: str | Path = REPORTS_DIR,
    only: Iterable[str] | None = None,
    params: Mapping[str, Any] | Iterable[str] | None = None,
    *,
    jobs: int = 2,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    reports: tuple[Report, ...] = REPORTS,
    kernel_name: str = KERNEL_NAME,
    timeout: float | None = 1800,
    echo: Callable[[str], None] | None = None,
) -> RunResult:
    """Run the report notebooks on a data set and publish them as a dated run.

    Parameters
    ----------
    data : folder, DuckDB file or SQLAlchemy URL (None = the bundled sample)
    config : YAML file mapping the data onto the contract
    out_dir : where runs are published (``<out_dir>/<run-id>/``, ``<out_dir>/latest``)
    only : report names to run (with the reports they need); None = every available one
    params : notebook parameters, a mapping or ``key=value`` strings; ``report.key=value``
        sets one report's parameter only. A key no notebook declares is an error.
    jobs : notebooks executed at the same time (each in its own kernel)
    notebooks_dir, reports : where the notebooks are and which reports exist
    kernel_name : the Jupyter kernel (``cxlib``; ``python3`` when it is not registered)
    timeout : seconds one cell may run
    echo : where progress lines go (default: stdout, flushed)

    Returns
    -------
    RunResult
        ``exit_code`` is 0 only when every report that could run succeeded.

    Raises
    ------
    ValueError
        Unknown report names or parameters, a parameter value of the wrong type, a data
        source that does not exist, a config that cannot be used (nothing is run).
    cxlib.report.publish.RunLocked
        Another run holds the output folder.
    cxlib.report.publish.OutputFolderError
        The output folder cannot be written (full disk, read-only); ``latest`` is untouched.
    KeyboardInterrupt
        The run was interrupted (SIGINT/SIGTERM); its build folder is removed and
        ``latest`` is untouched.
    """
    say = echo or _print
    notebooks_dir = Path(notebooks_dir).resolve()
    chosen = plan(list(only) if only is not None else None, available(reports, notebooks_dir))
    if not chosen:
        raise ValueError(f"no report notebook found in {notebooks_dir}")
    specs = {r.name: parameter_specs(notebooks_dir / r.notebook) for r in chosen}
    declared = {name: {s.name for s in found} for name, found in specs.items()}
    user = parse_params(params, declared)
    check_types(user, specs)
    source = _absolute(resolve_data(data))
    config_path = str(Path(config).resolve()) if config else None
    check_inputs(source, config_path)
    out = Path(out_dir).resolve()
    with pub.output_errors(out), pub.run_lock(out):
        for name in pub.remove_stale_builds(out):
            say(f"removed the build folder of an interrupted run: {name}")
        run_id = pub.new_run_id(out)
        build = pub.build_dir(out, run_id)
        ctx = RunContext(
            run_id=run_id,
            build=build,
            out=out,
            source=source,
            config=config_path,
            user_params=user,
            declared=declared,
            notebooks_dir=notebooks_dir,
            kernel_name=kernel_name_or_fallback(kernel_name),
            timeout=timeout,
            jobs=max(1, int(jobs)),
            say=say,
        )
        try:
            results = _run_async(ctx, chosen)
            return _finish(ctx, results)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            shutil.rmtree(ctx.private_build, ignore_errors=True)
            raise


def check_inputs(source: str, config: str | None) -> None:
    """Stop before anything runs when the data source does not exist or the config is bad.

    Raises
    ------
    ValueError
        One sentence naming the source or the config file (a ``ConfigError``, with its key).
    """
    from cxlib.io.config import load_config
    from cxlib.io.readers import is_sql_url

    if not is_sql_url(source) and not Path(source).exists():
        hint = (
            " (the bundled sample: make sample writes it)"
            if source == _absolute(str(SAMPLE_DIR))
            else ""
        )
        raise ValueError(
            f"the data {source} does not exist{hint}; give --data a folder of table files, "
            "a DuckDB file or a database URL"
        )
    load_config(config)


def _print(line: str) -> None:
    print(line, flush=True)


def _absolute(source: str) -> str:
    if "://" in source:
        return source
    return str(Path(source).expanduser().resolve())


def _run_async(ctx: RunContext, chosen: list[Report]) -> list[ReportResult]:
    """Run the notebooks in an event loop that SIGINT/SIGTERM cancel cleanly."""

    async def main() -> list[ReportResult]:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        hits: list[int] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                loop.add_signal_handler(sig, lambda s=sig: (hits.append(s), task.cancel()))
        try:
            return await run_all(ctx, chosen)
        except asyncio.CancelledError:
            raise KeyboardInterrupt(f"report run interrupted by signal {hits or '?'}") from None

    return asyncio.run(main())


def _finish(ctx: RunContext, results: list[ReportResult]) -> RunResult:
    """Index page, manifest, publish; ``latest`` moves only for a complete run."""
    from cxlib.report.index import index_html, previous_kpis

    ran = [r for r in results if r.status != "skipped"]
    ok = bool(ran) and all(r.status == "succeeded" for r in ran) and not ctx.load_error
    status = "succeeded" if ok else "failed"
    previous = previous_kpis(ctx.out, ctx.source_label)
    before = pub.latest_run(ctx.out)
    alerts = ctx.collect_alerts(r.report for r in results if r.status == "succeeded")
    if alerts:  # findings, not failures: the exit code does not change
        ctx.say(f"{len(alerts)} alert{'s' * (len(alerts) != 1)}: see outputs/alerts.json")
    manifest = ctx.manifest(status, [r.to_dict() for r in results], previous)
    (ctx.build / "index.html").write_text(
        index_html(manifest, previous[1] if previous else None), encoding="utf-8"
    )
    pub.write_manifest(ctx.build, manifest)
    shutil.rmtree(ctx.cache_dir, ignore_errors=True)
    final = pub.publish(ctx.build, ctx.out, ctx.run_id, complete=ok)
    if ok:  # only a published, complete run enters the action history
        _record_actions(ctx, final)
    ctx.say(
        f"{'published' if ok else 'FAILED'}: {final}/index.html "
        f"({sum(r.status == 'succeeded' for r in results)} succeeded, "
        f"{sum(r.status == 'failed' for r in results)} failed, "
        f"{sum(r.status == 'skipped' for r in results)} skipped) in {seconds(ctx.elapsed())}; "
        + latest_sentence(ok, bool(ran), before)
    )
    if ctx.private_final.is_dir():
        ctx.say(f"executed notebooks (customer-level rows, not published): {ctx.private_final}")
    return RunResult(ctx.run_id, final, status, results, json.loads(json.dumps(manifest)))


def _record_actions(ctx: RunContext, final: Path) -> None:
    """Append the run's action plan to the action history in the reports folder."""
    from cxlib.actions.plan import PLAN_JSON
    from cxlib.actions.tracking import HISTORY_FILE, record_run

    plan_json = final / OUTPUTS / PLAN_JSON
    if plan_json.is_file():
        end = ctx.period[1] if ctx.period else None
        record_run(ctx.out / HISTORY_FILE, ctx.run_id, plan_json, end)


def latest_sentence(complete: bool, ran: bool, before: Path | None) -> str:
    """What became of ``latest`` after a run, true in every case.

    Examples
    --------
    >>> latest_sentence(False, True, None)
    'there is no complete run yet, so there is no latest'
    >>> latest_sentence(False, False, Path("reports/r1"))
    'no report could run on this data; latest still points at the last complete run, r1'
    """
    if complete:
        return "latest points at this run"
    why = "" if ran else "no report could run on this data; "
    if before is None:
        return f"{why}there is no complete run yet, so there is no latest"
    return f"{why}latest still points at the last complete run, {before.name}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python -m cxlib reports ...")
