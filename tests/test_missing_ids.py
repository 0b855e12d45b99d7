"""A missing (NaN) id in a random term: the term does not apply to that row, as NA in R-INLA's f().

Checked against dense Gaussian posteriors with every hyperparameter fixed, where the rows without an id have no
entry of the term in their row of A.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pyinla import pyinla

pytestmark = pytest.mark.usefixtures("needs_engine")

LOG_TAU_OBS = math.log(4.0)
LOG_TAU_TERM = math.log(2.5)


def fixed(value):
    return {"initial": float(value), "fixed": True}


def dense_posterior(y, a, q):
    tau = math.exp(LOG_TAU_OBS)
    covariance = np.linalg.inv(q + tau * a.T @ a)
    return covariance @ (tau * a.T @ y), np.sqrt(np.diag(covariance))


def test_rows_without_an_id_leave_the_term_out():
    rng = np.random.default_rng(4)
    n = 8
    g = np.repeat(np.arange(n), 3).astype(float)
    g[::4] = np.nan  # every fourth row has no level
    df = pd.DataFrame({"g": g + 1, "y": 1.0 + rng.normal(size=len(g))})
    result = pyinla(model={"response": "y", "fixed": ["1"],
                           "random": [{"id": "g", "model": "iid", "hyper": {"prec": fixed(LOG_TAU_TERM)}}]},
                    family="gaussian", data=df, control={"family": {"hyper": {"prec": fixed(LOG_TAU_OBS)}}})

    used = ~np.isnan(g)
    a = np.zeros((len(g), n + 1))
    a[np.flatnonzero(used), g[used].astype(int)] = 1.0
    a[:, n] = 1.0
    q = np.diag(np.r_[np.full(n, math.exp(LOG_TAU_TERM)), 0.0])
    mean, sd = dense_posterior(df["y"].to_numpy(), a, q)

    np.testing.assert_allclose(result.summary_random["g"]["mean"].to_numpy(), mean[:n], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(result.summary_random["g"]["sd"].to_numpy(), sd[:n], rtol=1e-6)
    np.testing.assert_allclose(result.summary_fixed["mean"].to_numpy(), mean[n:], rtol=1e-6)


def test_copy_shared_between_row_blocks():
    # R-INLA's joint model of two outcomes: the first block of rows uses u, the second beta * u through a copy,
    # each with NaN in the other term's id.
    rng = np.random.default_rng(7)
    n, beta = 6, 0.7
    levels = np.tile(np.arange(1, n + 1), 2).astype(float)
    first = np.arange(2 * n) < n
    df = pd.DataFrame({"u": np.where(first, levels, np.nan), "c": np.where(first, np.nan, levels),
                       "y": rng.normal(size=2 * n)})
    result = pyinla(model={"response": "y", "fixed": ["1"],
                           "random": [{"id": "u", "model": "iid", "hyper": {"prec": fixed(LOG_TAU_TERM)}},
                                      {"id": "c", "model": "copy", "copy": "u", "hyper": {"beta": fixed(beta)}}]},
                    family="gaussian", data=df, control={"family": {"hyper": {"prec": fixed(LOG_TAU_OBS)}}})

    a = np.zeros((2 * n, n + 1))
    a[np.arange(2 * n), levels.astype(int) - 1] = np.where(first, 1.0, beta)
    a[:, n] = 1.0
    q = np.diag(np.r_[np.full(n, math.exp(LOG_TAU_TERM)), 0.0])
    mean, sd = dense_posterior(df["y"].to_numpy(), a, q)

    np.testing.assert_allclose(result.summary_random["u"]["mean"].to_numpy(), mean[:n], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.summary_random["u"]["sd"].to_numpy(), sd[:n], rtol=1e-5)
    np.testing.assert_allclose(result.summary_random["c"]["mean"].to_numpy(), beta * mean[:n], rtol=1e-5, atol=1e-6)


def test_weights_multiply_the_term_in_each_row():
    # A random slope: eta = 1 + w_i u[g_i], R-INLA's f(g, w, model="iid"). Rows without an id need no weight.
    rng = np.random.default_rng(9)
    n = 5
    g = np.repeat(np.arange(n), 4).astype(float)
    w = rng.normal(size=g.size)
    g[3], w[3] = np.nan, np.nan
    df = pd.DataFrame({"g": g + 1, "w": w, "y": 1.0 + rng.normal(size=g.size)})
    result = pyinla(model={"response": "y", "fixed": ["1"],
                           "random": [{"id": "g", "model": "iid", "weights": "w",
                                       "hyper": {"prec": fixed(LOG_TAU_TERM)}}]},
                    family="gaussian", data=df, control={"family": {"hyper": {"prec": fixed(LOG_TAU_OBS)}}})

    used = ~np.isnan(g)
    a = np.zeros((g.size, n + 1))
    a[np.flatnonzero(used), g[used].astype(int)] = w[used]
    a[:, n] = 1.0
    q = np.diag(np.r_[np.full(n, math.exp(LOG_TAU_TERM)), 0.0])
    mean, sd = dense_posterior(df["y"].to_numpy(), a, q)
    np.testing.assert_allclose(result.summary_random["g"]["mean"].to_numpy(), mean[:n], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(result.summary_random["g"]["sd"].to_numpy(), sd[:n], rtol=1e-6)


def test_missing_weight_on_a_used_row_is_rejected():
    df = pd.DataFrame({"g": [1, 2, 1, 2], "w": [0.5, np.nan, 1.0, 2.0], "y": [0.1, 0.3, 0.2, 0.5]})
    with pytest.raises(ValueError, match=r"\['weights'\] \(column 'w'\) has a missing value at position 1"):
        pyinla(model={"response": "y", "fixed": ["1"], "random": [{"id": "g", "model": "iid", "weights": "w"}]},
               family="gaussian", data=df)
