"""Joint posterior samples of the hyperparameters and the latent field, as R-INLA's inla.posterior.sample."""

from __future__ import annotations

import numbers
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from pyinla.reproduce import rerun
from pyinla.results import Result


def posterior_sample(n, result: Result, seed: int = 1, num_threads=None) -> pd.DataFrame:
    """Draw ``n`` joint samples from the posterior of a fit kept on disk.

    The engine fits the kept inputs again in a temporary directory, which reproduces the fit
    exactly. It draws theta from the integration points by their weights, then the latent field
    from the Gaussian approximation at that point, conditioned on the model's constraints.

    Args:
        n: number of samples, a positive int.
        result: a Result whose run directory is on disk: from ``pyinla(..., keep=True)`` or
            ``pyinla.load(path)``.
        seed: seed of the draws; the same seed gives the same samples.
        num_threads: engine threads; they do not change the samples.

    Returns:
        A DataFrame with one row per sample: ``sample``, ``point`` (the integration point), the
        hyperparameters on the user scale by R-INLA's names, then every latent variable (random
        terms as ``id:level``, then the fixed effects).

    Raises:
        TypeError, ValueError: for an invalid ``n`` or ``seed``, or a result that was not kept.
    """
    for value, name in ((n, "n"), (seed, "seed")):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}.")
    if not isinstance(result, Result):
        raise TypeError(f"result must be a pyinla Result, got {type(result).__name__}.")
    if result.working_directory is None or not Path(result.working_directory).is_dir():
        raise ValueError(
            "result has no run directory on disk: fit with keep=True (or read a kept run with "
            "pyinla.load(path)) to draw posterior samples."
        )

    scratch = Path(tempfile.mkdtemp(prefix="pyinla-samples-"))
    try:
        rerun(result.working_directory, num_threads=num_threads, working_directory=scratch / "run", keep=True,
              engine_arguments=["--samples", str(int(n)), "--seed", str(int(seed))])
        return pd.read_csv(scratch / "run" / "results" / "samples.csv")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
