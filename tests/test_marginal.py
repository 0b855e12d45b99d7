"""The marginal utilities against distributions with known densities, quantiles and moments."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from pyinla.marginal import (
    dmarginal,
    emarginal,
    hpdmarginal,
    mmarginal,
    pmarginal,
    qmarginal,
    rmarginal,
    smarginal,
    tmarginal,
    zmarginal,
)

MEAN = 1.0
SD = 0.5
NORMAL = stats.norm(MEAN, SD)

GAMMA_SHAPE = 3.0
GAMMA_RATE = 2.0
GAMMA = stats.gamma(GAMMA_SHAPE, scale=1.0 / GAMMA_RATE)
GAMMA_SD = math.sqrt(GAMMA_SHAPE) / GAMMA_RATE

SUMMARY_PROBABILITIES = [0.025, 0.25, 0.5, 0.75, 0.975]


@pytest.fixture
def normal():
    """N(1, 0.5^2) on 75 equally spaced points over six standard deviations each side."""
    x = np.linspace(MEAN - 6 * SD, MEAN + 6 * SD, 75)
    return pd.DataFrame({"x": x, "density": NORMAL.pdf(x)})


@pytest.fixture
def gamma():
    """Right-skewed gamma with shape 3 and rate 2 on 80 points equally spaced in log x.

    The spacing is that of a precision whose marginal was computed on the log scale. The range
    [0.01, 10] leaves out a probability of 1.3e-6 below and 4.5e-7 above.
    """
    x = np.geomspace(0.01, 10.0, 80)
    return pd.DataFrame({"x": x, "density": GAMMA.pdf(x)})


@pytest.fixture
def gamma_linear():
    """The same gamma on 80 equally spaced points over [0.01, 10]."""
    x = np.linspace(0.01, 10.0, 80)
    return pd.DataFrame({"x": x, "density": GAMMA.pdf(x)})


def integrate_trapezoid(y, x):
    y = np.asarray(y)
    x = np.asarray(x)
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


# dmarginal


def test_dmarginal_normal(normal):
    points = np.array([-0.5, 0.3, 1.0, 1.37, 2.2, 3.5])
    assert dmarginal(points, normal) == pytest.approx(NORMAL.pdf(points), rel=1e-4)


def test_dmarginal_log_density(normal):
    points = np.array([-1.0, 0.5, 1.0, 2.9])
    assert dmarginal(points, normal, log=True) == pytest.approx(NORMAL.logpdf(points), abs=1e-4)


def test_dmarginal_zero_outside_range(normal):
    assert dmarginal(-2.01, normal) == 0.0
    assert dmarginal(4.01, normal) == 0.0
    assert dmarginal(10.0, normal, log=True) == -np.inf


def test_dmarginal_normalises_density(normal):
    scaled = normal.assign(density=normal["density"] * 37.0)
    assert dmarginal(1.2, scaled) == pytest.approx(NORMAL.pdf(1.2), rel=1e-4)


def test_dmarginal_scalar_and_shape(normal):
    assert isinstance(dmarginal(1.0, normal), float)
    grid = np.array([[0.5, 1.0], [1.5, np.nan]])
    values = dmarginal(grid, normal)
    assert values.shape == (2, 2)
    assert values[1, 0] == pytest.approx(NORMAL.pdf(1.5), rel=1e-4)
    assert np.isnan(values[1, 1])


# pmarginal and qmarginal


def test_pmarginal_normal(normal):
    points = np.array([-0.5, 0.2, 1.0, 1.3, 2.4])
    assert pmarginal(points, normal) == pytest.approx(NORMAL.cdf(points), abs=1e-5)


def test_pmarginal_outside_range(normal):
    assert pmarginal(-5.0, normal) == 0.0
    assert pmarginal(7.0, normal) == 1.0
    assert pmarginal(-np.inf, normal) == 0.0
    assert pmarginal(np.inf, normal) == 1.0


def test_qmarginal_normal(normal):
    for p in [0.025, 0.5, 0.975]:
        assert abs(qmarginal(p, normal) - NORMAL.ppf(p)) < 1e-3 * SD, p


def test_qmarginal_array_shape(normal):
    p = np.array([[0.1, 0.2], [0.8, 0.9]])
    quantiles = qmarginal(p, normal)
    assert quantiles.shape == (2, 2)
    assert quantiles == pytest.approx(NORMAL.ppf(p), abs=1e-3 * SD)
    assert isinstance(qmarginal(0.5, normal), float)


def test_qmarginal_inverts_pmarginal(normal):
    p = np.array([1e-6, 0.01, 0.3, 0.5, 0.77, 0.999])
    assert pmarginal(qmarginal(p, normal), normal) == pytest.approx(p, abs=1e-10)


# emarginal


def test_emarginal_moments(normal):
    assert emarginal(lambda x: x, normal) == pytest.approx(MEAN, abs=1e-5)
    assert emarginal(lambda x: x**2, normal) == pytest.approx(MEAN**2 + SD**2, abs=1e-4)


def test_emarginal_non_vectorised_fun(normal):
    lognormal_mean = math.exp(MEAN + SD**2 / 2)
    assert emarginal(math.exp, normal) == pytest.approx(lognormal_mean, rel=1e-4)
    # E[max(X - mean, 0)] = sd * phi(0) for a normal X.
    expected_excess = SD * stats.norm.pdf(0.0)
    excess = emarginal(lambda x: max(x - MEAN, 0.0), normal)
    assert excess == pytest.approx(expected_excess, rel=1e-4)


def test_emarginal_constant_fun(normal):
    assert emarginal(lambda x: 3.0, normal) == pytest.approx(3.0, rel=1e-12)


# zmarginal


def test_zmarginal_normal(normal):
    summary = zmarginal(normal)
    expected_index = [
        "mean",
        "sd",
        "0.025quant",
        "0.25quant",
        "0.5quant",
        "0.75quant",
        "0.975quant",
    ]
    assert list(summary.index) == expected_index
    assert summary["mean"] == pytest.approx(MEAN, abs=1e-5)
    assert summary["sd"] == pytest.approx(SD, rel=1e-4)
    for p in SUMMARY_PROBABILITIES:
        assert summary[f"{p}quant"] == pytest.approx(NORMAL.ppf(p), abs=1e-3 * SD), p


# hpdmarginal


def test_hpdmarginal_normal_symmetric(normal):
    table = hpdmarginal([0.5, 0.95], normal)
    assert list(table.columns) == ["low", "high"]
    assert list(table.index) == [0.5, 0.95]
    assert table.index.name == "level"
    for p in [0.5, 0.95]:
        half_width = stats.norm.ppf(0.5 + p / 2) * SD
        assert table.loc[p, "low"] == pytest.approx(MEAN - half_width, abs=1e-3 * SD), p
        assert table.loc[p, "high"] == pytest.approx(MEAN + half_width, abs=1e-3 * SD), p
        midpoint = (table.loc[p, "low"] + table.loc[p, "high"]) / 2
        assert midpoint == pytest.approx(MEAN, abs=1e-4 * SD), p


# tmarginal


def test_tmarginal_exp_is_lognormal(normal):
    lognormal = tmarginal(np.exp, normal)
    assert np.all(np.diff(lognormal["x"]) > 0)
    assert lognormal["x"].iloc[0] == pytest.approx(math.exp(MEAN - 6 * SD))
    assert emarginal(lambda y: y, lognormal) == pytest.approx(
        math.exp(MEAN + SD**2 / 2), rel=1e-4
    )
    assert qmarginal(0.5, lognormal) == pytest.approx(math.exp(MEAN), rel=1e-4)

    expected = stats.lognorm(SD, scale=math.exp(MEAN))
    points = np.array([1.0, 2.0, 3.0, 5.0])
    assert dmarginal(points, lognormal) == pytest.approx(expected.pdf(points), rel=1e-3)


def test_tmarginal_precision_to_sd(gamma):
    # The gamma is read as the marginal of a precision. Because 1/sqrt is decreasing, tmarginal
    # reverses the rows to keep x increasing.
    sd_marginal = tmarginal(lambda t: 1 / np.sqrt(t), gamma, n=500)
    assert len(sd_marginal) == 500
    assert np.all(np.diff(sd_marginal["x"]) > 0)
    assert sd_marginal["x"].iloc[-1] == pytest.approx(1 / math.sqrt(0.01))

    sd_values = np.array([0.6, 0.8, 1.2, 2.0])
    expected_cdf = GAMMA.sf(sd_values**-2.0)
    assert pmarginal(sd_values, sd_marginal) == pytest.approx(expected_cdf, abs=1e-3)


def test_tmarginal_non_vectorised_fun(normal):
    # math.exp raises TypeError on an array, so tmarginal calls it once per point.
    transformed = tmarginal(math.exp, normal)
    assert qmarginal(0.5, transformed) == pytest.approx(math.exp(MEAN), rel=1e-4)


def test_tmarginal_rejects_non_monotone_fun(normal):
    with pytest.raises(ValueError, match="strictly increasing or strictly decreasing"):
        tmarginal(lambda x: (x - MEAN) ** 2, normal)


def test_tmarginal_rejects_non_finite_fun(normal):
    # np.log returns NaN for the negative x in the range and warns, which is not under test.
    with np.errstate(invalid="ignore"), pytest.raises(ValueError, match="must be finite"):
        tmarginal(np.log, normal)


# rmarginal


def test_rmarginal_moments(normal):
    draws = rmarginal(20000, normal, rng=np.random.default_rng(2024))
    assert draws.shape == (20000,)
    # The standard errors are 0.0035 for the mean and 0.0025 for the sd.
    assert draws.mean() == pytest.approx(MEAN, abs=0.015)
    assert draws.std() == pytest.approx(SD, abs=0.01)
    assert draws.min() >= MEAN - 6 * SD
    assert draws.max() <= MEAN + 6 * SD


def test_rmarginal_seed_reproducible(normal):
    first = rmarginal(100, normal, rng=7)
    second = rmarginal(100, normal, rng=7)
    other = rmarginal(100, normal, rng=8)
    from_generator = rmarginal(100, normal, rng=np.random.default_rng(7))
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)
    assert np.array_equal(first, from_generator)


def test_rmarginal_zero_draws(normal):
    assert rmarginal(0, normal, rng=1).shape == (0,)


# smarginal and mmarginal


def test_smarginal_normalised(normal):
    smooth = smarginal(normal, n=600)
    assert list(smooth.columns) == ["x", "density"]
    assert len(smooth) == 600
    assert smooth["x"].iloc[0] == normal["x"].iloc[0]
    assert smooth["x"].iloc[-1] == normal["x"].iloc[-1]
    assert integrate_trapezoid(smooth["density"], smooth["x"]) == pytest.approx(1.0, abs=1e-4)
    assert smooth["density"].to_numpy() == pytest.approx(NORMAL.pdf(smooth["x"]), rel=1e-4)


def test_smarginal_of_unnormalised_marginal(normal):
    scaled = normal.assign(density=normal["density"] * 1e-3)
    smooth = smarginal(scaled)
    assert len(smooth) == 1024
    assert integrate_trapezoid(smooth["density"], smooth["x"]) == pytest.approx(1.0, abs=1e-4)


def test_mmarginal_normal(normal):
    assert mmarginal(normal) == pytest.approx(MEAN, abs=1e-6)


def test_mmarginal_between_grid_points():
    # No row sits at the mean, so the mode must come from the spline and not from a row.
    x = np.linspace(MEAN - 6.03 * SD, MEAN + 5.97 * SD, 75)
    marginal = pd.DataFrame({"x": x, "density": NORMAL.pdf(x)})
    assert mmarginal(marginal) == pytest.approx(MEAN, abs=1e-6)


# The skewed gamma marginal


def test_qmarginal_gamma(gamma):
    for p in SUMMARY_PROBABILITIES:
        assert abs(qmarginal(p, gamma) - GAMMA.ppf(p)) < 1e-3 * GAMMA_SD, p


def test_qmarginal_gamma_linear_grid(gamma_linear):
    # Equal spacing resolves the x^2 behaviour of the density near 0 poorly, so the lower
    # quantiles are less accurate than on the log-spaced grid.
    for p in SUMMARY_PROBABILITIES:
        assert abs(qmarginal(p, gamma_linear) - GAMMA.ppf(p)) < 2e-3 * GAMMA_SD, p


def test_zmarginal_gamma(gamma):
    summary = zmarginal(gamma)
    assert summary["mean"] == pytest.approx(GAMMA.mean(), abs=1e-3 * GAMMA_SD)
    assert summary["sd"] == pytest.approx(GAMMA_SD, abs=1e-3 * GAMMA_SD)


def test_mmarginal_gamma(gamma):
    expected_mode = (GAMMA_SHAPE - 1) / GAMMA_RATE
    assert mmarginal(gamma) == pytest.approx(expected_mode, abs=1e-4)


def test_hpdmarginal_gamma(gamma):
    table = hpdmarginal(0.95, gamma)
    low = table.loc[0.95, "low"]
    high = table.loc[0.95, "high"]

    # The exact interval has equal density at both ends and probability 0.95.
    def density_gap(lower):
        upper = GAMMA.ppf(GAMMA.cdf(lower) + 0.95)
        return GAMMA.pdf(lower) - GAMMA.pdf(upper)

    exact_low = optimize.brentq(density_gap, 1e-9, GAMMA.ppf(0.049))
    exact_high = GAMMA.ppf(GAMMA.cdf(exact_low) + 0.95)
    assert low == pytest.approx(exact_low, abs=1e-3 * GAMMA_SD)
    assert high == pytest.approx(exact_high, abs=1e-3 * GAMMA_SD)
    assert pmarginal(high, gamma) - pmarginal(low, gamma) == pytest.approx(0.95, abs=1e-6)

    equal_tailed_length = qmarginal(0.975, gamma) - qmarginal(0.025, gamma)
    assert high - low < equal_tailed_length - 0.1


# Small marginals, which use the parabola and straight-line branches of the spline


def test_three_rows_normal_is_exact():
    x = np.array([0.0, 0.7, 2.0])
    marginal = pd.DataFrame({"x": x, "density": NORMAL.pdf(x)})
    ratio = dmarginal(1.6, marginal) / dmarginal(0.2, marginal)
    assert ratio == pytest.approx(NORMAL.pdf(1.6) / NORMAL.pdf(0.2), rel=1e-12)


def test_two_rows_exponential_is_exact():
    marginal = pd.DataFrame({"x": [0.0, 1.0], "density": [1.0, math.exp(-1.0)]})
    expected = (1 - math.exp(-0.5)) / (1 - math.exp(-1.0))
    assert pmarginal(0.5, marginal) == pytest.approx(expected, rel=1e-9)
    assert qmarginal(expected, marginal) == pytest.approx(0.5, rel=1e-9)


# Input forms and errors


def test_dict_and_array_inputs(normal):
    as_dict = {"x": normal["x"].tolist(), "density": normal["density"].tolist()}
    as_array = normal[["x", "density"]].to_numpy()
    expected = qmarginal(0.3, normal)
    assert qmarginal(0.3, as_dict) == expected
    assert qmarginal(0.3, as_array) == expected


def test_zero_density_rows_at_ends(normal):
    padded = pd.concat(
        [
            pd.DataFrame({"x": [-4.0, -3.0], "density": [0.0, 0.0]}),
            normal,
            pd.DataFrame({"x": [5.0], "density": [0.0]}),
        ],
        ignore_index=True,
    )
    assert qmarginal(0.025, padded) == pytest.approx(qmarginal(0.025, normal), rel=1e-12)
    assert dmarginal(-3.5, padded) == 0.0


def test_missing_columns_error(normal):
    with pytest.raises(ValueError, match="marginal must have columns 'x' and 'density'"):
        qmarginal(0.5, normal.rename(columns={"density": "y"}))
    with pytest.raises(ValueError, match="marginal must have keys 'x' and 'density'"):
        qmarginal(0.5, {"x": [0, 1, 2]})


def test_wrong_marginal_type_error():
    with pytest.raises(TypeError, match="marginal must be a DataFrame"):
        qmarginal(0.5, [[0, 1], [1, 2]])
    with pytest.raises(ValueError, match=r"shape \(m, 2\)"):
        qmarginal(0.5, np.ones((5, 3)))


def test_x_not_increasing_error(normal):
    shuffled = normal.iloc[[0, 2, 1, *range(3, len(normal))]]
    with pytest.raises(ValueError, match="marginal x must be strictly increasing"):
        pmarginal(1.0, shuffled)
    duplicated = pd.concat([normal.iloc[:5], normal.iloc[4:]], ignore_index=True)
    with pytest.raises(ValueError, match="marginal x must be strictly increasing"):
        pmarginal(1.0, duplicated)


def test_negative_density_error(normal):
    broken = normal.copy()
    broken.loc[10, "density"] = -1e-3
    with pytest.raises(ValueError, match="marginal density must be non-negative.*position 10"):
        dmarginal(1.0, broken)


def test_non_finite_input_error(normal):
    with_nan = normal.copy()
    with_nan.loc[3, "density"] = np.nan
    with pytest.raises(ValueError, match="marginal density must be finite"):
        dmarginal(1.0, with_nan)
    with_inf = normal.copy()
    with_inf.loc[3, "x"] = np.inf
    with pytest.raises(ValueError, match="marginal x must be finite"):
        dmarginal(1.0, with_inf)


def test_too_few_positive_rows_error():
    marginal = pd.DataFrame({"x": [0.0, 1.0, 2.0], "density": [0.0, 1.0, 0.0]})
    with pytest.raises(ValueError, match="at least 2 rows with positive density"):
        mmarginal(marginal)


def test_probability_outside_unit_interval_error(normal):
    for p in [0.0, 1.0, -0.1, 1.5, np.nan]:
        with pytest.raises(ValueError, match=r"p must be in \(0, 1\)"):
            qmarginal(p, normal)
    with pytest.raises(ValueError, match=r"p must be in \(0, 1\), got 1.0"):
        hpdmarginal([0.5, 1.0], normal)


def test_count_argument_errors(normal):
    with pytest.raises(ValueError, match="n must be at least 0"):
        rmarginal(-1, normal)
    with pytest.raises(TypeError, match="n must be an integer"):
        rmarginal(2.5, normal)
    with pytest.raises(ValueError, match="n must be at least 2"):
        smarginal(normal, n=1)


def test_fun_not_callable_error(normal):
    with pytest.raises(TypeError, match="fun must be a callable"):
        emarginal(2.0, normal)
