"""Read and check columns of the user's data frame and per-observation vectors."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from pyinla.errors import closest_name_hint


def require_column(data: pd.DataFrame, name, where: str, show_name: bool = True) -> pd.Series:
    """Return ``data[name]``, raising a ValueError that suggests the closest column if missing.

    The message starts with ``where=name``, or with ``where`` alone when ``show_name`` is False
    because ``where`` already names the column.
    """
    if not isinstance(name, str):
        raise TypeError(f"{where} must be a column name (a string), got {name!r}.")
    if name not in data.columns:
        columns = [str(column) for column in data.columns]
        subject = f"{where}={name!r}" if show_name else where
        raise ValueError(
            f"{subject} is not a column of data.{closest_name_hint(name, columns)} "
            f"The columns are: {', '.join(columns)}."
        )
    return data[name]


def numeric_values(series: pd.Series, where: str, allow_nan: bool = False) -> np.ndarray:
    """Convert a column to a float array; reject non-numeric data, NaN (unless allowed) and inf."""
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_complex_dtype(series):
        raise TypeError(
            f"{where} (column {series.name!r}) must be numeric, but has dtype {series.dtype}. "
            "Convert it with pd.to_numeric, or encode categories as numeric indicator columns."
        )
    values = series.to_numpy(dtype=float, na_value=np.nan)
    check_finite(values, where, allow_nan)
    return values


def observation_vector(value, data: pd.DataFrame, where: str) -> np.ndarray:
    """Resolve E, Ntrials, offset or scale: a column name of data, one number for every row (as R-INLA
    recycles a single value), or an array-like of length n."""
    if isinstance(value, str):
        return numeric_values(require_column(data, value, where), where)

    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        values = np.full(len(data), float(value))
        check_finite(values, where)
        return values

    if isinstance(value, bool) or np.ndim(value) != 1:
        raise TypeError(
            f"{where} must be a column name of data, a number, or an array-like of length {len(data)} "
            f"(one value per row), got {type(value).__name__}."
        )
    values = pd.Series(np.asarray(value), name=where)
    if len(values) != len(data):
        raise ValueError(
            f"{where} has length {len(values)}, but data has {len(data)} rows; "
            "give one value per row."
        )
    return numeric_values(values, where)


def check_finite(values: np.ndarray, where: str, allow_nan: bool = False) -> None:
    """Raise a ValueError naming the first row with NaN (unless allowed) or an infinite value."""
    if np.isinf(values).any():
        row = int(np.flatnonzero(np.isinf(values))[0])
        raise ValueError(
            f"{where} has an infinite value at position {row} (0-based); all values must be finite."
        )
    if not allow_nan and np.isnan(values).any():
        row = int(np.flatnonzero(np.isnan(values))[0])
        raise ValueError(
            f"{where} has a missing value (NaN) at position {row} (0-based); only the response "
            "may be missing. Drop or impute those rows."
        )
