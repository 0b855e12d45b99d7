"""Compare two run directories: their inputs (model file, data files) and outputs (results/).

``compare_runs(first, second)`` returns a RunComparison whose lines describe what differs:

- the model file, key by key in each section;
- each data file that a key names, by its SHA-256 hash and, for files of one number per line,
  by the number of values that differ and the largest absolute difference;
- each result file except timing.csv (whose times differ between any two runs), by the largest
  absolute change of a number and where it is.

The versions in call.json are compared too, but only as notes: they do not make two runs differ.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pandas as pd

from pyinla.model_file import MODEL_FILE, RESULTS_DIR
from pyinla.reproduce import data_file_keys, resolve_run_directory
from pyinla.results import CALL_RECORD_FILE, read_call_record, read_model_file

# Result files left out of the comparison: the times of the stages change from run to run.
SKIPPED_RESULT_FILES = ("timing.csv",)
# Keys of [run] that change how the engine runs but not what it computes.
RUN_SETTINGS = ("num_threads", "verbose")
# Leading characters of a SHA-256 hash shown in the report.
HASH_DIGITS = 12
# First columns of the result files that label the rows rather than hold numbers.
LABEL_COLUMNS = ("name", "ID", "stage")


@dataclass
class RunComparison:
    """Differences between two run directories, as lines of text for each part."""

    first: Path
    second: Path
    inputs: List[str] = field(default_factory=list)
    outputs: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    # What was compared and found equal, for the report of identical runs.
    compared_data_files: int = 0
    compared_result_files: int = 0

    @property
    def identical(self) -> bool:
        """True when no input and no output differs. Notes do not count."""
        return not self.inputs and not self.outputs

    def report(self) -> str:
        """Format the comparison: A and B named first, then inputs, outputs and notes."""
        lines = [f"A: {self.first}", f"B: {self.second}"]
        if self.identical:
            lines.append(
                f"identical: {MODEL_FILE}, {self.compared_data_files} data files and "
                f"{self.compared_result_files} result files "
                f"({', '.join(SKIPPED_RESULT_FILES)} not compared)"
            )
        for title, items in (("Inputs", self.inputs), ("Outputs", self.outputs)):
            if items:
                lines.append(f"{title} that differ:")
                lines += [f"   {item}" for item in items]
        if self.notes:
            lines.append("Notes:")
            lines += [f"   {item}" for item in self.notes]
        return "\n".join(lines) + "\n"


def compare_runs(first, second) -> RunComparison:
    """Compare the inputs and outputs of two run directories.

    Raises:
        FileNotFoundError, NotADirectoryError: if a path is not a directory with a model file.
        ResultError: if a model file or call.json is malformed.
    """
    first_dir = resolve_run_directory(first)
    second_dir = resolve_run_directory(second)
    comparison = RunComparison(first=Path(first), second=Path(second))
    first_model = read_model_file(first_dir / MODEL_FILE)
    second_model = read_model_file(second_dir / MODEL_FILE)

    comparison.inputs += _compare_models(first_model, second_model)
    _compare_data_files(first_dir, first_model, second_dir, second_model, comparison)
    _compare_results(first_dir, first_model, second_dir, second_model, comparison)
    comparison.notes += _compare_versions(first_dir, second_dir)
    return comparison


def _compare_models(
    first: Dict[str, Dict[str, str]], second: Dict[str, Dict[str, str]]
) -> List[str]:
    """List the sections and keys of the model file that differ, section by section."""
    lines = []
    sections = list(first) + [name for name in second if name not in first]
    for section in sections:
        if section not in second:
            lines.append(f"{MODEL_FILE} [{section}]: only in A")
            continue
        if section not in first:
            lines.append(f"{MODEL_FILE} [{section}]: only in B")
            continue
        keys = list(first[section]) + [key for key in second[section] if key not in first[section]]
        for key in keys:
            a = first[section].get(key)
            b = second[section].get(key)
            if a == b:
                continue
            where = f"{MODEL_FILE} [{section}] {key}"
            if a is None:
                text = f"{where}: only in B ({b})"
            elif b is None:
                text = f"{where}: only in A ({a})"
            else:
                text = f"{where}: {a} in A, {b} in B"
            if section == "run" and key in RUN_SETTINGS:
                text += " (a run setting: it does not change the results)"
            lines.append(text)
    return lines


def _compare_data_files(
    first_dir: Path,
    first_model: Dict[str, Dict[str, str]],
    second_dir: Path,
    second_model: Dict[str, Dict[str, str]],
    comparison: RunComparison,
) -> None:
    """Compare the files that the same key names in both model files."""
    keys = [(section, key) for section, key, _ in data_file_keys(first_model, first_dir)]
    keys += [
        (section, key)
        for section, key, _ in data_file_keys(second_model, second_dir)
        if (section, key) not in keys
    ]
    for section, key in keys:
        first_name = first_model.get(section, {}).get(key)
        second_name = second_model.get(section, {}).get(key)
        if first_name is None or second_name is None:
            # The model file comparison already reports a key that only one run has.
            continue
        label = f"[{section}] {key} = {first_name}"
        if second_name != first_name:
            label += f" (B: {second_name})"
        first_path = first_dir / first_name
        second_path = second_dir / second_name
        if not first_path.is_file() and not second_path.is_file():
            comparison.notes.append(f"data file {label}: missing in A and B")
            continue
        difference = _compare_data_file(first_path, second_path)
        if difference is None:
            comparison.compared_data_files += 1
        else:
            comparison.inputs.append(f"data file {label}: {difference}")


def _compare_data_file(first: Path, second: Path) -> Optional[str]:
    """Describe how two data files differ, or return None when their bytes are equal."""
    missing = [name for name, path in (("A", first), ("B", second)) if not path.is_file()]
    if missing:
        return f"missing in {' and '.join(missing)}"
    first_bytes = first.read_bytes()
    second_bytes = second.read_bytes()
    if first_bytes == second_bytes:
        return None

    text = (
        f"contents differ (SHA-256 {_short_hash(first_bytes)} in A, "
        f"{_short_hash(second_bytes)} in B)"
    )
    first_values = _parse_vector(first_bytes)
    second_values = _parse_vector(second_bytes)
    if first_values is None or second_values is None:
        return text
    if len(first_values) != len(second_values):
        return f"{text}; {len(first_values)} values in A, {len(second_values)} in B"

    changes = _absolute_changes(first_values, second_values)
    count = int(np.count_nonzero(changes))
    if count == 0:
        # Same numbers, written differently (e.g. 1 and 1.0, or comments).
        return f"{text}; the {len(first_values)} values are equal"
    at = int(np.argmax(changes))
    return (
        f"{text}; {count} of {len(first_values)} values differ, largest absolute difference "
        f"{_format_change(changes[at])} at value {at + 1} "
        f"({_format_number(first_values[at])} in A, {_format_number(second_values[at])} in B)"
    )


def _short_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:HASH_DIGITS]


def _parse_vector(content: bytes) -> Optional[np.ndarray]:
    """Parse a file of one number per line, skipping blank and '#' lines, or return None."""
    values = []
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            values.append(float(stripped))
        except ValueError:
            return None
    return np.asarray(values, dtype=float)


def _absolute_changes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Return |first - second| per element: 0 where both are NaN, infinity where one is."""
    with np.errstate(invalid="ignore"):
        changes = np.abs(first - second)
    first_nan = np.isnan(first)
    second_nan = np.isnan(second)
    changes[first_nan & second_nan] = 0.0
    changes[first_nan ^ second_nan] = math.inf
    # Equal infinities give inf - inf = NaN above; they are equal.
    changes[np.isnan(changes)] = 0.0
    return changes


def _compare_results(
    first_dir: Path,
    first_model: Dict[str, Dict[str, str]],
    second_dir: Path,
    second_model: Dict[str, Dict[str, str]],
    comparison: RunComparison,
) -> None:
    """Compare every CSV file in the two result folders, except those in SKIPPED_RESULT_FILES."""
    first_results = result_folder(first_dir, first_model)
    second_results = result_folder(second_dir, second_model)
    missing = [name for name, path in (("A", first_results), ("B", second_results))
               if not path.is_dir()]
    if len(missing) == 2:
        comparison.notes.append("neither run has a result folder, so no outputs were compared")
        return
    if missing:
        comparison.outputs.append(f"result folder: missing in {missing[0]}")
        return

    first_names = {path.name for path in first_results.glob("*.csv")}
    second_names = {path.name for path in second_results.glob("*.csv")}
    term_names = _random_term_names(first_model)
    for name in sorted(first_names | second_names):
        if name in SKIPPED_RESULT_FILES:
            continue
        label = name + (f" ({term_names[name]})" if name in term_names else "")
        if name not in second_names:
            comparison.outputs.append(f"{label}: only in A")
            continue
        if name not in first_names:
            comparison.outputs.append(f"{label}: only in B")
            continue
        difference = _compare_result_file(first_results / name, second_results / name)
        if difference is None:
            comparison.compared_result_files += 1
        else:
            comparison.outputs.append(f"{label}: {difference}")


def result_folder(directory: Path, model: Optional[Dict[str, Dict[str, str]]] = None) -> Path:
    """Return the result folder of a run directory, as [run] results of its model file names it."""
    if model is None:
        model = read_model_file(Path(directory) / MODEL_FILE)
    return Path(directory) / model.get("run", {}).get("results", RESULTS_DIR)


def _random_term_names(model: Dict[str, Dict[str, str]]) -> Dict[str, str]:
    """Map summary_random.K.csv to the name of the term [random.K]."""
    names = {}
    for section, values in model.items():
        number = section[len("random."):]
        if section.startswith("random.") and number.isdigit() and "name" in values:
            names[f"summary_random.{number}.csv"] = values["name"]
    return names


def _compare_result_file(first: Path, second: Path) -> Optional[str]:
    """Describe how two result tables differ, or return None when their bytes are equal."""
    if first.read_bytes() == second.read_bytes():
        return None
    try:
        first_table = pd.read_csv(first)
        second_table = pd.read_csv(second)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return "contents differ (not readable as a table)"
    if list(first_table.columns) != list(second_table.columns):
        return (
            f"columns differ: {', '.join(map(str, first_table.columns))} in A, "
            f"{', '.join(map(str, second_table.columns))} in B"
        )

    label_column = first_table.columns[0] if first_table.columns[0] in LABEL_COLUMNS else None
    if len(first_table) != len(second_table):
        return f"{len(first_table)} rows in A, {len(second_table)} in B"
    if label_column is not None:
        first_labels = first_table[label_column].astype(str).tolist()
        second_labels = second_table[label_column].astype(str).tolist()
        if first_labels != second_labels:
            row = next(i for i, (a, b) in enumerate(zip(first_labels, second_labels)) if a != b)
            return (
                f"row labels differ from row {row + 1} on "
                f"({first_labels[row]} in A, {second_labels[row]} in B)"
            )
    else:
        first_labels = second_labels = None

    columns = [name for name in first_table.columns if name != label_column]
    try:
        first_values = first_table[columns].to_numpy(dtype=float)
        second_values = second_table[columns].to_numpy(dtype=float)
    except ValueError:
        return "contents differ (a column other than the row labels is not numeric)"
    changes = _absolute_changes(first_values.ravel(), second_values.ravel())
    count = int(np.count_nonzero(changes))
    if count == 0:
        return "contents differ, but every number is equal"
    row, column = divmod(int(np.argmax(changes)), len(columns))
    where = _cell_name(first_labels, row, columns[column])
    return (
        f"{count} of {changes.size} numbers differ, largest absolute change "
        f"{_format_change(changes[row * len(columns) + column])} at {where} "
        f"({_format_number(first_values[row, column])} in A, "
        f"{_format_number(second_values[row, column])} in B)"
    )


def _cell_name(labels: Optional[List[str]], row: int, column: str) -> str:
    """Name a cell by its row label when that label is unique, else by the row number."""
    if labels is not None and labels.count(labels[row]) == 1:
        return f"row '{labels[row]}', column {column}"
    if labels is not None:
        return f"row {row + 1} ('{labels[row]}'), column {column}"
    return f"row {row + 1}, column {column}"


def _format_change(value: float) -> str:
    return "a NaN in one run only" if math.isinf(value) else f"{value:.3g}"


def _format_number(value: float) -> str:
    # repr() gives the shortest text that reads back as the same double.
    return repr(float(value))


def _compare_versions(first_dir: Path, second_dir: Path) -> List[str]:
    """Note the package and engine versions recorded in call.json where they differ."""
    first = _recorded_versions(first_dir)
    second = _recorded_versions(second_dir)
    notes = []
    for key in ("pyinla_version", "engine_version"):
        if first.get(key) != second.get(key):
            notes.append(
                f"{CALL_RECORD_FILE} {key}: {first.get(key, 'not recorded')} in A, "
                f"{second.get(key, 'not recorded')} in B"
            )
    return notes


def _recorded_versions(directory: Path) -> Dict[str, str]:
    path = directory / CALL_RECORD_FILE
    if not path.is_file():
        return {}
    record = read_call_record(path)
    return {key: str(record[key]) for key in ("pyinla_version", "engine_version") if key in record}
