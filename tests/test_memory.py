"""cxlib.io.memory: a load's memory settings are scoped to the load."""

from __future__ import annotations

import gc

import numpy as np
import pyarrow as pa

from cxlib.io.memory import ENV_VAR, small_pages

_multiarray = (getattr(np, "_core", None) or np.core).multiarray  # numpy 2 / numpy 1


def _numpy_huge_pages() -> bool:
    value = _multiarray._set_madvise_hugepage(True)
    _multiarray._set_madvise_hugepage(value)
    return value


def test_small_pages_inside_and_every_setting_restored_after(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    _multiarray._set_madvise_hugepage(True)
    pool = pa.default_memory_pool()
    assert gc.isenabled()
    with small_pages():
        assert not _numpy_huge_pages()
        assert pa.default_memory_pool().backend_name in ("jemalloc", "system")
        assert not gc.isenabled()
        kept = pa.array(np.arange(1000))  # allocated by the inner pool, used after it
    assert _numpy_huge_pages()
    assert pa.default_memory_pool().backend_name == pool.backend_name
    assert gc.isenabled()
    assert kept.sum().as_py() == 499500


def test_settings_restored_when_the_load_fails(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    pool = pa.default_memory_pool().backend_name
    try:
        with small_pages():
            raise ValueError("bad input")
    except ValueError:
        pass
    assert gc.isenabled() and pa.default_memory_pool().backend_name == pool


def test_huge_pages_kept_when_asked(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "1")
    _multiarray._set_madvise_hugepage(True)
    pool = pa.default_memory_pool().backend_name
    with small_pages():
        assert _numpy_huge_pages()
        assert pa.default_memory_pool().backend_name == pool
        assert not gc.isenabled()
