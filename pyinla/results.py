"""Read the engine's result files into a Result.

``read_results(run_directory)`` needs only the files on disk: the model file names the result
folder and the random terms, ``results/`` contains the CSV files listed in
docs/engine-format.md, and call.json records the call. A kept run directory can therefore be
read again later, from any path it was moved or copied to.
"""

from __future__ import annotations

import configparser
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pandas as pd

from pyinla.errors import ResultError
from pyinla.model_file import MODEL_FILE, RESULTS_DIR
from pyinla.spec import block_entries
from pyinla.summary import SummaryText, format_summary

SUMMARY_COLUMNS = ["mean", "sd", "0.025quant", "0.5quant", "0.975quant", "mode", "kld"]
# Hyperparameter summaries have no Kullback-Leibler divergence column.
HYPERPAR_COLUMNS = SUMMARY_COLUMNS[:-1]
MARGINAL_COLUMNS = ["name", "x", "density"]

CALL_RECORD_FILE = "call.json"


def result_file_names(n_random_terms: int) -> List[str]:
    """Return the names of the files the engine writes into results/ for a model."""
    names = [
        "summary_fixed.csv",
        "summary_hyperpar.csv",
        "internal_summary_hyperpar.csv",
        "marginals_fixed.csv",
        "marginals_hyperpar.csv",
        "mlik.csv",
        "theta_points.csv",
        "timing.csv",
    ]
    names += [f"summary_random.{k}.csv" for k in range(n_random_terms)]
    names += [f"marginals_random.{k}.csv" for k in range(n_random_terms)]
    return names


# Files the engine writes into results/ only when asked (predictor, dic, waic, cpo) or when it has warnings.
OPTIONAL_RESULT_FILES = [
    "summary_linear_predictor.csv",
    "marginals_linear_predictor.csv",
    "summary_fitted_values.csv",
    "marginals_fitted_values.csv",
    "dic.csv",
    "dic_local.csv",
    "waic.csv",
    "waic_local.csv",
    "cpo.csv",
    "warnings.txt",
    "summary_lincomb.csv",
    "marginals_lincomb.csv",
]


@dataclass
class Result:
    """Posterior summaries and marginals of one fit, named as in R-INLA.

    Tables use R-INLA's column names (mean, sd, 0.025quant, 0.5quant, 0.975quant, mode, kld).
    Marginals are DataFrames with columns x and density.
    """

    summary_fixed: pd.DataFrame
    summary_random: Dict[str, pd.DataFrame]
    summary_hyperpar: pd.DataFrame
    internal_summary_hyperpar: pd.DataFrame
    mlik: Optional[pd.Series]
    marginals_fixed: Dict[str, pd.DataFrame]
    marginals_hyperpar: Dict[str, pd.DataFrame]
    theta_points: pd.DataFrame
    timing: pd.Series
    family: str
    n_observations: int
    random_models: Dict[str, str] = field(default_factory=dict)
    # The run directory of a kept run (keep=True) or of one read by load(), else None.
    working_directory: Optional[Path] = None
    # The record of the call, as written to call.json.
    call: Optional[dict] = None
    # Per-observation outputs, present when the call asked for them (control['predictor'],
    # control['compute']): summaries with an ID column (the 1-based row), marginals as tidy tables with
    # columns ID, x and density (select one with m[m["ID"] == k]).
    summary_linear_predictor: Optional[pd.DataFrame] = None
    summary_fitted_values: Optional[pd.DataFrame] = None
    marginals_linear_predictor: Optional[pd.DataFrame] = None
    marginals_fitted_values: Optional[pd.DataFrame] = None
    # DIC (dic, p_eff, mean_deviance, deviance_of_mean), WAIC (waic, p_eff), and CPO and PIT per
    # observation (columns ID, cpo, pit, failure).
    dic: Optional[pd.Series] = None
    waic: Optional[pd.Series] = None
    # Each observation's share of DIC or WAIC and of p_eff (columns ID, dic or waic, p_eff; NaN for a
    # missing response), summing to the totals: R-INLA's local.dic and local.waic.
    dic_local: Optional[pd.DataFrame] = None
    waic_local: Optional[pd.DataFrame] = None
    cpo: Optional[pd.DataFrame] = None
    # Marginals of the random terms: term id -> tidy table with columns ID, x and density.
    marginals_random: Dict[str, pd.DataFrame] = field(default_factory=dict)
    # Linear combinations (the lincomb argument): summaries indexed by name, marginals by name.
    summary_lincomb: Optional[pd.DataFrame] = None
    marginals_lincomb: Optional[Dict[str, pd.DataFrame]] = None
    # Warnings of the engine about the fit (a hyperparameter running away, a poorly identified
    # direction), one sentence each; pyinla() also issues them as Python warnings.
    warnings: List[str] = field(default_factory=list)

    @property
    def cpu_used(self) -> pd.Series:
        """Seconds spent in each stage of the engine, from timing.csv (same as ``timing``)."""
        return self.timing

    def summary(self) -> SummaryText:
        """Return a readable overview like R-INLA's summary(); it prints as plain text."""
        return format_summary(self)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        terms = ", ".join(f"{name}: {model}" for name, model in self.random_models.items())
        return (
            f"<pyinla.Result family={self.family!r} n={self.n_observations} "
            f"fixed={list(self.summary_fixed.index)} random=[{terms}] "
            f"hyperparameters={list(self.summary_hyperpar.index)}>"
        )


def read_results(
    run_directory,
    *,
    call: Optional[dict] = None,
    return_marginals: Optional[bool] = None,
    return_mlik: Optional[bool] = None,
) -> Result:
    """Build a Result from a run directory that contains model.ini and the engine's results/.

    ``call`` defaults to the contents of call.json when the directory has one. The two flags
    leave out the marginals and the marginal likelihood. When a flag is None, it follows
    control['compute'] of the recorded call (True if the call did not set it), so that a kept
    directory reads back as the Result of the original call. ``load()`` is the documented way
    to read a kept directory.

    Raises:
        ResultError: if the model file or a result file is missing or malformed.
    """
    run_directory = Path(os.fspath(run_directory))
    model = read_model_file(run_directory / MODEL_FILE)
    results_dir = _results_folder(run_directory, model)

    random_sections = _random_sections(model)
    summary_random, marginals_random = {}, {}
    for k, section in enumerate(random_sections):
        table = _read_table(results_dir / f"summary_random.{k}.csv", ["ID", *SUMMARY_COLUMNS])
        levels = block_entries(section.get("model", ""), int(section.get("n", len(table))),
                               int(section.get("zcols", 0)))
        levels *= int(section.get("replicates", 1)) * int(section.get("groups", 1))
        if len(table) != levels:
            raise ResultError(
                f"{results_dir / f'summary_random.{k}.csv'} has {len(table)} rows, but the term "
                f"{section['name']!r} has n = {section['n']} levels."
            )
        summary_random[section["name"]] = table
        marginal_file = results_dir / f"marginals_random.{k}.csv"
        if marginal_file.is_file():
            marginals_random[section["name"]] = _read_table(marginal_file, ["ID", "x", "density"])

    if call is None and (run_directory / CALL_RECORD_FILE).is_file():
        call = read_call_record(run_directory / CALL_RECORD_FILE)
    if return_marginals is None:
        return_marginals = _recorded_compute_switch(call, "return_marginals")
    if not return_marginals:
        marginals_random = {}
    if return_mlik is None:
        return_mlik = _recorded_compute_switch(call, "mlik")

    marginals_fixed = (
        _read_marginals(results_dir / "marginals_fixed.csv") if return_marginals else {}
    )
    marginals_hyperpar = (
        _read_marginals(results_dir / "marginals_hyperpar.csv") if return_marginals else {}
    )

    return Result(
        summary_fixed=_read_named_table(results_dir / "summary_fixed.csv", SUMMARY_COLUMNS),
        summary_random=summary_random,
        summary_hyperpar=_read_named_table(results_dir / "summary_hyperpar.csv", HYPERPAR_COLUMNS),
        internal_summary_hyperpar=_read_named_table(
            results_dir / "internal_summary_hyperpar.csv", HYPERPAR_COLUMNS
        ),
        mlik=_read_mlik(results_dir / "mlik.csv") if return_mlik else None,
        marginals_fixed=marginals_fixed,
        marginals_hyperpar=marginals_hyperpar,
        theta_points=_read_csv(results_dir / "theta_points.csv"),
        timing=_read_timing(results_dir / "timing.csv"),
        family=model.get("family", {}).get("name", "unknown"),
        n_observations=int(model.get("data", {}).get("n", 0)),
        random_models={section["name"]: section.get("model", "") for section in random_sections},
        call=call,
        marginals_random=marginals_random,
        **read_optional_outputs(results_dir),
    )


def load(run_directory) -> Result:
    """Read a kept run directory back into the Result of the original call.

    This is ``read_results(run_directory)`` with two additions: the Result's
    ``working_directory`` is the absolute path of ``run_directory``, as it is for a run kept with
    ``pyinla(..., keep=True)``, and a missing directory or result folder is reported as such.
    The directory may have been moved or copied since the run.

    Raises:
        FileNotFoundError: if ``run_directory`` does not exist.
        NotADirectoryError: if ``run_directory`` is a file.
        ResultError: if the model file, the result folder or a result file is missing or
            malformed.
    """
    path = Path(os.fspath(run_directory))
    if not path.exists():
        raise FileNotFoundError(f"run directory {str(run_directory)!r} not found.")
    if not path.is_dir():
        raise NotADirectoryError(
            f"{str(run_directory)!r} is a file; pass the run directory that contains {MODEL_FILE}."
        )
    results_dir = _results_folder(path, read_model_file(path / MODEL_FILE))
    if not results_dir.is_dir():
        raise ResultError(
            f"result folder {results_dir} not found: the engine has not written results into "
            f"{path}. Run it with `pyinla rerun {path}` or `pyinla-engine {path / MODEL_FILE}`."
        )
    result = read_results(path)
    result.working_directory = path.absolute()
    return result


def _results_folder(run_directory: Path, model: Dict[str, Dict[str, str]]) -> Path:
    return run_directory / model.get("run", {}).get("results", RESULTS_DIR)


def read_model_file(path: Path) -> Dict[str, Dict[str, str]]:
    """Parse the model file into {section: {key: value}}; keys keep their case."""
    parser = configparser.ConfigParser(
        delimiters=("=",),
        comment_prefixes=("#", ";"),
        interpolation=None,
        # No section may supply defaults to the others, so DEFAULT is an ordinary name here.
        default_section="\0",
    )
    parser.optionxform = str
    try:
        with open(path, encoding="utf-8") as file:
            parser.read_file(file)
    except FileNotFoundError:
        raise ResultError(
            f"{path} not found, so {path.parent} is not a run directory. Pass a directory kept "
            "with pyinla(..., keep=True) or one that contains a model file."
        ) from None
    except configparser.Error as error:
        raise ResultError(f"{path} is malformed: {error}") from None
    return {name: dict(parser[name]) for name in parser.sections()}


def read_call_record(path: Path) -> dict:
    """Return the call record in call.json as a dict."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ResultError(f"{path} is malformed: {error}") from None
    if not isinstance(record, dict):
        raise ResultError(
            f"{path} is malformed: expected a JSON object, got {type(record).__name__}."
        )
    return record


def _recorded_compute_switch(call: Optional[dict], name: str) -> bool:
    """Return control['compute'][name] of the recorded call, or True when it is not recorded."""
    arguments = call.get("arguments") if isinstance(call, dict) else None
    control = arguments.get("control") if isinstance(arguments, dict) else None
    compute = control.get("compute") if isinstance(control, dict) else None
    switch = compute.get(name) if isinstance(compute, dict) else None
    return switch if isinstance(switch, bool) else True


def _random_sections(model: Dict[str, Dict[str, str]]) -> List[Dict[str, str]]:
    """Return the [random.K] sections in order K = 0, 1, ..."""
    sections = []
    while f"random.{len(sections)}" in model:
        sections.append(model[f"random.{len(sections)}"])
    return sections


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise ResultError(
            f"result file {path} not found; the engine exited successfully but did not write it."
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ResultError(f"result file {path} is malformed: {error}") from None


def _read_table(path: Path, columns: List[str]) -> pd.DataFrame:
    table = _read_csv(path)
    if list(table.columns) != columns:
        raise ResultError(
            f"result file {path} has the columns {list(table.columns)}, expected {columns}."
        )
    return table


def _read_named_table(path: Path, columns: List[str]) -> pd.DataFrame:
    """Read a summary whose first column, ``name``, becomes the index."""
    table = _read_table(path, ["name", *columns]).set_index("name")
    table.index.name = None
    return table


def _read_marginals(path: Path) -> Dict[str, pd.DataFrame]:
    table = _read_table(path, MARGINAL_COLUMNS)
    return {
        name: group[["x", "density"]].reset_index(drop=True)
        for name, group in table.groupby("name", sort=False)
    }


def _read_series(path: Path, key: str, value: str, name: str) -> pd.Series:
    """Read a two-column result file as a Series indexed by its first column."""
    series = _read_table(path, [key, value]).set_index(key)[value]
    series.index.name = None
    series.name = name
    return series


def _read_mlik(path: Path) -> pd.Series:
    return _read_series(path, "name", "value", "mlik")


def _read_timing(path: Path) -> pd.Series:
    return _read_series(path, "stage", "seconds", "seconds")


def read_optional_outputs(results_dir: Path) -> dict:
    """Return the Result fields for the result files the engine writes only on request.

    These are the linear predictor and fitted values, DIC, WAIC, CPO, linear combinations and
    the engine's warnings; a field whose file is absent is left out.
    """
    outputs = {}
    for name in ("linear_predictor", "fitted_values"):
        if (results_dir / f"summary_{name}.csv").is_file():
            outputs[f"summary_{name}"] = _read_table(results_dir / f"summary_{name}.csv", ["ID", *HYPERPAR_COLUMNS])
            # A tidy table: one marginal per observation, identified by ID (the 1-based row).
            outputs[f"marginals_{name}"] = _read_table(results_dir / f"marginals_{name}.csv", ["ID", "x", "density"])
    for name in ("dic", "waic"):
        if (results_dir / f"{name}.csv").is_file():
            outputs[name] = _read_series(results_dir / f"{name}.csv", "name", "value", name)
        if (results_dir / f"{name}_local.csv").is_file():
            outputs[f"{name}_local"] = _read_table(results_dir / f"{name}_local.csv", ["ID", name, "p_eff"])
    if (results_dir / "cpo.csv").is_file():
        outputs["cpo"] = _read_table(results_dir / "cpo.csv", ["ID", "cpo", "pit", "failure"])
    if (results_dir / "summary_lincomb.csv").is_file():
        outputs["summary_lincomb"] = _read_named_table(results_dir / "summary_lincomb.csv", HYPERPAR_COLUMNS)
        outputs["marginals_lincomb"] = _read_marginals(results_dir / "marginals_lincomb.csv")
    if (results_dir / "warnings.txt").is_file():
        lines = (results_dir / "warnings.txt").read_text(encoding="utf-8").splitlines()
        outputs["warnings"] = [line for line in lines if line.strip()]
    return outputs
