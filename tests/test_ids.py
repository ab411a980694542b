"""cxlib.io.ids.positions: id lookups equal pandas' get_indexer, with -1 for absent ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cxlib.io.ids import positions


def test_known_positions_missing_and_absent_ids():
    values = pd.Series(["C2", "C9", None, "C1", "C2"], dtype="string[pyarrow]")
    lookup = pd.Series(["C1", "C2", "C3"], dtype="string[pyarrow]")
    assert positions(values, lookup).tolist() == [1, -1, -1, 0, 1]


def test_numbers_and_categories_are_matched_as_text():
    assert positions(pd.Series([3, 1]), pd.Series(["1", "3"])).tolist() == [1, 0]
    cat = pd.Series(["b", "a", "z"], dtype="category")
    assert positions(cat, ["a", "b"]).tolist() == [1, 0, -1]


@given(
    st.lists(st.text(alphabet="ab č", max_size=3), max_size=30),
    st.lists(st.text(alphabet="ab č", max_size=3), max_size=10, unique=True),
)
def test_equals_pandas_get_indexer(values, lookup):
    expected = pd.Index(lookup, dtype=object).get_indexer(pd.Index(values, dtype=object))
    got = positions(pd.Series(values, dtype="string[pyarrow]"), pd.Series(lookup, dtype=object))
    np.testing.assert_array_equal(got, expected)


def test_the_same_ids_in_the_same_order_map_to_their_own_positions():
    ids = pd.Series([f"C{i}" for i in range(100)], dtype="string[pyarrow]")
    assert positions(ids, ids).tolist() == list(range(100))
    assert positions(ids, ids[::-1].reset_index(drop=True)).tolist() == list(range(99, -1, -1))


def test_missing_ids_never_match_even_a_missing_id_in_the_lookup():
    lookup = pd.Series(["a", None, "b"], dtype="string[pyarrow]")
    assert positions(pd.Series([None, "b"], dtype="string[pyarrow]"), lookup).tolist() == [-1, 2]
    same_length = pd.Series(["a", None, "b"], dtype="string[pyarrow]")
    assert positions(same_length, pd.Series(["a", "x", "b"])).tolist() == [0, -1, 2]
