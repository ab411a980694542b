"""A memo of loaded data sets, so that one report run loads and validates its data once.

The report runner (:mod:`cxlib.report`) starts every notebook kernel with the
environment variable ``CXLIB_LOAD_CACHE`` naming a memo folder in the run's build folder.
:func:`cxlib.load` then asks :func:`lookup` first: the same source and config give a
fresh copy of the stored data set (a pickle, ~0.1 s instead of a full load), a subset of
its tables gives that subset. On a miss it loads as usual and, for a full load, leaves
the result with :func:`remember`, so the first notebook's load serves the others and
the runner. Anything else -- no variable, another source or config, a config given as a
dict -- loads as usual. The memo is deleted with the build folder; nothing outside a
report run ever sets the variable.

Examples
--------
>>> key("data/sample", None) == key(Path("data/sample").resolve(), None)
True
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:  # pragma: no cover
    from cxlib.io.dataset import CXData

STORE_WAIT_S = 300.0
"""Longest wait for a memo another kernel is writing before loading the data anew."""

ENV_VAR = "CXLIB_LOAD_CACHE"
"""Environment variable naming the memo folder (set by the report runner only)."""


def _canonical(value: Any) -> str | None:
    """A stable text form of a source or config path (absolute when it is a local path)."""
    if value is None:
        return None
    text = str(value)
    if "://" in text:
        return text
    return str(Path(text).expanduser().resolve())


def key(source: Any, config: Any) -> str | None:
    """The memo key of ``load(source, config)``; None when the call cannot be memoised."""
    if config is not None and not isinstance(config, (str, os.PathLike)):
        return None
    text = f"{_canonical(source)}\n{_canonical(config)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def store(folder: str | Path, source: Any, config: Any, data: CXData) -> Path | None:
    """Memoise a full load (all tables) of ``source`` with ``config`` in ``folder``."""
    k = key(source, config)
    if k is None:
        return None
    path, fh = _open_memo(folder, k)
    _write(fh, path, data)
    return path


def _open_memo(folder: str | Path, k: str) -> tuple[Path, BinaryIO]:
    """The memo's final path and its temporary file, open for writing (``<k>.<pid>.tmp``)."""
    path = Path(folder) / f"{k}.pkl"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # kernels may store at the same time
    return path, tmp.open("wb")


def _write(fh: BinaryIO, path: Path, data: CXData) -> None:
    """Pickle ``data`` into the open temporary file, then rename it to ``path``."""
    with fh:  # streamed: no second in-memory copy of a large data set
        pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
    Path(fh.name).replace(path)


def remember(source: Any, config: Any, tables: list[str] | None, data: CXData) -> Path | None:
    """Inside a report run, memoise a full load that is not memoised yet.

    The pickle is written by a background thread (its file writes release the GIL), so
    the notebook goes on with its analysis meanwhile; :func:`lookup` in another kernel
    waits for a store in progress rather than loading the data again. Returns the path
    the memo will have.
    """
    folder = os.environ.get(ENV_VAR)
    k = key(source, config) if folder and tables is None else None
    if k is None or (Path(folder) / f"{k}.pkl").is_file():
        return None
    path, fh = _open_memo(folder, k)  # the temporary file exists before this returns
    threading.Thread(target=_write, args=(fh, path, data), name="cxlib-load-memo").start()
    return path  # the thread is no daemon: the kernel finishes the file before it exits


def _storing(folder: Path, k: str) -> bool:
    """True while a live process is writing the memo ``k`` (its ``<k>.<pid>.tmp`` file)."""
    for tmp in folder.glob(f"{k}.*.tmp"):
        pid = tmp.suffixes[-2].lstrip(".") if len(tmp.suffixes) >= 2 else ""
        if pid.isdigit():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                continue  # left by a killed process
            except PermissionError:
                pass
            return True
    return False


def read(folder: str | Path, source: Any, config: Any) -> CXData | None:
    """The memoised full load in ``folder`` (None when there is none)."""
    k = key(source, config)
    path = Path(folder) / f"{k}.pkl" if k else None
    if path is None:
        return None
    deadline = time.monotonic() + STORE_WAIT_S
    while not path.is_file() and _storing(path.parent, k) and time.monotonic() < deadline:
        time.sleep(0.1)  # another kernel is writing it: faster than loading again
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        return pickle.load(fh)


def lookup(source: Any, config: Any, tables: list[str] | None = None) -> CXData | None:
    """A fresh copy of the memoised load, or None (no memo folder, or a miss)."""
    from cxlib.contract import TABLES

    folder = os.environ.get(ENV_VAR)
    if not folder or not set(tables or ()) <= set(TABLES):
        return None
    data = read(folder, source, config)
    if data is None:
        return None
    if tables is not None:
        wanted = set(tables)
        data.tables = {n: f for n, f in data.tables.items() if n in wanted}
        quality = copy.copy(data.quality)
        quality.tables = {n: t for n, t in quality.tables.items() if n in wanted}
        quality.missing_tables = [n for n in quality.missing_tables if n in wanted]
        data.quality = quality
    return data
