"""Run folders: the lock, the build folder, atomic publishing, ``latest`` and the manifest.

Layout of the output folder (``reports/`` by default)::

    reports/
      .lock                      held by the run in progress (fcntl)
      .build-<run-id>/           the run being built (removed if the run dies)
      2025-01-06_070000/         one published run: index.html, <report>.html,
        manifest.json            outputs/ (CSV/JSON): aggregates only, what is mailed or served
      latest -> 2025-01-06_070000   the newest run in which every report succeeded
      _private/                  never published, mailed or linked:
        .build-<run-id>/         the executed notebooks of the run being built
        2025-01-06_070000/notebooks/<report>.ipynb   a run's executed notebooks (they show
                                 customer-level rows: names, e-mails)

A run is built in ``.build-<run-id>`` and renamed to ``<run-id>`` in one step when it
ends, so a half-written run is never visible. ``latest`` is moved (a new symlink renamed
over the old one, also atomic) only when every report succeeded: a failed or killed run
never replaces the last good one. A failed run is still published, so its index page
shows what failed. A full disk or a read-only output folder ends the run with one
:class:`OutputFolderError` naming the folder and the cause (:func:`output_errors`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cxlib.paths import PRIVATE_DIR, private_run_dir

LOCK_FILE = ".lock"
LATEST = "latest"
BUILD_PREFIX = ".build-"
MANIFEST = "manifest.json"
RUN_ID_FORMAT = "%Y-%m-%d_%H%M%S"


DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})
"""Errors that can only come from writing (the data is only read): full disk, quota,
read-only file system, file too large."""
ACCESS_ERRNOS = frozenset({errno.EACCES, errno.EPERM})
"""Errors that are the output folder's fault when they name a path inside it."""
_ADVICE = {
    errno.ENOSPC: "free space on that disk or choose another folder with --out",
    errno.EDQUOT: "free space in your quota or choose another folder with --out",
    errno.EROFS: "choose a writable folder with --out",
}


class RunLocked(RuntimeError):
    """Another run holds the output folder's lock."""


class OutputFolderError(RuntimeError):
    """The output folder cannot be written (full disk, read-only, no permission)."""


@contextlib.contextmanager
def output_errors(out_dir: str | Path) -> Iterator[None]:
    """Turn a failure to write the output folder into one :class:`OutputFolderError`.

    A full disk, a quota or a read-only file system (wherever it strikes), or a permission
    error on a path inside ``out_dir``, becomes one sentence naming the folder, the cause
    and what to do; ``latest`` is never touched by a run that ends this way. Other errors
    pass through unchanged.

    Examples
    --------
    >>> with output_errors("/srv/reports"):                    # doctest: +ELLIPSIS
    ...     raise OSError(errno.ENOSPC, "No space left on device")
    Traceback (most recent call last):
    cxlib.report.publish.OutputFolderError: cannot write the report run to /srv/reports: No space left on device; free space ...
    """
    out = Path(out_dir)
    try:
        yield
    except OSError as exc:
        inside = exc.filename is not None and _inside(Path(str(exc.filename)), out)
        if exc.errno not in DISK_ERRNOS and not (exc.errno in ACCESS_ERRNOS and inside):
            raise
        cause = exc.strerror or str(exc)
        advice = _ADVICE.get(exc.errno, "make it writable or choose another folder with --out")
        raise OutputFolderError(
            f"cannot write the report run to {out}: {cause}; {advice} (latest is unchanged)."
        ) from exc


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies under it."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def run_lock(out_dir: str | Path) -> Iterator[Path]:
    """Hold the output folder's lock for the duration of a run (fails at once if held).

    Raises
    ------
    RunLocked
        When another process holds it; the message names that process.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = path.read_text(encoding="utf-8", errors="replace").strip() or "unknown"
            raise RunLocked(
                f"another report run is publishing to {out} ({holder}); wait for it to end"
            ) from None
        os.ftruncate(fd, 0)
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.write(fd, f"pid {os.getpid()}, started {stamp}\n".encode())
        yield path
    finally:
        os.close(fd)  # closing releases the lock


def new_run_id(out_dir: str | Path, now: datetime | None = None) -> str:
    """A run id from the UTC time, unique in ``out_dir`` (``-2``, ``-3``... if needed)."""
    base = (now or datetime.now(timezone.utc)).strftime(RUN_ID_FORMAT)
    out, run_id, k = Path(out_dir), base, 1
    while (out / run_id).exists() or (out / f"{BUILD_PREFIX}{run_id}").exists():
        k += 1
        run_id = f"{base}-{k}"
    return run_id


def remove_stale_builds(out_dir: str | Path) -> list[str]:
    """Delete build folders left by runs that died, public and private (hold the lock)."""
    removed = []
    out = Path(out_dir)
    for path in [*out.glob(f"{BUILD_PREFIX}*"), *(out / PRIVATE_DIR).glob(f"{BUILD_PREFIX}*")]:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.relative_to(out).as_posix())
    return removed


def private_build_dir(out_dir: str | Path, run_id: str) -> Path:
    """The private build folder of a run (its executed notebooks; created when written)."""
    return Path(out_dir) / PRIVATE_DIR / f"{BUILD_PREFIX}{run_id}"


def build_dir(out_dir: str | Path, run_id: str) -> Path:
    """Create the (hidden) build folder of a run, next to where it will be published."""
    path = Path(out_dir) / f"{BUILD_PREFIX}{run_id}"
    path.mkdir(parents=True)
    return path


def publish(build: str | Path, out_dir: str | Path, run_id: str, complete: bool) -> Path:
    """Rename the build folder to ``<out_dir>/<run_id>`` (and the private one to
    ``<out_dir>/_private/<run_id>``); point ``latest`` at the run if complete."""
    final = Path(out_dir) / run_id
    private = private_build_dir(out_dir, run_id)
    if private.is_dir():
        os.rename(private, private_run_dir(out_dir, run_id))
    os.rename(build, final)
    _fsync_dir(Path(out_dir))
    if complete:
        set_latest(out_dir, run_id)
    return final


def set_latest(out_dir: str | Path, run_id: str) -> None:
    """Point ``<out_dir>/latest`` at ``run_id`` atomically (a relative symlink)."""
    out = Path(out_dir)
    tmp = out / f".{LATEST}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(run_id, tmp)
    os.replace(tmp, out / LATEST)
    _fsync_dir(out)


def latest_run(out_dir: str | Path) -> Path | None:
    """The run ``latest`` points at (None when there is none)."""
    link = Path(out_dir) / LATEST
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def resolve_run(out_dir: str | Path, run: str) -> Path:
    """A run folder from ``latest`` (newest complete), ``newest`` (newest published, complete
    or not), a run id or a path."""
    if run == "newest":
        runs = published_runs(out_dir)
        if not runs:
            raise FileNotFoundError(f"no published report run in {out_dir}")
        return runs[0].resolve()
    path = Path(run)
    if not path.is_dir():
        path = Path(out_dir) / run
    if not path.is_dir():
        raise FileNotFoundError(f"no report run {run!r} in {out_dir}")
    return path.resolve()


def published_runs(out_dir: str | Path) -> list[Path]:
    """Published runs with a manifest, newest first."""
    out = Path(out_dir)
    if not out.is_dir():
        return []
    runs = [
        p
        for p in out.iterdir()
        if p.is_dir()
        and not p.is_symlink()
        and not p.name.startswith(".")
        and (p / MANIFEST).is_file()
    ]
    return sorted(runs, key=lambda p: p.name, reverse=True)


def read_manifest(run_dir: str | Path) -> dict[str, Any] | None:
    """A run's manifest (None when missing or unreadable)."""
    try:
        return json.loads((Path(run_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_manifest(run_dir: str | Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest.json`` into the run folder."""
    path = Path(run_dir) / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def table_files(source: str, config: str | None) -> dict[str, Path] | None:
    """The file of each table a load of a folder ``source`` would read (by name only).

    None for sources that are not a folder (a database is only known by reading it).
    """
    from cxlib.contract import TABLES
    from cxlib.io.config import load_config
    from cxlib.io.readers import DataContractError, FolderReader, is_sql_url

    path = Path(source)
    if is_sql_url(source) or not path.is_dir():
        return None
    cfg = load_config(config)
    reader = FolderReader(path, None)  # find() only looks at file names
    found: dict[str, Path] = {}
    for table in TABLES:
        mapping = cfg.mapping(table)
        if mapping.skip:
            continue
        with contextlib.suppress(DataContractError):
            file = reader.find(table, mapping)
            if file is not None and file.is_file():
                found[table] = file
    return found


def input_files(source: str, config: str | None) -> list[Path]:
    """The files a load of ``source`` with ``config`` reads (none for a database URL)."""
    from cxlib.io.readers import is_sql_url

    files: list[Path] = [Path(config)] if config else []
    if is_sql_url(source):
        if str(source).startswith("duckdb:///"):
            files.append(Path(str(source).removeprefix("duckdb:///")))
        return files
    tables = table_files(source, config)
    if tables is None:
        return [*files, Path(source)] if Path(source).is_file() else files
    return files + list(tables.values())


def file_hashes(source: str, config: str | None) -> list[dict[str, Any]]:
    """``[{path, bytes, sha256}]`` for every input file of the run."""
    return [
        {"path": str(p.resolve()), "bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for p in input_files(source, config)
    ]


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
