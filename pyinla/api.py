"""The entry point ``pyinla()``: validate, write the run directory, run the engine, read results."""

from __future__ import annotations

import logging
import shlex
from pathlib import Path
from typing import List

import numpy as np

from pyinla.call_record import build_call_record, write_call_record
from pyinla.errors import ResultError, warn_caller
from pyinla.lincomb import validate_lincombs
from pyinla.model_file import ENGINE_LOG, RESULTS_DIR, write_model_files
from pyinla.results import (
    CALL_RECORD_FILE,
    OPTIONAL_RESULT_FILES,
    Result,
    read_results,
    result_file_names,
)
from pyinla.runner import TRANSCRIPT_FILE, build_command, engine_error, engine_version, run_engine
from pyinla.threads import format_num_threads, parse_num_threads
from pyinla.validation import validate_call
from pyinla.workdir import RunDirectory, lock_working_directory, prepare_run_directory, remove_run_files

logger = logging.getLogger("pyinla")


def pyinla(
    model,
    family="gaussian",
    data=None,
    *,
    control=None,
    E=None,
    Ntrials=None,
    offset=None,
    scale=None,
    lincomb=None,
    num_threads=None,
    working_directory=None,
    keep=False,
    verbose=False,
) -> Result:
    """Fit a latent Gaussian model by INLA and return its posterior summaries.

    Args:
        model: dict with ``response`` (column name), ``fixed`` (list of terms: '1' the
            intercept, '0' or '-1' no intercept, a column name, or 'x1:x2' for a product of
            columns; default ['1']) and ``random`` (list of term dicts such as
            ``{'id': 'plate', 'model': 'iid'}``). As in an R formula, the intercept is included
            unless '0' or '-1' is listed.
        family: 'gaussian', 'poisson', 'binomial', 'nbinomial', 'gamma', 'beta', 't', 'lognormal',
            'zeroinflatedpoisson1', 'zeroinflatedbinomial1', 'exponential' or 'weibull' (the last two
            take model['event'], 1 for an event and 0 for a right-censored time).
        data: pandas DataFrame with the response, covariates and term ids. A missing (NaN)
            response is allowed and does not enter the likelihood; with
            control={'predictor': {'compute': True}} its row is predicted like the others.
        control: dict with any of 'inla' (strategy: 'gaussian', 'simplified.laplace' (default),
            'laplace' or 'adaptive'; int_strategy, dz, diff_logdens), 'fixed'
            (mean, prec, mean_intercept, prec_intercept), 'family' (hyper, link), 'compute'
            (dic, waic, cpo, return_marginals, mlik) and 'predictor' (compute: summaries of the
            linear predictor and the fitted values, missing responses included).
        E: poisson exposure, a column name or one positive value per row.
        Ntrials: binomial number of trials, a column name or one positive integer per row.
        offset: added to the linear predictor, a column name or one value per row.
        scale: gaussian per-observation scale of the precision, a column name or values.
        lincomb: linear combinations of the latent field whose marginals to compute, as
            {name: {fixed effect: weight, random term id: {level value: weight}}}; see
            pyinla.lincomb. Their summaries are in result.summary_lincomb.
        num_threads: engine threads, an int or 'A:B[:C]' (see pyinla.threads); default '16:1'.
        working_directory: folder for the run files; default a fresh temporary directory.
            A non-empty folder is never overwritten: a numbered sibling (path-1, ...) is used.
            While a fit runs, a second fit for the same folder raises RuntimeError.
        keep: keep the run directory (model file, data, engine log, results, call.json).
        verbose: stream the engine's progress to stdout while it runs.

    The runtime arguments (num_threads, working_directory, keep, verbose) do not change the fit.

    Random term dicts take ``id`` and ``model`` (iid, rw1, rw2, ar1, ar, besag, bym, bym2, generic0,
    seasonal, copy, z; 'linear', with mean_linear and prec_linear, is a fixed effect with that prior,
    as in R-INLA) and optionally constr, scale_model, diagonal, cyclic (rw1, rw2), season_length
    (seasonal, required), order (ar, required: the order p, 1 to 10), graph (besag, bym, bym2,
    required: a graph file path or an adjacency matrix), Cmatrix (generic0, required: a symmetric
    numpy or scipy sparse matrix), copy (copy, required: the id of the term to copy; its scaling
    beta is fixed at 1 unless hyper={'beta': {'fixed': False}}), Z (z, required: a matrix with one
    row per id value), precision (copy, z: the precision of the tie, default 1e8), weights (a column
    that multiplies the term in each row, R-INLA's f(id, w)), n, values (rw1
    and rw2 place their levels at these positions), replicate (a column: independent copies per
    value with shared hyperparameters), group (a column) with control_group ({'model':
    'exchangeable' | 'ar1' | 'iid', 'hyper': {'rho': ...}}) and hyper. The ids of besag,
    generic0 and z terms are 1-based, as in R-INLA: id r is graph node r, row r of Cmatrix or
    row r of Z.

    Raises:
        TypeError, ValueError: for an invalid argument, before anything is written.
        FileNotFoundError: if the engine executable is not found.
        EngineError: if the engine fails; the run directory is then kept.
        ResultError: if the result files are missing or malformed; the directory is kept.
    """
    threads = format_num_threads(parse_num_threads(num_threads))
    _check_flag(keep, "keep")
    _check_flag(verbose, "verbose")
    if data is None:
        raise TypeError(
            "data is missing: pass the pandas DataFrame that contains the model's columns."
        )
    spec = validate_call(
        model, family, data, control, E=E, Ntrials=Ntrials, offset=offset, scale=scale
    )
    spec.lincombs = validate_lincombs(lincomb, spec)
    engine, env = _locate_engine()

    lock = lock_working_directory(working_directory)
    try:
        return _fit_in_directory(spec, engine, env, threads, model, family, data, control, E, Ntrials, offset,
                                 scale, lincomb, num_threads, working_directory, keep, verbose)
    finally:
        if lock is not None:
            lock.release()


def _fit_in_directory(spec, engine, env, threads, model, family, data, control, E, Ntrials, offset, scale,
                      lincomb, num_threads, working_directory, keep, verbose) -> Result:
    """Run one fit in the run directory chosen for ``working_directory``, then clean up."""
    run = prepare_run_directory(working_directory)
    arguments = {
        "model": model,
        "family": family,
        "data": data,
        "control": control,
        "E": E,
        "Ntrials": Ntrials,
        "offset": offset,
        "scale": scale,
        "lincomb": lincomb,
        "num_threads": num_threads,
        "working_directory": working_directory,
        "keep": keep,
        "verbose": verbose,
    }
    # Everything the run may create, relative to the run directory, for clean-up.
    created: List[Path] = [
        Path(CALL_RECORD_FILE),
        Path(TRANSCRIPT_FILE),
        Path(ENGINE_LOG),
        Path(RESULTS_DIR),
        *[Path(RESULTS_DIR) / name for name in result_file_names(len(spec.random))],
        *[Path(RESULTS_DIR) / name for name in OPTIONAL_RESULT_FILES],
    ]
    failed = False
    try:
        write_model_files(spec, run.path, threads, verbose, created)
        command = build_command(engine, threads, verbose)
        record = build_call_record(arguments, threads, command, engine_version(engine, env))
        write_call_record(record, run.path / CALL_RECORD_FILE)

        logger.debug("running %s in %s", shlex.join(command), run.path)
        engine_run = run_engine(command, run.path, env, verbose)
        if engine_run.returncode != 0:
            failed = True
            raise engine_error(engine_run)
        result = _read_run_results(run, record, spec.return_marginals, spec.return_mlik)
    except ResultError:
        failed = True
        raise
    finally:
        _finish_run_directory(run, created, keep=keep, failed=failed)

    result.working_directory = run.path if keep else None
    for message in result.warnings:
        warn_caller(f"pyinla-engine: {message}", RuntimeWarning)
    return result


def _locate_engine():
    # Imported here, not at module level, so that the package imports even before the build
    # has produced this module, and so that tests can replace its functions.
    from pyinla import _engine_path

    return _engine_path.engine_path(), _engine_path.engine_env()


def _read_run_results(
    run: RunDirectory, record: dict, return_marginals: bool, return_mlik: bool
) -> Result:
    try:
        return read_results(
            run.path, call=record, return_marginals=return_marginals, return_mlik=return_mlik
        )
    except ResultError as error:
        raise ResultError(
            f"{error}\nThe engine exited successfully. The run directory {run.path} was kept "
            "for inspection, as it is after every failure even with keep=False."
        ) from error


def _finish_run_directory(
    run: RunDirectory, created: List[Path], *, keep: bool, failed: bool
) -> None:
    if failed:
        logger.warning("run failed; its directory %s was kept for inspection", run.path)
    elif keep:
        logger.info("run directory kept: %s", run.path)
    else:
        remove_run_files(run, created)


def _check_flag(value, name: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
