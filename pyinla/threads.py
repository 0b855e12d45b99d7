"""Parse the ``num_threads`` argument into the engine's ``A:B[:C]`` thread specification.

A is the number of outer threads, which evaluate the hyperparameter (theta) configurations in
parallel. B is the number of inner threads that each outer thread may use for the sparse linear
algebra. C, when given, is passed through to the engine for a deeper level of concurrency.
"""

from __future__ import annotations

import numbers
import os
import re
from typing import Optional, Tuple

# R-INLA's default: 16 outer threads, each with a sequential inner level.
DEFAULT_THREADS: Tuple[int, int, Optional[int]] = (16, 1, None)

# Upper bound of each count, to catch typos such as 40000 for 4; the engine uses the same bound.
MAX_THREADS = 1024

ACCEPTED_FORMS = (
    "a positive int up to 1024 (4 means '4:1'), or a string 'A:B' or 'A:B:C' of counts from 1 to 1024 "
    "separated by colons, commas, spaces or tabs (':2' uses all CPUs at the outer level; "
    "'4:' means '4:1'), or None, '' or ':' for the default '16:1'"
)

# Any run of these characters separates two fields, so "4, 2" and "4:2" are the same.
_SEPARATORS = re.compile(r"[\s,:]+")
_POSITIVE_INTEGER = re.compile(r"[0-9]+")


def parse_num_threads(value) -> Tuple[int, int, Optional[int]]:
    """Parse ``num_threads`` into (A, B, C), where C is None when not given.

    Raises:
        ValueError: for zero or negative counts, non-numbers, floats, bools, a fourth field, or
            any other form; the message names the value and the accepted forms.
    """
    if value is None:
        return DEFAULT_THREADS

    # bool is a subclass of int, but num_threads=True is a mistake, not one thread.
    if isinstance(value, bool):
        raise _invalid(value)

    if isinstance(value, numbers.Integral):
        if not 1 <= value <= MAX_THREADS:
            raise _invalid(value)
        return (int(value), 1, None)

    if not isinstance(value, str):
        raise _invalid(value)

    return _parse_thread_string(value)


def format_num_threads(threads: Tuple[int, int, Optional[int]]) -> str:
    """Format (A, B, C) as the engine's ``A:B`` or ``A:B:C`` string."""
    outer, inner, deepest = threads
    if deepest is None:
        return f"{outer}:{inner}"
    return f"{outer}:{inner}:{deepest}"


def _parse_thread_string(text: str) -> Tuple[int, int, Optional[int]]:
    stripped = text.strip()
    if _SEPARATORS.fullmatch(stripped) or stripped == "":
        return DEFAULT_THREADS

    fields = _SEPARATORS.split(stripped)
    # A leading separator leaves an empty first field: the outer count was left out.
    outer_omitted = fields[0] == ""
    if outer_omitted:
        fields = fields[1:]
    # A trailing separator ("4:") leaves an empty last field, which means "not given".
    if fields and fields[-1] == "":
        fields = fields[:-1]

    max_fields = 2 if outer_omitted else 3
    if not 1 <= len(fields) <= max_fields:
        raise _invalid(text)
    if not all(_POSITIVE_INTEGER.fullmatch(field) for field in fields):
        raise _invalid(text)

    counts = [int(field) for field in fields]
    if any(not 1 <= count <= MAX_THREADS for count in counts):
        raise _invalid(text)

    if outer_omitted:
        counts.insert(0, os.cpu_count() or 1)
    if len(counts) == 1:
        counts.append(1)

    deepest = counts[2] if len(counts) == 3 else None
    return (counts[0], counts[1], deepest)


def _invalid(value) -> ValueError:
    return ValueError(f"num_threads={value!r} is invalid. Use {ACCEPTED_FORMS}.")
