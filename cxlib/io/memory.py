"""How a load asks the operating system for memory: small pages, no GC passes.

A load of 10 million rows allocates about a gigabyte of fresh memory, and on a
virtual machine whose host backs guest memory only when it is first touched (as
on the 2-core Firecracker VMs this project is benchmarked on), that first touch,
not the arithmetic, is the largest cost. There, 2 MB transparent huge pages cost
3-4 s per GB on first touch against about 1 s per GB for 4 KB pages, and made the
same load take anywhere from 2.4 s to 5.4 s. NumPy and pyarrow's default
allocator (mimalloc) both ask for huge pages; :func:`small_pages` turns that off
for the duration of a load only, and pauses Python's cyclic garbage collector,
whose passes over the heap a load does not need.

Set ``CXLIB_HUGE_PAGES=1`` to keep huge pages (on bare metal they can be faster).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

ENV_VAR = "CXLIB_HUGE_PAGES"


def _small_page_pool() -> pa.MemoryPool:
    """An Arrow memory pool that does not ask for huge pages (jemalloc, else malloc)."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow build without jemalloc
        return pa.system_memory_pool()


@contextlib.contextmanager
def small_pages() -> Iterator[None]:
    """Within the block: no huge-page requests from NumPy or Arrow, and no cyclic GC.

    Every setting is restored afterwards; buffers allocated inside keep working
    (each Arrow buffer remembers the pool that frees it).
    """
    multiarray = getattr(np, "_core", None) or np.core  # numpy 2 / numpy 1
    keep = os.environ.get(ENV_VAR, "") not in ("", "0")
    pool = pa.default_memory_pool()
    gc_was_enabled = gc.isenabled()
    if not keep:
        numpy_huge = multiarray.multiarray._set_madvise_hugepage(False)
        pa.set_memory_pool(_small_page_pool())
    gc.disable()
    try:
        yield
    finally:
        if gc_was_enabled:
            gc.enable()
        if not keep:
            pa.set_memory_pool(pool)
            multiarray.multiarray._set_madvise_hugepage(numpy_huge)
