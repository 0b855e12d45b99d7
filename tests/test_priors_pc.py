"""The PC priors pc.mgamma, pc.dof, pc.alphaw and pc.cor0, and the family defaults that use them.

Each fit has one free hyperparameter theta and a likelihood p(y | theta) that scipy computes on its own. The
intercept is either held at a known value by a prior precision of 1e8 (its Laplace approximation then moves
log p(y | theta) by less than 1e-6 in these fits) or integrated exactly (Gaussian), and every other
hyperparameter is fixed. The engine writes log pi(theta) + log p(y | theta) at each integration point
(``theta_points``), so subtracting log p(y | theta) leaves the engine's own log prior, normalising constant
included. The reference densities below follow the PC construction of Simpson et al. (2017): an exponential
prior on the distance d(theta), taken from its closed form, with d d / d theta by the complex step. So they share
no Jacobian and no series with the engine. The references are checked to be normalised and to have the stated
(u, alpha) meaning.
"""

from __future__ import annotations

import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

from pyinla import pyinla
from pyinla.model_file import write_model_files
from pyinla.priors import DEFAULT_PARAM, ENGINE_DEFAULT_PRIOR, PRIORS_ALLOWED, validate_hyper
from pyinla.validation import validate_call

# The intercept's prior precision, which keeps it at its prior mean.
HELD_INTERCEPT_PRECISION = 1e8
COMPLEX_STEP = 1e-20
# Precision of the log densities that the engine writes, and of the references where their closed forms hold.
LOG_DENSITY_TOLERANCE = 1e-5


def fit_quietly(**arguments):
    """Fit, ignoring the engine's warning that the held intercept learned nothing from the data."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*hardly inform.*")
        return pyinla(**arguments)


def intercept_held_at(mean):
    return {"mean_intercept": float(mean), "prec_intercept": HELD_INTERCEPT_PRECISION}


def derivative(function, theta):
    """d function / d theta by the complex step, exact to rounding for analytic functions."""
    return np.imag(function(np.asarray(theta, dtype=float) + 1j * COMPLEX_STEP)) / COMPLEX_STEP


def real(function, theta):
    return np.real(function(np.asarray(theta, dtype=float) + 0j))


# --- reference densities of theta on the internal scale ---------------------------------------------------------

def mgamma_distance(theta):
    """d for the negative binomial size b = exp(theta): KLD of Gamma(b, b) from a point mass, log b - digamma(b)."""
    return np.sqrt(2 * (theta - special.psi(np.exp(theta))))


def log_pc_mgamma(theta, lam=7.0):
    return np.log(lam) - lam * real(mgamma_distance, theta) + np.log(np.abs(derivative(mgamma_distance, theta)))


def t_distance(theta):
    """d for nu = 2 + exp(theta): KLD of the unit-variance Student-t from N(0, 1) through the t's entropy.

    The closed form cancels to about 1e-16 nu^2 relative accuracy, so it serves up to nu of about 1000.
    """
    nu = 2 + np.exp(theta)
    entropy = ((nu + 1) / 2 * (special.psi((nu + 1) / 2) - special.psi(nu / 2)) + special.loggamma(nu / 2)
               + 0.5 * np.log(np.pi) - special.loggamma((nu + 1) / 2) + 0.5 * theta)
    return np.sqrt(2 * (0.5 * np.log(2 * np.pi * np.e) - entropy))


def pc_dof_rate(u=15.0, alpha=0.5):
    return -np.log(alpha) / real(t_distance, np.log(u - 2))


def log_pc_dof(theta, u=15.0, alpha=0.5):
    lam = pc_dof_rate(u, alpha)
    return np.log(lam) - lam * real(t_distance, theta) + np.log(np.abs(derivative(t_distance, theta)))


def weibull_distance(theta):
    """d for the Weibull shape alpha = exp(theta) against the exponential (alpha = 1)."""
    g = np.exp(-theta)
    return np.sqrt(2 * (special.gamma(1 + g) + theta - np.euler_gamma + np.euler_gamma * g - 1))


def log_pc_alphaw(theta, lam=5.0):
    theta = np.asarray(theta, dtype=float)
    # At alpha = 1 both d and d d / d theta vanish, and their ratio tends to sqrt(2 a2) where KLD ~ a2 theta^2.
    a2 = ((1 - np.euler_gamma) ** 2 + np.pi ** 2 / 6) / 2
    at_base = np.abs(theta) < 1e-8
    safe = np.where(at_base, 1.0, theta)
    log_slope = np.where(at_base, 0.5 * np.log(2 * a2), np.log(np.abs(derivative(weibull_distance, safe))))
    return np.log(lam / 2) - lam * np.where(at_base, 0.0, real(weibull_distance, safe)) + log_slope


def log_pc_cor0(theta, u=0.5, alpha=0.5):
    """(lambda / 2) exp(-lambda mu) |rho| / (mu (1 - rho^2)) on rho, moved to theta = log((1 + rho) / (1 - rho)).

    mu^2 = -log(1 - rho^2) = 2 log cosh(theta / 2) is taken from the cosh where 1 - rho^2 would round to 0.
    """
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    x = theta / 2
    rho = np.tanh(x)
    near = np.abs(x) < 1
    mu_squared = 2 * (np.logaddexp(x, -x) - np.log(2))
    mu_squared[near] = -np.log1p(-rho[near] ** 2)
    mu = np.sqrt(mu_squared)
    lam = -np.log(alpha) / np.sqrt(-np.log1p(-u ** 2))
    # |rho| / mu tends to 1 at rho = 0.
    ratio = np.divide(np.abs(rho), mu, out=np.ones_like(mu), where=mu > 0)
    log_drho = np.log(np.abs(derivative(lambda t: np.tanh(t / 2), theta)))
    return np.log(lam / 2) - lam * mu + np.log(ratio) + mu_squared + log_drho


def probability(log_density, lower, upper, **kwargs):
    value, _ = integrate.quad(lambda t: np.exp(log_density(t, **kwargs)).item(), lower, upper, epsabs=1e-12,
                              epsrel=1e-10, limit=200)
    return value


# --- the references: normalised, and with the stated meaning ----------------------------------------------------

def test_pc_mgamma_reference_normalised():
    # Beyond theta = 10 the closed form loses digits. d falls monotonically to 0 there, so the mass above is
    # P(d < d(10)) = 1 - exp(-lambda d(10)).
    tail = -np.expm1(-7.0 * real(mgamma_distance, 10.0))
    assert probability(log_pc_mgamma, -40, 0) + probability(log_pc_mgamma, 0, 10) + tail == pytest.approx(1, abs=1e-7)


def test_pc_dof_reference_normalised():
    tail = -np.expm1(-pc_dof_rate() * real(t_distance, 6.0))
    assert probability(log_pc_dof, -60, 0) + probability(log_pc_dof, 0, 6) + tail == pytest.approx(1, abs=1e-7)


def test_pc_dof_reference_median_is_u():
    # P(nu < 15) = 0.5 is P(theta < log(13)).
    assert probability(log_pc_dof, -60, np.log(13.0)) == pytest.approx(0.5, abs=1e-8)
    assert probability(log_pc_dof, -60, np.log(8.0), u=10.0, alpha=0.2) == pytest.approx(0.2, abs=1e-8)


def test_pc_alphaw_reference_normalised():
    below, above = probability(log_pc_alphaw, -5, 0), probability(log_pc_alphaw, 0, 80)
    assert below == pytest.approx(0.5, abs=1e-7)
    assert above == pytest.approx(0.5, abs=1e-7)


def test_pc_cor0_reference_normalised():
    # The mass beyond |theta| = 700 is exp(-lambda mu(700)) < 1e-14.
    total = probability(log_pc_cor0, -700, 0) + probability(log_pc_cor0, 0, 700)
    assert total == pytest.approx(1, abs=1e-7)


def test_pc_cor0_reference_tail_probability():
    # |rho| > u is |theta| > log((1 + u) / (1 - u)).
    for u, alpha in ((0.5, 0.5), (0.3, 0.1)):
        limit = np.log((1 + u) / (1 - u))
        inside = probability(log_pc_cor0, -limit, 0, u=u, alpha=alpha) + probability(log_pc_cor0, 0, limit, u=u,
                                                                                        alpha=alpha)
        assert 1 - inside == pytest.approx(alpha, abs=1e-8)


# --- the engine's log prior at its integration points -----------------------------------------------------------

def engine_log_prior(result, log_likelihood):
    """Return theta and the engine's log prior at its integration points."""
    points = result.theta_points
    theta = points["theta1"].to_numpy()
    return theta, points["log_density"].to_numpy() - np.array([log_likelihood(t) for t in theta])


@pytest.mark.usefixtures("needs_engine")
def test_pc_mgamma_default_in_engine():
    rng = np.random.default_rng(1)
    y = rng.negative_binomial(4, 4 / (4 + 3.0), size=40)
    mean = y.mean()
    result = fit_quietly(model={"response": "y", "fixed": ["1"]}, family="nbinomial", data=pd.DataFrame({"y": y}),
                         control={"fixed": intercept_held_at(np.log(mean)), "inla": {"dz": 0.5, "diff_logdens": 15}})

    def log_likelihood(theta):
        size = np.exp(theta)
        return stats.nbinom.logpmf(y, size, size / (size + mean)).sum()

    theta, log_prior = engine_log_prior(result, log_likelihood)
    # Points from size < 1 to size > e^12, across size = 100 where the engine changes to its large-size series.
    assert theta.min() < 0
    assert theta.max() > 12
    np.testing.assert_allclose(log_prior, log_pc_mgamma(theta), rtol=0, atol=LOG_DENSITY_TOLERANCE)


@pytest.mark.usefixtures("needs_engine")
def test_pc_dof_default_in_engine():
    rng = np.random.default_rng(3)
    y = stats.t.rvs(5, size=20, random_state=rng) * np.sqrt(3 / 5)
    result = fit_quietly(model={"response": "y", "fixed": ["1"]}, family="t", data=pd.DataFrame({"y": y}),
                         control={"fixed": intercept_held_at(0.0), "inla": {"dz": 0.5, "diff_logdens": 8},
                                  "family": {"hyper": {"prec": {"initial": 0.0, "fixed": True}}}})

    def log_likelihood(theta):
        nu = 2 + np.exp(theta)
        scale = np.sqrt(nu / (nu - 2))  # of the standard t against the unit-variance one
        return (stats.t.logpdf(y * scale, nu) + np.log(scale)).sum()

    theta, log_prior = engine_log_prior(result, log_likelihood)
    # The reference serves up to nu of about 1000 (theta = 7); the engine's series starts at nu = 100.
    reference_valid = theta < 7
    assert theta.min() < 0
    assert theta[reference_valid].max() > np.log(98)
    np.testing.assert_allclose(log_prior[reference_valid], log_pc_dof(theta[reference_valid]), rtol=0,
                               atol=LOG_DENSITY_TOLERANCE)


@pytest.mark.usefixtures("needs_engine")
def test_pc_alphaw_default_in_engine():
    rng = np.random.default_rng(5)
    y = rng.exponential(size=8)
    data = pd.DataFrame({"y": y, "event": np.ones(y.size)})
    result = fit_quietly(model={"response": "y", "fixed": ["1"], "event": "event"}, family="weibull", data=data,
                         control={"fixed": intercept_held_at(0.0), "inla": {"dz": 0.5, "diff_logdens": 12}})

    def log_likelihood(theta):
        return stats.weibull_min.logpdf(y, np.exp(theta)).sum()

    theta, log_prior = engine_log_prior(result, log_likelihood)
    # Points on both sides of the base model alpha = 1.
    assert theta.min() < -0.3
    assert theta.max() > 0.3
    np.testing.assert_allclose(log_prior, log_pc_alphaw(theta), rtol=0, atol=LOG_DENSITY_TOLERANCE)


AR1_LEVELS = 12
LOG_TAU_OBS = np.log(1 / 0.09)


def ar1_data():
    rng = np.random.default_rng(2)
    x = np.zeros(AR1_LEVELS)
    x[0] = rng.normal()
    for i in range(1, AR1_LEVELS):
        x[i] = 0.5 * x[i - 1] + np.sqrt(1 - 0.5 ** 2) * rng.normal()
    return x + 0.3 * rng.normal(size=AR1_LEVELS)


def fit_ar1_cor0(y, param):
    term = {"id": "t", "model": "ar1",
            "hyper": {"prec": {"initial": 0.0, "fixed": True}, "rho": {"prior": "pc.cor0", "param": param}}}
    return pyinla(model={"response": "y", "fixed": ["1"], "random": [term]}, family="gaussian",
                  data=pd.DataFrame({"y": y, "t": np.arange(1, AR1_LEVELS + 1)}),
                  control={"fixed": {"mean_intercept": 0.0, "prec_intercept": 1.0},
                           "family": {"hyper": {"prec": {"initial": LOG_TAU_OBS, "fixed": True}}},
                           "inla": {"dz": 0.1, "diff_logdens": 12}})


def ar1_log_likelihood(y, theta):
    """log p(y | rho) for each theta: y ~ N(0, R(rho) + I / tau_obs + 1 1'), the AR(1) with unit marginal variance
    and the intercept integrated out."""
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    lags = np.abs(np.subtract.outer(np.arange(AR1_LEVELS), np.arange(AR1_LEVELS)))
    rho = np.tanh(theta / 2)[:, None, None]
    covariance = rho ** lags + np.eye(AR1_LEVELS) / np.exp(LOG_TAU_OBS) + 1.0
    _, log_det = np.linalg.slogdet(covariance)
    quadratic = np.einsum("i,kij,j->k", y, np.linalg.inv(covariance), y)
    return -0.5 * (AR1_LEVELS * np.log(2 * np.pi) + log_det + quadratic)


@pytest.mark.usefixtures("needs_engine")
@pytest.mark.parametrize("param", [(0.5, 0.5), (0.8, 0.2)], ids=["u0.5_alpha0.5", "u0.8_alpha0.2"])
def test_pc_cor0_in_engine(param):
    y = ar1_data()
    result = fit_ar1_cor0(y, list(param))
    theta, log_prior = engine_log_prior(result, lambda t: ar1_log_likelihood(y, t)[0])
    # Points on both sides of the base model rho = 0.
    assert theta.min() < -1
    assert theta.max() > 1
    np.testing.assert_allclose(log_prior, log_pc_cor0(theta, *param), rtol=0, atol=LOG_DENSITY_TOLERANCE)


@pytest.mark.usefixtures("needs_engine")
def test_pc_cor0_posterior_matches_quadrature():
    y = ar1_data()
    result = fit_ar1_cor0(y, [0.5, 0.5])

    # The exact posterior of theta on a fine grid, which covers its mass.
    theta = np.linspace(-8, 10, 18001)
    log_posterior = ar1_log_likelihood(y, theta) + log_pc_cor0(theta)
    assert log_posterior[0] < log_posterior.max() - 20
    assert log_posterior[-1] < log_posterior.max() - 20
    log_mlik = log_posterior.max() + np.log(np.trapezoid(np.exp(log_posterior - log_posterior.max()), theta))
    density = np.exp(log_posterior - log_mlik)
    cdf = integrate.cumulative_trapezoid(density, theta, initial=0)
    rho = np.tanh(theta / 2)

    # The marginal likelihood sums the engine's prior times the likelihood over its grid, so it checks the
    # normalising constant of the prior as well (a factor 2 would be off by 0.69). With dz = 0.1 the grid sum is
    # within 2e-4 of the integral; the kink of the density at rho = 0 keeps it from being closer.
    assert result.mlik.iloc[0] == pytest.approx(log_mlik, abs=1e-3)
    summary = result.summary_hyperpar.loc["Rho for t"]
    assert summary["mean"] == pytest.approx(np.trapezoid(rho * density, theta), abs=5e-4)
    for column, level in (("0.025quant", 0.025), ("0.5quant", 0.5), ("0.975quant", 0.975)):
        assert summary[column] == pytest.approx(np.tanh(np.interp(level, cdf, theta) / 2), abs=5e-4), column


# --- the defaults that the engine reports ---------------------------------------------------------------------

@pytest.mark.usefixtures("needs_engine")
@pytest.mark.parametrize("family, line", [
    ("nbinomial", "hyperparameter log size: prior pc.mgamma 7, initial 2.30259"),
    ("t", "hyperparameter dof_intern for student-t: prior pc.dof 15 0.5, initial 5"),
    ("weibull", "hyperparameter alpha_intern for weibull: prior pc.alphaw 5, initial 0"),
])
def test_family_default_prior_in_engine_log(tmp_path, family, line):
    data = pd.DataFrame({"y": [1.0, 2.0, 4.0, 3.0, 0.0, 7.0], "event": np.ones(6)})
    if family == "weibull":
        data["y"] += 0.5
    model = {"response": "y", "fixed": ["1"]}
    if family == "weibull":
        model["event"] = "event"
    fit_quietly(model=model, family=family, data=data, working_directory=tmp_path / "run", keep=True)
    assert line in (tmp_path / "run" / "engine.log").read_text().splitlines()


# --- the engine's checks of the prior parameters ------------------------------------------------------------

@pytest.mark.usefixtures("needs_engine")
@pytest.mark.parametrize("prior, param, fragment", [
    ("pc.dof", "2 0.5", "pc.dof needs u > 2 and 0 < alpha < 1"),
    ("pc.dof", "15", "prior 'pc.dof' takes 2 parameters, got 1"),
    ("pc.mgamma", "0", "pc.mgamma needs lambda > 0"),
    ("pc.alphaw", "5 1", "prior 'pc.alphaw' takes 1 parameter, got 2"),
    ("pc.cor0", "1 0.5", "pc.cor0 needs 0 < u < 1 and 0 < alpha < 1"),
], ids=["dof_u", "dof_count", "mgamma_rate", "alphaw_count", "cor0_u"])
def test_engine_rejects_prior_parameters(needs_engine, tmp_path, prior, param, fragment):
    engine, env = needs_engine
    (tmp_path / "y.dat").write_text("1\n2\n3\n")
    (tmp_path / "model.ini").write_text(
        "[data]\nn = 3\nresponse = y.dat\n[family]\nname = t\n"
        f"hyper.dof.prior = {prior}\nhyper.dof.param = {param}\n[fixed.0]\nname = (Intercept)\nprec = 0\n")
    completed = subprocess.run([str(engine), "--check", "model.ini"], cwd=tmp_path, capture_output=True, text=True,
                               env=env, timeout=30, check=False)
    assert completed.returncode == 2
    assert "[family] hyper.dof.param: " + fragment in completed.stderr


# --- the Python side: names, defaults, parameter checks ------------------------------------------------------

def test_defaults_name_the_pc_priors():
    assert ENGINE_DEFAULT_PRIOR["size"] == "pc.mgamma"
    assert ENGINE_DEFAULT_PRIOR["dof"] == "pc.dof"
    assert ENGINE_DEFAULT_PRIOR["alpha"] == "pc.alphaw"
    assert all(ENGINE_DEFAULT_PRIOR[f"pacf{k}"] == "pc.cor0" for k in range(1, 11))
    assert ENGINE_DEFAULT_PRIOR["beta"] == "normal"
    assert DEFAULT_PARAM["pc.mgamma"] == (7.0,)
    assert DEFAULT_PARAM["pc.dof"] == (15.0, 0.5)
    assert DEFAULT_PARAM["pc.alphaw"] == (5.0,)
    assert DEFAULT_PARAM["pc.cor0"] == (0.5, 0.5)
    assert PRIORS_ALLOWED["pacf3"] == ("pc.cor0", "normal", "gaussian", "flat")
    assert PRIORS_ALLOWED["beta"] == ("normal", "gaussian", "flat")


def test_prior_named_alone_takes_default_param():
    settings = validate_hyper({"size": {"prior": "pc.mgamma"}, "dof": {"prior": "pc.dof"}}, ["size", "dof"], "h")
    assert settings["size"].param == (7.0,)
    assert settings["dof"].param == (15.0, 0.5)


def test_param_alone_uses_default_prior():
    settings = validate_hyper({"dof": {"param": [10, 0.2]}}, ["dof"], "h")
    assert settings["dof"].prior is None
    assert settings["dof"].param == (10.0, 0.2)
    with pytest.raises(ValueError, match="pc.dof prior needs"):
        validate_hyper({"dof": {"param": [1, 0.2]}}, ["dof"], "h")


AR_DEFAULTS = {"prec": ("pc.prec", (3, 0.01)), "pacf2": ("pc.cor0", (0.5, 0.4))}


def test_default_priors_override_prior_and_param():
    settings = validate_hyper(
        {"prec": {"prior": "pc.prec"}, "pacf2": {"param": [0.3, 0.2]}, "pacf1": {"prior": "pc.cor0"}},
        ["prec", "pacf1", "pacf2"], "h", default_priors=AR_DEFAULTS)
    assert settings["prec"].param == (3.0, 0.01)
    assert settings["pacf2"].prior == "pc.cor0"
    assert settings["pacf2"].param == (0.3, 0.2)
    assert settings["pacf1"].param == (0.5, 0.5)


def test_default_priors_apply_only_to_their_prior():
    # A prior other than the model's default takes its own default param.
    settings = validate_hyper({"prec": {"prior": "loggamma"}}, ["prec"], "h", default_priors=AR_DEFAULTS)
    assert settings["prec"].param == (1.0, 5e-05)
    # A param alone is read with the model's default prior, pc.prec here rather than loggamma.
    with pytest.raises(ValueError, match="pc.prec prior needs"):
        validate_hyper({"prec": {"param": [1, 2]}}, ["prec"], "h", default_priors=AR_DEFAULTS)


@pytest.mark.parametrize("name, fields, fragments", [
    ("dof", {"prior": "pc.dof", "param": [2, 0.5]}, ["h['dof']['param']=[2, 0.5]", "u > 2", "[15, 0.5]"]),
    ("dof", {"prior": "pc.dof", "param": [15]}, ["h['dof']['param']=[15]", "exactly two numbers", "[u, alpha]"]),
    ("size", {"prior": "pc.mgamma", "param": [7, 1]}, ["h['size']['param']", "exactly one number", "[lambda]"]),
    ("size", {"prior": "pc.mgamma", "param": [-1]}, ["lambda > 0", "e.g. [7]"]),
    ("alpha", {"prior": "pc.alphaw", "param": [0]}, ["h['alpha']['param']=[0]", "lambda > 0", "e.g. [5]"]),
    ("rho", {"prior": "pc.cor0", "param": [0.5, 1]}, ["0 < alpha < 1", "P(|rho| > u) = alpha"]),
    ("pacf1", {"prior": "pc.cor0", "param": [1.5, 0.5]}, ["h['pacf1']['param']", "0 < u < 1"]),
    ("prec", {"prior": "pc.cor0"}, ["h['prec']['prior']='pc.cor0' cannot be used for 'prec'", "'pc.prec'"]),
    ("dof", {"prior": "pc.mgamma"}, ["cannot be used for 'dof'", "'pc.dof'"]),
    ("beta", {"prior": "pc.prec"}, ["cannot be used for 'beta'", "'normal'"]),
    ("size", {"prior": "pc.mgama"}, ["is not a known prior", "Did you mean 'pc.mgamma'"]),
], ids=["dof_u", "dof_count", "mgamma_count", "mgamma_rate", "alphaw_rate", "cor0_alpha", "pacf_u", "cor0_prec",
        "mgamma_dof", "prec_beta", "misspelt"])
def test_pc_prior_settings_rejected(name, fields, fragments):
    with pytest.raises(ValueError) as error:
        validate_hyper({name: fields}, [name], "h")
    for fragment in fragments:
        assert fragment in str(error.value)


def test_pc_prior_written_to_model_file(tmp_path):
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0]})
    spec = validate_call(model={"response": "y"}, family="t", data=data,
                         control={"family": {"hyper": {"dof": {"prior": "pc.dof", "param": [10, 0.2]}}}})
    write_model_files(spec, tmp_path, "1:1", False, [])
    family = (tmp_path / "model.ini").read_text().split("[family]")[1].split("\n[")[0]
    assert "hyper.dof.prior = pc.dof" in family.splitlines()
    assert "hyper.dof.param = 10 0.2" in family.splitlines()
