"""The pandera postcondition of the data contract (cxlib.io.schemas)."""

from __future__ import annotations

import pandas as pd
import pytest

from cxlib.io.schemas import ContractViolation, check_contract


def _orders(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": pd.array([f"O{i}" for i in range(n)], dtype="string[pyarrow]"),
            "customer_id": pd.array([f"C{i % 7}" for i in range(n)], dtype="string[pyarrow]"),
            "ordered_at": pd.date_range("2025-01-01", periods=n, freq="h").astype("datetime64[us]"),
            "amount": [10.0] * n,
        }
    )


def test_a_clean_table_passes():
    check_contract(_orders(50), "orders")


def test_negative_amount_and_wrong_dtype_are_named():
    bad = _orders(10)
    bad.loc[3, "amount"] = -1.0
    bad["customer_id"] = bad["customer_id"].astype("category")
    with pytest.raises(ContractViolation, match="orders") as err:
        check_contract(bad, "orders")
    assert "amount" in str(err.value) and "customer_id must be string" in str(err.value)


def test_duplicate_ids_fail_unless_uniqueness_was_checked_elsewhere():
    dup = _orders(10)
    dup.loc[5, "order_id"] = "O1"
    with pytest.raises(ContractViolation, match="order_id"):
        check_contract(dup, "orders")
    check_contract(dup, "orders", unique=False)


def test_max_rows_checks_evenly_spaced_blocks_across_the_whole_table():
    frame = _orders(1000)
    frame.loc[997, "amount"] = -5.0  # in the last of 20 blocks of 5 rows, at the very end
    with pytest.raises(ContractViolation, match="amount"):
        check_contract(frame, "orders", max_rows=100)
    frame.loc[997, "amount"] = 1.0
    frame.loc[990, "amount"] = -5.0  # between two checked blocks: the subset does not see it
    check_contract(frame, "orders", max_rows=100)
    with pytest.raises(ContractViolation, match="amount"):
        check_contract(frame, "orders")
