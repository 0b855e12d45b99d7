"""Every family recovers the parameters of data simulated from it.

Each case simulates 600 observations with eta = 0.5 + 0.8 x + u[g] (20 groups, u ~ N(0, 0.3^2)) and the family's
own hyperparameter, fits the same model, and checks that the slope lies within 3 posterior sds of 0.8 and that
the family's hyperparameter has a posterior median within a stated factor of the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pyinla import datasets, pyinla

pytestmark = pytest.mark.usefixtures("needs_engine")

N = 600
SLOPE = 0.8


def simulate(family, seed=11):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=N)
    g = rng.integers(0, 20, N)
    eta = 0.5 + SLOPE * x + rng.normal(scale=0.3, size=20)[g]
    mu, p = np.exp(eta), 1 / (1 + np.exp(-eta))
    df = pd.DataFrame({"x": x, "g": g + 1})
    if family == "nbinomial":
        df["y"] = rng.negative_binomial(5, 5 / (5 + mu))
    elif family == "gamma":
        df["y"] = rng.gamma(shape=4, scale=mu / 4)
    elif family == "beta":
        df["y"] = rng.beta(p * 10, (1 - p) * 10)
    elif family == "t":
        df["y"] = eta + rng.standard_t(5, size=N) * np.sqrt(3 / 5) * 0.5
    elif family == "lognormal":
        df["y"] = np.exp(eta + rng.normal(scale=0.4, size=N))
    elif family == "zeroinflatedpoisson1":
        df["y"] = np.where(rng.random(N) < 0.3, 0, rng.poisson(mu))
    elif family == "zeroinflatedbinomial1":
        df["n"] = rng.integers(1, 10, N)
        df["y"] = np.where(rng.random(N) < 0.2, 0, rng.binomial(df["n"], p))
    elif family in ("exponential", "weibull"):
        shape = 1.0 if family == "exponential" else 1.5
        event_time = (rng.exponential(size=N) / mu) ** (1 / shape)
        censor_time = rng.exponential(scale=3.0, size=N)
        df["y"] = np.minimum(event_time, censor_time)
        df["event"] = (event_time <= censor_time).astype(float)
    return df


# family, hyperparameter row, true value, allowed factor between the posterior median and the truth
CASES = [
    ("nbinomial", "size for the nbinomial observations (1/overdispersion)", 5.0, 1.6),
    ("gamma", "Precision-parameter for the Gamma observations", 4.0, 1.25),
    ("beta", "precision parameter for the beta observations", 10.0, 1.25),
    ("t", "precision for the student-t observations", 4.0, 1.3),
    ("lognormal", "Precision for the lognormal observations", 6.25, 1.25),
    ("zeroinflatedpoisson1", "zero-probability parameter for zero-inflated poisson_1", 0.3, 1.3),
    ("zeroinflatedbinomial1", "zero-probability parameter for zero-inflated binomial_1", 0.2, 1.5),
    ("exponential", None, None, None),
    ("weibull", "alpha parameter for weibull", 1.5, 1.2),
]


@pytest.mark.parametrize("family,hyper,truth,factor", CASES, ids=[c[0] for c in CASES])
def test_family_recovers_simulated_parameters(family, hyper, truth, factor):
    df = simulate(family)
    model = {"response": "y", "fixed": ["1", "x"], "random": [{"id": "g", "model": "iid"}]}
    extra = {}
    if "event" in df:
        model["event"] = "event"
    if "n" in df:
        extra["Ntrials"] = "n"
    result = pyinla(model=model, family=family, data=df, control={"compute": {"dic": True, "cpo": True}}, **extra)

    slope = result.summary_fixed.loc["x"]
    assert abs(slope["mean"] - SLOPE) < 3 * slope["sd"], f"{family}: slope {slope['mean']:.3f} +- {slope['sd']:.3f}"
    if hyper is not None:
        median = result.summary_hyperpar.loc[hyper, "0.5quant"]
        assert truth / factor < median < truth * factor, f"{family}: {hyper} median {median:.3f}, truth {truth}"
    assert np.isfinite(result.dic["dic"])
    assert result.cpo["pit"].dropna().between(0, 1).all()


def test_t_family_starts_far_from_the_data():
    # Seeds counts (up to 55) against the t family's starting precision 1: every residual is an outlier at the
    # start, where the t log-likelihood is not concave. The fit must still reach the mode, and with its large
    # degrees of freedom agree with the Gaussian family.
    data = datasets.load("seeds")
    model = {"response": "r", "fixed": ["1", "x1", "x2"]}
    t_fit = pyinla(model=model, family="t", data=data)
    gaussian_fit = pyinla(model=model, family="gaussian", data=data)
    difference = (t_fit.summary_fixed["mean"] - gaussian_fit.summary_fixed["mean"]).abs()
    assert (difference < 0.5 * gaussian_fit.summary_fixed["sd"]).all(), difference
