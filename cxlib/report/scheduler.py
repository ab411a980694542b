"""The asynchronous part of a report run: warm kernels, the data, the notebooks in order.

One event loop drives everything: the kernel pool starts and warms kernels ahead of
need, the heavy execution modules are imported while they boot, each notebook waits
for the notebooks it needs (only for their execution, not their HTML) and for a kernel
slot (``jobs``), and the data is taken in once -- from the memo the first notebook's
``cxlib.load`` left (:mod:`cxlib.io.memo`), or loaded here (on Spark, when it is the
run's engine: :func:`cxlib.engine.loading.load_data`, and no memo). Every notebook that
declares a ``memo`` parameter gets the run's memo folder in it, for its load.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cxlib.engine.loading import load_data
from cxlib.io import memo
from cxlib.report import publish as pub
from cxlib.report.kernels import WARM_MODULES, KernelPool
from cxlib.report.registry import PERSONAS_FILE, Report
from cxlib.report.results import ReportResult
from cxlib.report.run_context import RunContext
from cxlib.report.runner import execute, imported_modules
from cxlib.wording import seconds

if TYPE_CHECKING:
    import nbformat


async def run_all(ctx: RunContext, chosen: list[Report]) -> list[ReportResult]:
    """Run the chosen reports (skipping those the data cannot feed); one result each."""
    say = ctx.say
    results = {r.name: ReportResult(r) for r in chosen}
    pool = KernelPool(
        total=len(chosen),
        ahead=ctx.jobs,
        kernel_name=ctx.kernel_name,
        cwd=ctx.notebooks_dir,
        warm_modules=_warm_modules(ctx.notebooks_dir, chosen),
    )
    say(
        f"cxlib reports: {', '.join(r.name for r in chosen)} on {ctx.source_label} "
        f"-> {ctx.out / ctx.run_id} (kernel {ctx.kernel_name}, {ctx.jobs} at a time)"
    )
    pool.prestart()
    ctx.data_lock = asyncio.Lock()
    heavy = asyncio.ensure_future(asyncio.to_thread(_import_execution_modules))
    hashes = asyncio.ensure_future(asyncio.to_thread(pub.file_hashes, ctx.source, ctx.config))
    try:
        files = await asyncio.to_thread(pub.table_files, ctx.source, ctx.config)
        if files is None:  # a database: its tables are known by loading it
            await _ensure_data(ctx)
            present = set(ctx.tables)
        else:  # a folder: the first notebook's load is memoised for the others
            present = set(files)
        if ctx.load_error:
            for r in results.values():
                r.status, r.message = "failed", f"the data could not be loaded: {ctx.load_error}"
            ctx.inputs = await hashes
            return list(results.values())
        runnable = []
        for r in chosen:
            why = r.missing_tables(present)
            if why:
                results[r.name].status, results[r.name].message = "skipped", f"{r.title} {why}."
                say(f"[skip] {r.name}: {why}")
            else:
                runnable.append(r)
        pool.total = min(pool.total, max(len(runnable), 1))
        await heavy
        await _schedule(ctx, runnable, results, pool)
        await _ensure_data(ctx)  # the index page's KPIs
        ctx.inputs = await hashes
    finally:
        if not heavy.done():
            with contextlib.suppress(BaseException):
                await heavy
        _discard(hashes)
        await pool.close()
    return list(results.values())


def _discard(task: asyncio.Future) -> None:
    """Cancel a side task the run no longer needs, or take its error (it was reported
    already): asyncio must never print "Task exception was never retrieved"."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()


def _import_execution_modules() -> None:
    """Import papermill, nbclient, nbformat, nbconvert and compile the HTML template
    (seconds) while the kernels start."""
    import nbclient  # noqa: F401
    import nbformat
    import papermill.execute  # noqa: F401

    from cxlib.report.html import notebook_body

    notebook_body(nbformat.v4.new_notebook())


async def _ensure_data(ctx: RunContext) -> None:
    """Take in the loaded data once: the memo a notebook left, else load it here."""
    async with ctx.data_lock:
        if ctx.loaded or ctx.load_error:
            return
        t0 = time.perf_counter()
        on_spark = ctx.engine() == "spark"
        cx = None  # on Spark no notebook leaves a memo: the events stay there
        if not on_spark:
            cx = await asyncio.to_thread(memo.read, ctx.cache_dir, ctx.source, ctx.config)
        how = "taken from the first notebook's load"
        if cx is None:
            how = "loaded and validated" + (" on Spark" if on_spark else "")
            try:  # the index's KPIs read tickets and orders in pandas
                cx = await asyncio.to_thread(
                    load_data, ctx.source, ctx.config, driver_tables=("tickets", "orders")
                )
            except Exception as exc:  # the data cannot be read: the reports fail with it
                ctx.load_error = f"{type(exc).__name__}: {exc}"
                ctx.say(f"the data could not be loaded: {ctx.load_error}")
                return
            if not on_spark:
                await asyncio.to_thread(memo.store, ctx.cache_dir, ctx.source, ctx.config, cx)
        await asyncio.to_thread(ctx.absorb, cx)
        ctx.say(f"data {how} in {seconds(time.perf_counter() - t0)}: {cx!r}")


def _warm_modules(notebooks_dir: Path, chosen: list[Report]) -> list[str]:
    """The base modules and every module the chosen notebooks import."""
    extra = set().union(*(imported_modules(notebooks_dir / r.notebook) for r in chosen))
    return list(WARM_MODULES) + sorted(extra - set(WARM_MODULES))


async def _schedule(
    ctx: RunContext, runnable: list[Report], results: dict[str, ReportResult], pool: KernelPool
) -> None:
    """Run the reports, each after the reports it needs, ``jobs`` at a time."""
    gate = asyncio.Semaphore(ctx.jobs)
    tasks: dict[str, asyncio.Future] = {}
    executed = {r.name: asyncio.Event() for r in runnable}  # set when the notebook has run
    by_name = {r.name: r for r in runnable}
    total = len(runnable)

    async def one(number: int, report: Report) -> None:
        for dep in report.after:
            if dep in executed:  # its outputs exist; its figures or HTML may still be made
                files = [ctx.outputs / f for f in by_name[dep].provides]
                await _ready(executed[dep], files)
        if await _lacks_columns(ctx, report, results[report.name]):
            executed[report.name].set()
            return
        await gate.acquire()  # a kernel slot: held while the notebook executes
        done = False

        def executed_now() -> None:
            nonlocal done
            if not done:
                done = True
                executed[report.name].set()
                gate.release()  # writing the ipynb/HTML needs no kernel

        try:
            tag = f"[{number}/{total}]"
            await _run_one(ctx, report, results[report.name], pool, tag, executed_now)
        finally:
            executed_now()

    for number, report in enumerate(runnable, 1):
        tasks[report.name] = asyncio.ensure_future(one(number, report))
    try:
        await asyncio.gather(*tasks.values())
    except BaseException:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        raise


async def _lacks_columns(ctx: RunContext, report: Report, result: ReportResult) -> bool:
    """Skip ``report`` (and say why) when the loaded data lacks the columns it needs.

    Checked on the data as loaded (the memo the first notebook's load left, so it costs
    no second load in a normal run), just before the report would start.
    """
    if not report.requires_columns:
        return False
    await _ensure_data(ctx)
    why = None if ctx.load_error else report.missing_columns(ctx.columns)
    if why:
        result.status, result.message = "skipped", f"{report.title} {why}."
        ctx.say(f"[skip] {report.name}: {why}")
    return bool(why)


async def _ready(executed: asyncio.Event, files: list[Path], poll_s: float = 0.25) -> None:
    """Wait until a report has executed, or has written every file in ``files``.

    Outputs are written atomically (:func:`cxlib.io.outputs.save`), so a file that exists is
    complete: a report reading only those files need not wait for the other's figures.
    """
    while not executed.is_set():
        if files and all(f.is_file() for f in files):
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(executed.wait(), poll_s)


async def _run_one(
    ctx: RunContext,
    report: Report,
    result: ReportResult,
    pool: KernelPool,
    tag: str,
    executed: Callable[[], None],
) -> None:
    """Execute one notebook, save it and its HTML, record the outcome (never raises)."""
    say = ctx.say
    params = ctx.parameters_for(report, personas=ctx.outputs / PERSONAS_FILE)
    result.parameters = ctx.shown_parameters(params)
    if "memo" in ctx.declared.get(report.name, ()):  # not shown: the folder goes with the build
        params["memo"] = str(ctx.cache_dir)
    start = time.perf_counter()
    say(f"{tag} {report.name}: starting {report.notebook}")

    def progress(number: int, count: int, took_s: float, failed: bool) -> None:
        state = "FAILED" if failed else "ok"
        say(f"    {report.name:<10} cell {number:>2}/{count:<2} {seconds(took_s):>8}  {state}")

    km = None
    try:
        km = await pool.take()
        result.timings["kernel_wait"] = time.perf_counter() - start
        run = await execute(
            ctx.notebooks_dir / report.notebook,
            params,
            km,
            kernel_name=ctx.kernel_name,
            timeout=ctx.timeout,
            progress=progress,
        )
        executed()
        result.code_cells, result.error = run.code_cells, run.error
        result.timings["execute"] = run.duration_s
        await pool.release(km)
        km = None
        await _save_files(ctx, report, result, run.nb)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the kernel or the export broke, not a cell
        result.status, result.message = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        executed()
        if km is not None:
            await pool.release(km)
        result.duration_s = time.perf_counter() - start
    detail = result.error.sentence() if result.error else result.message or ""
    parts = ", ".join(f"{k.replace('_', ' ')} {seconds(v)}" for k, v in result.timings.items())
    say(
        f"{tag} {report.name}: {result.status} in {seconds(result.duration_s)} ({parts}) {detail}".rstrip()
    )


async def _save_files(
    ctx: RunContext, report: Report, result: ReportResult, nb: nbformat.NotebookNode
) -> None:
    """Save an executed notebook and its page; record its findings and its status."""
    t_files = time.perf_counter()
    private, result.ipynb = ctx.notebook_paths(report)  # never inside the published run
    await asyncio.to_thread(ctx.save_notebook, nb, private)
    await _ensure_data(ctx)  # the page header shows the period covered
    result.html = f"{report.stem}.html"
    await asyncio.to_thread(ctx.save_html, nb, report, ctx.build / result.html)
    result.timings["files"] = time.perf_counter() - t_files
    result.findings = ctx.findings_of(report)
    if result.error is None and not (ctx.outputs / report.summary).is_file():
        result.message = f"the notebook did not write its summary {report.summary}"
    result.status = "failed" if result.error or result.message else "succeeded"
