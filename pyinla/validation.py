"""Validate a ``pyinla()`` call and turn it into a ModelSpec.

Every check runs before anything is written to disk. Errors are TypeError (wrong kind of value)
or ValueError (wrong value), and each message names the argument, the value and the fix.
"""

from __future__ import annotations

import math
import numbers
from typing import Dict, List, Mapping

import numpy as np
import pandas as pd

from pyinla.columns import numeric_values, observation_vector, require_column
from pyinla.errors import closest_name_hint, format_choices, show_value
from pyinla.latent import validate_random_terms
from pyinla.priors import validate_hyper
from pyinla.spec import FixedEffect, ModelSpec

FAMILIES = ("gaussian", "poisson", "binomial", "nbinomial", "gamma", "beta", "t", "lognormal",
            "zeroinflatedpoisson1", "zeroinflatedbinomial1", "exponential", "weibull")
FAMILY_HYPERPARAMETERS = {
    "gaussian": ("prec",), "poisson": (), "binomial": (), "nbinomial": ("size",), "gamma": ("prec",),
    "beta": ("prec",), "t": ("prec", "dof"), "lognormal": ("prec",), "zeroinflatedpoisson1": ("prob",),
    "zeroinflatedbinomial1": ("prob",), "exponential": (), "weibull": ("alpha",),
}
# Families whose response is a count, a count out of Ntrials, a positive value, or a survival time.
COUNT_FAMILIES = ("poisson", "nbinomial", "zeroinflatedpoisson1")
TRIALS_FAMILIES = ("binomial", "zeroinflatedbinomial1")
POSITIVE_FAMILIES = ("gamma", "lognormal", "exponential", "weibull")
SURVIVAL_FAMILIES = ("exponential", "weibull")
# The only link each family supports: identity, log and logit, as R-INLA's defaults.
FAMILY_LINKS = {
    "gaussian": "identity", "poisson": "log", "binomial": "logit", "nbinomial": "log", "gamma": "log",
    "beta": "logit", "t": "identity", "lognormal": "identity", "zeroinflatedpoisson1": "log",
    "zeroinflatedbinomial1": "logit", "exponential": "log", "weibull": "log",
}

# Per-observation vectors and the family each belongs to.
OBSERVATION_VECTOR_FAMILY = {"E": COUNT_FAMILIES, "Ntrials": TRIALS_FAMILIES, "scale": ("gaussian",)}

MODEL_KEYS = ("response", "fixed", "random", "event")
CONTROL_KEYS = ("inla", "fixed", "family", "compute", "predictor")
CONTROL_PREDICTOR_KEYS = ("compute",)
CONTROL_INLA_KEYS = ("strategy", "int_strategy", "dz", "diff_logdens")
CONTROL_FIXED_KEYS = ("mean", "prec", "mean_intercept", "prec_intercept")
CONTROL_FAMILY_KEYS = ("hyper", "link")
CONTROL_COMPUTE_KEYS = ("return_marginals", "mlik", "dic", "waic", "cpo", "config")
# R-INLA's control.compute switches that the engine does not compute yet.
UNAVAILABLE_COMPUTE_KEYS = ("config",)
# control.compute switches that the engine computes (written to the model file's [compute] section).
ENGINE_COMPUTE_KEYS = ("dic", "waic", "cpo")

STRATEGIES = ("gaussian", "simplified.laplace", "laplace", "adaptive")
INTEGRATION_STRATEGIES = ("auto", "grid", "ccd", "eb")

INTERCEPT_TERMS = ("1",)
NO_INTERCEPT_TERMS = ("0", "-1")
INTERCEPT_NAME = "(Intercept)"

# Prior N(0, precision 0.001) for covariates and a flat prior (precision 0) for the intercept,
# as R-INLA's control.fixed defaults.
DEFAULT_FIXED_PREC = 0.001
DEFAULT_INTERCEPT_PREC = 0.0


def validate_call(
    model, family, data, control=None, E=None, Ntrials=None, offset=None, scale=None
) -> ModelSpec:
    """Validate the model, family, data and control arguments of ``pyinla()``."""
    data = _validate_data(data)
    family = _validate_family(family)
    model = _check_keys(model, MODEL_KEYS, "model")
    _check_nested_control_keys(control)
    control = _check_keys(control, CONTROL_KEYS, "control")
    if "response" not in model:
        raise ValueError("model is missing the key 'response', the name of the response column.")

    response = numeric_values(
        require_column(data, model["response"], "model['response']"),
        "model['response']",
        allow_nan=True,
    )
    vectors = _observation_vectors(family, data, E=E, Ntrials=Ntrials, offset=offset, scale=scale)
    _check_response(family, response, vectors, model["response"])
    event = _event_indicator(family, model.get("event"), data)
    if event is not None:
        vectors["event"] = event

    family_control = _check_keys(control.get("family"), CONTROL_FAMILY_KEYS, "control['family']")
    _check_link(family, family_control.get("link"))
    family_hyper = validate_hyper(
        family_control.get("hyper"),
        FAMILY_HYPERPARAMETERS[family],
        "control['family']['hyper']",
    )

    fixed = _fixed_effects(model.get("fixed"), data, control.get("fixed"))
    linear, other_terms = _split_linear_terms(model.get("random"))
    fixed += [_linear_effect(term, data, position, fixed) for position, term in linear]
    random = validate_random_terms(other_terms, data) if other_terms else []
    if not fixed and not random:
        raise ValueError(
            "model has neither fixed effects nor random terms; "
            "keep the intercept ('1') or add a term."
        )

    compute = _compute_switches(control.get("compute"))
    engine_compute = {key: compute.pop(key) for key in ENGINE_COMPUTE_KEYS if key in compute}
    engine_compute["predictor"] = _predictor_switch(control.get("predictor"))
    return ModelSpec(
        family=family,
        response=response,
        observation_vectors=vectors,
        family_hyper=family_hyper,
        fixed=fixed,
        random=random,
        inla_options=_inla_options(control.get("inla")),
        return_marginals=compute["return_marginals"],
        return_mlik=compute["mlik"],
        engine_compute=engine_compute,
    )


def _validate_data(data) -> pd.DataFrame:
    if isinstance(data, Mapping):
        data = pd.DataFrame(data)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if len(data) == 0:
        raise ValueError("data is empty (0 rows); pass a data frame with at least one observation.")
    return data


def _validate_family(family) -> str:
    if not isinstance(family, str):
        raise TypeError(f"family must be a string such as 'gaussian', got {family!r}.")
    name = family.lower()
    if name not in FAMILIES:
        raise ValueError(
            f"family={family!r} is not supported; use one of {format_choices(FAMILIES)}."
            f"{closest_name_hint(name, FAMILIES)}"
        )
    return name


def _check_nested_control_keys(control) -> None:
    """Point a switch given at the top of ``control`` (e.g. {'dic': True}) to the section it belongs to."""
    if not isinstance(control, Mapping):
        return
    for key in control:
        if key in CONTROL_KEYS:
            continue
        if key in CONTROL_COMPUTE_KEYS:
            raise ValueError(f"control has an unknown key {key!r}; it belongs in control['compute'], e.g. "
                             f"control={{'compute': {{{key!r}: True}}}}.")
        if key in CONTROL_INLA_KEYS:
            raise ValueError(f"control has an unknown key {key!r}; it belongs in control['inla'], e.g. "
                             f"control={{'inla': {{{key!r}: ...}}}}.")


def _check_keys(mapping, allowed, where: str) -> Mapping:
    """Return ``mapping`` ({} for None) after checking that every key is in ``allowed``."""
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{where} must be a dict, got {type(mapping).__name__}.")
    for key in mapping:
        if key not in allowed:
            raise ValueError(
                f"{where} has an unknown key {key!r}.{closest_name_hint(key, allowed)} "
                f"The accepted keys are {format_choices(allowed)}."
            )
    return mapping


def _observation_vectors(family: str, data: pd.DataFrame, **given) -> Dict[str, np.ndarray]:
    vectors = {}
    for name, value in given.items():
        if value is None:
            continue
        owners = OBSERVATION_VECTOR_FAMILY.get(name)
        if owners is not None and family not in owners:
            raise ValueError(
                f"{name} applies to the {format_choices(owners)} families only, but family={family!r}; "
                f"remove {name}."
            )
        vectors[name] = observation_vector(value, data, name)

    if "E" in vectors and not np.all(vectors["E"] > 0):
        position = int(np.flatnonzero(~(vectors["E"] > 0))[0])
        raise ValueError(
            f"E has the value {show_value(vectors['E'][position])} at position {position}; "
            "the exposure must be positive."
        )
    if "scale" in vectors and not np.all(vectors["scale"] > 0):
        raise ValueError("scale must be positive: it multiplies each observation's precision.")
    if "Ntrials" in vectors:
        ntrials = vectors["Ntrials"]
        if not np.all((ntrials >= 1) & (np.floor(ntrials) == ntrials)):
            position = int(np.flatnonzero(~((ntrials >= 1) & (np.floor(ntrials) == ntrials)))[0])
            raise ValueError(
                f"Ntrials has the value {show_value(ntrials[position])} at position {position}; "
                "the number of trials must be a positive integer."
            )
    return vectors


def _check_response(family: str, response: np.ndarray, vectors: Mapping, name: str) -> None:
    """Check that the observed (non-missing) responses are possible under the family."""
    observed = ~np.isnan(response)
    if not observed.any():
        raise ValueError(
            f"model['response']={name!r} has no observed values (all NaN); nothing can be fitted."
        )
    values = response[observed]
    positions = np.flatnonzero(observed)
    if family in COUNT_FAMILIES + TRIALS_FAMILIES:
        valid, need = (values >= 0) & (np.floor(values) == values), "non-negative integer counts"
    elif family in POSITIVE_FAMILIES:
        valid, need = values > 0, "positive values"
    elif family == "beta":
        valid, need = (values > 0) & (values < 1), "values strictly between 0 and 1"
    else:
        return
    if not valid.all():
        position = int(positions[np.flatnonzero(~valid)[0]])
        raise ValueError(
            f"model['response']={name!r} has the value {show_value(response[position])} at "
            f"position {position}; the {family} family needs {need}."
        )

    if family in TRIALS_FAMILIES:
        ntrials = vectors.get("Ntrials", np.ones_like(response))
        above = observed & ~(response <= ntrials)
        if above.any():
            position = int(np.flatnonzero(above)[0])
            hint = "" if "Ntrials" in vectors else " Pass Ntrials, e.g. Ntrials='n'."
            raise ValueError(
                f"model['response']={name!r} has {show_value(response[position])} successes at "
                f"position {position} but Ntrials is {show_value(ntrials[position])} there; "
                f"the response cannot exceed Ntrials.{hint}"
            )


def _event_indicator(family: str, event, data: pd.DataFrame):
    """Resolve model['event'] of a survival family: 1 for an observed event, 0 for a censored time."""
    if event is None:
        return None
    if family not in SURVIVAL_FAMILIES:
        raise ValueError(
            f"model['event'] applies to the survival families {format_choices(SURVIVAL_FAMILIES)} only, "
            f"but family={family!r}; remove 'event'."
        )
    values = numeric_values(require_column(data, event, "model['event']"), "model['event']")
    if not np.isin(values, (0.0, 1.0)).all():
        position = int(np.flatnonzero(~np.isin(values, (0.0, 1.0)))[0])
        raise ValueError(
            f"model['event']={event!r} has the value {show_value(values[position])} at position "
            f"{position}; use 1 for an observed event and 0 for a right-censored time."
        )
    return values


def _check_link(family: str, link) -> None:
    if link is None or link == "default" or link == FAMILY_LINKS[family]:
        return
    raise ValueError(
        f"control['family']['link']={link!r} is not supported for family {family!r}; "
        f"the only link is {FAMILY_LINKS[family]!r}. Remove 'link'."
    )


def _fixed_effects(terms, data: pd.DataFrame, fixed_control) -> List[FixedEffect]:
    """Build the fixed effects, intercept first, with their covariate columns and priors.

    As in an R formula, the intercept is included unless '0' or '-1' is listed, and '1' states
    it explicitly. A term 'x1:x2' is the product of the columns x1 and x2.
    """
    if terms is None:
        terms = ["1"]
    if isinstance(terms, str) or not isinstance(terms, (list, tuple)):
        raise TypeError(
            f"model['fixed'] must be a list of terms such as ['1', 'x'], got {terms!r}."
        )

    names = []
    for term in terms:
        if not isinstance(term, str):
            raise TypeError(f"model['fixed'] must contain strings, got the term {term!r}.")
        names.append(term.strip())

    with_intercept = [name for name in names if name in INTERCEPT_TERMS]
    without_intercept = [name for name in names if name in NO_INTERCEPT_TERMS]
    if with_intercept and without_intercept:
        raise ValueError(
            f"model['fixed'] lists both {with_intercept[0]!r} (intercept) and "
            f"{without_intercept[0]!r} (no intercept); keep one of them."
        )
    covariate_terms = [name for name in names if name not in INTERCEPT_TERMS + NO_INTERCEPT_TERMS]

    effects = []
    if not without_intercept:
        effects.append(FixedEffect(INTERCEPT_NAME, None, 0.0, DEFAULT_INTERCEPT_PREC))
    for term in covariate_terms:
        name, values = _fixed_term_values(term, data)
        if name in [effect.name for effect in effects]:
            raise ValueError(f"model['fixed'] lists the term {term!r} twice; remove one.")
        effects.append(FixedEffect(name, values, 0.0, DEFAULT_FIXED_PREC))

    _apply_fixed_priors(effects, fixed_control)
    return effects


def _fixed_term_values(term: str, data: pd.DataFrame):
    """Return the output name and covariate values of a term: a column or a product 'a:b'."""
    where = "model['fixed']"
    if term in data.columns or ":" not in term:
        if term not in data.columns and any(symbol in term for symbol in "*+()^/"):
            raise ValueError(
                f"{where} term {term!r} is not a column of data. List main effects and "
                "interactions separately, e.g. ['x1', 'x2', 'x1:x2'], and add transformed "
                "covariates such as log(dose) to data as columns first."
            )
        column = require_column(data, term, f"{where} term {term!r}", show_name=False)
        return term, numeric_values(column, f"{where} term {term!r}")

    factors = [factor.strip() for factor in term.split(":")]
    values = np.ones(len(data))
    for factor in factors:
        column = require_column(
            data, factor, f"{where} term {term!r}: the factor {factor!r}", show_name=False
        )
        values = values * numeric_values(column, f"{where} term {term!r} factor {factor!r}")
    return ":".join(factors), values


def _apply_fixed_priors(effects: List[FixedEffect], fixed_control) -> None:
    """Set each fixed effect's prior mean and precision from control['fixed']."""
    control = _check_keys(fixed_control, CONTROL_FIXED_KEYS, "control['fixed']")
    covariate_names = [effect.name for effect in effects if not effect.is_intercept]

    for effect in effects:
        if effect.is_intercept:
            if "mean_intercept" in control:
                effect.mean = _real(control["mean_intercept"], "control['fixed']['mean_intercept']")
            if "prec_intercept" in control:
                effect.prec = _precision(
                    control["prec_intercept"], "control['fixed']['prec_intercept']"
                )
            continue
        if "mean" in control:
            value = _per_term_value(control["mean"], effect.name, covariate_names, "mean")
            if value is not None:
                effect.mean = _real(value, f"control['fixed']['mean'] for {effect.name!r}")
        if "prec" in control:
            value = _per_term_value(control["prec"], effect.name, covariate_names, "prec")
            if value is not None:
                effect.prec = _precision(value, f"control['fixed']['prec'] for {effect.name!r}")


def _per_term_value(setting, name: str, covariate_names: List[str], key: str):
    """Return the value of a control['fixed'] setting for one term.

    A number applies to every covariate. A dict maps term names to values, and its optional
    'default' entry covers the terms it does not name, as R-INLA's control.fixed lists do.
    """
    if not isinstance(setting, Mapping):
        return setting
    for term in setting:
        if term != "default" and term not in covariate_names:
            choices = covariate_names + ["default"]
            raise ValueError(
                f"control['fixed'][{key!r}] names {term!r}, which is not a fixed effect."
                f"{closest_name_hint(term, choices)} Use one of {format_choices(choices)}."
            )
    if name in setting:
        return setting[name]
    return setting.get("default")


def _real(value, where: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where} must be a number, got {value!r}.")
    if not math.isfinite(value):
        raise ValueError(f"{where} must be finite, got {value!r}.")
    return float(value)


def _precision(value, where: str) -> float:
    precision = _real(value, where)
    if precision < 0:
        raise ValueError(f"{where} must be >= 0 (0 gives a flat prior), got {value!r}.")
    return precision


def _inla_options(inla_control) -> Dict[str, object]:
    control = _check_keys(inla_control, CONTROL_INLA_KEYS, "control['inla']")
    options = {}
    choices = {"strategy": STRATEGIES, "int_strategy": INTEGRATION_STRATEGIES}
    for key, allowed in choices.items():
        if key in control:
            if control[key] not in allowed:
                raise ValueError(
                    f"control['inla'][{key!r}]={control[key]!r} is not supported; use one of "
                    f"{format_choices(allowed)}.{closest_name_hint(control[key], allowed)}"
                )
            options[key] = control[key]
    for key in ("dz", "diff_logdens"):
        if key in control:
            value = _real(control[key], f"control['inla'][{key!r}]")
            if value <= 0:
                raise ValueError(f"control['inla'][{key!r}] must be positive, got {value!r}.")
            options[key] = value
    return options


LINEAR_TERM_KEYS = ("id", "model", "mean_linear", "prec_linear")


def _split_linear_terms(random):
    """Separate R-INLA's model='linear' terms, which are fixed effects, from the other random terms."""
    if not isinstance(random, list):
        return [], random
    linear = [(k, term) for k, term in enumerate(random) if isinstance(term, Mapping) and term.get("model") == "linear"]
    others = [term for term in random if not (isinstance(term, Mapping) and term.get("model") == "linear")]
    return linear, others


def _linear_effect(term, data: pd.DataFrame, position: int, fixed) -> FixedEffect:
    """Build the fixed effect of a model='linear' term: beta * column with prior N(mean_linear, 1/prec_linear)."""
    where = f"model['random'][{position}]"
    _check_keys(term, LINEAR_TERM_KEYS, where)
    name = term.get("id")
    values = numeric_values(require_column(data, name, f"{where}['id']"), f"{where}['id']")
    if any(effect.name == name for effect in fixed):
        raise ValueError(f"{where}: {name!r} is also a fixed effect; keep one of the two.")
    mean = term.get("mean_linear", 0.0)
    prec = term.get("prec_linear", DEFAULT_FIXED_PREC)
    for value, key in ((mean, "mean_linear"), (prec, "prec_linear")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise TypeError(f"{where}[{key!r}] must be a finite number, got {value!r}.")
    if prec < 0:
        raise ValueError(f"{where}['prec_linear']={prec!r} must be >= 0 (0 is a flat prior).")
    return FixedEffect(name=name, values=values, mean=float(mean), prec=float(prec))


def _predictor_switch(predictor_control) -> bool:
    control = _check_keys(predictor_control, CONTROL_PREDICTOR_KEYS, "control['predictor']")
    value = control.get("compute", False)
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"control['predictor']['compute'] must be True or False, got {value!r}.")
    return bool(value)


def _compute_switches(compute_control) -> Dict[str, bool]:
    control = _check_keys(compute_control, CONTROL_COMPUTE_KEYS, "control['compute']")
    switches = {"return_marginals": True, "mlik": True}
    for key, value in control.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"control['compute'][{key!r}] must be True or False, got {value!r}.")
        if key in UNAVAILABLE_COMPUTE_KEYS:
            if value:
                raise ValueError(
                    f"control['compute'][{key!r}]=True is not available: pyinla draws joint posterior "
                    "samples from the kept run instead. Remove the key, fit with keep=True and call "
                    "pyinla.posterior_sample(n, result)."
                )
            continue
        switches[key] = bool(value)
    return switches
