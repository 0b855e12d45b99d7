"""Regenerate the MCMC gold-standard posteriors in tests/data/reference/<case>/.

Each case is sampled by NUTS (numpyro, 4 chains, float64) under exactly the model pyinla fits by default. The
intercept is flat, other fixed effects are N(0, precision 0.001) and random-effect precisions are
Gamma(shape 1, rate 5e-5). The cyclic rw2 term is unscaled, constrained to sum to zero, and has pyinla's 1e-4
added to the diagonal of its precision. The script writes `model.json` (the model in words) and
`reference.json` (posterior summaries, MCMC diagnostics, DIC and WAIC with their Monte Carlo errors) for each
case.

numpyro is not a dependency of pyinla, so run the script from a separate virtualenv:

    python3 -m venv /tmp/mcmc-venv
    /tmp/mcmc-venv/bin/pip install numpyro jax pandas arviz
    /tmp/mcmc-venv/bin/python benchmarks/mcmc/make_references.py [case ...]

Without arguments it runs every case. On a 2-core x86-64 virtual machine with numpyro 0.22.0 and jax 0.10.2
the five cases take 12 to 14 minutes in all, salm_poisson_iid the longest at 6 to 7 minutes. `--draws N` shortens
the runs for a smoke test and `--output DIR` writes elsewhere.

How each case is sampled, so that every reported quantity reaches a bulk ESS in the tens of thousands:

- iid effects with one observation per level (salm, surg) are integrated out of the NUTS target by adaptive
  Gauss-Hermite quadrature. Their log precision has a bimodal posterior spread from about 1 to 11, over which
  NUTS on the non-centred effects diverged. After the run each effect is drawn exactly from
  p(u_i | beta, tau, y_i) by rejection.
- iid effects shared by several observations (epil) are sampled non-centred: u = z / sqrt(tau), z ~ N(0, 1).
- The cyclic rw2 field (tokyo) is sampled in the eigenbasis of its structure matrix R on the subspace
  sum(x) = 0: x = sum_k v_k z_k / sqrt(tau lambda_k + 1e-4) with z ~ N(0, I), over the n - 1 eigenpairs. The
  constant vector is left out, so every draw sums to zero to rounding error, and x has exactly the density of
  N(0, (tau R + 1e-4 I)^-1) conditioned on sum(x) = 0.
- Slopes are sampled on standardised covariates, (x - mean) / sd, with the prior moved onto that scale. Since
  the intercept's prior is flat, centring changes only the intercept and keeps the prior exact.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpyro

numpyro.set_host_device_count(4)  # one XLA device per chain; must run before JAX starts
numpyro.enable_x64()

import arviz as az  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from jax.scipy.special import gammaln, logsumexp  # noqa: E402
from numpyro.infer import MCMC, NUTS, init_to_value  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pyinla import datasets  # noqa: E402

REFERENCE_DIR = ROOT / "tests" / "data" / "reference"

# pyinla's default priors (pyinla/validation.py, cpp/src/model.cpp), which are R-INLA's.
FIXED_PRIOR_PRECISION = 0.001
PRECISION_PRIOR = (1.0, 5e-5)  # Gamma(shape, rate) on tau, i.e. loggamma(1, 5e-5) on log(tau)
# The nbinomial size prior, passed explicitly in the pyinla call: Gamma(shape 1, rate 0.1) on the size.
SIZE_PRIOR = (1.0, 0.1)
# pyinla adds this constant to the diagonal of the precision of a constrained intrinsic term (the 'diagonal'
# option, default 1e-4 when constr is on: cpp/src/model.cpp), so the rw2 precision is tau R + 1e-4 I.
RW2_DIAGONAL = 1e-4

CHAINS = 4
SEED = 1
TARGET_ACCEPT = 0.95
QUADRATURE_NODES = 40
NEWTON_STEPS = 40
BATCHES_PER_CHAIN = 10
QUANTILES = (0.025, 0.5, 0.975)


# Likelihoods: the full log density of each observation, with the constant terms, as pyinla uses it for DIC
# and WAIC (cpp/src/likelihoods.cpp).

@dataclass
class Poisson:
    y: np.ndarray

    def log_density(self, eta, log_size=None):
        return self.y * eta - jnp.exp(eta) - gammaln(self.y + 1)

    def derivatives(self, eta):
        """Return the first and second derivatives of the log density in eta."""
        mean = jnp.exp(eta)
        return self.y - mean, -mean


@dataclass
class Binomial:
    y: np.ndarray
    trials: np.ndarray

    def log_density(self, eta, log_size=None):
        n, y = self.trials, self.y
        log_choose = gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)
        return log_choose + y * eta - n * jnp.logaddexp(0.0, eta)

    def derivatives(self, eta):
        """Return the first and second derivatives of the log density in eta."""
        p = jax.nn.sigmoid(eta)
        return self.y - self.trials * p, -self.trials * p * (1 - p)


@dataclass
class NegativeBinomial:
    """Mean mu = exp(eta) and size s: variance mu + mu^2 / s."""

    y: np.ndarray

    def log_density(self, eta, log_size):
        size = jnp.exp(log_size)
        log_total = jnp.logaddexp(log_size, eta)  # log(size + mu)
        return (gammaln(self.y + size) - gammaln(size) - gammaln(self.y + 1)
                + size * (log_size - log_total) + self.y * (eta - log_total))


# Fixed effects

@dataclass
class FixedEffects:
    """Intercept plus slopes; the slopes are sampled on standardised covariates."""

    names: List[str]
    columns: np.ndarray  # one column per slope, in the order of names[1:]
    center: np.ndarray = field(init=False)
    scale: np.ndarray = field(init=False)

    def __post_init__(self):
        self.columns = np.asarray(self.columns, dtype=float).reshape(len(self.columns), -1)
        self.center = self.columns.mean(axis=0)
        self.scale = self.columns.std(axis=0)

    def sample_linear_predictor(self):
        # Flat intercept, as pyinla's default precision 0.
        intercept = numpyro.sample("intercept", dist.ImproperUniform(dist.constraints.real, (), ()))
        if not self.scale.size:
            return intercept * jnp.ones(len(self.columns))
        # beta_j ~ N(0, 1 / 0.001) becomes N(0, scale_j^2 / 0.001) for beta_j * scale_j.
        prior_sd = self.scale / np.sqrt(FIXED_PRIOR_PRECISION)
        standardised = numpyro.sample("standardised_slopes", dist.Normal(0.0, prior_sd))
        return intercept + ((self.columns - self.center) / self.scale) @ standardised

    def draws(self, samples):
        """Return {name: draws} on the original covariate scale."""
        out = {}
        intercept = np.asarray(samples["intercept"])
        if self.scale.size:
            slopes = np.asarray(samples["standardised_slopes"]) / self.scale
            intercept = intercept - slopes @ self.center
            out.update({name: slopes[..., j] for j, name in enumerate(self.names[1:])})
        return {self.names[0]: intercept, **out}

    def linear_predictor(self, fixed_draws):
        eta = fixed_draws[self.names[0]][..., None] + np.zeros(len(self.columns))
        for j, name in enumerate(self.names[1:]):
            eta = eta + fixed_draws[name][..., None] * self.columns[:, j]
        return eta


def sample_precision(name):
    shape, rate = PRECISION_PRIOR
    return numpyro.sample(name, dist.Gamma(shape, rate))


# iid effects with one observation per level, integrated out of the NUTS target

def conditional_mode(likelihood, eta_fixed, precision):
    """Return the mode of log p(y_i | eta_fixed_i + u) - precision u^2 / 2 in u, by damped Newton steps."""
    u = jnp.zeros_like(eta_fixed)
    for _ in range(NEWTON_STEPS):
        first, second = likelihood.derivatives(eta_fixed + u)
        step = (first - precision * u) / (second - precision)
        u = u - jnp.clip(step, -1.0, 1.0)  # the target is concave, so damping only slows the first steps
    return u


def integrated_log_likelihood(likelihood, eta_fixed, precision, nodes=QUADRATURE_NODES):
    """Return log int p(y_i | eta_fixed_i + u) N(u; 0, 1 / precision) du for each i.

    Adaptive Gauss-Hermite quadrature centred at the mode of the integrand and scaled by its curvature. The
    centre and scale are held constant for the gradient: the integral does not depend on them, only its
    quadrature error does.
    """
    x, w = np.polynomial.hermite.hermgauss(nodes)
    precision = jnp.asarray(precision)
    mode = jax.lax.stop_gradient(conditional_mode(likelihood, eta_fixed, precision))
    curvature = precision - likelihood.derivatives(eta_fixed + mode)[1]
    width = jax.lax.stop_gradient(jnp.sqrt(2.0 / curvature))
    u = mode[..., None] + width[..., None] * x
    eta = eta_fixed[..., None] + u
    log_integrand = (jnp.moveaxis(likelihood.log_density(jnp.moveaxis(eta, -1, 0)), 0, -1)
                     - 0.5 * precision[..., None] * u ** 2)
    return (logsumexp(np.log(w) + x ** 2 + log_integrand, axis=-1) + jnp.log(width)
            + 0.5 * jnp.log(precision / (2 * np.pi)))


def draw_conditional_effects(likelihood, eta_fixed, precision, rng):
    """Draw u_i ~ p(u | y_i, eta_fixed_i, precision) exactly, by rejection.

    The proposal N(m_i, 1 / precision), with m_i the mode of the target, is an envelope: the log ratio of target
    to proposal is log p(y_i | eta_fixed_i + u) - precision m_i u + constant, concave in u, and its derivative
    vanishes at u = m_i. So accepting with probability exp(ratio(u) - ratio(m_i)) gives exact draws.
    """
    mode = np.asarray(conditional_mode(likelihood, eta_fixed, precision))
    gradient = np.asarray(likelihood.derivatives(eta_fixed + mode)[0]) - precision * mode
    if np.abs(gradient).max() > 1e-8:
        raise RuntimeError(f"Newton's method did not find the mode (gradient {np.abs(gradient).max():.2e})")
    sd = 1.0 / np.sqrt(precision)

    def log_ratio(u):
        return np.asarray(likelihood.log_density(eta_fixed + u)) - precision * mode * u

    peak = log_ratio(mode)
    effects = np.full(eta_fixed.shape, np.nan)
    pending = np.ones(eta_fixed.shape, dtype=bool)
    proposals = 0
    while pending.any():
        proposal = mode + sd * rng.standard_normal(eta_fixed.shape)
        log_acceptance = log_ratio(proposal) - peak
        if log_acceptance[pending].max() > 1e-9:
            raise RuntimeError("the rejection envelope is below the target; the draws would not be exact")
        accept = pending & (np.log(rng.uniform(size=eta_fixed.shape)) < log_acceptance)
        effects[accept] = proposal[accept]
        proposals += int(pending.sum())
        pending &= ~accept
    return effects, effects.size / proposals


# The cases. Each defines its data, its numpyro model and how to turn samples into named draws.

@dataclass
class Draws:
    """Posterior draws, each array shaped (chains, draws, ...)."""

    fixed: Dict[str, np.ndarray]
    hyperpar: Dict[str, np.ndarray]
    random: Dict[str, Dict[str, np.ndarray]]  # term -> level label -> draws, the reported levels only
    latent: np.ndarray  # every random-effect level, for the diagnostics
    eta: np.ndarray
    log_size: Optional[np.ndarray] = None
    notes: Dict[str, float] = field(default_factory=dict)


@dataclass
class Case:
    name: str
    likelihood: object
    model: Callable[[], None]
    init: Dict[str, float]
    dense_mass: object
    draws_per_chain: int
    warmup: int
    collect: Callable[[dict, np.random.Generator], Draws]
    description: dict
    target_accept: float = TARGET_ACCEPT


def precision_draws(label, samples, site):
    precision = np.asarray(samples[site])
    return {f"Precision for {label}": precision, f"log-precision for {label}": np.log(precision)}


def levels_of(values):
    """Return the sorted unique values and each row's 0-based level, as pyinla numbers an iid term."""
    levels, index = np.unique(values, return_inverse=True)
    return levels, index


def fixed_description(fixed, formulas):
    entries = [{"name": fixed.names[0], "column_formula": "1",
                "prior": "flat (precision 0), sampled exactly as an improper uniform"}]
    for name in fixed.names[1:]:
        entries.append({"name": name, "column_formula": formulas[name],
                        "prior": f"Normal(mean 0, precision {FIXED_PRIOR_PRECISION})"})
    return entries


def linear_predictor_text(fixed, formulas, random_terms):
    terms = [f"beta[{fixed.names[0]}]"] + [f"beta[{name}] * ({formulas[name]})" for name in fixed.names[1:]]
    return "eta_i = " + " + ".join(terms + random_terms)


def iid_description(name, values, sampling):
    levels, _ = levels_of(values)
    return {
        "name": name,
        "type": "iid",
        "index_column": name,
        "n_levels": int(len(levels)),
        "levels_order": "sorted unique values of the index column",
        "hyperparameter": "tau = precision, theta = log(tau); tau ~ Gamma(shape 1, rate 5e-5) "
                          "(loggamma(1, 5e-5) on theta)",
        "model": "u_j ~ N(0, 1/tau) independent",
        "constraint": None,
        "sampling": sampling,
    }


def one_observation_per_level_case(name, dataset, likelihood, fixed, random_name, reported_levels, formulas,
                                   extra):
    """Build the model, draw collector and description of a case with one iid term of one row per level."""
    values = dataset[random_name].to_numpy()
    if len(np.unique(values)) != len(values):
        raise ValueError(f"{name}: {random_name} must have one observation per level")
    order = np.argsort(values)  # the latent vector is in pyinla's level order

    def model():
        eta_fixed = fixed.sample_linear_predictor()
        precision = sample_precision("precision")
        numpyro.factor("log_likelihood", jnp.sum(integrated_log_likelihood(likelihood, eta_fixed, precision)))

    def collect(samples, rng):
        fixed_draws = fixed.draws(samples)
        eta_fixed = fixed.linear_predictor(fixed_draws)
        precision = np.asarray(samples["precision"])[..., None]
        effects, acceptance = draw_conditional_effects(likelihood, eta_fixed, precision, rng)
        latent = effects[..., order]
        labels = [str(v) for v in values[order]]
        return Draws(
            fixed=fixed_draws,
            hyperpar=precision_draws(random_name, samples, "precision"),
            random={random_name: {label: latent[..., labels.index(label)] for label in reported_levels}},
            latent=latent,
            eta=eta_fixed + effects,
            notes={"rejection_acceptance_rate": acceptance,
                   "quadrature_check": quadrature_check(likelihood, eta_fixed, precision)},
        )

    sampling = ("integrated out of the NUTS target by adaptive Gauss-Hermite quadrature "
                f"({QUADRATURE_NODES} nodes); after the run u_i is drawn exactly from p(u_i | beta, tau, y_i) "
                "by rejection, one draw per MCMC draw")
    description = {
        "case": name,
        **extra,
        "linear_predictor": linear_predictor_text(fixed, formulas, [f"iid_{random_name}[{random_name}_i]"]),
        "fixed_effects": fixed_description(fixed, formulas),
        "random_effects": [iid_description(random_name, values, sampling)],
    }
    return model, collect, description


def quadrature_check(likelihood, eta_fixed, precision):
    """Return the largest change of the summed integrated log-likelihood with twice the quadrature nodes."""
    stride = max(1, eta_fixed.shape[0] * eta_fixed.shape[1] // 1000)
    rows = (slice(None), slice(None, None, stride))  # about a thousand draws
    low = integrated_log_likelihood(likelihood, eta_fixed[rows], precision[rows]).sum(-1)
    high = integrated_log_likelihood(likelihood, eta_fixed[rows], precision[rows], 2 * QUADRATURE_NODES).sum(-1)
    return float(jnp.max(jnp.abs(low - high)))


def salm_frame():
    data = datasets.load("salm")
    data["log_dose10"] = np.log(data["dose"] + 10)
    return data


SALM_FORMULAS = {"log_dose10": "log(dose + 10)", "dose": "dose"}


def salm_poisson_iid(draws):
    data = salm_frame()
    likelihood = Poisson(data["y"].to_numpy(float))
    fixed = FixedEffects(["(Intercept)", "log_dose10", "dose"], data[["log_dose10", "dose"]].to_numpy())
    extra = {
        "dataset": "salm.csv",
        "R-INLA equivalent": "inla(y ~ log(dose + 10) + dose + f(rand, model=\"iid\"), family=\"poisson\", "
                             "data=Salm)",
        "pyinla call": "pyinla(model={'response': 'y', 'fixed': ['1', 'log_dose10', 'dose'], "
                       "'random': [{'id': 'rand', 'model': 'iid'}]}, family='poisson', data=salm) with "
                       "salm['log_dose10'] = log(salm['dose'] + 10)",
        "family": "poisson", "link": "log", "response": "y", "E": None, "offset": None,
    }
    model, collect, description = one_observation_per_level_case(
        "salm_poisson_iid", data, likelihood, fixed, "rand", ["1", "2", "3", "4", "5"], SALM_FORMULAS, extra)
    return Case("salm_poisson_iid", likelihood, model, init={"precision": 10.0, "intercept": 3.0},
                dense_mass=True, draws_per_chain=draws, warmup=3000, collect=collect, description=description)


def surg_binomial_iid(draws):
    data = datasets.load("surg")
    likelihood = Binomial(data["r"].to_numpy(float), data["n"].to_numpy(float))
    fixed = FixedEffects(["(Intercept)"], np.empty((len(data), 0)))
    extra = {
        "dataset": "surg.csv",
        "R-INLA equivalent": "inla(r ~ 1 + f(hospital, model=\"iid\"), family=\"binomial\", Ntrials=n, data=Surg)",
        "pyinla call": "pyinla(model={'response': 'r', 'fixed': ['1'], 'random': [{'id': 'hospital', "
                       "'model': 'iid'}]}, family='binomial', data=surg, Ntrials='n')",
        "family": "binomial", "link": "logit", "response": "r", "Ntrials": "n", "offset": None,
    }
    model, collect, description = one_observation_per_level_case(
        "surg_binomial_iid", data, likelihood, fixed, "hospital", ["A", "B", "C", "D", "E", "H"], {}, extra)
    return Case("surg_binomial_iid", likelihood, model, init={"precision": 10.0, "intercept": -2.5},
                dense_mass=True, draws_per_chain=draws, warmup=3000, collect=collect, description=description)


def epil_poisson_iid(draws):
    data = datasets.load("epil")
    data["log_base4"] = np.log(data["Base"] / 4)
    data["log_age"] = np.log(data["Age"])
    data["Trt:log_base4"] = data["Trt"] * data["log_base4"]
    slopes = ["log_base4", "Trt", "Trt:log_base4", "log_age", "V4"]
    formulas = {"log_base4": "log(Base / 4)", "Trt": "Trt", "Trt:log_base4": "Trt * log(Base / 4)",
                "log_age": "log(Age)", "V4": "V4"}
    likelihood = Poisson(data["y"].to_numpy(float))
    fixed = FixedEffects(["(Intercept)"] + slopes, data[slopes].to_numpy())
    patients, patient = levels_of(data["Ind"].to_numpy())
    observations, observation = levels_of(data["rand"].to_numpy())

    def model():
        eta_fixed = fixed.sample_linear_predictor()
        patient_precision = sample_precision("precision_Ind")
        observation_precision = sample_precision("precision_rand")
        z_patient = numpyro.sample("z_Ind", dist.Normal(0.0, 1.0).expand([len(patients)]))
        z_observation = numpyro.sample("z_rand", dist.Normal(0.0, 1.0).expand([len(observations)]))
        eta = (eta_fixed + z_patient[patient] / jnp.sqrt(patient_precision)
               + z_observation[observation] / jnp.sqrt(observation_precision))
        numpyro.factor("log_likelihood", jnp.sum(likelihood.log_density(eta)))

    def collect(samples, rng):
        fixed_draws = fixed.draws(samples)
        u_patient = np.asarray(samples["z_Ind"]) / np.sqrt(np.asarray(samples["precision_Ind"]))[..., None]
        u_observation = np.asarray(samples["z_rand"]) / np.sqrt(np.asarray(samples["precision_rand"]))[..., None]
        eta = fixed.linear_predictor(fixed_draws) + u_patient[..., patient] + u_observation[..., observation]
        return Draws(
            fixed=fixed_draws,
            hyperpar={**precision_draws("Ind", samples, "precision_Ind"),
                      **precision_draws("rand", samples, "precision_rand")},
            random={"Ind": {str(level): u_patient[..., k] for k, level in enumerate(patients[:5])},
                    "rand": {str(level): u_observation[..., k] for k, level in enumerate(observations[:5])}},
            latent=np.concatenate([u_patient, u_observation], axis=-1),
            eta=eta,
        )

    sampling = "non-centred: u = z / sqrt(tau), z ~ N(0, 1), sampled jointly with everything else by NUTS"
    description = {
        "case": "epil_poisson_iid",
        "dataset": "epil.csv",
        "R-INLA equivalent": "inla(y ~ log_base4 + Trt + Trt:log_base4 + log_age + V4 + f(Ind, model=\"iid\") "
                             "+ f(rand, model=\"iid\"), family=\"poisson\", data=Epil)",
        "pyinla call": "pyinla(model={'response': 'y', 'fixed': ['1', 'log_base4', 'Trt', 'Trt:log_base4', "
                       "'log_age', 'V4'], 'random': [{'id': 'Ind', 'model': 'iid'}, {'id': 'rand', "
                       "'model': 'iid'}]}, family='poisson', data=epil), as in examples/epil.py",
        "family": "poisson", "link": "log", "response": "y", "E": None, "offset": None,
        "linear_predictor": linear_predictor_text(fixed, formulas, ["iid_Ind[Ind_i]", "iid_rand[rand_i]"]),
        "fixed_effects": fixed_description(fixed, formulas),
        "random_effects": [iid_description("Ind", data["Ind"], sampling),
                           iid_description("rand", data["rand"], sampling)],
        "notes": ["Covariates are not centred (examples/epil.py)."],
    }
    # A dense mass matrix for the few global parameters only: the effects are roughly independent N(0, 1).
    return Case("epil_poisson_iid", likelihood, model,
                init={"precision_Ind": 5.0, "precision_rand": 5.0, "intercept": 1.5},
                dense_mass=[("intercept", "standardised_slopes", "precision_Ind", "precision_rand")],
                draws_per_chain=draws, warmup=3000, collect=collect, description=description)


def cyclic_rw2_structure(n):
    """Return R = D'D, D the cyclic second-difference operator: row i is x[i] - 2 x[i+1] + x[i+2], mod n."""
    difference = np.zeros((n, n))
    for i in range(n):
        for offset, coefficient in enumerate((1.0, -2.0, 1.0)):
            difference[i, (i + offset) % n] += coefficient
    return difference.T @ difference


def constrained_eigenbasis(structure):
    """Return the eigenpairs of a structure matrix restricted to the subspace sum(x) = 0.

    The eigenvectors are found within an orthonormal basis of that subspace, so they sum to zero to rounding
    error. A plain eigendecomposition of R would mix its null vector with the smoothest mode, because that
    mode's eigenvalue (about 1e-7 for 366 days) is close to zero.
    """
    n = len(structure)
    q, _ = np.linalg.qr(np.column_stack([np.ones(n), np.eye(n)[:, : n - 1]]))
    subspace = q[:, 1:]
    eigenvalues, rotation = np.linalg.eigh(subspace.T @ structure @ subspace)
    basis = subspace @ rotation
    if not eigenvalues.min() > 0:
        raise ValueError("the structure matrix should be positive definite on the sum-to-zero subspace")
    if np.abs(basis.sum(axis=0)).max() > 1e-12 or np.abs(structure @ basis - basis * eigenvalues).max() > 1e-12:
        raise ValueError("the eigenbasis of the sum-to-zero subspace is inaccurate")
    return eigenvalues, basis


def tokyo_binomial_rw2(draws, diagonal=RW2_DIAGONAL):
    data = datasets.load("tokyo")
    likelihood = Binomial(data["y"].to_numpy(float), data["n"].to_numpy(float))
    fixed = FixedEffects(["(Intercept)"], np.empty((len(data), 0)))
    days, day = levels_of(data["time"].to_numpy())
    n = len(days)

    eigenvalues, basis = constrained_eigenbasis(cyclic_rw2_structure(n))

    def field_from(z, precision):
        # x = sum_k v_k z_k / sqrt(tau lambda_k + diagonal). The constant vector is an eigenvector of R and of
        # the diagonal term alike, so this is N(0, (tau R + diagonal I)^-1) conditioned on sum(x) = 0.
        precision = jnp.asarray(precision)
        return (z / jnp.sqrt(precision[..., None] * eigenvalues + diagonal)) @ basis.T

    def model():
        intercept = fixed.sample_linear_predictor()
        precision = sample_precision("precision")
        z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([n - 1]))
        eta = intercept + field_from(z, precision)[day]
        numpyro.factor("log_likelihood", jnp.sum(likelihood.log_density(eta)))

    def collect(samples, rng):
        fixed_draws = fixed.draws(samples)
        x = np.asarray(field_from(np.asarray(samples["z"]), np.asarray(samples["precision"])))
        reported = {str(d): x[..., d - 1] for d in (1, 92, 183, 274, 366)}
        return Draws(
            fixed=fixed_draws,
            hyperpar=precision_draws("time", samples, "precision"),
            random={"time": reported},
            latent=x,
            eta=fixed.linear_predictor(fixed_draws) + x[..., day],
            notes={"largest_field_sum": float(np.abs(x.sum(-1)).max())},
        )

    description = {
        "case": "tokyo_binomial_rw2",
        "dataset": "tokyo.csv",
        "R-INLA equivalent": "inla(y ~ 1 + f(time, model=\"rw2\", cyclic=TRUE), family=\"binomial\", "
                             "Ntrials=n, data=Tokyo)",
        "pyinla call": "pyinla(model={'response': 'y', 'fixed': ['1'], 'random': [{'id': 'time', "
                       "'model': 'rw2', 'cyclic': True}]}, family='binomial', data=tokyo, Ntrials='n'), "
                       "as in examples/tokyo.py",
        "family": "binomial", "link": "logit", "response": "y", "Ntrials": "n (2, or 1 on 29 February)",
        "offset": None,
        "linear_predictor": "eta_i = beta[(Intercept)] + rw2_time[time_i]",
        "fixed_effects": fixed_description(fixed, {}),
        "random_effects": [{
            "name": "time",
            "type": "rw2, cyclic",
            "index_column": "time",
            "n_levels": n,
            "levels_order": "time = 1..366",
            "hyperparameter": "tau = precision, theta = log(tau); tau ~ Gamma(shape 1, rate 5e-5) "
                              "(loggamma(1, 5e-5) on theta)",
            "model": f"x ~ N(0, (tau R + {diagonal:g} I)^-1) conditioned on sum(x) = 0, where R = D'D and D is "
                     "the cyclic second difference, row i: x[i] - 2 x[i+1] + x[i+2] (indices mod 366)",
            "rank_of_R": n - 1,
            "constraint": "sum-to-zero over all 366 levels (exact, hard)",
            "scale.model": False,
            "diagonal": diagonal,
            "sampling": f"x = sum_k v_k z_k / sqrt(tau lambda_k + {diagonal:g}), z ~ N(0, I), over the 365 "
                        "eigenpairs (lambda_k, v_k) of R on the subspace sum(x) = 0, so each draw sums to zero",
        }],
        "notes": [
            "scale_model is off, as pyinla's default for rw2 (cpp/src/model.cpp).",
            "The diagonal term is pyinla's default for a constrained intrinsic term (cpp/src/model.cpp, "
            "'diagonal'). It is not negligible here: the smoothest modes, which carry most of the information "
            "about tau, have prior precision tau lambda_k of about 1e-3. With diagonal 0 (--rw2-diagonal 0, "
            "same seed and length) this script measured a posterior median of tau of 15185 and a 2.5% quantile "
            "of 3775, against 14509 and 3432 with 1e-4.",
        ],
    }
    # A dense mass matrix for the intercept and the precision only: the z_k are roughly independent N(0, 1).
    return Case("tokyo_binomial_rw2", likelihood, model, init={"precision": 1e4, "intercept": -1.0},
                dense_mass=[("intercept", "precision")], draws_per_chain=draws, warmup=2000, collect=collect,
                description=description)


def salm_nbinomial(draws):
    data = salm_frame()
    likelihood = NegativeBinomial(data["y"].to_numpy(float))
    fixed = FixedEffects(["(Intercept)", "log_dose10", "dose"], data[["log_dose10", "dose"]].to_numpy())
    shape, rate = SIZE_PRIOR

    def model():
        eta = fixed.sample_linear_predictor()
        size = numpyro.sample("size", dist.Gamma(shape, rate))
        numpyro.factor("log_likelihood", jnp.sum(likelihood.log_density(eta, jnp.log(size))))

    def collect(samples, rng):
        fixed_draws = fixed.draws(samples)
        size = np.asarray(samples["size"])
        return Draws(
            fixed=fixed_draws,
            hyperpar={"size for the nbinomial observations (1/overdispersion)": size,
                      "log size": np.log(size)},
            random={},
            latent=np.empty(size.shape + (0,)),
            eta=fixed.linear_predictor(fixed_draws),
            log_size=np.log(size),
        )

    description = {
        "case": "salm_nbinomial",
        "dataset": "salm.csv",
        "R-INLA equivalent": "inla(y ~ log(dose + 10) + dose, family=\"nbinomial\", data=Salm, control.family="
                             "list(hyper=list(size=list(prior=\"loggamma\", param=c(1, 0.1)))))",
        "pyinla call": "pyinla(model={'response': 'y', 'fixed': ['1', 'log_dose10', 'dose']}, "
                       "family='nbinomial', data=salm, control={'family': {'hyper': {'size': "
                       "{'prior': 'loggamma', 'param': [1, 0.1]}}}})",
        "family": "nbinomial", "link": "log", "response": "y", "E": None, "offset": None,
        "observation_model": "mean mu = exp(eta), size s: p(y) = Gamma(y + s) / (Gamma(s) y!) (s / (s + mu))^s "
                             "(mu / (s + mu))^y, variance mu + mu^2 / s",
        "family_hyperparameters": [{
            "name": "size for the nbinomial observations (1/overdispersion)",
            "internal": "theta = log(s)",
            "prior": "s ~ Gamma(shape 1, rate 0.1), i.e. loggamma(1, 0.1) on theta, passed explicitly in the "
                     "pyinla call",
        }],
        "linear_predictor": "eta_i = beta[(Intercept)] + beta[log_dose10] * (log(dose + 10)) + beta[dose] * (dose)",
        "fixed_effects": fixed_description(fixed, SALM_FORMULAS),
        "random_effects": [],
        "notes": ["DIC's deviance at the mean uses the posterior mean of log(s), as pyinla does "
                  "(cpp/src/criteria.cpp)."],
    }
    return Case("salm_nbinomial", likelihood, model, init={"size": 10.0, "intercept": 3.0}, dense_mass=True,
                draws_per_chain=draws, warmup=3000, collect=collect, description=description)


# Draws per chain, chosen for a bulk ESS in the tens of thousands for every reported quantity. The median
# precision of salm lies between the two modes of its posterior, where the density is low, so that case runs
# longest: the Monte Carlo error of that median is still about 2%.
CASES = {
    "salm_poisson_iid": (salm_poisson_iid, 400_000),
    "epil_poisson_iid": (epil_poisson_iid, 40_000),
    "tokyo_binomial_rw2": (tokyo_binomial_rw2, 40_000),
    "surg_binomial_iid": (surg_binomial_iid, 150_000),
    "salm_nbinomial": (salm_nbinomial, 25_000),
}


# Running NUTS and summarising

def run_nuts(case):
    kernel = NUTS(case.model, init_strategy=init_to_value(values=case.init), target_accept_prob=case.target_accept,
                  dense_mass=case.dense_mass)
    mcmc = MCMC(kernel, num_warmup=case.warmup, num_samples=case.draws_per_chain, num_chains=CHAINS,
                chain_method="parallel", progress_bar=False)
    mcmc.run(jax.random.PRNGKey(SEED), extra_fields=("diverging", "num_steps"))
    samples = {name: np.asarray(value) for name, value in mcmc.get_samples(group_by_chain=True).items()}
    extra = mcmc.get_extra_fields(group_by_chain=True)
    steps = np.asarray(extra["num_steps"])
    run = {"divergences": int(np.asarray(extra["diverging"]).sum()),
           "mean_leapfrog_steps": float(steps.mean()), "max_leapfrog_steps": int(steps.max())}
    return samples, run


def summarise(draws):
    """Return the posterior summary and the MCMC diagnostics of one quantity, draws shaped (chains, draws)."""
    draws = np.asarray(draws, dtype=float)
    quantiles = np.quantile(draws, QUANTILES)
    return {
        "mean": float(draws.mean()),
        "sd": float(draws.std(ddof=1)),
        **{f"q{q}": float(value) for q, value in zip(QUANTILES, quantiles)},
        "mcse_mean": float(az.mcse(draws, method="mean")),
        "mcse_q0.5": float(az.mcse(draws, method="median")),
        "ess_bulk": float(az.ess(draws, method="bulk")),
        "ess_tail": float(az.ess(draws, method="tail")),
        "rhat": float(az.rhat(draws)),
    }


def worst_diagnostics(summaries):
    return {"max_rhat": max(s["rhat"] for s in summaries),
            "min_ess_bulk": min(s["ess_bulk"] for s in summaries),
            "min_ess_tail": min(s["ess_tail"] for s in summaries)}


def latent_diagnostics(latent):
    """Return the worst R-hat and ESS over every random-effect level (latent shaped (chains, draws, levels))."""
    if latent.shape[-1] == 0:
        return None
    dataset = az.convert_to_dataset({"latent": latent})
    return {"max_rhat": float(az.rhat(dataset)["latent"].max()),
            "min_ess_bulk": float(az.ess(dataset, method="bulk")["latent"].min()),
            "min_ess_tail": float(az.ess(dataset, method="tail")["latent"].min())}


# DIC and WAIC from the draws of eta, with pyinla's definitions (cpp/src/criteria.cpp)

def criteria(likelihood, eta, log_size):
    """Return DIC and WAIC terms computed from the draws indexed by the leading axes of eta (..., n)."""
    flat_eta = eta.reshape(-1, eta.shape[-1])
    flat_size = None if log_size is None else log_size.reshape(-1, 1)
    log_density = np.asarray(likelihood.log_density(flat_eta, flat_size))
    mean_deviance = float(-2 * log_density.sum(axis=1).mean())
    # The deviance at the posterior mean of eta and, for a family hyperparameter, of its internal scale.
    at_mean = None if log_size is None else flat_size.mean()
    deviance_of_mean = float(-2 * np.sum(likelihood.log_density(flat_eta.mean(axis=0), at_mean)))
    lppd = float(np.sum(logsumexp(log_density, axis=0) - np.log(len(log_density))))
    waic_p_effective = float(log_density.var(axis=0, ddof=1).sum())
    dic_p_effective = mean_deviance - deviance_of_mean
    return {
        "dic": {"dic": mean_deviance + dic_p_effective, "p_eff": dic_p_effective,
                "mean_deviance": mean_deviance, "deviance_of_mean": deviance_of_mean},
        "waic": {"waic": -2 * (lppd - waic_p_effective), "p_eff": waic_p_effective},
    }


def criteria_with_errors(likelihood, eta, log_size):
    """Return DIC and WAIC terms, each with a Monte Carlo standard error from batch means.

    Each chain is cut into BATCHES_PER_CHAIN contiguous batches. A term's standard error is the sd of its batch
    values over sqrt(number of batches), valid when batches are much longer than the autocorrelation time.
    """
    full = criteria(likelihood, eta, log_size)
    chains, draws = eta.shape[:2]
    length = draws // BATCHES_PER_CHAIN
    batches = []
    for c in range(chains):
        for b in range(BATCHES_PER_CHAIN):
            window = slice(b * length, (b + 1) * length)
            size = None if log_size is None else log_size[c, window]
            batches.append(criteria(likelihood, eta[c, window], size))
    out = {}
    for group, terms in full.items():
        out[group] = {}
        for term, value in terms.items():
            spread = np.std([batch[group][term] for batch in batches], ddof=1)
            out[group][term] = {"value": value, "mcse": float(spread / np.sqrt(len(batches)))}
    return out


def reference_record(case, draws, run):
    fixed = {name: summarise(value) for name, value in draws.fixed.items()}
    hyperpar = {name: summarise(value) for name, value in draws.hyperpar.items()}
    random = {term: [{"level": label, **summarise(value)} for label, value in levels.items()]
              for term, levels in draws.random.items()}
    reported = list(fixed.values()) + list(hyperpar.values()) + [s for levels in random.values() for s in levels]
    record = {
        "case": case.name,
        "fixed": fixed,
        "hyperpar": hyperpar,
        "random": random,
        **criteria_with_errors(case.likelihood, draws.eta, draws.log_size),
        "diagnostics": {
            "reported_quantities": worst_diagnostics(reported),
            "all_latent_levels": latent_diagnostics(draws.latent),
            "divergences": run["divergences"],
        },
        "method": {
            "algorithm": f"NUTS (numpyro {numpyro.__version__}, jax {jax.__version__}, float64)",
            "chains": CHAINS,
            "warmup": case.warmup,
            "draws_per_chain": case.draws_per_chain,
            "total_draws": CHAINS * case.draws_per_chain,
            "thinning": 1,
            "target_accept": case.target_accept,
            "dense_mass": case.dense_mass if isinstance(case.dense_mass, bool) else
            [list(block) for block in case.dense_mass],
            "seed": SEED,
            **run,
            **draws.notes,
            "criteria_mcse": f"batch means over {CHAINS * BATCHES_PER_CHAIN} contiguous batches",
        },
    }
    return record


def write_json(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=1) + "\n")


def make_reference(name, output, draws_override, rw2_diagonal):
    build, draws_per_chain = CASES[name]
    options = {"diagonal": rw2_diagonal} if name == "tokyo_binomial_rw2" else {}
    case = build(draws_override or draws_per_chain, **options)
    start = time.perf_counter()
    samples, run = run_nuts(case)
    draws = case.collect(samples, np.random.default_rng(SEED))
    record = reference_record(case, draws, run)
    record["runtime_seconds"] = round(time.perf_counter() - start, 1)
    folder = output / name
    write_json(folder / "model.json", {**case.description, "reported_random_levels":
                                       "reference.json: the levels listed under 'random'"})
    write_json(folder / "reference.json", record)
    diagnostics = record["diagnostics"]["reported_quantities"]
    print(f"{name}: {record['runtime_seconds']} s, min bulk ESS {diagnostics['min_ess_bulk']:.0f}, "
          f"max R-hat {diagnostics['max_rhat']:.4f}, divergences {run['divergences']}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", metavar="case",
                        help=f"cases to regenerate (default: all of {', '.join(CASES)})")
    parser.add_argument("--draws", type=int, default=None, help="draws per chain (default: each case's own)")
    parser.add_argument("--output", type=Path, default=REFERENCE_DIR,
                        help="folder that receives <case>/model.json and <case>/reference.json")
    parser.add_argument("--rw2-diagonal", type=float, default=RW2_DIAGONAL,
                        help=f"constant added to the diagonal of the cyclic rw2 precision (default {RW2_DIAGONAL:g}, "
                             "pyinla's; 0 gives the intrinsic model)")
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.cases if name not in CASES]
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)}; choose from {', '.join(CASES)}")
    for name in arguments.cases or list(CASES):
        make_reference(name, arguments.output, arguments.draws, arguments.rw2_diagonal)


if __name__ == "__main__":
    main()
