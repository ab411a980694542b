"""pandera, imported without touching Spark: no ``pyspark`` import, no Spark variables.

pandera (0.27 and later) imports ``pyspark.pandas`` whenever pyspark is installed -- half
a second to a second at every start of a report kernel, for nothing the contract checks
use -- and leaves ``SPARK_LOCAL_IP=127.0.0.1`` (and ``PYARROW_IGNORE_TIMEZONE=1``) in the
environment, which makes a Spark driver on a cluster tell its executors to connect to
localhost (pandera issue #2344, open). :func:`pandera_pandas` imports ``pandera.pandas``
with pyspark hidden for the duration and then puts the environment back as it was;
:mod:`cxlib.io.schemas` takes pandera from here.

>>> import os
>>> before = os.environ.get("SPARK_LOCAL_IP")
>>> pandera_pandas().__name__, os.environ.get("SPARK_LOCAL_IP") == before
('pandera.pandas', True)
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

SPARK_VARIABLES = ("SPARK_LOCAL_IP", "PYARROW_IGNORE_TIMEZONE")
"""The variables pandera sets for pyspark at import time."""

HIDDEN = ("pyspark", "pyspark.pandas")
"""Modules pandera must not import (it catches the ImportError and goes on)."""


def pandera_pandas() -> ModuleType:
    """``pandera.pandas``, imported with pyspark hidden and the environment kept."""
    if "pandera.pandas" in sys.modules:
        return sys.modules["pandera.pandas"]
    env = {name: os.environ.get(name) for name in SPARK_VARIABLES}
    loaded = {name: sys.modules[name] for name in HIDDEN if name in sys.modules}
    for name in HIDDEN:
        sys.modules[name] = None  # type: ignore[assignment]  -- "import" raises ImportError
    try:
        return importlib.import_module("pandera.pandas")
    finally:
        for name in HIDDEN:
            if name in loaded:
                sys.modules[name] = loaded[name]
            else:
                sys.modules.pop(name, None)
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
