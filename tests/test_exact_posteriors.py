"""Engine results against posteriors computed independently in closed form with dense numpy algebra.

Gaussian likelihoods with every hyperparameter held fixed have a Gaussian posterior for the latent field, so
each latent model's precision matrix and constraint handling can be checked to rounding error. The
hyperparameter posterior is checked against brute-force quadrature of the exact marginal likelihood.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pyinla import pyinla

pytestmark = pytest.mark.usefixtures("needs_engine")

LOG_TAU_OBS = np.log(4.0)
LOG_TAU_TERM = np.log(2.5)
DIAGONAL = 1e-4  # R-INLA's default for constrained terms


def fixed_prec(log_value):
    return {"prec": {"initial": float(log_value), "fixed": True}}


def first_difference(n, order, cyclic=False):
    stencil = [-1.0, 1.0] if order == 1 else [1.0, -2.0, 1.0]
    rows = n if cyclic else n - order
    d = np.zeros((rows, n))
    for i in range(rows):
        for k, c in enumerate(stencil):
            d[i, (i + k) % n] += c
    return d


def structure(model, n, **options):
    """The precision at tau = 1, built here from the model's definition."""
    if model == "iid":
        return np.eye(n)
    if model in ("rw1", "rw2"):
        d = first_difference(n, 1 if model == "rw1" else 2, options.get("cyclic", False))
        return d.T @ d
    if model == "seasonal":
        m = options["season_length"]
        s = np.zeros((n - m + 1, n))
        for i in range(n - m + 1):
            s[i, i:i + m] = 1.0
        return s.T @ s
    if model == "besag":
        adjacency = options["adjacency"]
        return np.diag(adjacency.sum(axis=1)) - adjacency
    if model == "generic0":
        return options["Cmatrix"]
    raise ValueError(model)


def exact_gaussian_posterior(y, fixed_columns, index, q_term, constraint, tau_obs):
    """Posterior mean and sd of (term block, fixed effects) for a Gaussian likelihood, by dense algebra."""
    n_obs, n_levels = len(y), q_term.shape[0]
    a = np.zeros((n_obs, n_levels + len(fixed_columns)))
    a[np.arange(n_obs), index] = 1.0
    for k, column in enumerate(fixed_columns):
        a[:, n_levels + k] = column
    q = np.zeros((a.shape[1], a.shape[1]))
    q[:n_levels, :n_levels] = q_term
    for k in range(1, len(fixed_columns)):
        q[n_levels + k, n_levels + k] = 0.001  # the intercept (k = 0) has a flat prior
    precision = q + tau_obs * a.T @ a
    covariance = np.linalg.inv(precision)
    mean = covariance @ (tau_obs * a.T @ y)
    if constraint is not None:
        c = np.zeros((1, a.shape[1]))
        c[0, :n_levels] = constraint
        gain = covariance @ c.T @ np.linalg.inv(c @ covariance @ c.T)
        mean = mean - gain @ (c @ mean)
        covariance = covariance - gain @ c @ covariance
    return mean, np.sqrt(np.diag(covariance))


def simulated_data(n_levels, per_level=3, seed=1):
    rng = np.random.default_rng(seed)
    index = np.repeat(np.arange(n_levels), per_level)
    x = rng.normal(size=index.size)
    signal = np.sin(np.arange(n_levels) / 3.0)
    y = 1.0 + 0.5 * x + signal[index] + rng.normal(scale=0.5, size=index.size)
    return pd.DataFrame({"y": y, "x": x, "idx": index + 1})


def ring_adjacency(n):
    adjacency = np.zeros((n, n))
    for i in range(n):
        for j in (i + 1, i + 3):
            adjacency[i, j % n] = adjacency[j % n, i] = 1.0
    return adjacency


LATENT_CASES = [
    ("iid", {}, False),
    ("rw1", {}, True),
    ("rw2", {}, True),
    ("rw1", {"cyclic": True}, True),
    ("rw2", {"cyclic": True}, True),
    ("seasonal", {"season_length": 4}, True),
    ("besag", {"adjacency": ring_adjacency(12)}, True),
    ("generic0", {"Cmatrix": structure("rw1", 12) + 0.5 * np.eye(12)}, False),
]


@pytest.mark.parametrize("model,options,constrained", LATENT_CASES,
                         ids=[f"{m}-{'-'.join(o)}" if o else m for m, o, _ in LATENT_CASES])
def test_fixed_hyperparameters_match_dense_posterior(model, options, constrained):
    n_levels = 12
    df = simulated_data(n_levels)
    term = {"id": "idx", "model": model, "hyper": fixed_prec(LOG_TAU_TERM)}
    if "adjacency" in options:
        term["graph"] = options["adjacency"]
    for key in ("cyclic", "season_length", "Cmatrix"):
        if key in options:
            term[key] = options[key]

    result = pyinla(model={"response": "y", "fixed": ["1", "x"], "random": [term]}, family="gaussian", data=df,
                    control={"family": {"hyper": fixed_prec(LOG_TAU_OBS)}})

    q_term = np.exp(LOG_TAU_TERM) * structure(model, n_levels, **options)
    if constrained:
        q_term = q_term + DIAGONAL * np.eye(n_levels)
    mean, sd = exact_gaussian_posterior(df["y"].to_numpy(), [np.ones(len(df)), df["x"].to_numpy()],
                                        df["idx"].to_numpy() - 1, q_term,
                                        np.ones(n_levels) if constrained else None, np.exp(LOG_TAU_OBS))

    random = result.summary_random["idx"]
    np.testing.assert_allclose(random["mean"].to_numpy(), mean[:n_levels], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(random["sd"].to_numpy(), sd[:n_levels], rtol=1e-6)
    np.testing.assert_allclose(result.summary_fixed["mean"].to_numpy(), mean[n_levels:], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(result.summary_fixed["sd"].to_numpy(), sd[n_levels:], rtol=1e-6)
    # A Gaussian marginal: the quantiles sit at mean -/+ 1.96 sd.
    np.testing.assert_allclose(result.summary_fixed["0.975quant"].to_numpy(),
                               mean[n_levels:] + 1.959963984540054 * sd[n_levels:], rtol=1e-6)


def test_ar1_with_fixed_rho_matches_dense_posterior():
    n_levels = 12
    df = simulated_data(n_levels)
    rho = 0.6
    theta_rho = np.log((1 + rho) / (1 - rho))
    term = {"id": "idx", "model": "ar1",
            "hyper": {"prec": {"initial": LOG_TAU_TERM, "fixed": True},
                      "rho": {"initial": float(theta_rho), "fixed": True}}}
    result = pyinla(model={"response": "y", "fixed": ["1", "x"], "random": [term]}, family="gaussian", data=df,
                    control={"family": {"hyper": fixed_prec(LOG_TAU_OBS)}})

    # Stationary AR(1) with marginal precision tau: Q = tau / (1 - rho^2) * tridiag(-rho; 1, 1 + rho^2, ..., 1).
    q = np.diag(np.r_[1.0, np.full(n_levels - 2, 1 + rho ** 2), 1.0])
    q -= rho * (np.eye(n_levels, k=1) + np.eye(n_levels, k=-1))
    q *= np.exp(LOG_TAU_TERM) / (1 - rho ** 2)
    mean, sd = exact_gaussian_posterior(df["y"].to_numpy(), [np.ones(len(df)), df["x"].to_numpy()],
                                        df["idx"].to_numpy() - 1, q, None, np.exp(LOG_TAU_OBS))
    np.testing.assert_allclose(result.summary_random["idx"]["mean"].to_numpy(), mean[:n_levels], rtol=1e-6)
    np.testing.assert_allclose(result.summary_random["idx"]["sd"].to_numpy(), sd[:n_levels], rtol=1e-6)


def log_marginal_likelihood(y, x, z, log_tau_obs, log_tau_u):
    """log p(y | theta) with u ~ N(0, I/tau_u), beta_x ~ N(0, 1000) and a flat intercept integrated out."""
    n = len(y)
    v = z @ z.T / np.exp(log_tau_u) + np.outer(x, x) / 0.001 + np.eye(n) / np.exp(log_tau_obs)
    chol = np.linalg.cholesky(v)
    solve = lambda b: np.linalg.solve(chol.T, np.linalg.solve(chol, b))
    ones = np.ones(n)
    vy, v1 = solve(y), solve(ones)
    quadratic = y @ vy - (ones @ vy) ** 2 / (ones @ v1)
    log_det = 2 * np.log(np.diag(chol)).sum()
    return -0.5 * (n - 1) * np.log(2 * np.pi) - 0.5 * log_det - 0.5 * np.log(ones @ v1) - 0.5 * quadratic


def loggamma_log_density(theta, shape=1.0, rate=5e-5):
    return shape * np.log(rate) + shape * theta - rate * np.exp(theta)


def test_hyperparameter_posterior_matches_quadrature():
    rng = np.random.default_rng(7)
    levels, per_level = 8, 5
    g = np.repeat(np.arange(levels), per_level)
    x = rng.normal(size=g.size)
    y = 1.0 + 0.5 * x + rng.normal(scale=0.8, size=levels)[g] + rng.normal(scale=0.6, size=g.size)
    df = pd.DataFrame({"y": y, "x": x, "g": g + 1})
    result = pyinla(model={"response": "y", "fixed": ["1", "x"], "random": [{"id": "g", "model": "iid"}]},
                    family="gaussian", data=df)

    # Brute force: the exact log posterior of (log tau_obs, log tau_g) on a fine grid.
    z = np.zeros((g.size, levels))
    z[np.arange(g.size), g] = 1.0
    t_obs = np.linspace(-1.5, 3.5, 161)
    # With eight groups the group precision has a long right tail, cut off only by the prior near log(1/5e-5).
    t_u = np.linspace(-5.0, 15.0, 401)
    log_post = np.array([[log_marginal_likelihood(y, x, z, a, b) + loggamma_log_density(a) + loggamma_log_density(b)
                          for b in t_u] for a in t_obs])
    post = np.exp(log_post - log_post.max())
    # The grid covers the posterior mass.
    assert post[0, :].max() < 1e-6
    assert post[-1, :].max() < 1e-6
    assert post[:, 0].max() < 1e-6
    assert post[:, -1].max() < 1e-6

    def median(theta, marginal):
        # cumsum contains the mass up to the right edge of each grid cell, half a step past its point.
        cdf = np.cumsum(marginal) / marginal.sum()
        return np.interp(0.5, cdf, theta + (theta[1] - theta[0]) / 2)

    obs_median = np.exp(median(t_obs, post.sum(axis=1)))
    u_marginal = post.sum(axis=0)
    u_median = np.exp(median(t_u, u_marginal))
    u_mean = (np.exp(t_u) * u_marginal).sum() / u_marginal.sum()

    hyper = result.summary_hyperpar
    assert hyper.loc["Precision for the Gaussian observations", "0.5quant"] == pytest.approx(obs_median, rel=0.01)
    assert hyper.loc["Precision for g", "0.5quant"] == pytest.approx(u_median, rel=0.02)
    assert hyper.loc["Precision for g", "mean"] == pytest.approx(u_mean, rel=0.05)


def test_poisson_intercept_matches_quadrature():
    # One latent variable and no hyperparameters: the exact posterior is a one-dimensional integral.
    y = np.array([0, 1, 0, 2, 0, 0, 1, 0])
    e = np.array([1.0, 2.0, 0.5, 3.0, 1.0, 0.5, 1.5, 1.0])
    df = pd.DataFrame({"y": y, "e": e})
    results = {strategy: pyinla(model={"response": "y", "fixed": ["1"]}, family="poisson", data=df, E="e",
                                control={"inla": {"strategy": strategy}})
               for strategy in ("gaussian", "simplified.laplace")}

    beta = np.linspace(-4, 2, 20001)
    log_density = y.sum() * beta - e.sum() * np.exp(beta)
    density = np.exp(log_density - log_density.max())
    density /= np.trapezoid(density, beta)
    mean = np.trapezoid(beta * density, beta)
    sd = np.sqrt(np.trapezoid((beta - mean) ** 2 * density, beta))

    # The Gaussian approximation is centred at the mode, the skewness correction moves it towards the mean.
    errors = {s: abs(r.summary_fixed.loc["(Intercept)", "mean"] - mean) / sd for s, r in results.items()}
    assert errors["simplified.laplace"] < 0.05
    assert errors["simplified.laplace"] < errors["gaussian"]
    # Simplified Laplace keeps the Gaussian sd (the curvature at the mode); with 4 events in all it is 6% short.
    assert results["simplified.laplace"].summary_fixed.loc["(Intercept)", "sd"] == pytest.approx(sd, rel=0.10)


def test_binomial_intercept_matches_quadrature():
    y = np.array([2, 0, 1, 3, 0, 1])
    n = np.array([5, 4, 6, 8, 3, 5])
    df = pd.DataFrame({"y": y, "n": n})
    result = pyinla(model={"response": "y", "fixed": ["1"]}, family="binomial", data=df, Ntrials="n")

    beta = np.linspace(-6, 4, 20001)
    log_density = y.sum() * beta - n.sum() * np.log1p(np.exp(beta))
    density = np.exp(log_density - log_density.max())
    density /= np.trapezoid(density, beta)
    mean = np.trapezoid(beta * density, beta)
    sd = np.sqrt(np.trapezoid((beta - mean) ** 2 * density, beta))

    summary = result.summary_fixed.loc["(Intercept)"]
    assert abs(summary["mean"] - mean) / sd < 0.05
    assert summary["sd"] == pytest.approx(sd, rel=0.05)


def test_scale_model_matches_generalised_inverse():
    # scale_model scales R so that the generalised inverse has marginal variances with geometric mean 1.
    n_levels = 12
    df = simulated_data(n_levels)
    term = {"id": "idx", "model": "rw2", "scale_model": True, "hyper": fixed_prec(LOG_TAU_TERM)}
    result = pyinla(model={"response": "y", "fixed": ["1", "x"], "random": [term]}, family="gaussian", data=df,
                    control={"family": {"hyper": fixed_prec(LOG_TAU_OBS)}})

    r = structure("rw2", n_levels)
    scale = np.exp(np.mean(np.log(np.diag(np.linalg.pinv(r)))))
    q_term = np.exp(LOG_TAU_TERM) * scale * r + DIAGONAL * np.eye(n_levels)
    mean, sd = exact_gaussian_posterior(df["y"].to_numpy(), [np.ones(len(df)), df["x"].to_numpy()],
                                        df["idx"].to_numpy() - 1, q_term, np.ones(n_levels), np.exp(LOG_TAU_OBS))
    np.testing.assert_allclose(result.summary_random["idx"]["mean"].to_numpy(), mean[:n_levels], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result.summary_random["idx"]["sd"].to_numpy(), sd[:n_levels], rtol=1e-5)


@pytest.mark.parametrize("model", ["bym", "bym2"])
def test_bym_with_fixed_hyperparameters_matches_dense_posterior(model):
    # bym: x = (u + v, u) with v iid (precision tau_v) and u besag (tau_u R). bym2: x = (b, u) with
    # b = (sqrt(1 - phi) v + sqrt(phi) u) / sqrt(tau) and u besag on the scaled R.
    n = 12
    df = simulated_data(n)
    adjacency = ring_adjacency(n)
    r = structure("besag", n, adjacency=adjacency)
    if model == "bym":
        tau_v, tau_u = 3.0, 1.5
        hyper = {"prec.unstruct": {"initial": math.log(tau_v), "fixed": True},
                 "prec.spatial": {"initial": math.log(tau_u), "fixed": True}}
        q = np.block([[tau_v * np.eye(n), -tau_v * np.eye(n)], [-tau_v * np.eye(n), tau_v * np.eye(n) + tau_u * r]])
    else:
        tau, phi = 2.0, 0.6
        hyper = {"prec": {"initial": math.log(tau), "fixed": True},
                 "phi": {"initial": math.log(phi / (1 - phi)), "fixed": True}}
        scaled = r * np.exp(np.mean(np.log(np.diag(np.linalg.pinv(r)))))
        off = -math.sqrt(phi * tau) / (1 - phi) * np.eye(n)
        q = np.block([[tau / (1 - phi) * np.eye(n), off], [off, scaled + phi / (1 - phi) * np.eye(n)]])
    q = q + DIAGONAL * np.eye(2 * n)

    result = pyinla(model={"response": "y", "fixed": ["1", "x"],
                           "random": [{"id": "idx", "model": model, "graph": adjacency, "hyper": hyper}]},
                    family="gaussian", data=df, control={"family": {"hyper": fixed_prec(LOG_TAU_OBS)}})

    # Observations load the first half; the sum-to-zero constraint acts on the spatial half.
    y, x, index = df["y"].to_numpy(), df["x"].to_numpy(), df["idx"].to_numpy() - 1
    a = np.zeros((len(df), 2 * n + 2))
    a[np.arange(len(df)), index] = 1.0
    a[:, 2 * n] = 1.0
    a[:, 2 * n + 1] = x
    prior = np.zeros((2 * n + 2, 2 * n + 2))
    prior[:2 * n, :2 * n] = q
    prior[2 * n + 1, 2 * n + 1] = 0.001
    covariance = np.linalg.inv(prior + np.exp(LOG_TAU_OBS) * a.T @ a)
    mean = covariance @ (np.exp(LOG_TAU_OBS) * a.T @ y)
    c = np.zeros((1, 2 * n + 2))
    c[0, n:2 * n] = 1.0
    gain = covariance @ c.T @ np.linalg.inv(c @ covariance @ c.T)
    mean = mean - gain @ (c @ mean)
    sd = np.sqrt(np.diag(covariance - gain @ c @ covariance))

    table = result.summary_random["idx"]
    assert len(table) == 2 * n
    np.testing.assert_allclose(table["mean"].to_numpy(), mean[:2 * n], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(table["sd"].to_numpy(), sd[:2 * n], rtol=1e-6)
    np.testing.assert_allclose(result.summary_fixed["mean"].to_numpy(), mean[2 * n:], rtol=1e-6, atol=1e-8)


def test_laplace_strategy_is_exact_for_one_latent_variable():
    # With the intercept alone, x_-i is empty and the Laplace approximation is the exact posterior: it corrects the
    # sd that simplified Laplace leaves at the curvature of the mode.
    y = np.array([0, 1, 0, 2, 0, 0, 1, 0])
    e = np.array([1.0, 2.0, 0.5, 3.0, 1.0, 0.5, 1.5, 1.0])
    result = pyinla(model={"response": "y", "fixed": ["1"]}, family="poisson", data=pd.DataFrame({"y": y, "e": e}),
                    E="e", control={"inla": {"strategy": "laplace"}})
    beta = np.linspace(-4, 2, 20001)
    log_density = y.sum() * beta - e.sum() * np.exp(beta)
    density = np.exp(log_density - log_density.max())
    density /= np.trapezoid(density, beta)
    mean = np.trapezoid(beta * density, beta)
    sd = np.sqrt(np.trapezoid((beta - mean) ** 2 * density, beta))
    summary = result.summary_fixed.loc["(Intercept)"]
    assert abs(summary["mean"] - mean) / sd < 0.002
    assert summary["sd"] == pytest.approx(sd, rel=0.002)


def test_linear_term_own_prior():
    # model='linear' is beta * x with prior N(mean_linear, 1 / prec_linear), reported among the fixed effects.
    df = simulated_data(6)
    linear = pyinla(model={"response": "y", "fixed": ["1"],
                           "random": [{"id": "x", "model": "linear", "mean_linear": 0.2, "prec_linear": 4.0}]},
                    family="gaussian", data=df, control={"family": {"hyper": fixed_prec(LOG_TAU_OBS)}})
    fixed = pyinla(model={"response": "y", "fixed": ["1", "x"]}, family="gaussian", data=df,
                   control={"family": {"hyper": fixed_prec(LOG_TAU_OBS)},
                            "fixed": {"mean": 0.2, "prec": 4.0}})
    np.testing.assert_allclose(linear.summary_fixed.loc["x"].to_numpy(), fixed.summary_fixed.loc["x"].to_numpy(),
                               rtol=1e-12)
    # The prior matters here: with precision 4 around 0.2 the slope is pulled away from the flat-prior value.
    default = pyinla(model={"response": "y", "fixed": ["1", "x"]}, family="gaussian", data=df,
                     control={"family": {"hyper": fixed_prec(LOG_TAU_OBS)}})
    assert linear.summary_fixed.loc["x", "mean"] != pytest.approx(default.summary_fixed.loc["x", "mean"], abs=1e-4)


def test_rw1_on_irregular_values_matches_dense_posterior():
    # Increments x_{i+1} - x_i have variance proportional to the spacing of the locations (relative to the mean
    # spacing), so R = D' diag(mean / d) D; sum-to-zero constraint and R-INLA's diagonal as usual.
    locations = np.array([1.0, 2.0, 4.0, 5.0, 9.0, 10.0, 12.0, 15.0, 16.0, 20.0])
    n = len(locations)
    df = simulated_data(n)
    df["loc"] = locations[df["idx"].to_numpy() - 1]
    result = pyinla(model={"response": "y", "fixed": ["1", "x"],
                           "random": [{"id": "loc", "model": "rw1", "values": locations,
                                       "hyper": fixed_prec(LOG_TAU_TERM)}]},
                    family="gaussian", data=df, control={"family": {"hyper": fixed_prec(LOG_TAU_OBS)}})

    spacing = np.diff(locations)
    d = first_difference(n, 1)
    r = d.T @ np.diag(spacing.mean() / spacing) @ d
    q_term = np.exp(LOG_TAU_TERM) * r + DIAGONAL * np.eye(n)
    mean, sd = exact_gaussian_posterior(df["y"].to_numpy(), [np.ones(len(df)), df["x"].to_numpy()],
                                        df["idx"].to_numpy() - 1, q_term, np.ones(n), np.exp(LOG_TAU_OBS))
    np.testing.assert_allclose(result.summary_random["loc"]["mean"].to_numpy(), mean[:n], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(result.summary_random["loc"]["sd"].to_numpy(), sd[:n], rtol=1e-6)


def test_replicated_rw1_matches_dense_posterior():
    # replicate=: independent copies of the term with a shared precision, each with its own sum-to-zero constraint.
    n, copies = 8, 3
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"t": np.tile(np.repeat(np.arange(1, n + 1), 2), copies),
                       "r": np.repeat(np.arange(copies), 2 * n)})
    df["x"] = rng.normal(size=len(df))
    df["y"] = 1 + 0.5 * df["x"] + np.sin(df["t"] / 2.0 + df["r"]) + rng.normal(scale=0.3, size=len(df))
    result = pyinla(model={"response": "y", "fixed": ["1", "x"],
                           "random": [{"id": "t", "model": "rw1", "replicate": "r", "hyper": fixed_prec(LOG_TAU_TERM)}]},
                    family="gaussian", data=df, control={"family": {"hyper": fixed_prec(LOG_TAU_OBS)}})

    size = n * copies
    q_term = np.kron(np.eye(copies), np.exp(LOG_TAU_TERM) * structure("rw1", n) + DIAGONAL * np.eye(n))
    index = (df["r"] * n + df["t"] - 1).to_numpy()
    a = np.zeros((len(df), size + 2))
    a[np.arange(len(df)), index] = 1.0
    a[:, size] = 1.0
    a[:, size + 1] = df["x"]
    prior = np.zeros((size + 2, size + 2))
    prior[:size, :size] = q_term
    prior[size + 1, size + 1] = 0.001
    covariance = np.linalg.inv(prior + np.exp(LOG_TAU_OBS) * a.T @ a)
    mean = covariance @ (np.exp(LOG_TAU_OBS) * a.T @ df["y"].to_numpy())
    c = np.zeros((copies, size + 2))
    for r in range(copies):
        c[r, r * n:(r + 1) * n] = 1.0
    gain = covariance @ c.T @ np.linalg.inv(c @ covariance @ c.T)
    mean = mean - gain @ (c @ mean)
    sd = np.sqrt(np.diag(covariance - gain @ c @ covariance))

    table = result.summary_random["t"]
    assert len(table) == size
    np.testing.assert_allclose(table["mean"].to_numpy(), mean[:size], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(table["sd"].to_numpy(), sd[:size], rtol=1e-6)


@pytest.mark.parametrize("group_model", ["ar1", "exchangeable"])
def test_grouped_iid_matches_dense_posterior(group_model):
    # group=: Q = kron(group precision, tau I), the group precision the inverse of the AR(1) or exchangeable
    # correlation matrix with correlation rho.
    n, groups, rho = 5, 4, 0.5
    rng = np.random.default_rng(6)
    df = pd.DataFrame({"g": np.tile(np.repeat(np.arange(1, n + 1), 2), groups),
                       "k": np.repeat(np.arange(groups), 2 * n)})
    df["x"] = rng.normal(size=len(df))
    df["y"] = 1 + 0.5 * df["x"] + rng.normal(size=len(df))
    theta_rho = math.log((1 + rho) / (1 - rho))
    term = {"id": "g", "model": "iid", "group": "k", "hyper": fixed_prec(LOG_TAU_TERM),
            "control_group": {"model": group_model, "hyper": {"rho": {"initial": theta_rho, "fixed": True}}}}
    result = pyinla(model={"response": "y", "fixed": ["1", "x"], "random": [term]}, family="gaussian", data=df,
                    control={"family": {"hyper": fixed_prec(LOG_TAU_OBS)}})

    if group_model == "ar1":
        correlation = rho ** np.abs(np.subtract.outer(np.arange(groups), np.arange(groups)))
    else:
        correlation = (1 - rho) * np.eye(groups) + rho * np.ones((groups, groups))
    q_term = np.kron(np.linalg.inv(correlation), np.exp(LOG_TAU_TERM) * np.eye(n))
    index = (df["k"] * n + df["g"] - 1).to_numpy()
    mean, sd = exact_gaussian_posterior(df["y"].to_numpy(), [np.ones(len(df)), df["x"].to_numpy()], index, q_term,
                                        None, np.exp(LOG_TAU_OBS))
    table = result.summary_random["g"]
    assert len(table) == n * groups
    np.testing.assert_allclose(table["mean"].to_numpy(), mean[:n * groups], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(table["sd"].to_numpy(), sd[:n * groups], rtol=1e-6)


def test_bym_mlik_matches_besag_plus_iid():
    # bym on (u + v, u) is besag u plus iid v written another way (a change of variables with Jacobian 1), so with
    # the same priors both give the same posterior and the same log marginal likelihood: bym leaves out log|R|*
    # of its spatial part exactly as besag does.
    from pyinla import datasets

    data = datasets.load("scotland")
    data["Region2"] = data["Region"]
    graph = datasets.graph_path("scotland")
    loggamma = {"prior": "loggamma", "param": [1, 5e-4]}
    bym = pyinla(model={"response": "Counts", "fixed": ["1", "X"],
                        "random": [{"id": "Region", "model": "bym", "graph": graph}]},
                 family="poisson", E="E", data=data)
    pair = pyinla(model={"response": "Counts", "fixed": ["1", "X"],
                         "random": [{"id": "Region", "model": "besag", "graph": graph, "hyper": {"prec": loggamma}},
                                    {"id": "Region2", "model": "iid", "hyper": {"prec": loggamma}}]},
                  family="poisson", E="E", data=data)
    np.testing.assert_allclose(bym.mlik.to_numpy(), pair.mlik.to_numpy(), atol=0.01)
    np.testing.assert_allclose(bym.summary_fixed["mean"], pair.summary_fixed["mean"], atol=1e-3)
