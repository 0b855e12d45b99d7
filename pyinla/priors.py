"""Validate hyperparameter settings: prior name, prior parameters, initial value, fixed flag.

All settings are on the engine's internal scale: theta = log(precision) for ``prec`` and
theta = log((1 + rho) / (1 - rho)) for ``rho``.
"""

from __future__ import annotations

import math
import numbers
from typing import Dict, Iterable, Mapping, Tuple

import numpy as np

from pyinla.errors import closest_name_hint, format_choices
from pyinla.spec import Hyperparameter

PRIOR_NAMES = ("loggamma", "pc.prec", "normal", "gaussian", "flat")
# The PC prior of the bym2 mixing parameter phi, P(phi < u) = alpha.
MIXING_PRIOR_NAMES = ("pc", "normal", "gaussian", "flat")
HYPER_FIELDS = ("prior", "param", "initial", "fixed")

# The engine's prior for each hyperparameter when none is given (docs/engine-format.md).
ENGINE_DEFAULT_PRIOR = {"prec": "loggamma", "rho": "normal", "size": "loggamma", "alpha": "loggamma",
                        "prob": "normal", "dof": "normal", "prec.unstruct": "loggamma",
                        "prec.spatial": "loggamma", "phi": "pc"}

# Priors on log(precision) make no sense for a correlation, a probability or degrees of freedom.
PRIORS_ALLOWED = {
    "prec": PRIOR_NAMES,
    "size": PRIOR_NAMES,
    "alpha": PRIOR_NAMES,
    "rho": ("normal", "gaussian", "flat"),
    "prob": ("normal", "gaussian", "flat"),
    "dof": ("normal", "gaussian", "flat"),
    "prec.unstruct": PRIOR_NAMES,
    "prec.spatial": PRIOR_NAMES,
    "phi": MIXING_PRIOR_NAMES,
}

# Parameters used when a prior is named without ``param``: R-INLA's defaults for these priors.
DEFAULT_PARAM = {"loggamma": (1.0, 5e-05), "pc.prec": (1.0, 0.01), "pc": (0.5, 0.5)}


def validate_hyper(hyper, allowed_names: Iterable[str], where: str) -> Dict[str, Hyperparameter]:
    """Check a ``hyper`` dict such as ``{'prec': {'prior': 'pc.prec', 'param': [1, 0.01]}}``.

    ``allowed_names`` are the hyperparameters of the model or family, and ``where`` names the
    argument in error messages, e.g. ``model['random'][0]['hyper']``.
    """
    allowed_names = tuple(allowed_names)
    if hyper is None:
        return {}
    if not isinstance(hyper, Mapping):
        raise TypeError(f"{where} must be a dict keyed by hyperparameter name, got {hyper!r}.")

    settings = {}
    for name, fields in hyper.items():
        if name not in allowed_names:
            if not allowed_names:
                raise ValueError(f"{where} has {name!r}, but this model has no hyperparameters.")
            raise ValueError(
                f"{where} has an unknown hyperparameter {name!r}; this model has "
                f"{format_choices(allowed_names)}.{closest_name_hint(name, allowed_names)}"
            )
        settings[name] = _validate_fields(name, fields, f"{where}[{name!r}]")
    return settings


def _validate_fields(name: str, fields, where: str) -> Hyperparameter:
    if not isinstance(fields, Mapping):
        raise TypeError(
            f"{where} must be a dict with keys {format_choices(HYPER_FIELDS)}, got {fields!r}."
        )
    for key in fields:
        if key not in HYPER_FIELDS:
            raise ValueError(
                f"{where} has an unknown key {key!r}; use {format_choices(HYPER_FIELDS)}."
                f"{closest_name_hint(key, HYPER_FIELDS)}"
            )

    setting = Hyperparameter()
    prior = fields.get("prior")
    param = fields.get("param")

    if prior is not None:
        setting.prior = _validate_prior_name(name, prior, where)
    if prior is not None or param is not None:
        effective_prior = setting.prior or ENGINE_DEFAULT_PRIOR[name]
        setting.param = _validate_param(effective_prior, param, f"{where}['param']")

    if fields.get("initial") is not None:
        setting.initial = _validate_initial(fields["initial"], f"{where}['initial']")
    if fields.get("fixed") is not None:
        fixed = fields["fixed"]
        if not isinstance(fixed, (bool, np.bool_)):
            raise TypeError(f"{where}['fixed'] must be True or False, got {fixed!r}.")
        setting.fixed = bool(fixed)
    return setting


def _validate_prior_name(name: str, prior, where: str) -> str:
    allowed = PRIORS_ALLOWED[name]
    if prior not in PRIOR_NAMES:
        raise ValueError(
            f"{where}['prior']={prior!r} is not a known prior; use one of "
            f"{format_choices(PRIOR_NAMES)}.{closest_name_hint(prior, PRIOR_NAMES)}"
        )
    if prior not in allowed:
        raise ValueError(
            f"{where}['prior']={prior!r} cannot be used for {name!r}; use one of "
            f"{format_choices(allowed)}."
        )
    # 'gaussian' is R-INLA's alias of 'normal', the name written to the model file.
    return "normal" if prior == "gaussian" else prior


def _validate_param(prior: str, param, where: str) -> Tuple[float, ...]:
    if prior == "flat":
        if param is not None and len(_as_numbers(param, where)) > 0:
            raise ValueError(
                f"{where}={param!r}: the flat prior takes no parameters; remove 'param'."
            )
        return ()

    if param is None:
        if prior not in DEFAULT_PARAM:
            raise ValueError(
                f"{where} is missing: the {prior} prior needs param=[mean, precision]."
            )
        return DEFAULT_PARAM[prior]

    values = _as_numbers(param, where)
    if len(values) != 2:
        raise ValueError(f"{where}={param!r}: the {prior} prior needs exactly two numbers.")
    first, second = values

    if prior == "loggamma" and not (first > 0 and second > 0):
        raise ValueError(
            f"{where}={param!r}: the loggamma prior needs a positive shape and a positive rate, "
            "e.g. [1, 5e-05]."
        )
    if prior == "pc.prec" and not (first > 0 and 0 < second < 1):
        raise ValueError(
            f"{where}={param!r}: the pc.prec prior needs [u, alpha] with u > 0 and 0 < alpha < 1, "
            "meaning P(sd > u) = alpha, e.g. [1, 0.01]."
        )
    if prior == "pc" and not (0 < first < 1 and 0 < second < 1):
        raise ValueError(
            f"{where}={param!r}: the pc prior of phi needs [u, alpha] with 0 < u < 1 and "
            "0 < alpha < 1, meaning P(phi < u) = alpha, e.g. [0.5, 0.5]."
        )
    if prior == "normal" and not second > 0:
        raise ValueError(
            f"{where}={param!r}: the normal prior needs [mean, precision] with precision > 0."
        )
    return (first, second)


def _as_numbers(param, where: str) -> Tuple[float, ...]:
    if isinstance(param, (str, bytes)) or not isinstance(param, Iterable):
        raise TypeError(f"{where} must be a list of numbers, got {param!r}.")
    values = []
    for item in param:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Real):
            raise TypeError(f"{where} must be a list of numbers, got {param!r}.")
        if not math.isfinite(item):
            raise ValueError(f"{where}={param!r} contains a non-finite number.")
        values.append(float(item))
    return tuple(values)


def _validate_initial(initial, where: str) -> float:
    if isinstance(initial, (bool, np.bool_)) or not isinstance(initial, numbers.Real):
        raise TypeError(f"{where} must be a number on the internal scale, got {initial!r}.")
    if not math.isfinite(initial):
        raise ValueError(f"{where}={initial!r} must be finite.")
    return float(initial)
