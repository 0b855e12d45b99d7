"""Densities, probabilities, quantiles, moments and transforms of posterior marginals.

These functions follow R-INLA's ``inla.dmarginal``, ``inla.pmarginal``, ``inla.qmarginal``,
``inla.emarginal``, ``inla.tmarginal``, ``inla.zmarginal``, ``inla.hpdmarginal``,
``inla.smarginal``, ``inla.rmarginal`` and ``inla.mmarginal``.

A marginal is a pandas DataFrame with columns ``x`` (strictly increasing) and ``density``
(non-negative and not necessarily normalised), such as ``result.marginals_fixed['x1']``.
A dict with keys ``x`` and ``density``, or an array of shape (m, 2) whose columns are x and
density, is accepted as well.

Every function first builds the same internal representation. The log density at the points
with positive density is interpolated by a cubic spline with not-a-knot end conditions,
which reproduces the log density of a normal distribution (a parabola) exactly. The spline is
evaluated on a fine grid of at least 2049 points that subdivides every interval between
neighbouring rows equally, so the fine grid is densest where the input rows are. Between two
fine grid points the log density is taken as linear, which gives the cumulative distribution
function in closed form and lets quantiles invert it exactly. The density is 0 outside the
range of the rows with positive density.
"""

from __future__ import annotations

from typing import Callable, Union

import numpy as np
import pandas as pd

__all__ = [
    "dmarginal",
    "emarginal",
    "hpdmarginal",
    "mmarginal",
    "pmarginal",
    "qmarginal",
    "rmarginal",
    "smarginal",
    "tmarginal",
    "zmarginal",
]

# Minimum number of points of the internal fine grid, and minimum number of its subintervals
# between two neighbouring rows of the marginal.
_MIN_FINE_POINTS = 2049
_MIN_SUBINTERVALS_PER_ROW = 16

# Quantile levels of zmarginal. Its labels, such as "0.025quant", match the pyinla summary tables.
_SUMMARY_PROBABILITIES = (0.025, 0.25, 0.5, 0.75, 0.975)

# Each golden-section iteration shrinks the bracket by the inverse golden ratio, about 0.618, so
# 80 iterations shrink it by a factor of about 2e-17, below double precision.
_INVERSE_GOLDEN_RATIO = (np.sqrt(5.0) - 1.0) / 2.0
_GOLDEN_ITERATIONS = 80

# Lower-tail probabilities tried by hpdmarginal before the golden-section refinement.
_HPD_START_POINTS = 1001

MarginalLike = Union[pd.DataFrame, np.ndarray, dict]


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def dmarginal(x, marginal: MarginalLike, log: bool = False):
    """Evaluate the normalised density of a marginal at x.

    The density is interpolated by the cubic spline of the log density and normalised to
    integrate to 1 over the range of the marginal. It is 0 outside that range.

    Args:
        x: a number or an array of numbers. NaN gives NaN.
        marginal: a DataFrame with columns ``x`` and ``density`` (see the module docstring).
        log: return the log density instead, which is ``-inf`` outside the range.

    Returns:
        A float for a scalar x, else an array of the shape of x.
    """
    fine = _FineMarginal.from_marginal(marginal)
    points, shape = _as_float_array(x, "x")
    values = fine.log_density(points)
    if not log:
        values = np.exp(values)
    return _restore_shape(values, shape)


def pmarginal(q, marginal: MarginalLike):
    """Compute the cumulative distribution function of a marginal at q.

    Args:
        q: a number or an array of numbers. Values below the range give 0, values above it
            give 1, and NaN gives NaN.
        marginal: a DataFrame with columns ``x`` and ``density``.

    Returns:
        A float for a scalar q, else an array of the shape of q.
    """
    fine = _FineMarginal.from_marginal(marginal)
    points, shape = _as_float_array(q, "q")
    return _restore_shape(fine.cdf(points), shape)


def qmarginal(p, marginal: MarginalLike):
    """Compute the quantiles of a marginal for the probabilities p.

    Args:
        p: a probability or an array of probabilities, each in the open interval (0, 1).
        marginal: a DataFrame with columns ``x`` and ``density``.

    Returns:
        A float for a scalar p, else an array of the shape of p.

    Raises:
        ValueError: if a probability is outside (0, 1) or NaN.
    """
    fine = _FineMarginal.from_marginal(marginal)
    probabilities, shape = _as_probabilities(p)
    return _restore_shape(fine.quantile(probabilities), shape)


def emarginal(fun: Callable, marginal: MarginalLike) -> float:
    """Compute the posterior expectation of fun(x) by the trapezoid rule on the fine grid.

    Args:
        fun: a function of one number. A vectorised function is called once on an array.
            Any other function is called once per grid point.
        marginal: a DataFrame with columns ``x`` and ``density``.

    Returns:
        The expectation as a float. For example ``emarginal(lambda x: x, m)`` is the mean.
    """
    fine = _FineMarginal.from_marginal(marginal)
    return fine.expectation(fun)


def tmarginal(fun: Callable, marginal: MarginalLike, n: int = 1024) -> pd.DataFrame:
    """Compute the marginal of fun(x) for a strictly monotone fun, by a change of variables.

    The density of y = fun(x) is density(x) / |fun'(x)|. The derivative is taken by
    second-order finite differences of fun along the grid, so fun is only called at points
    inside the range of the marginal. For example ``tmarginal(lambda t: 1 / np.sqrt(t), m)``
    turns the marginal of a precision into the marginal of a standard deviation.

    Args:
        fun: a strictly increasing or strictly decreasing function of one number over the
            range of the marginal. It need not be vectorised.
        marginal: a DataFrame with columns ``x`` and ``density``.
        n: the number of points of the result, at least 3. They are the images of a grid
            that spreads evenly over the intervals between the rows of the marginal.

    Returns:
        A DataFrame with columns ``x`` (increasing) and ``density``. The density is
        normalised up to the error of the finite differences.

    Raises:
        ValueError: if fun returns a non-finite value or is not strictly monotone on the
            grid, or if n is smaller than 3.
    """
    fine = _FineMarginal.from_marginal(marginal)
    n = _validate_count(n, "n", minimum=3)
    grid = fine.subdivided_grid(n)
    values = _apply(fun, grid, "fun")

    not_finite = ~np.isfinite(values)
    if not_finite.any():
        bad_x = grid[not_finite][0]
        raise ValueError(
            f"fun returned {values[not_finite][0]!r} at x={bad_x!r}, but it must be finite "
            "over the range of the marginal."
        )

    steps = np.diff(values)
    increasing = bool(np.all(steps > 0))
    if not increasing and not np.all(steps < 0):
        raise ValueError(
            "fun must be strictly increasing or strictly decreasing over the range of the "
            f"marginal [{grid[0]!r}, {grid[-1]!r}], but its values on the grid are not."
        )

    derivative = np.gradient(values, grid, edge_order=2)
    wrong_sign = derivative <= 0 if increasing else derivative >= 0
    if wrong_sign.any():
        raise ValueError(
            "the finite-difference derivative of fun is zero or changes sign at "
            f"x={grid[wrong_sign][0]!r}, so fun is not strictly monotone there."
        )

    density = np.exp(fine.log_density(grid)) / np.abs(derivative)
    if not increasing:
        values = values[::-1]
        density = density[::-1]
    return pd.DataFrame({"x": values, "density": density})


def zmarginal(marginal: MarginalLike) -> pd.Series:
    """Summarise a marginal by its mean, standard deviation and quantiles, as inla.zmarginal.

    Returns:
        A Series with the index ``mean``, ``sd``, ``0.025quant``, ``0.25quant``,
        ``0.5quant``, ``0.75quant`` and ``0.975quant``.
    """
    fine = _FineMarginal.from_marginal(marginal)
    mean = fine.expectation(lambda t: t)
    variance = fine.expectation(lambda t: (t - mean) ** 2)
    quantiles = fine.quantile(np.array(_SUMMARY_PROBABILITIES))

    summary = {"mean": mean, "sd": float(np.sqrt(max(variance, 0.0)))}
    for probability, quantile in zip(_SUMMARY_PROBABILITIES, quantiles):
        summary[f"{probability}quant"] = float(quantile)
    return pd.Series(summary, dtype=float)


def hpdmarginal(p, marginal: MarginalLike) -> pd.DataFrame:
    """Compute highest posterior density intervals of probability p.

    Each interval is the shortest interval [qmarginal(a), qmarginal(a + p)] over the
    lower-tail probability a, which is the highest posterior density interval when the
    density is unimodal.

    Args:
        p: a probability or an array of probabilities, each in (0, 1).
        marginal: a DataFrame with columns ``x`` and ``density``.

    Returns:
        A DataFrame with columns ``low`` and ``high`` and one row per probability, indexed
        by the probability (index name ``level``).

    Raises:
        ValueError: if a probability is outside (0, 1) or NaN.
    """
    # NOTE: for a multimodal density the highest density region can be a union of intervals.
    # This returns the shortest single interval of probability p instead.
    fine = _FineMarginal.from_marginal(marginal)
    probabilities, _ = _as_probabilities(p)

    rows = [fine.shortest_interval(probability) for probability in probabilities]
    table = pd.DataFrame(rows, columns=["low", "high"], index=probabilities)
    table.index.name = "level"
    return table


def smarginal(marginal: MarginalLike, n: int = 1024) -> pd.DataFrame:
    """Compute a smoothed marginal on a finer grid, from the spline of the log density.

    Args:
        marginal: a DataFrame with columns ``x`` and ``density``.
        n: the number of points of the result, at least 2. They spread evenly over the
            intervals between the rows of the marginal, so they are densest where the rows are.

    Returns:
        A DataFrame with columns ``x`` and ``density``. The density equals
        ``dmarginal(x, marginal)``, so it integrates to 1 up to the quadrature error.
    """
    fine = _FineMarginal.from_marginal(marginal)
    n = _validate_count(n, "n", minimum=2)
    grid = fine.subdivided_grid(n)
    return pd.DataFrame({"x": grid, "density": np.exp(fine.log_density(grid))})


def rmarginal(n: int, marginal: MarginalLike, rng=None) -> np.ndarray:
    """Draw n random values from a marginal by inverting its cumulative distribution function.

    Args:
        n: the number of draws, a non-negative integer.
        marginal: a DataFrame with columns ``x`` and ``density``.
        rng: a ``numpy.random.Generator``, or a seed for ``numpy.random.default_rng``.
            The same seed gives the same draws. None draws from fresh operating-system entropy.

    Returns:
        An array of n floats.
    """
    fine = _FineMarginal.from_marginal(marginal)
    n = _validate_count(n, "n", minimum=0)
    generator = np.random.default_rng(rng)
    return fine.quantile(generator.random(n))


def mmarginal(marginal: MarginalLike) -> float:
    """Compute the mode of a marginal, the x that maximises the spline of the log density."""
    fine = _FineMarginal.from_marginal(marginal)
    return fine.mode()


# ---------------------------------------------------------------------------------------------
# Internal representation
# ---------------------------------------------------------------------------------------------


class _FineMarginal:
    """Cubic spline of a marginal's log density, with its fine grid and normalising constant.

    Attributes:
        nodes: x of the rows with positive density, strictly increasing.
        node_log_density: log density at the nodes, shifted so that its maximum is 0.
        node_slopes: derivative of the spline at the nodes.
        grid: the fine grid, which contains every node up to rounding.
        grid_log_density: spline value on the grid, before normalisation.
        log_mass: log of the integral of exp(spline) over the range.
        grid_cdf: cumulative distribution function at the grid points.
    """

    def __init__(self, x: np.ndarray, density: np.ndarray):
        positive = density > 0
        # NOTE: rows with zero density are dropped. A zero at either end therefore narrows the
        # support to the outermost rows with positive density, and the spline bridges a zero
        # between two positive rows.
        self.nodes = x[positive]
        log_density = np.log(density[positive])
        self.node_log_density = log_density - log_density.max()
        self.node_slopes = _spline_slopes(self.nodes, self.node_log_density)

        intervals = len(self.nodes) - 1
        fine_points = max(_MIN_FINE_POINTS, _MIN_SUBINTERVALS_PER_ROW * intervals + 1)
        # A point count of a multiple of the interval count, plus 1, keeps the nodes in the grid.
        per_interval = -(-(fine_points - 1) // intervals)
        self.grid = self.subdivided_grid(per_interval * intervals + 1)
        self.grid_log_density = self._spline(self.grid)

        cell_mass = self._cell_mass(
            np.diff(self.grid), self.grid_log_density[:-1], np.diff(self.grid_log_density)
        )
        total_mass = cell_mass.sum()
        self.log_mass = float(np.log(total_mass))
        self.grid_cdf = np.concatenate([[0.0], np.cumsum(cell_mass) / total_mass])
        self.grid_cdf[-1] = 1.0

    @classmethod
    def from_marginal(cls, marginal: MarginalLike) -> _FineMarginal:
        x, density = _validate_marginal(marginal)
        return cls(x, density)

    def subdivided_grid(self, n: int) -> np.ndarray:
        """Return n points, giving every interval between neighbouring nodes the same share.

        The points are equally spaced in node-index space and mapped linearly to x, so both
        ends are nodes, and every node is a point (up to rounding) when n - 1 is a multiple of
        the number of intervals.
        """
        positions = np.linspace(0.0, len(self.nodes) - 1.0, n)
        grid = np.interp(positions, np.arange(len(self.nodes)), self.nodes)
        grid[0] = self.nodes[0]
        grid[-1] = self.nodes[-1]
        return grid

    def log_density(self, points: np.ndarray) -> np.ndarray:
        """Return the normalised log density, which is -inf outside the range and NaN at NaN."""
        values = np.full(points.shape, -np.inf)
        values[np.isnan(points)] = np.nan
        inside = (points >= self.nodes[0]) & (points <= self.nodes[-1])
        values[inside] = self._spline(points[inside]) - self.log_mass
        return values

    def cdf(self, points: np.ndarray) -> np.ndarray:
        """Compute the cumulative distribution function from a log density linear in each cell."""
        values = np.where(points < self.grid[0], 0.0, 1.0)
        values[np.isnan(points)] = np.nan
        inside = (points >= self.grid[0]) & (points < self.grid[-1])
        targets = points[inside]

        cell = np.searchsorted(self.grid, targets, side="right") - 1
        cell = np.clip(cell, 0, len(self.grid) - 2)
        offset = targets - self.grid[cell]
        width = self.grid[cell + 1] - self.grid[cell]
        rise = self.grid_log_density[cell + 1] - self.grid_log_density[cell]
        partial = self._cell_mass(offset, self.grid_log_density[cell], rise * offset / width)

        values[inside] = self.grid_cdf[cell] + partial / np.exp(self.log_mass)
        return np.clip(values, 0.0, 1.0)

    def quantile(self, probabilities: np.ndarray) -> np.ndarray:
        """Invert the cumulative distribution function, for probabilities in [0, 1]."""
        cell = np.searchsorted(self.grid_cdf, probabilities, side="right") - 1
        cell = np.clip(cell, 0, len(self.grid) - 2)
        width = self.grid[cell + 1] - self.grid[cell]
        start_log_density = self.grid_log_density[cell] - self.log_mass
        log_slope = (self.grid_log_density[cell + 1] - self.grid_log_density[cell]) / width

        # The mass between the cell start and the offset t is f0 * (exp(b t) - 1) / b, where f0 is
        # the density at the cell start and b the slope of the log density. Hence
        # t = log1p(b mass / f0) / b.
        mass = np.maximum(probabilities - self.grid_cdf[cell], 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            linear_offset = np.where(mass > 0, mass * np.exp(-start_log_density), 0.0)
            # Rounding can push the argument of log1p to -1 or below at the end of a cell.
            ratio_argument = np.maximum(log_slope * linear_offset, -1.0 + 1e-12)
            offset = linear_offset * _log1p_ratio(ratio_argument)
        return self.grid[cell] + np.clip(np.nan_to_num(offset, nan=0.0), 0.0, width)

    def expectation(self, fun: Callable) -> float:
        values = _apply(fun, self.grid, "fun")
        weights = _trapezoid_weights(self.grid) * np.exp(self.grid_log_density)
        return float(np.dot(weights, values) / weights.sum())

    def shortest_interval(self, probability: float):
        """Return (low, high) of the shortest interval that has the given probability."""

        def length(lower_tail):
            lower_tail = np.atleast_1d(np.asarray(lower_tail, dtype=float))
            return self.quantile(lower_tail + probability) - self.quantile(lower_tail)

        starts = np.linspace(0.0, 1.0 - probability, _HPD_START_POINTS)
        best = int(np.argmin(length(starts)))
        low_start = starts[max(best - 1, 0)]
        high_start = starts[min(best + 1, len(starts) - 1)]
        lower_tail = _golden_section_minimum(
            lambda a: float(length(a)[0]), low_start, high_start
        )
        low, high = self.quantile(np.array([lower_tail, lower_tail + probability]))
        return float(low), float(high)

    def mode(self) -> float:
        best = int(np.argmax(self.grid_log_density))
        low = self.grid[max(best - 1, 0)]
        high = self.grid[min(best + 1, len(self.grid) - 1)]
        return _golden_section_minimum(lambda t: -float(self._spline(np.array([t]))[0]), low, high)

    def _spline(self, points: np.ndarray) -> np.ndarray:
        """Evaluate the cubic Hermite spline through the nodes, for points inside the range."""
        cell = np.searchsorted(self.nodes, points, side="right") - 1
        cell = np.clip(cell, 0, len(self.nodes) - 2)
        width = self.nodes[cell + 1] - self.nodes[cell]
        t = (points - self.nodes[cell]) / width

        h00 = (1.0 + 2.0 * t) * (1.0 - t) ** 2
        h10 = t * (1.0 - t) ** 2
        h01 = t**2 * (3.0 - 2.0 * t)
        h11 = t**2 * (t - 1.0)
        return (
            h00 * self.node_log_density[cell]
            + h10 * width * self.node_slopes[cell]
            + h01 * self.node_log_density[cell + 1]
            + h11 * width * self.node_slopes[cell + 1]
        )

    @staticmethod
    def _cell_mass(width, start_log_density, rise):
        """Integrate exp of a linear log density over cells of the given width.

        The log density starts at start_log_density and increases by rise over the cell, so
        the integral is width * exp(start) * (exp(rise) - 1) / rise.
        """
        return width * np.exp(start_log_density) * _expm1_ratio(rise)


# ---------------------------------------------------------------------------------------------
# Numerical helpers
# ---------------------------------------------------------------------------------------------


def _spline_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the node derivatives of the cubic spline through (x, y).

    With four or more nodes the spline has not-a-knot end conditions (the third derivative is
    continuous at the second and the second-to-last node), and the slopes solve a tridiagonal
    system. Three nodes give the interpolating parabola and two give the straight line.
    """
    count = len(x)
    widths = np.diff(x)
    secants = np.diff(y) / widths

    if count == 2:
        return np.array([secants[0], secants[0]])
    if count == 3:
        curvature = (secants[1] - secants[0]) / (widths[0] + widths[1])
        return np.array(
            [
                secants[0] - curvature * widths[0],
                secants[0] + curvature * widths[0],
                secants[0] + curvature * (widths[0] + 2.0 * widths[1]),
            ]
        )

    lower = np.zeros(count)
    diagonal = np.zeros(count)
    upper = np.zeros(count)
    right = np.zeros(count)

    # Interior rows: continuity of the second derivative at each interior node.
    lower[1:-1] = widths[1:]
    diagonal[1:-1] = 2.0 * (widths[:-1] + widths[1:])
    upper[1:-1] = widths[:-1]
    right[1:-1] = 3.0 * (widths[1:] * secants[:-1] + widths[:-1] * secants[1:])

    # First and last rows: the not-a-knot conditions, written in slope form.
    first_pair = widths[0] + widths[1]
    diagonal[0] = widths[1]
    upper[0] = first_pair
    right[0] = (
        (widths[0] + 2.0 * first_pair) * widths[1] * secants[0] + widths[0] ** 2 * secants[1]
    ) / first_pair

    last_pair = widths[-1] + widths[-2]
    lower[-1] = last_pair
    diagonal[-1] = widths[-2]
    right[-1] = (
        widths[-1] ** 2 * secants[-2] + (2.0 * last_pair + widths[-1]) * widths[-2] * secants[-1]
    ) / last_pair

    return _solve_tridiagonal(lower, diagonal, upper, right)


def _solve_tridiagonal(lower, diagonal, upper, right) -> np.ndarray:
    """Solve a tridiagonal system by the Thomas algorithm.

    Row i reads lower[i] * s[i-1] + diagonal[i] * s[i] + upper[i] * s[i+1] = right[i].
    The spline systems here are diagonally dominant apart from the two not-a-knot end rows.
    The pivots stay positive for those rows as well, so the elimination needs no pivoting.
    """
    count = len(diagonal)
    upper_factor = np.zeros(count)
    right_factor = np.zeros(count)
    upper_factor[0] = upper[0] / diagonal[0]
    right_factor[0] = right[0] / diagonal[0]
    for i in range(1, count):
        pivot = diagonal[i] - lower[i] * upper_factor[i - 1]
        upper_factor[i] = upper[i] / pivot
        right_factor[i] = (right[i] - lower[i] * right_factor[i - 1]) / pivot

    solution = np.zeros(count)
    solution[-1] = right_factor[-1]
    for i in range(count - 2, -1, -1):
        solution[i] = right_factor[i] - upper_factor[i] * solution[i + 1]
    return solution


def _expm1_ratio(z):
    """Compute (exp(z) - 1) / z, which is 1 at z = 0."""
    z = np.asarray(z, dtype=float)
    small = np.abs(z) < 1e-8
    safe = np.where(small, 1.0, z)
    return np.where(small, 1.0 + z / 2.0, np.expm1(safe) / safe)


def _log1p_ratio(z):
    """Compute log(1 + z) / z for z > -1, which is 1 at z = 0."""
    z = np.asarray(z, dtype=float)
    small = np.abs(z) < 1e-8
    safe = np.where(small, 1.0, z)
    return np.where(small, 1.0 - z / 2.0, np.log1p(safe) / safe)


def _trapezoid_weights(grid: np.ndarray) -> np.ndarray:
    widths = np.diff(grid)
    weights = np.zeros(len(grid))
    weights[:-1] += widths / 2.0
    weights[1:] += widths / 2.0
    return weights


def _golden_section_minimum(function: Callable[[float], float], low: float, high: float) -> float:
    """Return the minimiser of a unimodal function on [low, high] by golden-section search."""
    inner_low = high - _INVERSE_GOLDEN_RATIO * (high - low)
    inner_high = low + _INVERSE_GOLDEN_RATIO * (high - low)
    value_low = function(inner_low)
    value_high = function(inner_high)
    for _ in range(_GOLDEN_ITERATIONS):
        if value_low <= value_high:
            high, inner_high, value_high = inner_high, inner_low, value_low
            inner_low = high - _INVERSE_GOLDEN_RATIO * (high - low)
            value_low = function(inner_low)
        else:
            low, inner_low, value_low = inner_low, inner_high, value_high
            inner_high = low + _INVERSE_GOLDEN_RATIO * (high - low)
            value_high = function(inner_high)
    return float((low + high) / 2.0)


def _apply(fun: Callable, points: np.ndarray, name: str) -> np.ndarray:
    """Evaluate fun on points, calling it once per point when it does not take arrays."""
    if not callable(fun):
        raise TypeError(f"{name} must be a callable, got {type(fun).__name__}.")
    try:
        values = np.asarray(fun(points), dtype=float)
    except (TypeError, ValueError):
        # Functions such as math.exp, or ones that branch on `if t > 0`, raise on arrays.
        values = None
    if values is None or values.shape != points.shape:
        values = np.array([float(fun(float(point))) for point in points])
    return values


# ---------------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------------


def _validate_marginal(marginal: MarginalLike):
    """Return (x, density) as float arrays, or raise naming what is wrong with marginal."""
    if isinstance(marginal, pd.DataFrame):
        missing = [column for column in ("x", "density") if column not in marginal.columns]
        if missing:
            raise ValueError(
                "marginal must have columns 'x' and 'density', "
                f"got the columns {list(marginal.columns)}."
            )
        for key in ("ID", "name"):
            if key in marginal.columns and marginal[key].nunique() > 1:
                first = marginal[key].iloc[0]
                first = first.item() if hasattr(first, "item") else first  # a plain number in the message
                raise ValueError(
                    f"marginal contains {marginal[key].nunique()} marginals (column {key!r}); select one, "
                    f"e.g. m[m[{key!r}] == {first!r}]."
                )
        x, density = marginal["x"].to_numpy(), marginal["density"].to_numpy()
    elif isinstance(marginal, dict):
        if "x" not in marginal or "density" not in marginal:
            raise ValueError(
                f"marginal must have keys 'x' and 'density', got the keys {list(marginal)}."
            )
        x, density = marginal["x"], marginal["density"]
    elif isinstance(marginal, np.ndarray):
        if marginal.ndim != 2 or marginal.shape[1] != 2:
            raise ValueError(
                "marginal as an array must have shape (m, 2) with columns x and density, "
                f"got shape {marginal.shape}."
            )
        x, density = marginal[:, 0], marginal[:, 1]
    else:
        raise TypeError(
            "marginal must be a DataFrame with columns 'x' and 'density', a dict with those "
            f"keys or an array of shape (m, 2), got {type(marginal).__name__}."
        )

    try:
        x = np.asarray(x, dtype=float).ravel()
        density = np.asarray(density, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise ValueError(f"marginal x and density must be numeric: {error}") from None

    if len(x) != len(density):
        raise ValueError(
            f"marginal x and density must have the same length, got {len(x)} and {len(density)}."
        )
    if not np.all(np.isfinite(x)):
        raise ValueError("marginal x must be finite, but it contains NaN or infinite values.")
    if not np.all(np.isfinite(density)):
        raise ValueError(
            "marginal density must be finite, but it contains NaN or infinite values."
        )
    if np.any(np.diff(x) <= 0):
        position = int(np.argmax(np.diff(x) <= 0))
        raise ValueError(
            "marginal x must be strictly increasing, but the row at position "
            f"{position + 1} has x={x[position + 1]!r} after x={x[position]!r}. "
            "Sort the rows by x and drop rows with duplicate x."
        )
    if np.any(density < 0):
        position = int(np.argmax(density < 0))
        raise ValueError(
            f"marginal density must be non-negative, but the row at position {position} has "
            f"density={density[position]!r} at x={x[position]!r}."
        )
    if np.count_nonzero(density > 0) < 2:
        raise ValueError(
            "marginal must have at least 2 rows with positive density, "
            f"got {np.count_nonzero(density > 0)} out of {len(density)} rows."
        )
    return x, density


def _as_float_array(values, name: str):
    """Return a number or an array-like of numbers as a flat float array, with its shape."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a number or an array of numbers, got {type(values).__name__}."
        ) from None
    return array.ravel(), array.shape


def _as_probabilities(p):
    probabilities, shape = _as_float_array(p, "p")
    outside = ~((probabilities > 0) & (probabilities < 1))
    if np.any(outside):
        raise ValueError(f"p must be in (0, 1), got {float(probabilities[outside][0])!r}.")
    return probabilities, shape


def _validate_count(n, name: str, minimum: int) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {n!r}.")
    if n < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {n}.")
    return int(n)


def _restore_shape(values: np.ndarray, shape: tuple):
    """Reshape a flat result to the input's shape, returning a float for a scalar input."""
    if shape == ():
        return float(values[0])
    return values.reshape(shape)
