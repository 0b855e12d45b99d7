"""Validate the random terms of ``model['random']`` and map each observation to a level.

Each term is one block of the latent field. Its levels (nodes) are numbered 0..n-1 in the files
written for the engine:

- iid, rw1, rw2, ar1, ar, seasonal: the sorted unique values of the id column, or the sorted
  ``values`` when given, or 1..n when only ``n`` is given. Consecutive levels are neighbours,
  equally spaced, except that rw1 and rw2 with unequally spaced ``values`` place the levels at
  those values. The labels are the level values.
- besag: the id value r (1..n) is graph node r, as in R-INLA; n is the graph's node count.
- generic0: the id value r (1..n) is row and column r of Cmatrix, 1-based as in R-INLA; n is
  the size of Cmatrix.
- z: the id value r (1..n) is row r of Z; the block is (Z z, z), n + m long, as in R-INLA.
- copy: the levels of the term it copies; each id value must be one of them.
"""

from __future__ import annotations

import math
import numbers
import os
from typing import List, Mapping, Sequence

import numpy as np
import pandas as pd

from pyinla.columns import numeric_values, require_column
from pyinla.errors import closest_name_hint, format_choices, show_value
from pyinla.graphs import cmatrix_triplets, graph_from_matrix, is_scipy_sparse, read_graph_file
from pyinla.priors import validate_hyper
from pyinla.spec import RandomTerm

LATENT_MODELS = ("iid", "rw1", "rw2", "ar1", "ar", "besag", "bym", "bym2", "generic0", "seasonal", "copy", "z")
# Models whose structure matrix is singular, which need their sum-to-zero constraint or a diagonal.
INTRINSIC_MODELS = ("rw1", "rw2", "besag", "bym", "bym2", "seasonal")
# Models on a graph: the id value r (1..n) is graph node r.
GRAPH_MODELS = ("besag", "bym", "bym2")

TERM_KEYS = (
    "id",
    "model",
    "constr",
    "scale_model",
    "diagonal",
    "cyclic",
    "season_length",
    "graph",
    "Cmatrix",
    "n",
    "values",
    "hyper",
    "replicate",
    "group",
    "control_group",
    "order",
    "copy",
    "Z",
    "precision",
    "weights",
)

MODEL_HYPERPARAMETERS = {model: ("prec",) for model in LATENT_MODELS}
MODEL_HYPERPARAMETERS["ar1"] = ("prec", "rho")
MODEL_HYPERPARAMETERS["bym"] = ("prec.unstruct", "prec.spatial")
MODEL_HYPERPARAMETERS["bym2"] = ("prec", "phi")
MODEL_HYPERPARAMETERS["copy"] = ("beta",)
# An ar term of order p has prec and pacf1..pacfp.
MAX_AR_ORDER = 10
MODEL_HYPERPARAMETERS["ar"] = ("prec",) + tuple(f"pacf{k}" for k in range(1, MAX_AR_ORDER + 1))
# R-INLA's ar defaults: a PC prior on the marginal precision, and PC priors on the partial autocorrelations
# with P(|pacf_k| > 0.5) falling from 0.5 (k = 1) to 0.1 (k >= 5).
AR_DEFAULT_PRIORS = {"prec": ("pc.prec", (3.0, 0.01))}
AR_DEFAULT_PRIORS.update({f"pacf{k}": ("pc.cor0", (0.5, max(0.1, round(0.6 - 0.1 * k, 1))))
                          for k in range(1, MAX_AR_ORDER + 1)})

# Options that only some models take, and the options a model cannot do without.
OPTION_MODELS = {
    "cyclic": ("rw1", "rw2"),
    "season_length": ("seasonal",),
    "graph": GRAPH_MODELS,
    "Cmatrix": ("generic0",),
    "values": ("iid", "rw1", "rw2", "ar1", "ar", "seasonal"),
    "order": ("ar",),
    "copy": ("copy",),
    "Z": ("z",),
    "precision": ("copy", "z"),
    # Models with a structure matrix to scale (ar1, ar and z are defined by their own parameters).
    "scale_model": ("iid", "rw1", "rw2", "besag", "bym", "bym2", "generic0", "seasonal"),
}
REQUIRED_OPTIONS = {"seasonal": "season_length", "besag": "graph", "bym": "graph", "bym2": "graph",
                    "generic0": "Cmatrix", "ar": "order", "copy": "copy", "z": "Z"}

# Models whose levels are ordered in time, so the ids must be numbers.
ORDERED_MODELS = ("rw1", "rw2", "ar1", "ar", "seasonal")

# The word for a level of a structure-indexed model, in the singular and the plural.
NODE_WORDS = {
    "besag": ("graph node", "graph nodes"),
    "bym": ("graph node", "graph nodes"),
    "bym2": ("graph node", "graph nodes"),
    "generic0": ("row of Cmatrix", "rows of Cmatrix"),
    "z": ("row of Z", "rows of Z"),
}

# The index of a row that a term does not apply to (a missing id), as the engine reads it.
NO_LEVEL = -1

# Minimum number of levels for which the model's structure matrix is defined.
MIN_LEVELS = {"rw1": 2, "rw2": 3, "ar1": 2}


def validate_random_terms(random, data: pd.DataFrame) -> List[RandomTerm]:
    """Validate ``model['random']``: a list of term dicts (a single dict is taken as one term)."""
    if random is None:
        return []
    if isinstance(random, Mapping):
        random = [random]
    if isinstance(random, (str, bytes)) or not isinstance(random, Sequence):
        raise TypeError(
            f"model['random'] must be a list of dicts such as "
            f"{{'id': 'plate', 'model': 'iid'}}, got {random!r}."
        )

    # Copies come last so that the terms they copy are known.
    terms = [None] * len(random)
    positions = sorted(range(len(random)), key=lambda k: _is_copy(random[k]))
    for position in positions:
        term = random[position]
        where = f"model['random'][{position}]"
        if _is_copy(term):
            terms[position] = _validate_copy(term, data, terms, where)
        else:
            terms[position] = _validate_term(term, data, where)

    names = [term.name for term in terms]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(
                f"model['random'] uses the id column {name!r} in more than one term, so their "
                f"results could not be told apart. Copy the column, e.g. "
                f"data['{name}2'] = data['{name}'], and use the copy in the second term."
            )
    return terms


def _is_copy(term) -> bool:
    return isinstance(term, Mapping) and term.get("model") == "copy"


def _validate_term(term, data: pd.DataFrame, where: str) -> RandomTerm:
    if not isinstance(term, Mapping):
        raise TypeError(
            f"{where} must be a dict such as {{'id': 'plate', 'model': 'iid'}}, got {term!r}."
        )
    _check_term_keys(term, where)

    name = term["id"]
    ids = require_column(data, name, f"{where}['id']")
    model = _validate_model_name(term["model"], where)
    _check_options_fit_model(term, model, where)
    _check_some_ids(ids, where)

    if model in GRAPH_MODELS:
        graph = _validate_graph(term["graph"], f"{where}['graph']")
        index, labels = _structure_index(ids, graph.n, term, where, model)
        random_term = RandomTerm(name, model, graph.n, index, labels, graph=graph)
    elif model == "z":
        n, m, triplets = _z_matrix(term["Z"], f"{where}['Z']")
        index, labels = _structure_index(ids, n, term, where, model)
        random_term = RandomTerm(name, model, n, index, labels, zmatrix=(m, triplets))
    elif model == "generic0":
        if not (isinstance(term["Cmatrix"], np.ndarray) or is_scipy_sparse(term["Cmatrix"])):
            raise TypeError(
                f"{where}['Cmatrix'] must be a numpy array or a scipy sparse matrix, "
                f"got {type(term['Cmatrix']).__name__}."
            )
        n, triplets = cmatrix_triplets(term["Cmatrix"], f"{where}['Cmatrix']")
        index, labels = _structure_index(ids, n, term, where, model)
        random_term = RandomTerm(name, model, n, index, labels, cmatrix=triplets)
    else:
        index, labels = _value_index(ids, model, term, where)
        random_term = RandomTerm(name, model, len(labels), index, labels)
        if model in ("rw1", "rw2") and term.get("values") is not None:
            random_term.locations = _irregular_locations(term["values"])

    random_term.options = _validate_options(term, model, random_term.n, where)
    used = random_term.index >= 0
    random_term.weights = _term_weights(term, data, used, where)
    if term.get("replicate") is not None:
        random_term.replicate_index, random_term.replicates = _replicate_index(term["replicate"], data, where,
                                                                               used=used)
    if term.get("group") is not None:
        random_term.group_index, random_term.groups = _replicate_index(term["group"], data, where, "group", used)
        if random_term.groups < 2:
            raise ValueError(f"{where}['group'] (column {term['group']!r}) has one value; a group needs at least two.")
        random_term.group_model, random_term.group_hyper = _validate_control_group(
            term.get("control_group"), f"{where}['control_group']")
    elif term.get("control_group") is not None:
        raise ValueError(f"{where} has control_group but no group column; add group='column' or remove it.")
    if model in INTRINSIC_MODELS and random_term.options.get("constr") is False and \
            not random_term.options.get("diagonal"):
        raise ValueError(
            f"{where}: constr=False leaves the {model} term improper (its precision matrix is singular), so "
            "the fit cannot be computed. Keep the sum-to-zero constraint (remove constr), or add a positive "
            "'diagonal' to make the term proper."
        )
    allowed = MODEL_HYPERPARAMETERS[model]
    defaults = None
    if model == "ar":
        allowed = allowed[: 1 + random_term.options["order"]]
        defaults = AR_DEFAULT_PRIORS
        if random_term.n <= random_term.options["order"]:
            raise ValueError(f"{where}: an ar model of order {random_term.options['order']} needs more than "
                             f"{random_term.options['order']} levels, got {random_term.n}.")
    extra = {"default_priors": defaults} if defaults else {}
    random_term.hyper = validate_hyper(term.get("hyper"), allowed, f"{where}['hyper']", **extra)
    return random_term


def _validate_copy(term, data: pd.DataFrame, terms: List[RandomTerm], where: str) -> RandomTerm:
    """Validate a copy of another term, whose levels are the source's and whose value is beta times the source's."""
    _check_term_keys(term, where)
    name = term["id"]
    ids = require_column(data, name, f"{where}['id']")
    _check_options_fit_model(term, "copy", where)
    _check_some_ids(ids, where)
    for key in ("replicate", "group", "control_group", "values", "n", "constr", "diagonal", "scale_model"):
        if term.get(key) is not None:
            raise ValueError(f"{where}[{key!r}] does not apply to a copy, which takes the levels of the term it "
                             "copies. Remove it.")
    source_name = term["copy"]
    sources = [t for t in terms if t is not None and t.name == source_name]
    if not sources:
        names = [t.name for t in terms if t is not None]
        raise ValueError(f"{where}['copy']={source_name!r} names no other random term; use the id of one of "
                         f"{format_choices(names)}.{closest_name_hint(str(source_name), names)}")
    source = sources[0]
    if source.replicates > 1 or source.groups > 1:
        raise ValueError(f"{where}['copy']={source_name!r}: copying a term with replicate or group is not "
                         "supported; copy a term without them.")
    if source.model in ("copy", "bym", "bym2", "z"):
        hint = "copy the term it copies" if source.model == "copy" else "copy a term with one entry per level"
        raise ValueError(f"{where}['copy']={source_name!r}: copying a {source.model} term is not supported; {hint}.")

    position = {label: k for k, label in enumerate(source.labels)}
    index = np.empty(len(ids), dtype=np.int64)
    for row, value in enumerate(ids.to_numpy()):
        if pd.isna(value):
            index[row] = NO_LEVEL
            continue
        label = _format_label(value)
        if label not in position:
            raise ValueError(f"{where}['id'] (column {name!r}) has the value {show_value(value)} at position "
                             f"{row}, which is not a level of the copied term {source_name!r}.")
        index[row] = position[label]

    random_term = RandomTerm(name, "copy", source.n, index, list(source.labels))
    random_term.weights = _term_weights(term, data, index >= 0, where)
    random_term.options["copy"] = source_name
    random_term.options.update(_validate_precision(term, where))
    random_term.hyper = validate_hyper(term.get("hyper"), MODEL_HYPERPARAMETERS["copy"], f"{where}['hyper']")
    return random_term


def _term_weights(term: Mapping, data: pd.DataFrame, used: np.ndarray, where: str):
    """Return the column that multiplies the term in each row (R-INLA's f(id, w)), or None for all 1.

    A row that does not use the term may have a missing weight; it is written as 0.
    """
    column = term.get("weights")
    if column is None:
        return None
    key = f"{where}['weights']"
    values = numeric_values(require_column(data, column, key), key, allow_nan=True)
    missing = np.isnan(values) & used
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise ValueError(f"{key} (column {column!r}) has a missing value at position {position}, a row that uses "
                         "the term; give it a weight, or a missing id to leave the term out.")
    return np.where(used, values, 0.0)


def _check_some_ids(ids: pd.Series, where: str) -> None:
    """Reject an id column that is missing on every row: no observation would use the term."""
    if ids.isna().all():
        raise ValueError(f"{where}['id'] (column {ids.name!r}) is missing (NaN) on every row, so no observation "
                         "uses the term. A missing id means the term does not apply to that row; give the rows "
                         "that use the term their level.")


def _z_matrix(z, where: str):
    """Return (rows, columns, (i, j, value) triplets, 0-based) of the z model's Z matrix."""
    if is_scipy_sparse(z):
        coo = z.tocoo()
        coo.sum_duplicates()  # scipy adds repeated entries; the engine takes each entry once
        rows, cols, values = coo.row, coo.col, coo.data.astype(float)
        shape = coo.shape
    elif isinstance(z, (np.ndarray, pd.DataFrame)):
        dense = np.asarray(z, dtype=float)
        if dense.ndim == 1:
            dense = dense.reshape(-1, 1)
        if dense.ndim != 2:
            raise ValueError(f"{where} must be a 2-D matrix (rows are the ids 1..n), got {dense.ndim} dimensions.")
        rows, cols = np.nonzero(dense)
        values = dense[rows, cols]
        shape = dense.shape
    else:
        raise TypeError(f"{where} must be a numpy array, a DataFrame or a scipy sparse matrix, "
                        f"got {type(z).__name__}.")
    if shape[0] < 1 or shape[1] < 1:
        raise ValueError(f"{where} has shape {shape}; it needs at least one row and one column.")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{where} has missing or infinite entries; Z must be finite.")
    return int(shape[0]), int(shape[1]), (rows.astype(np.int64), cols.astype(np.int64), values)


def _validate_precision(term: Mapping, where: str) -> dict:
    precision = term.get("precision")
    if precision is None:
        return {}
    if isinstance(precision, bool) or not isinstance(precision, numbers.Real) or not (
            math.isfinite(precision) and precision > 0):
        raise ValueError(f"{where}['precision']={precision!r} must be a positive number (the precision that "
                         "ties the term to its definition; R-INLA's default is 1e8).")
    return {"precision": float(precision)}


def _check_term_keys(term: Mapping, where: str) -> None:
    for key in term:
        if key not in TERM_KEYS:
            raise ValueError(
                f"{where} has an unknown key {key!r}.{closest_name_hint(key, TERM_KEYS)} "
                f"The keys of a random term are {format_choices(TERM_KEYS)}."
            )
    for key in ("id", "model"):
        if key not in term:
            raise ValueError(
                f"{where} is missing the key {key!r}, e.g. {{'id': 'plate', 'model': 'iid'}}."
            )


def _validate_model_name(model, where: str) -> str:
    if model not in LATENT_MODELS:
        raise ValueError(
            f"{where}['model']={model!r} is not a supported latent model; use one of "
            f"{format_choices(LATENT_MODELS)}.{closest_name_hint(model, LATENT_MODELS)}"
        )
    return model


def _check_options_fit_model(term: Mapping, model: str, where: str) -> None:
    for option, models in OPTION_MODELS.items():
        if option in term and model not in models:
            raise ValueError(
                f"{where}[{option!r}] does not apply to model {model!r}; it is an option of "
                f"{format_choices(models)}. Remove it."
            )
    required = REQUIRED_OPTIONS.get(model)
    if required is not None and term.get(required) is None:
        raise ValueError(f"{where} uses model {model!r}, which needs the key {required!r}.")


def _validate_graph(graph, where: str):
    if isinstance(graph, (str, os.PathLike)):
        return read_graph_file(graph, where)
    if isinstance(graph, np.ndarray) or is_scipy_sparse(graph):
        return graph_from_matrix(graph, where)
    raise TypeError(
        f"{where} must be the path of a graph file, or an adjacency matrix as a numpy array or "
        f"scipy sparse matrix, got {type(graph).__name__}."
    )


def _structure_index(ids: pd.Series, n: int, term: Mapping, where: str, model: str):
    """Map 1-based ids 1..n to the 0-based nodes of a graph or rows of a structure matrix."""
    node_word, nodes_word = NODE_WORDS[model]
    if term.get("n") is not None and _validate_level_count(term["n"], f"{where}['n']") != n:
        raise ValueError(
            f"{where}: n={term['n']!r} but there are {n} {nodes_word}; remove n or make them agree."
        )
    id_where = f"{where}['id']"
    values = _numeric_ids(ids, id_where, allow_missing=True)
    missing = np.isnan(values)
    whole = np.floor(values) == values
    in_range = (values >= 1) & (values <= n)
    if not np.all(missing | (whole & in_range)):
        position = int(np.flatnonzero(~missing & ~(whole & in_range))[0])
        hint = (
            " The ids are 1-based as in R-INLA; add 1 to 0-based ids." if np.nanmin(values) == 0 else ""
        )
        raise ValueError(
            f"{id_where} (column {ids.name!r}) has the value {show_value(values[position])} at "
            f"position {position}, but each id must be an integer 1..{n} naming a "
            f"{node_word}.{hint}"
        )
    index = np.where(missing, NO_LEVEL + 1, values).astype(np.int64) - 1
    labels = [str(level) for level in range(1, n + 1)]
    return index, labels


GROUP_MODELS = ("exchangeable", "ar1", "iid")


def _validate_control_group(control, where: str):
    """Return the group model (R-INLA's default: exchangeable) and its rho prior settings."""
    if control is None:
        return "exchangeable", {}
    if not isinstance(control, Mapping):
        raise TypeError(f"{where} must be a dict such as {{'model': 'ar1'}}, got {control!r}.")
    for key in control:
        if key not in ("model", "hyper"):
            raise ValueError(f"{where} has an unknown key {key!r}; use 'model' and 'hyper'.")
    model = control.get("model", "exchangeable")
    if model not in GROUP_MODELS:
        raise ValueError(f"{where}['model']={model!r} is not a group model; use one of {format_choices(GROUP_MODELS)}.")
    allowed = () if model == "iid" else ("rho",)
    return model, validate_hyper(control.get("hyper"), allowed, f"{where}['hyper']")


def _replicate_index(column, data: pd.DataFrame, where: str, key: str = "replicate", used=None):
    """Map a replicate or group column to 0-based numbers (sorted unique values) and their count.

    ``used`` marks the rows that use the term; the other rows may have a missing value, which is ignored.
    """
    values = require_column(data, column, f"{where}[{key!r}]")
    used = np.ones(len(values), dtype=bool) if used is None else used
    missing = values.isna().to_numpy()
    if (missing & used).any():
        position = int(np.flatnonzero(missing & used)[0])
        raise ValueError(f"{where}[{key!r}] (column {column!r}) has a missing value at position {position}; "
                         f"every observation that uses the term needs a {key}.")
    levels = pd.Index(np.sort(values[~missing].unique()))
    index = levels.get_indexer(values.to_numpy()).astype(np.int64)
    return np.where(missing, 0, index), len(levels)


def _irregular_locations(values):
    """Return the sorted level positions when ``values`` are not equally spaced, else None (even spacing)."""
    positions = np.sort(np.asarray(values, dtype=float).ravel())
    spacing = np.diff(positions)
    if len(spacing) == 0 or np.allclose(spacing, spacing[0], rtol=1e-9, atol=0.0):
        return None
    return positions


def _value_index(ids: pd.Series, model: str, term: Mapping, where: str):
    """Return each observation's 0-based level and the level labels for value-indexed models."""
    id_where = f"{where}['id']"
    if model in ORDERED_MODELS:
        _numeric_ids(ids, id_where, allow_missing=True)

    # A missing id means the term does not apply to that row, as NA in R-INLA's f(); get_indexer gives it -1.
    levels = _levels(ids, model, term, where)
    index = pd.Index(levels).get_indexer(ids.to_numpy())
    unknown = (index < 0) & ids.notna().to_numpy()
    if unknown.any():
        position = int(np.flatnonzero(unknown)[0])
        source = "values" if term.get("values") is not None else "1..n"
        raise ValueError(
            f"{id_where} (column {ids.name!r}) has the value {show_value(ids.iloc[position])} at "
            f"position {position}, which is not among the levels given by {source}. "
            "Add it to the levels."
        )

    if len(levels) < MIN_LEVELS.get(model, 1):
        raise ValueError(
            f"{where}: model {model!r} needs at least {MIN_LEVELS[model]} levels, "
            f"got {len(levels)}."
        )
    return index.astype(np.int64), [_format_label(level) for level in levels]


def _levels(ids: pd.Series, model: str, term: Mapping, where: str) -> list:
    """Return the sorted level values: from ``values``, from ``n`` (1..n), or from the ids."""
    values = term.get("values")
    n = term.get("n")
    if values is not None:
        levels = pd.Series(np.asarray(values).ravel(), name="values")
        if model in ORDERED_MODELS:
            _numeric_ids(levels, f"{where}['values']")
        if levels.isna().any() or levels.duplicated().any():
            raise ValueError(f"{where}['values'] must be unique and not missing.")
        if n is not None and _validate_level_count(n, f"{where}['n']") != len(levels):
            raise ValueError(
                f"{where}: n={n!r} but values has {len(levels)} entries; "
                "remove n or make them agree."
            )
        return _sorted_levels(levels, f"{where}['values']")
    if n is not None:
        return list(range(1, _validate_level_count(n, f"{where}['n']") + 1))
    return _sorted_levels(ids.dropna().drop_duplicates(), f"{where}['id']")


def _sorted_levels(levels: pd.Series, where: str) -> list:
    try:
        return sorted(levels.tolist())
    except TypeError:
        raise TypeError(
            f"{where} mixes values that cannot be sorted together, e.g. numbers and strings. "
            "Use one type for all levels."
        ) from None


def _numeric_ids(ids: pd.Series, where: str, allow_missing: bool = False) -> np.ndarray:
    if not pd.api.types.is_numeric_dtype(ids) or pd.api.types.is_bool_dtype(ids):
        raise TypeError(
            f"{where} (column {ids.name!r}) must be numeric for this model, "
            f"but has dtype {ids.dtype}."
        )
    values = ids.to_numpy(dtype=float, na_value=np.nan)
    invalid = ~np.isfinite(values) & ~(allow_missing & np.isnan(values))
    if invalid.any():
        position = int(np.flatnonzero(invalid)[0])
        raise ValueError(
            f"{where} (column {ids.name!r}) has a missing or infinite value at position "
            f"{position}; every observation needs a level."
        )
    return values


def _validate_options(term: Mapping, model: str, n: int, where: str) -> dict:
    """Return the engine options the user set for this term, checked."""
    options = {}
    for flag in ("constr", "scale_model", "cyclic"):
        if term.get(flag) is not None:
            if not isinstance(term[flag], (bool, np.bool_)):
                raise TypeError(f"{where}[{flag!r}] must be True or False, got {term[flag]!r}.")
            options[flag] = bool(term[flag])

    diagonal = term.get("diagonal")
    if diagonal is not None:
        if isinstance(diagonal, bool) or not isinstance(diagonal, numbers.Real):
            raise TypeError(f"{where}['diagonal'] must be a number, got {diagonal!r}.")
        if not (math.isfinite(diagonal) and diagonal >= 0):
            raise ValueError(f"{where}['diagonal']={diagonal!r} must be a finite number >= 0.")
        options["diagonal"] = float(diagonal)

    season_length = term.get("season_length")
    if season_length is not None:
        if isinstance(season_length, bool) or not isinstance(season_length, numbers.Integral):
            raise TypeError(f"{where}['season_length'] must be an integer, got {season_length!r}.")
        if not 2 <= season_length <= n:
            raise ValueError(
                f"{where}['season_length']={season_length!r} must be at least 2 and at most the "
                f"number of levels ({n})."
            )
        options["season_length"] = int(season_length)

    order = term.get("order")
    if order is not None:
        if isinstance(order, bool) or not isinstance(order, numbers.Integral) or not 1 <= order <= MAX_AR_ORDER:
            raise ValueError(f"{where}['order']={order!r} must be an integer from 1 to {MAX_AR_ORDER}.")
        options["order"] = int(order)
    options.update(_validate_precision(term, where))
    return options


def _validate_level_count(n, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{where}: n={n!r} must be a positive integer (the number of levels).")
    return int(n)


def _format_label(level) -> str:
    """Format a level for the labels file: whole numbers without a decimal point."""
    if isinstance(level, (numbers.Real, np.number)) and not isinstance(level, (bool, np.bool_)):
        if float(level).is_integer():
            return str(int(level))
        return repr(float(level))
    label = str(level)
    if "\n" in label or "\r" in label:
        raise ValueError(
            f"The level {label!r} contains a line break; labels must be one line each."
        )
    return label
