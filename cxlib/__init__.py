"""cxlib: customer-experience analytics -- validated data, CX metrics and reports.

The data flows one way: load -> validate -> features -> analysis -> report.

>>> import cxlib
>>> cx = cxlib.load("data/sample")                   # doctest: +SKIP
>>> float(cxlib.metrics.nps([10, 9, 7, 0]))
25.0
"""

from importlib import metadata as _metadata

from cxlib import contract
from cxlib.io.config import ConfigError, DatasetConfig, load_config
from cxlib.io.dataset import CXData, load
from cxlib.io.readers import DataContractError, EncodingFallbackWarning

try:  # one home for the version: pyproject.toml
    __version__ = _metadata.version("cxlib")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "CXData",
    "ConfigError",
    "DataContractError",
    "EncodingFallbackWarning",
    "DatasetConfig",
    "__version__",
    "contract",
    "load",
    "load_config",
    "metrics",
]


def __getattr__(name: str):
    """Import ``cxlib.metrics`` lazily so ``import cxlib`` stays light."""
    if name == "metrics":
        import importlib

        return importlib.import_module("cxlib.metrics")
    raise AttributeError(f"module 'cxlib' has no attribute {name!r}")
