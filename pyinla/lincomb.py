"""Linear combinations of the latent field, as R-INLA's lincomb: their posterior marginals are computed by the
engine like those of any latent variable.

``lincomb={'x1 minus x2': {'x1': 1, 'x2': -1}, 'plate 3': {'(Intercept)': 1, 'plate': {3: 1}}}`` names each
combination and gives its weights: a fixed effect by its name, a level of a random term by the term's id and a
dict of level values (as they appear in the data) to weights.
"""

from __future__ import annotations

import numbers
from typing import Dict, List, Mapping, Tuple

from pyinla.errors import closest_name_hint, format_choices
from pyinla.spec import ModelSpec


def latent_positions(spec: ModelSpec) -> Tuple[Dict[str, Tuple[int, int, List[str]]], Dict[str, int]]:
    """Return, for each random term, (offset, size, level labels), and for each fixed effect its position."""
    terms, position = {}, 0
    for term in spec.random:
        terms[term.name] = (position, term.block_size, term.block_labels)
        position += term.block_size
    fixed = {}
    for effect in spec.fixed:
        fixed[effect.name] = position
        position += 1
    return terms, fixed


def validate_lincombs(lincomb, spec: ModelSpec) -> List[Tuple[str, List[Tuple[int, float]]]]:
    """Check ``lincomb`` and return (name, [(position in x, weight), ...]) for each combination."""
    if lincomb is None:
        return []
    if not isinstance(lincomb, Mapping) or not lincomb:
        raise TypeError("lincomb must be a non-empty dict: combination name -> {term: weight}.")
    terms, fixed = latent_positions(spec)
    known = list(fixed) + list(terms)
    combinations = []
    for name, weights in lincomb.items():
        where = f"lincomb[{name!r}]"
        if not isinstance(name, str) or not name:
            raise TypeError(f"lincomb names must be non-empty strings, got {name!r}.")
        if not isinstance(weights, Mapping) or not weights:
            raise TypeError(f"{where} must be a non-empty dict of term -> weight.")
        pairs = []
        for term, weight in weights.items():
            if term in fixed:
                pairs.append((fixed[term], _weight(weight, f"{where}[{term!r}]")))
            elif term in terms:
                pairs += _level_weights(weight, terms[term], f"{where}[{term!r}]")
            else:
                raise ValueError(
                    f"{where} names {term!r}, which is not a fixed effect or random term of the model; "
                    f"use one of {format_choices(known)}.{closest_name_hint(str(term), known)}"
                )
        combinations.append((name, pairs))
    return combinations


def _weight(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
        raise TypeError(f"{where} must be a number, got {value!r}.")
    return float(value)


def _level_weights(levels, term: Tuple[int, int, List[str]], where: str) -> List[Tuple[int, float]]:
    offset, size, labels = term
    if not isinstance(levels, Mapping) or not levels:
        raise TypeError(f"{where} must be a dict of level value -> weight, e.g. {{3: 1.0}}.")
    pairs = []
    for level, weight in levels.items():
        key = str(level)
        if key not in labels:
            # Integer-valued floats in the data are labelled like 3.0; accept 3 for them too.
            key = next((label for label in labels if _same_number(label, level)), None)
        if key is None:
            raise ValueError(f"{where} has the level {level!r}, which is not a level of the term "
                             f"({len(labels)} levels, e.g. {', '.join(labels[:3])}).")
        pairs.append((offset + labels.index(key), _weight(weight, f"{where}[{level!r}]")))
    return pairs


def _same_number(label: str, level) -> bool:
    try:
        return float(label) == float(level)
    except (TypeError, ValueError):
        return False
