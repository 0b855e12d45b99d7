"""The validated model: what ``validation`` produces and ``model_file`` writes for the engine.

Every field here is already checked and normalised, so the writer needs no further checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np


@dataclass
class Hyperparameter:
    """User settings for one hyperparameter; None leaves the engine's default."""

    prior: Optional[str] = None
    param: Optional[Tuple[float, ...]] = None
    initial: Optional[float] = None
    fixed: Optional[bool] = None


@dataclass
class FixedEffect:
    """One fixed effect: its output name, covariate column (None for the intercept) and prior."""

    name: str
    values: Optional[np.ndarray]
    mean: float
    prec: float

    @property
    def is_intercept(self) -> bool:
        return self.values is None


@dataclass
class Graph:
    """A besag neighbourhood graph, either a user file copied as is or 0-based neighbour lists."""

    n: int
    source_file: Optional[Path] = None
    neighbours: Optional[List[List[int]]] = None


@dataclass
class RandomTerm:
    """One block of the latent field, f(id, model=...) in R-INLA.

    ``index`` contains the 0-based level of each observation and ``labels`` the text printed in
    the ``ID`` column of the results, one per level.
    """

    name: str
    model: str
    n: int
    index: np.ndarray
    labels: List[str]
    # Engine keys (constr, diagonal, scale_model, cyclic, season_length) given by the user.
    options: Dict[str, object] = field(default_factory=dict)
    hyper: Dict[str, Hyperparameter] = field(default_factory=dict)
    graph: Optional[Graph] = None
    # generic0 structure matrix: upper-triangle triplets (i, j, value), 0-based.
    cmatrix: Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]] = None
    # weights=: what the term is multiplied by in each row (None: 1 everywhere).
    weights: Optional[np.ndarray] = None
    # z model: the number of columns of Z and its (i, j, value) triplets, 0-based.
    zmatrix: Optional[Tuple[int, Tuple[np.ndarray, np.ndarray, np.ndarray]]] = None
    # rw1 and rw2 on irregular locations: the position of each level, from ``values`` (None: equally spaced).
    locations: Optional[np.ndarray] = None
    # replicate=: the 0-based replicate of each observation, and the number of replicates (1 without).
    replicate_index: Optional[np.ndarray] = None
    replicates: int = 1
    # group=: the 0-based group of each observation, the number of groups, the group model and its rho prior.
    group_index: Optional[np.ndarray] = None
    groups: int = 1
    group_model: str = ""
    group_hyper: Dict[str, "Hyperparameter"] = field(default_factory=dict)

    @property
    def block_labels(self) -> List[str]:
        """Return the labels of the term's entries in the latent field, before replicates and groups.

        bym and bym2 have 2n entries (the combined effect, then the spatial part) and z has n + m (Z z, then
        z), numbered on from n as in R-INLA's results.
        """
        extra = block_entries(self.model, self.n, self.zmatrix[0] if self.zmatrix else 0) - self.n
        return [str(label) for label in self.labels] + [str(self.n + k + 1) for k in range(extra)]

    @property
    def block_size(self) -> int:
        """Return the number of entries of the term in the latent field."""
        return len(self.block_labels) * self.replicates * self.groups


def block_entries(model: str, n: int, z_columns: int = 0) -> int:
    """Return the entries of one copy of a term with n levels: 2n for bym and bym2, n + m for z, else n."""
    if model in ("bym", "bym2"):
        return 2 * n
    if model == "z":
        return n + z_columns
    return n


@dataclass
class ModelSpec:
    """The whole validated call, in the engine's terms."""

    family: str
    response: np.ndarray
    # Per-observation vectors of the [data] section that were given: E, Ntrials, offset, scale.
    observation_vectors: Dict[str, np.ndarray]
    family_hyper: Dict[str, Hyperparameter]
    fixed: List[FixedEffect]
    random: List[RandomTerm]
    # [inla] keys given by the user, e.g. strategy and int_strategy.
    inla_options: Dict[str, object]
    # control['compute'] switches: they select what the Result exposes, not what the engine runs.
    return_marginals: bool = True
    return_mlik: bool = True
    # What the engine computes beyond the marginals: predictor, dic, waic, cpo (the [compute] section).
    engine_compute: Dict[str, bool] = field(default_factory=dict)
    # Linear combinations: (name, [(position in the latent field, weight), ...]).
    lincombs: List[Tuple[str, List[Tuple[int, float]]]] = field(default_factory=list)

    @property
    def n_observations(self) -> int:
        return len(self.response)
