"""Loading: read a data set (folder, DuckDB file, SQL URL), validate it against the contract.

The floor every analysis stands on. :func:`load` returns a :class:`CXData` of typed pandas
tables with its :class:`~cxlib.io.quality.QualityReport`. The modules, in the order data
flows through them: :mod:`~cxlib.io.config` (the YAML mapping onto the contract),
:mod:`~cxlib.io.readers` (CSV, Parquet, DuckDB, SQL), :mod:`~cxlib.io.validate` (row
problems excluded and counted, structural problems raised), :mod:`~cxlib.io.schemas` (the
postcondition), :mod:`~cxlib.io.quality` (the row accounting), :mod:`~cxlib.io.dataset`
(``load`` and ``CXData``), :mod:`~cxlib.io.memo` (a load shared by the kernels of one run),
:mod:`~cxlib.io.memory` and :mod:`~cxlib.io.ids` (speed), and :mod:`~cxlib.io.outputs`
(the CSV/JSON files a report writes).
"""

from cxlib.io.config import ConfigError, DatasetConfig, load_config
from cxlib.io.dataset import CXData, load
from cxlib.io.readers import DataContractError, EncodingFallbackWarning

__all__ = [
    "CXData",
    "ConfigError",
    "DataContractError",
    "DatasetConfig",
    "EncodingFallbackWarning",
    "load",
    "load_config",
]
