"""The store's cohort queries: the age bands its SQL computes are the documented ones (property test)."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.store import AGE_BANDS, age_band
from pmbridge.store._cohorts import _AGE_BAND_SQL

CON = duckdb.connect()


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(st.one_of(st.none(), st.floats(0, 130, allow_nan=False)))
def test_the_sql_age_band_is_the_python_one_and_a_named_band(years: float | None) -> None:
    rows = CON.execute(f"SELECT {_AGE_BAND_SQL} FROM (SELECT ?::DOUBLE AS age_years) i", [years]).fetchall()
    assert rows[0][0] == age_band(years)
    assert age_band(years) in AGE_BANDS
