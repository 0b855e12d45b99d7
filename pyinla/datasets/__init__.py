"""Real data sets shipped with pyinla, as distributed with R-INLA (see README.md here)."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pandas as pd

from pyinla.errors import closest_name_hint, format_choices

_DATA_DIR = Path(__file__).resolve().parent


def names() -> List[str]:
    """Return the names of the shipped data sets, sorted."""
    return sorted(path.stem for path in _DATA_DIR.glob("*.csv"))


def load(name: str) -> pd.DataFrame:
    """Load a shipped data set as a DataFrame, e.g. ``load('seeds')``."""
    return pd.read_csv(_data_file(name, ".csv"))


def graph_path(name: str) -> Path:
    """Return the path of a data set's neighbourhood graph file ('scotland' or 'germany')."""
    return _data_file(name, ".graph")


def _data_file(name: str, suffix: str) -> Path:
    available = sorted(path.stem for path in _DATA_DIR.glob(f"*{suffix}"))
    if name not in available:
        kind = "data set" if suffix == ".csv" else "graph"
        raise ValueError(
            f"no {kind} named {name!r}.{closest_name_hint(name, available)} "
            f"Available: {format_choices(available)}."
        )
    return _DATA_DIR / f"{name}{suffix}"
