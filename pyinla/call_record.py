"""Build the record of a call (call.json): versions, arguments and the engine command line.

Arguments are stored in a JSON-able form. Large objects are summarised, not dumped: a data frame
by its shape and column types, an array or matrix by its shape.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import List, Mapping, Optional

import numpy as np
import pandas as pd

from pyinla._version import __version__
from pyinla.graphs import is_scipy_sparse
from pyinla.model_file import ENGINE_LOG, MODEL_FILE, RESULTS_DIR
from pyinla.runner import TRANSCRIPT_FILE

# Longer lists (e.g. an E given as a list of values) are summarised by their length.
MAX_LISTED_ITEMS = 100


def build_call_record(
    arguments: Mapping, num_threads: str, command: List[str], engine_version: Optional[str]
) -> dict:
    """Return the call record.

    The command line and the file names in it are relative to the run directory. Only
    ``engine_executable`` and the user's own arguments may contain absolute paths.
    """
    engine = Path(command[0])
    return {
        "pyinla_version": __version__,
        "engine_version": engine_version,
        "engine_executable": str(engine),
        # The executable is named without its folder so the record stays valid on another machine.
        "command": [engine.name, *command[1:]],
        "num_threads": num_threads,
        "arguments": {name: to_jsonable(value) for name, value in arguments.items()},
        "files": {
            "model": MODEL_FILE,
            "results": RESULTS_DIR,
            "engine_log": ENGINE_LOG,
            "engine_output": TRANSCRIPT_FILE,
        },
    }


def write_call_record(record: dict, path: Path) -> None:
    path.write_text(json.dumps(record, indent=1) + "\n")


def to_jsonable(value):
    """Convert an argument to JSON-able data, summarising data frames, arrays and matrices."""
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        # JSON has no NaN or infinity, so those become strings.
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)

    summary = _summarise_large_object(value)
    if summary is not None:
        return summary

    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_LISTED_ITEMS:
            return {"list": {"length": len(value)}}
        return [to_jsonable(item) for item in value]
    return repr(value)


def _summarise_large_object(value) -> Optional[dict]:
    """Describe a data frame, series, array or sparse matrix by its shape; None for others."""
    if isinstance(value, pd.DataFrame):
        columns = {str(name): str(dtype) for name, dtype in value.dtypes.items()}
        return {"DataFrame": {"shape": list(value.shape), "columns": columns}}
    if isinstance(value, pd.Series):
        name = to_jsonable(value.name)
        return {"Series": {"name": name, "length": len(value), "dtype": str(value.dtype)}}
    if isinstance(value, np.ndarray):
        return {"ndarray": {"shape": list(value.shape), "dtype": str(value.dtype)}}
    if is_scipy_sparse(value):
        return {"sparse matrix": {"shape": list(value.shape), "nonzeros": int(value.nnz)}}
    return None
