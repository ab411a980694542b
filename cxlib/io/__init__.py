"""Loading: read a data set (folder, DuckDB file, SQL URL), validate it against the contract.

The floor every analysis stands on. :func:`load` returns a :class:`CXData` of typed pandas
tables with its :class:`~cxlib.io.quality.QualityReport`. The modules, in the order data
flows through them:

- :mod:`~cxlib.io.config`: the YAML mapping of a user's data onto the contract;
- :mod:`~cxlib.io.readers`: pick the reader of a source -- :mod:`~cxlib.io.files` (CSV,
  Parquet), :mod:`~cxlib.io.databases` (DuckDB, SQL through SQLAlchemy, an optional
  extra) -- each handing validation a :mod:`~cxlib.io.raw` table;
- :mod:`~cxlib.io.validate`: one table checked in DuckDB: :mod:`~cxlib.io.typed` (the
  columns and the SQL typing them), :mod:`~cxlib.io.passthrough` (columns read as they
  are), :mod:`~cxlib.io.structure` (problems that stop the load),
  :mod:`~cxlib.io.convert` (to pandas), :mod:`~cxlib.io.rows` (row problems excluded and
  counted); :mod:`~cxlib.io.sqltext` quotes every value a query carries;
- :mod:`~cxlib.io.schemas` (the postcondition) and :mod:`~cxlib.io.quality` (the row
  accounting);
- :mod:`~cxlib.io.dataset`: ``load`` and ``CXData`` (``subset``); :mod:`~cxlib.io.memo`, a
  load shared by the notebooks of one report run (``load(..., memo=folder)``);
- speed: :mod:`~cxlib.io.memory` and :mod:`~cxlib.io.ids`; and :mod:`~cxlib.io.outputs`,
  the CSV/JSON files a report writes.
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
