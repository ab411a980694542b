"""pandera schemas of the data contract: what a clean, loaded table guarantees.

:func:`cxlib.load` checks every table it returns against :func:`contract_schema`
(types, required columns without gaps, unique ids, value ranges) -- the contract
as a postcondition, declared with a well-kept validation library rather than by
hand. The schemas are public so analyses and users can check frames of their own::

    >>> from cxlib.io.schemas import contract_schema
    >>> contract_schema("orders").validate(cx.orders)     # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.contract import COUNT_COLUMNS, MONEY_COLUMNS, TABLES
from cxlib.io.config import DatasetConfig
from cxlib.io.pandera_quiet import pandera_pandas
from cxlib.io.rows import AGE_RANGE

pa = pandera_pandas()  # pandera without its Spark side effects (see the module)

_KIND_CHECK = {
    "id": (pd.api.types.is_string_dtype, "string"),
    "text": (pd.api.types.is_string_dtype, "string"),
    "category": (lambda d: isinstance(d, pd.CategoricalDtype), "category"),
    "date": (pd.api.types.is_datetime64_dtype, "naive datetime64"),
    "datetime": (pd.api.types.is_datetime64_dtype, "naive datetime64"),
    "int": (lambda d: isinstance(d, pd.Int64Dtype), "Int64"),
    "float": (pd.api.types.is_float_dtype, "float"),
    "bool": (lambda d: isinstance(d, pd.BooleanDtype), "boolean"),
}


class ContractViolation(AssertionError):
    """A loaded table breaks the contract: a cxlib defect, please report it."""


CHECK_ROWS = 1_000_000
"""Rows of a loaded table the postcondition in :func:`cxlib.load` checks at most."""

CHECK_BLOCKS = 20
"""Above CHECK_ROWS, the rows checked are this many evenly spaced contiguous blocks."""

FAILURES_SHOWN = 10
"""Failing values quoted in a :class:`ContractViolation`."""

# pandera registers its pandas backends (importing its hypothesis strategies when
# hypothesis is installed) on the first validation: done once here, at import, so the
# first load's timing is the load's own
pa.DataFrameSchema({}).validate(pd.DataFrame())


def contract_schema(
    table: str, config: DatasetConfig | None = None, unique: bool = True
) -> pa.DataFrameSchema:
    """The pandera schema of one canonical table (extra columns are allowed).

    Parameters
    ----------
    table : canonical table name (``customers``, ``surveys``, ...).
    config : supplies the score scales and stage order (defaults when None).
    unique : check that the table's id column is unique.
    """
    cfg = config or DatasetConfig()
    spec = TABLES[table]
    columns = {}
    for col in spec.columns:
        is_kind, label = _KIND_CHECK[col.kind]
        checks = [
            pa.Check(
                lambda s, f=is_kind: f(s.dtype),
                element_wise=False,
                error=f"{col.name} must be {label}",
            )
        ]
        if col.name in MONEY_COLUMNS.get(table, ()):
            checks.append(pa.Check.ge(0))
        if col.name in COUNT_COLUMNS.get(table, {}):
            checks.append(pa.Check.ge(COUNT_COLUMNS[table][col.name]))
        if table == "customers" and col.name == "age":
            checks.append(pa.Check.in_range(*AGE_RANGE))
        if table == "surveys" and col.name == "score":
            low = min(lo for lo, _ in cfg.scales.values())
            high = max(hi for _, hi in cfg.scales.values())
            checks.append(pa.Check.in_range(low, high))
        if col.name == "stage":
            checks.append(
                pa.Check(
                    lambda s: list(s.cat.categories) == list(cfg.stage_order),
                    element_wise=False,
                    error="stage categories must follow the stage order",
                )
            )
        columns[col.name] = pa.Column(
            checks=checks,
            nullable=not col.required,
            unique=unique and col.name == spec.key,
            required=col.required and col.name != "response_id",
        )
    return pa.DataFrameSchema(columns, strict=False, name=table, coerce=False)


def check_contract(
    frame: pd.DataFrame,
    table: str,
    config: DatasetConfig | None = None,
    *,
    unique: bool = True,
    max_rows: int | None = None,
) -> None:
    """Raise :class:`ContractViolation` when ``frame`` breaks the table's contract.

    ``unique=False`` skips the id uniqueness check (for callers that have checked it
    already); ``max_rows`` checks at most that many rows, in :data:`CHECK_BLOCKS`
    evenly spaced blocks (all parts of the table are covered; blocks are views, not
    copies) instead of every row. :func:`cxlib.load` uses both: its SQL checks
    enforce the contract on every row, and this postcondition guards those checks
    against defects at a bounded cost.
    """
    if max_rows and len(frame) > max_rows:
        size = max(max_rows // CHECK_BLOCKS, 1)
        starts = np.linspace(0, len(frame) - size, num=max_rows // size).astype(int)
        frame = pd.concat([frame.iloc[a : a + size] for a in starts])
    try:
        contract_schema(table, config, unique).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases[["column", "check", "failure_case"]].head(FAILURES_SHOWN)
        raise ContractViolation(
            f"Loaded table {table!r} breaks the data contract (a cxlib defect -- please "
            f"report it):\n{cases.to_string(index=False)}"
        ) from exc
