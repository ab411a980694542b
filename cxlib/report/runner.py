"""Executing one report notebook: papermill parameters, a warm kernel, a line per cell.

The notebook is parameterised by papermill (its ``injected-parameters`` cell after the
``parameters`` cell, papermill's metadata), then executed cell by cell through nbclient
in a kernel from :class:`~cxlib.report.kernels.KernelPool`, so several notebooks can run
concurrently from one Python process. Execution stops at the first failing cell. papermill
can report success after a cell error (``raises-exception`` tags, ``allow_errors``), so
:func:`find_error` also checks the executed notebook for error outputs.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlib.report.params import cell_source, code_cells

if TYPE_CHECKING:  # nbformat takes seconds to import: only when a notebook runs
    import nbformat

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SOURCE_HEAD_LINES = 6
"""Lines of the failing cell's source kept in the error record."""


@dataclass(frozen=True)
class CellError:
    """Where and how a notebook failed."""

    cell: int
    """1-based position of the failing cell in the executed notebook."""
    source: str
    """The first lines of the failing cell's source."""
    ename: str
    evalue: str
    traceback: str
    """The traceback without terminal colours (last lines)."""

    def sentence(self) -> str:
        """One line for people: ``cell 7: KeyError: 'persona'``."""
        return f"cell {self.cell}: {self.ename}: {self.evalue}".strip()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Execution:
    """The result of executing one notebook."""

    nb: nbformat.NotebookNode
    error: CellError | None
    duration_s: float
    code_cells: int


def strip_ansi(text: str) -> str:
    """Text without terminal colour codes."""
    return _ANSI.sub("", text)


def source_head(source: str, lines: int = SOURCE_HEAD_LINES) -> str:
    """The first ``lines`` lines of a cell's source (``...`` when cut)."""
    parts = source.splitlines()
    return "\n".join(parts[:lines] + (["..."] if len(parts) > lines else []))


def find_error(nb: nbformat.NotebookNode) -> CellError | None:
    """The first error output of an executed notebook (``SystemExit(0)`` is not one).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1/0")])
    >>> nb.cells[0].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError",
    ...                        evalue="division by zero", traceback=[])]
    >>> find_error(nb).sentence()
    'cell 1: ZeroDivisionError: division by zero'
    """
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"):
                continue
            trace = strip_ansi("\n".join(output.get("traceback", [])))
            return CellError(
                cell=index + 1,
                source=source_head(cell_source(cell)),
                ename=str(output.get("ename", "")),
                evalue=strip_ansi(str(output.get("evalue", ""))),
                traceback="\n".join(trace.splitlines()[-25:]),
            )
    return None


def imported_modules(path: str | Path) -> set[str]:
    """Modules the notebook's code cells import (``from a import b`` gives ``a`` and ``a.b``).

    The kernel pool imports them before the notebook runs (missing ones are skipped).
    """
    found: set[str] = set()
    for cell in code_cells(path):
        try:
            tree = ast.parse(
                "\n".join(
                    ln
                    for ln in cell_source(cell).splitlines()
                    if not ln.lstrip().startswith(("%", "!"))
                )
            )
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
                found |= {f"{node.module}.{a.name}" for a in node.names if a.name != "*"}
    return found


def prepare(
    path: str | Path, parameters: Mapping[str, Any], kernel_name: str
) -> nbformat.NotebookNode:
    """The notebook with papermill's injected-parameters cell and metadata."""
    from papermill.execute import prepare_notebook_metadata, remove_error_markers
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(path))
    if parameters:
        nb = parameterize_notebook(nb, dict(parameters), kernel_name=kernel_name)
    nb = prepare_notebook_metadata(nb, str(path), None)
    return remove_error_markers(nb)


async def execute(
    path: str | Path,
    parameters: Mapping[str, Any],
    km: Any,
    *,
    kernel_name: str,
    timeout: float | None = 1800,
    progress: Callable[[int, int, float, bool], None] | None = None,
) -> Execution:
    """Execute the notebook at ``path`` with ``parameters`` in the started kernel ``km``.

    Parameters
    ----------
    progress : called after each code cell with (number, code cells, seconds, failed)
    timeout : seconds a single cell may run (None = no limit)

    Returns
    -------
    Execution
        The executed notebook (papermill metadata included), its first error (or None),
        the duration and the number of code cells.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from papermill.engines import NotebookExecutionManager

    start = time.perf_counter()
    nb = prepare(path, parameters, kernel_name)
    manager = NotebookExecutionManager(nb, output_path=None, progress_bar=False)
    client = NotebookClient(
        manager.nb, km=km, kernel_name=kernel_name, timeout=timeout, allow_errors=False
    )
    code = [i for i, c in enumerate(manager.nb.cells) if c.cell_type == "code"]
    kc = km.client()
    kc.start_channels()
    client.kc = kc
    manager.notebook_start()
    failed = False
    try:
        await kc.wait_for_ready(timeout=120)
        kc.allow_stdin = False
        for number, index in enumerate(code, 1):
            cell = manager.nb.cells[index]
            manager.cell_start(cell, index)
            t0, failed = time.perf_counter(), False
            try:
                await client.async_execute_cell(cell, index)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
                failed = True
                manager.cell_exception(cell, cell_index=index, exception=exc)
                if not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                    cell.outputs.append(
                        nbformat.v4.new_output(
                            "error", ename=type(exc).__name__, evalue=str(exc), traceback=[]
                        )
                    )
            finally:
                manager.cell_complete(cell, cell_index=index)
                if progress:
                    progress(number, len(code), time.perf_counter() - t0, failed)
            if failed:
                break
        if not failed:
            info = await client.async_wait_for_reply(kc.kernel_info())
            if info and "language_info" in info["content"]:
                manager.nb.metadata["language_info"] = info["content"]["language_info"]
    finally:
        kc.stop_channels()
        manager.notebook_complete()
    return Execution(manager.nb, find_error(manager.nb), time.perf_counter() - start, len(code))
