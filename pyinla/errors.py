"""Exception types, the helper that suggests the closest valid name, and user-facing warnings."""

from __future__ import annotations

import difflib
import os
import sys
import warnings
from typing import Iterable

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def warn_caller(message: str, category=UserWarning) -> None:
    """Issue a warning attributed to the user's line: the first caller outside this package."""
    frame = sys._getframe(1)
    level = 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(PACKAGE_DIR + os.sep):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


class EngineError(RuntimeError):
    """The engine exited with a non-zero status or was killed by a signal.

    Attributes:
        returncode: the engine's exit status; negative values are the number of the signal
            that ended it, as in ``subprocess``.
        command: the engine command line as a list.
        run_directory: the run directory, which is kept for inspection.
        output_tail: the engine's last lines of output (stdout and stderr merged).
    """

    def __init__(self, message: str, *, returncode, command, run_directory, output_tail):
        super().__init__(message)
        self.returncode = returncode
        self.command = command
        self.run_directory = run_directory
        self.output_tail = output_tail


class ResultError(RuntimeError):
    """The engine exited successfully, but its result files are missing or malformed."""


def closest_name_hint(name, choices: Iterable[str]) -> str:
    """Return " Did you mean 'x'?" for the choice closest to ``name``, or "" if none is close."""
    matches = difflib.get_close_matches(str(name), [str(choice) for choice in choices], n=1)
    if not matches:
        return ""
    return f" Did you mean {matches[0]!r}?"


def format_choices(choices: Iterable[str]) -> str:
    """Format names as a quoted, comma-separated list for error messages."""
    return ", ".join(repr(choice) for choice in choices)


def show_value(value) -> str:
    """Format a value for an error message; numpy scalars print as plain Python numbers."""
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()
    return repr(value)
