"""Pre-started, pre-warmed Jupyter kernels for the report runner.

Starting a kernel and importing pandas, seaborn, scikit-learn and cxlib costs a few
seconds per notebook. :class:`KernelPool` starts the next kernel, and runs those imports
in it, while the current notebook executes, so the cost leaves the critical path. The
warm-up runs in a private namespace: the notebook still sees an empty kernel (only
``sys.modules`` is warm). Every kernel is fresh: no state passes between notebooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager

KERNEL_NAME = "cxlib"
"""The project kernel (``make kernel`` registers it in the venv)."""

WARM_MODULES: tuple[str, ...] = ()
"""Imported in every kernel before its notebook runs, besides the modules the notebooks
import themselves (the runner adds those; missing ones are skipped)."""

_WARM_CODE = """
exec('''
import importlib
for _name in {modules!r}:
    try:
        importlib.import_module(_name)
    except Exception:
        pass
''', {{}})
"""


def kernel_name_or_fallback(name: str = KERNEL_NAME) -> str:
    """``name`` when that kernel is registered, else ``python3`` (this interpreter's)."""
    try:
        KernelSpecManager().get_kernel_spec(name)
        return name
    except NoSuchKernel:
        return "python3"


class KernelPool:
    """Hands out started kernels, starting the next ones ahead of need.

    Parameters
    ----------
    total : kernels the run will need (never more are started)
    ahead : kernels kept starting/warming beyond the ones in use
    kernel_name, cwd, env : how to start each kernel (``env`` is added to os.environ)
    warm_modules : imported in each kernel before it is handed out
    """

    def __init__(
        self,
        total: int,
        ahead: int = 1,
        kernel_name: str = KERNEL_NAME,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        warm_modules: Sequence[str] = WARM_MODULES,
        startup_timeout: float = 120,
    ):
        self.total = total
        self.ahead = ahead
        self.kernel_name = kernel_name
        self.cwd = str(cwd) if cwd else None
        self.env = dict(env or {})
        self.warm_modules = tuple(warm_modules)
        self.startup_timeout = startup_timeout
        self._pending: list[asyncio.Task] = []
        self._started = 0
        self._live: set[AsyncKernelManager] = set()

    def _launch(self) -> None:
        while self._started < self.total and len(self._pending) < self.ahead:
            self._started += 1
            self._pending.append(asyncio.ensure_future(self._start()))

    def prestart(self) -> None:
        """Start the first ``ahead`` kernels now (call early; returns at once)."""
        self._launch()

    async def _start(self) -> AsyncKernelManager:
        km = AsyncKernelManager(kernel_name=self.kernel_name)
        self._live.add(km)
        await km.start_kernel(
            cwd=self.cwd,
            env={**os.environ, **self.env},
            extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no TCP warning per kernel
        )
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=self.startup_timeout)
            if self.warm_modules:
                code = _WARM_CODE.format(modules=list(self.warm_modules))
                msg_id = kc.execute(code, silent=True, store_history=False)
                while True:
                    reply = await kc.get_shell_msg(timeout=self.startup_timeout)
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
        finally:
            kc.stop_channels()
        return km

    async def take(self) -> AsyncKernelManager:
        """A started, warm kernel (waits for it when it is still warming)."""
        self._launch()
        if not self._pending:
            raise RuntimeError("the kernel pool has handed out all its kernels")
        task = self._pending.pop(0)
        self._launch()
        return await task

    async def release(self, km: AsyncKernelManager) -> None:
        """Shut a kernel down (immediately: its notebook has finished)."""
        self._live.discard(km)
        with contextlib.suppress(Exception):
            await km.shutdown_kernel(now=True)

    async def close(self) -> None:
        """Stop warming kernels and shut down every kernel still alive."""
        for task in self._pending:
            task.cancel()
        for task in self._pending:
            with contextlib.suppress(BaseException):
                await task
        self._pending.clear()
        for km in list(self._live):
            await self.release(km)
