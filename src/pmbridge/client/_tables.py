"""Tidy tables from decoded messages: Arrow always (a dependency), pandas when it is installed.

A held-back number is a null in a typed column, beside the mark that says why; never a 0.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from pmbridge.errors import ConfigError

__all__ = ["arrow_table", "pandas_frame"]

_TYPES = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}


def arrow_table(rows: Sequence[Mapping[str, object]], columns: Mapping[str, str]) -> pa.Table:
    """``rows`` as a table with exactly ``columns`` (name -> type name), in that order.

    >>> arrow_table([{"node": "a", "value": None}], {"node": "string", "value": "int64"}).to_pylist()
    [{'node': 'a', 'value': None}]
    """
    schema = pa.schema([(name, _TYPES[kind]) for name, kind in columns.items()])
    return pa.Table.from_pylist([{name: row.get(name) for name in columns} for row in rows], schema=schema)


def pandas_frame(table: pa.Table) -> Any:
    """``table`` as a pandas DataFrame, nulls kept as missing (``<NA>``), never as 0."""
    try:
        importlib.import_module("pandas")
    except ImportError:
        raise ConfigError(
            "pandas is not installed, so there is no DataFrame",
            hint="`pip install pandas`, or use .to_arrow() (pyarrow comes with PM Bridge)",
        ) from None
    return table.to_pandas(types_mapper=_nullable)


def _nullable(arrow_type: pa.DataType) -> Any:
    """Nullable pandas dtypes, so a null count stays missing instead of becoming NaN in floats."""
    pandas = importlib.import_module("pandas")
    mapping: dict[pa.DataType, Any] = {
        pa.int64(): pandas.Int64Dtype(),
        pa.bool_(): pandas.BooleanDtype(),
        pa.string(): pandas.StringDtype(),
        pa.float64(): pandas.Float64Dtype(),
    }
    return mapping.get(arrow_type)
