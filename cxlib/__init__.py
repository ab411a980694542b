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

_LAZY_MODULES = (
    "metrics", "features", "personas", "churn", "journey", "scorecard", "social", "report"
)  # fmt: skip
"""Packages imported on first use, so ``import cxlib`` stays light (no scikit-learn, no
matplotlib until an analysis needs them)."""

__all__ = [
    "CXData",
    "ConfigError",
    "DataContractError",
    "DatasetConfig",
    "EncodingFallbackWarning",
    "__version__",
    "churn",
    "contract",
    "features",
    "journey",
    "load",
    "load_config",
    "metrics",
    "personas",
    "report",
    "run_reports",
    "scorecard",
    "social",
]


def __getattr__(name: str):
    """Import the analysis and report packages (and ``run_reports``) lazily."""
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f"cxlib.{name}")
    if name == "run_reports":
        return importlib.import_module("cxlib.report").run_reports
    raise AttributeError(f"module 'cxlib' has no attribute {name!r}")
