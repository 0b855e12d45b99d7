"""Linear predictor, fitted values, DIC, WAIC, CPO and PIT against closed forms.

With a Gaussian likelihood and every hyperparameter held fixed, the posterior of the linear predictor is exactly
Gaussian, so each criterion has a closed form computed here with dense numpy algebra, leave-one-out included.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import pyinla as pyinla_module
from pyinla import datasets, pyinla

pytestmark = pytest.mark.usefixtures("needs_engine")

TAU_OBS = 4.0
TAU_U = 2.5
COMPUTE_ALL = {"predictor": {"compute": True}, "compute": {"dic": True, "waic": True, "cpo": True}}


def normal_cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


@pytest.fixture(scope="module")
def gaussian_case():
    rng = np.random.default_rng(3)
    levels = 6
    g = np.repeat(np.arange(levels), 4)
    x = rng.normal(size=g.size)
    y = 1.0 + 0.5 * x + rng.normal(scale=0.7, size=levels)[g] + rng.normal(scale=0.5, size=g.size)
    y[5] = np.nan  # a missing response is predicted
    df = pd.DataFrame({"y": y, "x": x, "g": g + 1})
    control = {"family": {"hyper": {"prec": {"initial": math.log(TAU_OBS), "fixed": True}}}, **COMPUTE_ALL}
    result = pyinla(model={"response": "y", "fixed": ["1", "x"],
                           "random": [{"id": "g", "model": "iid",
                                       "hyper": {"prec": {"initial": math.log(TAU_U), "fixed": True}}}]},
                    family="gaussian", data=df, control=control)

    # Dense posterior of x = (u, intercept, beta) and of eta = A x.
    a = np.zeros((len(df), levels + 2))
    a[np.arange(len(df)), g] = 1.0
    a[:, levels] = 1.0
    a[:, levels + 1] = x
    q = np.diag(np.r_[np.full(levels, TAU_U), 0.0, 0.001])
    observed = ~np.isnan(y)
    precision = q + TAU_OBS * a[observed].T @ a[observed]
    covariance = np.linalg.inv(precision)
    mean = covariance @ (TAU_OBS * a[observed].T @ y[observed])
    return df, result, a, q, mean, covariance


def test_linear_predictor_matches_dense_posterior(gaussian_case):
    df, result, a, _, mean, covariance = gaussian_case
    eta_mean = a @ mean
    eta_sd = np.sqrt(np.einsum("ij,jk,ik->i", a, covariance, a))
    table = result.summary_linear_predictor
    assert list(table["ID"]) == list(range(1, len(df) + 1))
    np.testing.assert_allclose(table["mean"], eta_mean, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(table["sd"], eta_sd, rtol=1e-6)
    # The missing response (row 6) is predicted like any other row.
    assert table.loc[5, "mean"] == pytest.approx(eta_mean[5], rel=1e-7)
    # Identity link: the fitted values are the linear predictor.
    np.testing.assert_allclose(result.summary_fitted_values["mean"], eta_mean, rtol=1e-7, atol=1e-9)


def observed_predictor(gaussian_case):
    """Return the data, the fit, which rows are observed, and eta's posterior variance and residual on those."""
    df, result, a, _, mean, covariance = gaussian_case
    y = df["y"].to_numpy()
    observed = ~np.isnan(y)
    v = np.einsum("ij,jk,ik->i", a, covariance, a)[observed]
    r = y[observed] - (a @ mean)[observed]
    return df, result, observed, v, r


def test_dic_and_waic_match_closed_form(gaussian_case):
    df, result, observed, v, r = observed_predictor(gaussian_case)
    log_norm = math.log(2 * math.pi / TAU_OBS)

    mean_deviance = np.sum(log_norm + TAU_OBS * (r ** 2 + v))
    deviance_of_mean = np.sum(log_norm + TAU_OBS * r ** 2)
    assert result.dic["mean_deviance"] == pytest.approx(mean_deviance, rel=1e-8)
    assert result.dic["deviance_of_mean"] == pytest.approx(deviance_of_mean, rel=1e-8)
    assert result.dic["dic"] == pytest.approx(2 * mean_deviance - deviance_of_mean, rel=1e-8)

    # lppd_o = log N(y_o; m_o, v_o + 1/tau); Var log p = tau^2/4 Var((y - eta)^2) = tau^2/4 (2 v^2 + 4 r^2 v).
    lppd = np.sum(-0.5 * np.log(2 * math.pi * (v + 1 / TAU_OBS)) - 0.5 * r ** 2 / (v + 1 / TAU_OBS))
    p_waic = np.sum(TAU_OBS ** 2 / 4 * (2 * v ** 2 + 4 * r ** 2 * v))
    assert result.waic["p_eff"] == pytest.approx(p_waic, rel=1e-6)
    assert result.waic["waic"] == pytest.approx(-2 * (lppd - p_waic), rel=1e-6)


def test_local_dic_and_waic_match_closed_form(gaussian_case):
    # Per observation: p_D,o = tau v_o, DIC_o = deviance of the mean + 2 p_D,o, and WAIC_o from the predictive
    # density and the variance of the log density, as in the totals above.
    df, result, observed, v, r = observed_predictor(gaussian_case)
    log_norm = math.log(2 * math.pi / TAU_OBS)

    dic_local, waic_local = result.dic_local, result.waic_local
    assert list(dic_local["ID"]) == list(range(1, len(df) + 1))
    assert dic_local["dic"].isna().to_numpy().tolist() == (~observed).tolist()
    np.testing.assert_allclose(dic_local["p_eff"].to_numpy()[observed], TAU_OBS * v, rtol=1e-6)
    np.testing.assert_allclose(dic_local["dic"].to_numpy()[observed], log_norm + TAU_OBS * (r ** 2 + 2 * v), rtol=1e-7)
    p_waic = TAU_OBS ** 2 / 4 * (2 * v ** 2 + 4 * r ** 2 * v)
    lppd = -0.5 * np.log(2 * math.pi * (v + 1 / TAU_OBS)) - 0.5 * r ** 2 / (v + 1 / TAU_OBS)
    np.testing.assert_allclose(waic_local["p_eff"].to_numpy()[observed], p_waic, rtol=1e-6)
    np.testing.assert_allclose(waic_local["waic"].to_numpy()[observed], -2 * (lppd - p_waic), rtol=1e-6)

    # The shares add up to the totals.
    assert dic_local["dic"].sum() == pytest.approx(result.dic["dic"], rel=1e-10)
    assert waic_local["waic"].sum() == pytest.approx(result.waic["waic"], rel=1e-10)


def test_cpo_and_pit_match_leave_one_out(gaussian_case):
    df, result, a, q, _, _ = gaussian_case
    y = df["y"].to_numpy()
    cpo = result.cpo.set_index("ID")
    for o in np.flatnonzero(~np.isnan(y)):
        keep = ~np.isnan(y)
        keep[o] = False
        covariance = np.linalg.inv(q + TAU_OBS * a[keep].T @ a[keep])
        mean = covariance @ (TAU_OBS * a[keep].T @ y[keep])
        m, v = a[o] @ mean, a[o] @ covariance @ a[o] + 1 / TAU_OBS
        assert cpo.loc[o + 1, "cpo"] == pytest.approx(math.exp(-0.5 * (y[o] - m) ** 2 / v) / math.sqrt(2 * math.pi * v),
                                                      rel=1e-6)
        assert cpo.loc[o + 1, "pit"] == pytest.approx(normal_cdf((y[o] - m) / math.sqrt(v)), rel=1e-6)
        assert cpo.loc[o + 1, "failure"] == 0
    assert math.isnan(cpo.loc[6, "cpo"])  # no CPO for the missing response


def test_poisson_fitted_values_transform_the_predictor():
    result = pyinla(model={"response": "Counts", "fixed": ["1", "X"],
                           "random": [{"id": "Region", "model": "besag", "graph": datasets.graph_path("scotland")}]},
                    family="poisson", data=datasets.load("scotland"), E="E", control=COMPUTE_ALL)
    eta, fitted = result.summary_linear_predictor, result.summary_fitted_values
    # Quantiles map through exp; the mean of exp(eta) exceeds exp of the mean (Jensen).
    np.testing.assert_allclose(fitted["0.5quant"], np.exp(eta["0.5quant"]), rtol=1e-12)
    np.testing.assert_allclose(fitted["0.975quant"], np.exp(eta["0.975quant"]), rtol=1e-12)
    assert (fitted["mean"] > np.exp(eta["mean"])).all()
    # PIT values are probabilities and no leave-one-out failed on these data.
    assert result.cpo["pit"].between(0, 1).all()
    assert (result.cpo["failure"] == 0).all()
    assert result.dic["p_eff"] > 0


def test_unneeded_term_warns_about_its_precision():
    # With a flat prior, the precision of a group effect that the data do not need runs away to a large value;
    # the engine warns with advice, and pyinla() passes the warning on as a Python warning.
    rng = np.random.default_rng(8)
    df = pd.DataFrame({"y": rng.normal(size=60), "g": np.repeat(np.arange(1, 7), 10)})
    with pytest.warns(RuntimeWarning) as caught:
        result = pyinla(model={"response": "y", "fixed": ["1"],
                               "random": [{"id": "g", "model": "iid", "hyper": {"prec": {"prior": "flat"}}}]},
                        family="gaussian", data=df)
    assert any("Precision for g" in str(w.message) and "stronger prior" in str(w.message) for w in caught)
    assert any("Precision for g" in message for message in result.warnings)
    assert np.isfinite(result.summary_fixed["mean"]).all()


def test_lincomb_matches_dense_posterior(gaussian_case):
    # x1 - 2 x (intercept minus twice the slope) and intercept + u_3, against the dense Gaussian posterior.
    df, _, a, q, mean, covariance = gaussian_case
    control = {"family": {"hyper": {"prec": {"initial": math.log(TAU_OBS), "fixed": True}}}}
    result = pyinla(model={"response": "y", "fixed": ["1", "x"],
                           "random": [{"id": "g", "model": "iid",
                                       "hyper": {"prec": {"initial": math.log(TAU_U), "fixed": True}}}]},
                    family="gaussian", data=df, control=control,
                    lincomb={"contrast": {"(Intercept)": 1, "x": -2}, "group 3": {"(Intercept)": 1, "g": {3: 1}}})
    levels = a.shape[1] - 2
    weights = {"contrast": np.zeros(a.shape[1]), "group 3": np.zeros(a.shape[1])}
    weights["contrast"][levels] = 1
    weights["contrast"][levels + 1] = -2
    weights["group 3"][levels] = 1
    weights["group 3"][2] = 1  # level 3 is the third level
    for name, w in weights.items():
        assert result.summary_lincomb.loc[name, "mean"] == pytest.approx(w @ mean, rel=1e-7)
        assert result.summary_lincomb.loc[name, "sd"] == pytest.approx(math.sqrt(w @ covariance @ w), rel=1e-6)
        assert len(result.marginals_lincomb[name]) == 81


def test_lincomb_rejects_unknown_term(gaussian_case):
    df = gaussian_case[0]
    with pytest.raises(ValueError, match="not a fixed effect or random term"):
        pyinla(model={"response": "y", "fixed": ["1", "x"]}, family="gaussian", data=df, lincomb={"bad": {"z": 1}})


def test_predictor_marginals_are_tidy(gaussian_case):
    _, result, _, _, _, _ = gaussian_case
    marginals = result.marginals_linear_predictor
    assert list(marginals.columns) == ["ID", "x", "density"]
    assert sorted(marginals["ID"].unique()) == list(range(1, len(result.summary_linear_predictor) + 1))
    # The marginal functions take one observation's rows, and explain how to select them when given the whole table.
    with pytest.raises(ValueError, match="select one"):
        pyinla_module.zmarginal(marginals)
    summary = pyinla_module.zmarginal(marginals[marginals["ID"] == 1])
    assert summary["mean"] == pytest.approx(result.summary_linear_predictor.loc[0, "mean"], abs=1e-3)
    assert "Deviance information criterion (DIC):" in str(result)


def test_collinear_covariate_warns():
    # x1b = 2 x1: the data cannot tell the two apart, so one of them keeps nearly its prior sd.
    data = datasets.load("seeds")
    data["x1b"] = 2 * data["x1"]
    with pytest.warns(RuntimeWarning, match="close to its prior sd"):
        result = pyinla(model={"response": "r", "fixed": ["1", "x1", "x1b"]}, family="binomial", data=data,
                        Ntrials="n")
    assert any("collinear" in message for message in result.warnings)


def test_intrinsic_term_without_constraint_is_rejected():
    with pytest.raises(ValueError, match="constr=False leaves the rw1 term improper"):
        pyinla(model={"response": "r", "fixed": ["0"], "random": [{"id": "plate", "model": "rw1", "constr": False}]},
               family="binomial", data=datasets.load("seeds"), Ntrials="n")


def test_marginals_random_match_summaries():
    result = pyinla(model={"response": "r", "fixed": ["1"], "random": [{"id": "plate", "model": "iid"}]},
                    family="binomial", data=datasets.load("seeds"), Ntrials="n")
    marginals = result.marginals_random["plate"]
    assert list(marginals.columns) == ["ID", "x", "density"]
    assert marginals["ID"].nunique() == 21
    summary = result.summary_random["plate"]
    for level in (1, 7, 21):
        z = pyinla_module.zmarginal(marginals[marginals["ID"] == level])
        row = summary[summary["ID"] == level].iloc[0]
        assert z["mean"] == pytest.approx(row["mean"], abs=0.01 * row["sd"])
        assert z["0.975quant"] == pytest.approx(row["0.975quant"], abs=0.02 * row["sd"])


@pytest.mark.parametrize("family", ["beta", "t"])
def test_pit_equals_known_cdf(family):
    # With the intercept held at 0.3 by its prior and the family's hyperparameters fixed, leaving an observation
    # out changes nothing, so PIT_i is the family's distribution function at y_i: the regularised incomplete
    # beta function for both families.
    from scipy import stats

    rng = np.random.default_rng(21)
    eta = 0.3
    if family == "beta":
        phi = 8.0
        mu = 1 / (1 + np.exp(-eta))
        y = rng.beta(mu * phi, (1 - mu) * phi, size=40)
        hyper = {"prec": {"initial": np.log(phi), "fixed": True}}
        expected = stats.beta.cdf(y, mu * phi, (1 - mu) * phi)
    else:
        tau, nu = 4.0, 5.0
        y = eta + rng.standard_t(nu, size=40) * np.sqrt((nu - 2) / nu) / np.sqrt(tau)
        hyper = {"prec": {"initial": np.log(tau), "fixed": True}, "dof": {"initial": np.log(nu - 2), "fixed": True}}
        expected = stats.t.cdf((y - eta) * np.sqrt(tau * nu / (nu - 2)), nu)
    with pytest.warns(RuntimeWarning, match="hardly inform"):
        result = pyinla(model={"response": "y", "fixed": ["1"]}, family=family, data=pd.DataFrame({"y": y}),
                        control={"family": {"hyper": hyper}, "compute": {"cpo": True},
                                 "fixed": {"mean_intercept": eta, "prec_intercept": 1e10}})
    np.testing.assert_allclose(result.cpo["pit"].to_numpy(), expected, atol=1e-6)


def test_identity_link_fitted_mode_is_predictor_mode():
    # With the identity link the fitted values are the linear predictor, modes included. The hyperparameters are
    # estimated here, so each marginal is a mixture whose mode must be found between grid points.
    data = pd.DataFrame({"y": np.sin(np.arange(40) / 4.0) + np.random.default_rng(5).normal(scale=0.3, size=40),
                         "t": np.arange(1, 41)})
    result = pyinla(model={"response": "y", "fixed": ["1"], "random": [{"id": "t", "model": "rw1"}]},
                    family="gaussian", data=data, control={"predictor": {"compute": True}})
    predictor, fitted = result.summary_linear_predictor, result.summary_fitted_values
    gap = np.abs(predictor["mode"].to_numpy() - fitted["mode"].to_numpy()) / predictor["sd"].to_numpy()
    assert gap.max() < 1e-3


def test_poisson_predictor_matches_exact_one_dimensional_posterior():
    # eta_i = b + u_i with b held by its prior and u_i ~ N(0, 1/tau) of its own: given y_i alone, the posterior of
    # eta_i is N(b, 1/tau) times the Poisson likelihood, computed here on a fine grid. Small counts make it skewed,
    # which the Gaussian marginal misses.
    b, tau = 0.5, 2.0
    y = np.array([0, 0, 1, 2, 5, 9, 0, 3])
    data = pd.DataFrame({"y": y, "i": np.arange(1, len(y) + 1)})
    with pytest.warns(RuntimeWarning, match="hardly inform"):
        result = pyinla(model={"response": "y", "fixed": ["1"],
                               "random": [{"id": "i", "model": "iid",
                                           "hyper": {"prec": {"initial": math.log(tau), "fixed": True}}}]},
                        family="poisson", data=data, control={"predictor": {"compute": True},
                                                              "fixed": {"mean_intercept": b, "prec_intercept": 1e10}})

    grid = np.linspace(-6, 6, 24001)
    for k, count in enumerate(y):
        log_density = -0.5 * tau * (grid - b) ** 2 + count * grid - np.exp(grid)
        density = np.exp(log_density - log_density.max())
        density /= density.sum()
        mean = np.sum(grid * density)
        sd = math.sqrt(np.sum((grid - mean) ** 2 * density))
        median = grid[np.searchsorted(np.cumsum(density), 0.5)]
        row = result.summary_linear_predictor.iloc[k]
        assert abs(row["mean"] - mean) < 0.002 * sd, (count, row["mean"], mean)
        assert row["sd"] == pytest.approx(sd, rel=0.002), count
        assert abs(row["0.5quant"] - median) < 0.01 * sd, (count, row["0.5quant"], median)
        assert result.summary_fitted_values.iloc[k]["mean"] == pytest.approx(np.sum(np.exp(grid) * density), rel=1e-3)
