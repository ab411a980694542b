"""A memo of loaded data sets, so that one report run loads and validates its data once.

``cxlib.load(source, config, memo=folder)`` asks :func:`read` first: the same source and
config give a fresh copy of the data set stored in ``folder`` (a pickle, ~0.1 s instead
of a full load), and a load of some tables gets them from it
(:meth:`cxlib.io.dataset.CXData.subset`). On a miss it loads as usual and, for a full
load, leaves the result with :func:`remember`, so the first notebook's load serves the
others. Without ``memo`` (the default) or with a config given as a dict, nothing is
read or stored.

The report runner (:mod:`cxlib.report.scheduler`) names one memo folder per run, in the
run's build folder: each notebook gets it as its ``memo`` parameter, and the runner
itself takes the data in from it (:func:`read`, else it loads and :func:`store`\\ s).
The folder is deleted with the build folder.

The same folder shares other work of a run between its notebooks: :func:`cached` keeps
one result per key (e.g. the sentiment model trained on the data's comments, keyed by
a fingerprint of what it learned from), computed by whichever notebook asks first and
read by the others. A process that loaded its data through a memo (:func:`read`)
remembers that folder (:func:`active`); outside a report run there is none and
:func:`cached` just computes.

This module stores whatever object it is given (a :class:`~cxlib.io.dataset.CXData`)
and knows nothing of its insides: the data flows from :mod:`cxlib.io.dataset` to here,
never back.

Examples
--------
>>> key("data/sample", None) == key(Path("data/sample").resolve(), None)
True
>>> key("data/sample", {"timezone": "UTC"}) is None  # a dict config is not memoised
True
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

STORE_WAIT_S = 300.0
"""Longest wait for a memo another kernel is writing before loading the data anew."""

POLL_S = 0.1
"""How often a reader looks again for a memo another kernel is writing."""

KEY_CHARS = 32
"""Hex digits of the SHA-256 of source and config that name a memo file."""

Loaded = Any
"""A loaded data set (a :class:`cxlib.io.dataset.CXData`): pickled as it is, never opened."""

_active: list[Path] = []
"""The memo folder this process last read a load from (:func:`active`)."""


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
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:KEY_CHARS]


def _path(folder: str | Path, k: str) -> Path:
    """The memo file of key ``k`` in ``folder``."""
    return Path(folder) / f"{k}.pkl"


def store(folder: str | Path, source: Any, config: Any, data: Loaded) -> Path | None:
    """Memoise a full load (all tables) of ``source`` with ``config`` in ``folder``, now.

    Returns the memo's path (None when the call cannot be memoised).
    """
    k = key(source, config)
    if k is None:
        return None
    path, fh = _open_memo(folder, k)
    _write(fh, path, data)
    return path


def remember(folder: str | Path, source: Any, config: Any, data: Loaded) -> Path | None:
    """Memoise a full load that is not memoised yet, in the background.

    The pickle is written by a thread (its file writes release the GIL), so the notebook
    goes on with its analysis meanwhile; :func:`read` in another kernel waits for a
    store in progress rather than loading the data again. Returns the path the memo will
    have (None when there is nothing to do).
    """
    k = key(source, config)
    if k is None or _path(folder, k).is_file():
        return None
    path, fh = _open_memo(folder, k)  # the temporary file exists before this returns
    threading.Thread(target=_write, args=(fh, path, data), name="cxlib-load-memo").start()
    return path  # the thread is no daemon: the kernel finishes the file before it exits


def read(folder: str | Path, source: Any, config: Any) -> Loaded | None:
    """The memoised full load in ``folder`` (None when there is none).

    Waits (at most :data:`STORE_WAIT_S`) while a live process is still writing it.
    """
    _active[:] = [Path(folder)]  # the run's folder, whatever the config (see active())
    k = key(source, config)
    if k is None:
        return None
    path = _path(folder, k)
    deadline = time.monotonic() + STORE_WAIT_S
    while not path.is_file() and _storing(path.parent, k) and time.monotonic() < deadline:
        time.sleep(POLL_S)  # another kernel is writing it: faster than loading again
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        return pickle.load(fh)


def _open_memo(folder: str | Path, k: str) -> tuple[Path, BinaryIO]:
    """The memo's final path and its temporary file, open for writing (``<k>.<pid>.tmp``)."""
    path = _path(folder, k)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # kernels may store at the same time
    return path, tmp.open("wb")


def _write(fh: BinaryIO, path: Path, data: Loaded) -> None:
    """Pickle ``data`` into the open temporary file, then rename it to ``path``."""
    with fh:  # streamed: no second in-memory copy of a large data set
        pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
    Path(fh.name).replace(path)


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


def active() -> Path | None:
    """The memo folder of the report run this process belongs to: the folder it last
    read a load from (:func:`read`, called by ``cxlib.load(..., memo=folder)``); None
    outside a run."""
    return _active[0] if _active else None


def cached(name: str, fingerprint: str, compute: Callable[[], Any], folder: Any = None) -> Any:
    """The result of ``compute()``, shared through the memo folder by the run's processes.

    The first process to ask computes it and stores it as ``<name>-<fingerprint>.pkl``
    (written aside, then renamed: a reader never sees half a file); one asking while
    another live process is computing it waits for that file (at most
    :data:`STORE_WAIT_S`), then computes its own when none came. Without a folder
    (``folder`` None and no :func:`active` one) it just computes.

    ``fingerprint`` must name the inputs completely (e.g. a hash of the data the result
    is computed from and of every parameter): equal fingerprints, equal results.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first = cached("demo", "abc", lambda: [1, 2], folder=tmp)
    ...     again = cached("demo", "abc", lambda: "not called", folder=tmp)
    >>> first, again
    ([1, 2], [1, 2])
    """
    folder = Path(folder) if folder is not None else active()
    if folder is None or not folder.is_dir():
        return compute()
    k = f"{name}-{fingerprint}"
    path = _path(folder, k)
    deadline = time.monotonic() + STORE_WAIT_S
    while not path.is_file() and _storing(folder, k) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    if path.is_file():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError):
            pass  # unreadable: computed anew below (and replaced)
    path, fh = _open_memo(folder, k)
    try:
        value = compute()
    except BaseException:
        fh.close()
        Path(fh.name).unlink(missing_ok=True)
        raise
    _write(fh, path, value)
    return value


def fingerprint(*parts: Any) -> str:
    """A hex digest naming ``parts`` (bytes, numpy arrays, or anything with a stable
    ``repr``: strings, numbers, tuples of them), for :func:`cached`.

    >>> fingerprint("a", 1) == fingerprint("a", 1), fingerprint("a", 1) == fingerprint("a", 2)
    (True, False)
    """
    digest = hashlib.sha256()
    for part in parts:
        if hasattr(part, "tobytes") and hasattr(part, "dtype"):
            data = part.tobytes() if part.dtype != object else repr(part.tolist()).encode()
            digest.update(f"{part.dtype}{getattr(part, 'shape', '')}".encode())
        elif isinstance(part, bytes):
            data = part
        else:
            data = repr(part).encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:KEY_CHARS]
