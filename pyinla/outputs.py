"""Reading the outputs the engine writes only on request: linear predictor, fitted values, DIC, WAIC, CPO."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pyinla.errors import ResultError

PREDICTOR_COLUMNS = ["ID", "mean", "sd", "0.025quant", "0.5quant", "0.975quant", "mode"]


def read_optional_outputs(results_dir: Path) -> dict:
    """Return the Result fields for the optional result files present in ``results_dir``."""
    outputs = {}
    for name in ("linear_predictor", "fitted_values"):
        if (results_dir / f"summary_{name}.csv").is_file():
            outputs[f"summary_{name}"] = _read(results_dir / f"summary_{name}.csv", PREDICTOR_COLUMNS)
            # A tidy table: one marginal per observation, told apart by ID (the 1-based row).
            outputs[f"marginals_{name}"] = _read(results_dir / f"marginals_{name}.csv", ["ID", "x", "density"])
    for name in ("dic", "waic"):
        if (results_dir / f"{name}.csv").is_file():
            table = _read(results_dir / f"{name}.csv", ["name", "value"])
            outputs[name] = pd.Series(table["value"].to_numpy(), index=table["name"].to_list(), name=name)
    if (results_dir / "cpo.csv").is_file():
        outputs["cpo"] = _read(results_dir / "cpo.csv", ["ID", "cpo", "pit", "failure"])
    if (results_dir / "summary_lincomb.csv").is_file():
        table = _read(results_dir / "summary_lincomb.csv", ["name", *PREDICTOR_COLUMNS[1:]])
        outputs["summary_lincomb"] = table.set_index("name").rename_axis(None)
        marginals = _read(results_dir / "marginals_lincomb.csv", ["name", "x", "density"])
        outputs["marginals_lincomb"] = {
            name: group[["x", "density"]].reset_index(drop=True) for name, group in marginals.groupby("name", sort=False)
        }
    if (results_dir / "warnings.txt").is_file():
        lines = (results_dir / "warnings.txt").read_text(encoding="utf-8").splitlines()
        outputs["warnings"] = [line for line in lines if line.strip()]
    return outputs


def _read(path: Path, columns) -> pd.DataFrame:
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise ResultError(f"{path} could not be read: {error}") from None
    if list(table.columns) != list(columns):
        raise ResultError(f"{path} has columns {list(table.columns)}, expected {list(columns)}.")
    return table
