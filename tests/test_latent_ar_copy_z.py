"""The ar(p), copy and z latent models and rw2 on irregular locations, against dense posteriors.

Every check here keeps the hyperparameters fixed (except where beta is estimated), so the posterior of the latent
field is Gaussian and each model's precision matrix is checked against one built independently with numpy from
the model's definition.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pyinla import datasets, pyinla

pytestmark = pytest.mark.usefixtures("needs_engine")

LOG_TAU_OBS = math.log(4.0)
LOG_TAU_TERM = math.log(2.5)
TIE_PRECISION = 1e8  # R-INLA's default for copy and z


def fixed(value):
    return {"initial": float(value), "fixed": True}


def gaussian_fit(df, random, fixed_effects=("1",)):
    return pyinla(model={"response": "y", "fixed": list(fixed_effects), "random": random}, family="gaussian",
                  data=df, control={"family": {"hyper": {"prec": fixed(LOG_TAU_OBS)}}})


def dense_posterior(y, a, q):
    """Mean and sd of the Gaussian posterior of x given y ~ N(A x, I / tau_obs) and x ~ N(0, Q^-1)."""
    tau = math.exp(LOG_TAU_OBS)
    covariance = np.linalg.inv(q + tau * a.T @ a)
    return covariance @ (tau * a.T @ y), covariance


def one_hot(index, n):
    a = np.zeros((len(index), n))
    a[np.arange(len(index)), index] = 1.0
    return a


def with_flat_intercept(a, q):
    """Append an intercept column to A (all ones) with R-INLA's flat prior (precision 0) to Q."""
    a = np.hstack([a, np.ones((a.shape[0], 1))])
    q = np.pad(q, ((0, 1), (0, 1)))
    return a, q


# ---------------------------------------------------------------------------------------------------------------
# ar(p)

def ar_autocovariance(phi, lags):
    """Autocovariance of a causal AR(p) with unit innovation variance, from its MA(infinity) weights."""
    weights = np.zeros(4000)
    weights[0] = 1.0
    for t in range(1, len(weights)):
        weights[t] = sum(phi[j] * weights[t - 1 - j] for j in range(min(len(phi), t)))
    return np.array([weights[:len(weights) - h] @ weights[h:] for h in range(lags)])


def pacf_to_phi(pacf):
    """Durbin-Levinson: AR coefficients with the given partial autocorrelations."""
    phi = []
    for k, psi in enumerate(pacf):
        phi = [phi[j] - psi * phi[k - 1 - j] for j in range(k)] + [psi]
    return np.array(phi)


@pytest.mark.parametrize("pacf", [[0.8], [0.7, -0.4], [0.5, 0.3, -0.6]], ids=["p1", "p2", "p3"])
def test_ar_matches_inverse_toeplitz_covariance(pacf):
    n = 15
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"t": np.repeat(np.arange(1, n + 1), 2)})
    df["y"] = np.sin(df["t"] / 2.0) + rng.normal(scale=0.5, size=len(df))
    hyper = {"prec": fixed(LOG_TAU_TERM)}
    for k, psi in enumerate(pacf, start=1):
        hyper[f"pacf{k}"] = fixed(math.log((1 + psi) / (1 - psi)))
    result = gaussian_fit(df, [{"id": "t", "model": "ar", "order": len(pacf), "hyper": hyper}])

    # The marginal precision is tau: the covariance is the autocorrelation matrix divided by tau.
    gamma = ar_autocovariance(pacf_to_phi(pacf), n)
    correlation = gamma[np.abs(np.subtract.outer(np.arange(n), np.arange(n)))] / gamma[0]
    q = math.exp(LOG_TAU_TERM) * np.linalg.inv(correlation)
    a, q = with_flat_intercept(one_hot(df["t"].to_numpy() - 1, n), q)
    mean, covariance = dense_posterior(df["y"].to_numpy(), a, q)

    table = result.summary_random["t"]
    np.testing.assert_allclose(table["mean"].to_numpy(), mean[:n], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(table["sd"].to_numpy(), np.sqrt(np.diag(covariance))[:n], rtol=1e-5)


def test_ar_order_one_is_ar1():
    n, rho = 12, 0.6
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"t": np.arange(1, n + 1), "y": rng.normal(size=n)})
    theta = math.log((1 + rho) / (1 - rho))
    ar = gaussian_fit(df, [{"id": "t", "model": "ar", "order": 1,
                            "hyper": {"prec": fixed(LOG_TAU_TERM), "pacf1": fixed(theta)}}])
    ar1 = gaussian_fit(df, [{"id": "t", "model": "ar1", "hyper": {"prec": fixed(LOG_TAU_TERM), "rho": fixed(theta)}}])
    np.testing.assert_allclose(ar.summary_random["t"]["mean"], ar1.summary_random["t"]["mean"], rtol=1e-8)
    np.testing.assert_allclose(ar.summary_random["t"]["sd"], ar1.summary_random["t"]["sd"], rtol=1e-8)


def test_ar_recovers_simulated_partial_autocorrelations():
    # A long AR(2) series observed with little noise: the posterior of each PACF covers the truth.
    rng = np.random.default_rng(11)
    pacf = [0.6, -0.5]
    phi = pacf_to_phi(pacf)
    n = 400
    x = np.zeros(n + 100)
    for t in range(2, len(x)):
        x[t] = phi[0] * x[t - 1] + phi[1] * x[t - 2] + rng.normal()
    df = pd.DataFrame({"t": np.arange(1, n + 1), "y": x[100:] + rng.normal(scale=0.1, size=n)})
    result = pyinla(model={"response": "y", "fixed": ["1"], "random": [{"id": "t", "model": "ar", "order": 2}]},
                    family="gaussian", data=df)
    hyper = result.summary_hyperpar
    assert list(hyper.index[1:]) == ["Precision for t", "PACF1 for t", "PACF2 for t"]
    for k, truth in enumerate(pacf, start=1):
        row = hyper.loc[f"PACF{k} for t"]
        assert row["0.025quant"] < truth < row["0.975quant"]
        assert abs(row["mean"] - truth) < 0.1


# ---------------------------------------------------------------------------------------------------------------
# copy

def copy_data(n=10, seed=5):
    # Each observation uses level i of the source and, through the copy, level j = i + 3 (mod n).
    rng = np.random.default_rng(seed)
    i = np.repeat(np.arange(n), 3)
    df = pd.DataFrame({"u": i + 1, "c": (i + 3) % n + 1})
    df["y"] = 1.0 + np.cos(i / 2.0) + rng.normal(scale=0.5, size=len(df))
    return df


def test_copy_with_fixed_beta_matches_dense_posterior():
    n, beta = 10, 0.7
    df = copy_data(n)
    result = gaussian_fit(df, [{"id": "u", "model": "iid", "hyper": {"prec": fixed(LOG_TAU_TERM)}},
                               {"id": "c", "model": "copy", "copy": "u", "hyper": {"beta": fixed(beta)}}])

    # The copy is beta * u exactly, so eta = 1 + u_i + beta u_j.
    a = one_hot(df["u"].to_numpy() - 1, n) + beta * one_hot(df["c"].to_numpy() - 1, n)
    a, q = with_flat_intercept(a, math.exp(LOG_TAU_TERM) * np.eye(n))
    mean, covariance = dense_posterior(df["y"].to_numpy(), a, q)
    sd = np.sqrt(np.diag(covariance))

    source, copy = result.summary_random["u"], result.summary_random["c"]
    assert list(copy["ID"]) == list(source["ID"])
    np.testing.assert_allclose(source["mean"].to_numpy(), mean[:n], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(source["sd"].to_numpy(), sd[:n], rtol=1e-5)
    np.testing.assert_allclose(copy["mean"].to_numpy(), beta * mean[:n], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(copy["sd"].to_numpy(), beta * sd[:n], rtol=1e-4)


def test_copy_beta_defaults_to_fixed_one():
    df = copy_data()
    result = gaussian_fit(df, [{"id": "u", "model": "iid"}, {"id": "c", "model": "copy", "copy": "u"}])
    assert "Beta for c" not in result.summary_hyperpar.index
    np.testing.assert_allclose(result.summary_random["c"]["mean"], result.summary_random["u"]["mean"], atol=1e-6)


def test_copy_estimates_beta():
    # y = u_i + 2 u_j + noise over random pairs (i, j): beta is identified and estimated near 2.
    rng = np.random.default_rng(8)
    n, m = 30, 300
    u = rng.normal(size=n)
    i, j = rng.integers(n, size=m), rng.integers(n, size=m)
    df = pd.DataFrame({"u": i + 1, "c": j + 1, "y": u[i] + 2.0 * u[j] + rng.normal(scale=0.3, size=m)})
    df = pd.concat([df, pd.DataFrame({"u": np.arange(1, n + 1), "c": np.arange(1, n + 1), "y": np.nan})])
    result = pyinla(model={"response": "y", "fixed": ["1"],
                           "random": [{"id": "u", "model": "iid"},
                                      {"id": "c", "model": "copy", "copy": "u", "hyper": {"beta": {"fixed": False}}}]},
                    family="gaussian", data=df)
    row = result.summary_hyperpar.loc["Beta for c"]
    assert row["0.025quant"] < 2.0 < row["0.975quant"]
    assert abs(row["mean"] - 2.0) < 0.15


def test_copy_errors_name_the_argument():
    df = copy_data()
    with pytest.raises(ValueError, match=r"model\['random'\]\[1\]\['copy'\]='v' names no other random term"):
        gaussian_fit(df, [{"id": "u", "model": "iid"}, {"id": "c", "model": "copy", "copy": "v"}])
    df["c"] = df["c"] + 100
    with pytest.raises(ValueError, match="not a level of the copied term 'u'"):
        gaussian_fit(df, [{"id": "u", "model": "iid"}, {"id": "c", "model": "copy", "copy": "u"}])


# ---------------------------------------------------------------------------------------------------------------
# z

def test_z_matches_dense_posterior():
    n, m = 24, 4
    rng = np.random.default_rng(6)
    z_matrix = rng.normal(size=(n, m))
    df = pd.DataFrame({"row": np.arange(1, n + 1)})
    df["y"] = 1.0 + z_matrix @ np.array([1.0, -0.5, 0.0, 0.8]) + rng.normal(scale=0.5, size=n)
    result = gaussian_fit(df, [{"id": "row", "model": "z", "Z": z_matrix, "hyper": {"prec": fixed(LOG_TAU_TERM)}}])

    a, q = with_flat_intercept(z_matrix, math.exp(LOG_TAU_TERM) * np.eye(m))
    mean, covariance = dense_posterior(df["y"].to_numpy(), a, q)
    v_covariance = z_matrix @ covariance[:m, :m] @ z_matrix.T

    table = result.summary_random["row"]
    assert len(table) == n + m
    np.testing.assert_allclose(table["mean"].to_numpy()[n:], mean[:m], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(table["sd"].to_numpy()[n:], np.sqrt(np.diag(covariance))[:m], rtol=1e-5)
    np.testing.assert_allclose(table["mean"].to_numpy()[:n], z_matrix @ mean[:m], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(table["sd"].to_numpy()[:n], np.sqrt(np.diag(v_covariance)), rtol=1e-4)


def test_z_with_indicator_columns_is_iid():
    # Z = the indicator matrix of a grouping gives the iid model of the groups, hyperparameters included.
    rng = np.random.default_rng(9)
    groups = np.repeat(np.arange(6), 4)
    df = pd.DataFrame({"row": np.arange(1, len(groups) + 1), "g": groups + 1})
    df["y"] = rng.normal(size=6)[groups] + rng.normal(scale=0.5, size=len(groups))
    z_fit = pyinla(model={"response": "y", "fixed": ["1"],
                          "random": [{"id": "row", "model": "z", "Z": one_hot(groups, 6)}]}, family="gaussian", data=df)
    iid_fit = pyinla(model={"response": "y", "fixed": ["1"], "random": [{"id": "g", "model": "iid"}]},
                     family="gaussian", data=df)
    np.testing.assert_allclose(z_fit.summary_random["row"]["mean"].to_numpy()[-6:],
                               iid_fit.summary_random["g"]["mean"].to_numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(z_fit.summary_hyperpar["0.5quant"].to_numpy(),
                               iid_fit.summary_hyperpar["0.5quant"].to_numpy(), rtol=1e-3)


def test_z_indicator_matches_iid_poisson():
    # The same on epil's seizure counts with a patient indicator Z (236 x 59): the stiff tie v = Z z must not stop
    # Newton's method short of the mode, and the fit must match iid(Ind).
    data = datasets.load("epil")
    data["log_base4"] = np.log(data["Base"] / 4)
    data["row"] = np.arange(1, len(data) + 1)
    patients = np.unique(data["Ind"])
    z_matrix = (data["Ind"].to_numpy()[:, None] == patients[None, :]).astype(float)
    fixed_effects = ["1", "log_base4", "Trt", "V4"]
    z_fit = pyinla(model={"response": "y", "fixed": fixed_effects,
                          "random": [{"id": "row", "model": "z", "Z": z_matrix}]}, family="poisson", data=data)
    iid_fit = pyinla(model={"response": "y", "fixed": fixed_effects, "random": [{"id": "Ind", "model": "iid"}]},
                     family="poisson", data=data)
    np.testing.assert_allclose(z_fit.summary_fixed["mean"], iid_fit.summary_fixed["mean"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(z_fit.summary_fixed["sd"], iid_fit.summary_fixed["sd"], rtol=1e-4)
    np.testing.assert_allclose(z_fit.summary_hyperpar["0.5quant"].to_numpy(),
                               iid_fit.summary_hyperpar["0.5quant"].to_numpy(), rtol=1e-4)


# ---------------------------------------------------------------------------------------------------------------
# rw2 on irregular locations

LOCATIONS = np.array([0.0, 1.0, 1.5, 4.0, 5.0, 8.0, 8.5, 9.0, 12.0, 15.0])


def irregular_rw2_structure(s):
    """Second divided differences weighted by the local spacing, in units of the mean spacing."""
    h = (s[-1] - s[0]) / (len(s) - 1)
    d = np.diff(s) / h
    rows = np.zeros((len(s) - 2, len(s)))
    for i in range(1, len(s) - 1):
        weight = 1.0 / math.sqrt((d[i - 1] + d[i]) / 2.0)
        rows[i - 1, i - 1:i + 2] = weight * np.array([1 / d[i - 1], -(1 / d[i - 1] + 1 / d[i]), 1 / d[i]])
    return rows.T @ rows


def test_rw2_on_irregular_values_matches_dense_posterior():
    n = len(LOCATIONS)
    rng = np.random.default_rng(12)
    df = pd.DataFrame({"s": np.repeat(LOCATIONS, 2)})
    df["y"] = np.sin(df["s"] / 3.0) + rng.normal(scale=0.5, size=len(df))
    result = gaussian_fit(df, [{"id": "s", "model": "rw2", "values": LOCATIONS,
                                "hyper": {"prec": fixed(LOG_TAU_TERM)}}])

    q = math.exp(LOG_TAU_TERM) * irregular_rw2_structure(LOCATIONS) + 1e-4 * np.eye(n)
    a, q = with_flat_intercept(one_hot(np.searchsorted(LOCATIONS, df["s"]), n), q)
    mean, covariance = dense_posterior(df["y"].to_numpy(), a, q)
    # The sum-to-zero constraint, by conditioning.
    c = np.r_[np.ones(n), 0.0][None, :]
    gain = covariance @ c.T / (c @ covariance @ c.T)
    mean = mean - gain @ (c @ mean)
    covariance = covariance - gain @ c @ covariance

    table = result.summary_random["s"]
    np.testing.assert_allclose(table["mean"].to_numpy(), mean[:n], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(table["sd"].to_numpy(), np.sqrt(np.diag(covariance))[:n], rtol=1e-5)


def test_rw2_irregular_fits_lines_exactly():
    # A straight line in s is in the null space of the irregular rw2, so a stiff rw2 still fits it exactly.
    # Treating the levels as equally spaced would bend the fit.
    df = pd.DataFrame({"s": LOCATIONS, "y": 2.0 + 0.3 * LOCATIONS})
    stiff = {"prec": fixed(math.log(1e4))}
    result = pyinla(model={"response": "y", "fixed": ["1"],
                           "random": [{"id": "s", "model": "rw2", "values": LOCATIONS, "hyper": stiff}]},
                    family="gaussian", data=df, control={"family": {"hyper": {"prec": fixed(math.log(1e6))}}})
    fitted = result.summary_fixed["mean"].iloc[0] + result.summary_random["s"]["mean"].to_numpy()
    np.testing.assert_allclose(fitted, df["y"].to_numpy(), atol=1e-3)


@pytest.mark.parametrize("term, message", [
    ({"id": "t", "model": "ar"}, r"uses model 'ar', which needs the key 'order'"),
    ({"id": "t", "model": "ar", "order": 11}, r"\['order'\]=11 must be an integer from 1 to 10"),
    ({"id": "t", "model": "ar", "order": 2, "hyper": {"pacf3": {"initial": 0}}}, r"pacf3"),
    ({"id": "t", "model": "z", "Z": "matrix"}, r"\['Z'\] must be a numpy array"),
    ({"id": "t", "model": "z", "Z": np.ones((3, 2)), "precision": -1}, r"\['precision'\]=-1 must be a positive"),
    ({"id": "t", "model": "iid", "order": 2}, r"\['order'\] does not apply to model 'iid'"),
    ({"id": "t", "model": "ar", "order": 1, "scale_model": True}, r"\['scale_model'\] does not apply to model 'ar'"),
], ids=["ar_without_order", "ar_order_too_high", "ar_pacf_beyond_order", "z_not_matrix", "z_precision", "order_on_iid",
        "scale_model_on_ar"])
def test_bad_settings_name_the_argument(term, message):
    df = pd.DataFrame({"t": [1, 2, 3], "y": [0.1, 0.5, 0.2]})
    with pytest.raises((ValueError, TypeError), match=message):
        pyinla(model={"response": "y", "fixed": ["1"], "random": [term]}, family="gaussian", data=df)


def test_lincomb_after_z_term():
    # The z block is n + m long, so the fixed effects after it sit m places further on.
    # z's coefficients are levels n + 1 .. n + m.
    n, m = 20, 3
    rng = np.random.default_rng(13)
    df = pd.DataFrame({"row": np.arange(1, n + 1), "x": rng.normal(size=n)})
    df["y"] = 1.0 + 0.5 * df["x"] + rng.normal(size=n)
    result = pyinla(model={"response": "y", "fixed": ["1", "x"],
                           "random": [{"id": "row", "model": "z", "Z": rng.normal(size=(n, m))}]},
                    family="gaussian", data=df,
                    lincomb={"x only": {"x": 1}, "first z": {"row": {n + 1: 1}}})
    combinations = result.summary_lincomb
    assert combinations.loc["x only", "mean"] == pytest.approx(result.summary_fixed.loc["x", "mean"], rel=1e-6)
    assert combinations.loc["first z", "mean"] == pytest.approx(result.summary_random["row"]["mean"].iloc[n],
                                                                rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("source, message", [
    ({"id": "u", "model": "bym2", "graph": np.ones((2, 2)) - np.eye(2)}, "copying a bym2 term is not supported"),
    ({"id": "u", "model": "z", "Z": np.eye(2)}, "copying a z term is not supported"),
], ids=["bym2", "z"])
def test_copy_of_a_two_part_block_is_rejected(source, message):
    df = pd.DataFrame({"u": [1, 2, 1, 2], "c": [2, 1, 2, 1], "y": [0.1, 0.4, 0.2, 0.3]})
    with pytest.raises(ValueError, match=message):
        gaussian_fit(df, [source, {"id": "c", "model": "copy", "copy": "u"}])


def test_copy_of_a_copy_is_rejected():
    df = copy_data()
    df["d"] = df["c"]
    with pytest.raises(ValueError, match="copy the term it copies"):
        gaussian_fit(df, [{"id": "u", "model": "iid"}, {"id": "c", "model": "copy", "copy": "u"},
                          {"id": "d", "model": "copy", "copy": "c"}])


def test_sparse_z_with_repeated_entries_adds_them():
    # scipy sums repeated (i, j) entries of a COO matrix; the fit must equal the one on the summed dense matrix.
    sparse = pytest.importorskip("scipy.sparse")
    rows, cols = np.array([0, 0, 1, 2, 3, 3]), np.array([0, 0, 1, 0, 1, 1])
    values = np.array([0.5, 0.5, 1.0, 1.0, 0.25, 0.75])
    z_sparse = sparse.coo_matrix((values, (rows, cols)), shape=(4, 2))
    df = pd.DataFrame({"row": [1, 2, 3, 4], "y": [0.3, -0.2, 0.8, 0.1]})
    fits = [gaussian_fit(df, [{"id": "row", "model": "z", "Z": z, "hyper": {"prec": fixed(LOG_TAU_TERM)}}])
            for z in (z_sparse, z_sparse.toarray())]
    np.testing.assert_allclose(fits[0].summary_random["row"]["mean"], fits[1].summary_random["row"]["mean"])


def test_copy_precision_does_not_move_the_marginal_likelihood():
    # The copy's quadratic form is computed from its residual, so a stiffer tie changes nothing but rounding.
    df = copy_data()
    mliks = [gaussian_fit(df, [{"id": "u", "model": "iid", "hyper": {"prec": fixed(LOG_TAU_TERM)}},
                               {"id": "c", "model": "copy", "copy": "u", "precision": precision}]).mlik.iloc[1]
             for precision in (1e6, 1e8, 1e10)]
    assert max(mliks) - min(mliks) < 1e-3, mliks
