"""Validate hyperparameter settings: prior name, prior parameters, initial value, fixed flag.

All settings are on the engine's internal scale: theta = log(precision) for ``prec``,
theta = log((1 + rho) / (1 - rho)) for ``rho`` and ``pacf1`` ... ``pacf10``, theta = log(size) for
``size``, theta = log(dof - 2) for ``dof`` and theta = log(alpha) for the Weibull ``alpha``.
"""

from __future__ import annotations

import math
import numbers
from typing import Dict, Iterable, Mapping, Optional, Tuple

import numpy as np

from pyinla.errors import closest_name_hint, format_choices
from pyinla.spec import Hyperparameter

# Priors of a log precision (or of another positive parameter on the log scale).
PRECISION_PRIOR_NAMES = ("loggamma", "pc.prec", "normal", "gaussian", "flat")
# Priors for a parameter on any internal scale.
GENERIC_PRIOR_NAMES = ("normal", "gaussian", "flat")
# The PC priors (Simpson et al., 2017) each fit one kind of parameter. pc.mgamma is for the negative
# binomial size, pc.dof for the Student-t degrees of freedom, pc.alphaw for the Weibull shape, pc.cor0 for
# a correlation with base model 0 and pc for the bym2 mixing parameter phi.
PRIOR_NAMES = PRECISION_PRIOR_NAMES + ("pc.mgamma", "pc.dof", "pc.alphaw", "pc.cor0", "pc")
# The PC prior of the bym2 mixing parameter phi, P(phi < u) = alpha.
MIXING_PRIOR_NAMES = ("pc",) + GENERIC_PRIOR_NAMES
HYPER_FIELDS = ("prior", "param", "initial", "fixed")
MAX_PACF = 10
PACF_NAMES = tuple(f"pacf{k}" for k in range(1, MAX_PACF + 1))

# The engine's prior for each hyperparameter when none is given (docs/engine-format.md).
ENGINE_DEFAULT_PRIOR = {"prec": "loggamma", "rho": "normal", "size": "pc.mgamma", "alpha": "pc.alphaw",
                        "prob": "normal", "dof": "pc.dof", "prec.unstruct": "loggamma",
                        "prec.spatial": "loggamma", "phi": "pc", "beta": "normal"}
ENGINE_DEFAULT_PRIOR.update({name: "pc.cor0" for name in PACF_NAMES})

# Priors on log(precision) make no sense for a correlation, a probability or degrees of freedom.
PRIORS_ALLOWED = {
    "prec": PRECISION_PRIOR_NAMES,
    "size": PRECISION_PRIOR_NAMES + ("pc.mgamma",),
    "alpha": PRECISION_PRIOR_NAMES + ("pc.alphaw",),
    "rho": ("pc.cor0",) + GENERIC_PRIOR_NAMES,
    "prob": GENERIC_PRIOR_NAMES,
    "dof": ("pc.dof",) + GENERIC_PRIOR_NAMES,
    "prec.unstruct": PRECISION_PRIOR_NAMES,
    "prec.spatial": PRECISION_PRIOR_NAMES,
    "phi": MIXING_PRIOR_NAMES,
    "beta": GENERIC_PRIOR_NAMES,
}
PRIORS_ALLOWED.update({name: ("pc.cor0",) + GENERIC_PRIOR_NAMES for name in PACF_NAMES})

# Parameters used when a prior is named without ``param``: R-INLA's defaults for these priors.
DEFAULT_PARAM = {"loggamma": (1.0, 5e-05), "pc.prec": (1.0, 0.01), "pc": (0.5, 0.5), "pc.mgamma": (7.0,),
                 "pc.dof": (15.0, 0.5), "pc.alphaw": (5.0,), "pc.cor0": (0.5, 0.5)}

# How many numbers each prior takes, and what they mean, for the error messages.
PARAM_FORMS = {
    "loggamma": (2, "[shape, rate]"),
    "pc.prec": (2, "[u, alpha]"),
    "normal": (2, "[mean, precision]"),
    "pc": (2, "[u, alpha]"),
    "pc.mgamma": (1, "[lambda]"),
    "pc.dof": (2, "[u, alpha]"),
    "pc.alphaw": (1, "[lambda]"),
    "pc.cor0": (2, "[u, alpha]"),
}

DefaultPriors = Mapping[str, Tuple[str, Tuple[float, ...]]]


def validate_hyper(
    hyper,
    allowed_names: Iterable[str],
    where: str,
    *,
    default_priors: Optional[DefaultPriors] = None,
) -> Dict[str, Hyperparameter]:
    """Check a ``hyper`` dict such as ``{'prec': {'prior': 'pc.prec', 'param': [1, 0.01]}}``.

    ``allowed_names`` are the hyperparameters of the model or family, and ``where`` names the
    argument in error messages, e.g. ``model['random'][0]['hyper']``. ``default_priors`` maps a
    hyperparameter name to the (prior, param) that its model uses by default where that differs
    from ``ENGINE_DEFAULT_PRIOR`` and ``DEFAULT_PARAM``: it decides the prior of a ``param`` given
    alone and the param of that prior named alone.
    """
    allowed_names = tuple(allowed_names)
    if hyper is None:
        return {}
    if not isinstance(hyper, Mapping):
        raise TypeError(f"{where} must be a dict keyed by hyperparameter name, got {hyper!r}.")
    default_priors = default_priors or {}

    settings = {}
    for name, fields in hyper.items():
        if name not in allowed_names:
            if not allowed_names:
                raise ValueError(f"{where} has {name!r}, but this model has no hyperparameters.")
            raise ValueError(
                f"{where} has an unknown hyperparameter {name!r}; this model has "
                f"{format_choices(allowed_names)}.{closest_name_hint(name, allowed_names)}"
            )
        settings[name] = _validate_fields(name, fields, f"{where}[{name!r}]", default_priors.get(name))
    return settings


def _validate_fields(name: str, fields, where: str,
                     model_default: Optional[Tuple[str, Tuple[float, ...]]]) -> Hyperparameter:
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
    if prior is None and param is not None and model_default is not None:
        # Name the model's default prior in the model file, so that the engine reads param with it.
        setting.prior = model_default[0]
    if prior is not None or param is not None:
        effective_prior = setting.prior or ENGINE_DEFAULT_PRIOR[name]
        default_param = DEFAULT_PARAM.get(effective_prior)
        if model_default is not None and model_default[0] == effective_prior:
            default_param = tuple(float(value) for value in model_default[1])
        setting.param = _validate_param(effective_prior, param, f"{where}['param']", default_param)

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


def _validate_param(prior: str, param, where: str,
                    default_param: Optional[Tuple[float, ...]]) -> Tuple[float, ...]:
    if prior == "flat":
        if param is not None and len(_as_numbers(param, where)) > 0:
            raise ValueError(
                f"{where}={param!r}: the flat prior takes no parameters; remove 'param'."
            )
        return ()

    count, form = PARAM_FORMS[prior]
    if param is None:
        if default_param is None:
            raise ValueError(f"{where} is missing: the {prior} prior needs param={form}.")
        return default_param

    values = _as_numbers(param, where)
    if len(values) != count:
        numbers_text = "one number" if count == 1 else "two numbers"
        raise ValueError(
            f"{where}={param!r}: the {prior} prior needs exactly {numbers_text}, {form}."
        )
    problem = _param_problem(prior, values)
    if problem:
        raise ValueError(f"{where}={param!r}: {problem}")
    return values


def _param_problem(prior: str, values: Tuple[float, ...]) -> Optional[str]:
    """Return what is wrong with the parameters of ``prior``, with an example of valid ones, or None."""
    first = values[0]
    second = values[1] if len(values) > 1 else None
    if prior == "loggamma" and not (first > 0 and second > 0):
        return "the loggamma prior needs a positive shape and a positive rate, e.g. [1, 5e-05]."
    if prior == "pc.prec" and not (first > 0 and 0 < second < 1):
        return ("the pc.prec prior needs [u, alpha] with u > 0 and 0 < alpha < 1, "
                "meaning P(sd > u) = alpha, e.g. [1, 0.01].")
    if prior == "pc" and not (0 < first < 1 and 0 < second < 1):
        return ("the pc prior of phi needs [u, alpha] with 0 < u < 1 and 0 < alpha < 1, "
                "meaning P(phi < u) = alpha, e.g. [0.5, 0.5].")
    if prior == "normal" and not second > 0:
        return "the normal prior needs [mean, precision] with precision > 0."
    if prior in ("pc.mgamma", "pc.alphaw") and not first > 0:
        return f"the {prior} prior needs [lambda] with lambda > 0, e.g. [{DEFAULT_PARAM[prior][0]:g}]."
    if prior == "pc.dof" and not (first > 2 and 0 < second < 1):
        return ("the pc.dof prior needs [u, alpha] with u > 2 and 0 < alpha < 1, "
                "meaning P(dof < u) = alpha, e.g. [15, 0.5].")
    if prior == "pc.cor0" and not (0 < first < 1 and 0 < second < 1):
        return ("the pc.cor0 prior needs [u, alpha] with 0 < u < 1 and 0 < alpha < 1, "
                "meaning P(|rho| > u) = alpha, e.g. [0.5, 0.5].")
    return None


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
