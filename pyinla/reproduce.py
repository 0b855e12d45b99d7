"""Run the engine again on the inputs of a kept run directory, in a fresh directory.

``rerun(path)`` copies the model file, the data files it names and call.json of ``path`` into a
new directory and runs the engine there. Nothing is written into ``path``. Because the engine
writes the same numbers for any thread specification, the summaries of the rerun equal those
of the original run, bit for bit, whenever the engine version is the same.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional, Sequence, Tuple

from pyinla._version import __version__
from pyinla.call_record import write_call_record
from pyinla.errors import ResultError
from pyinla.model_file import DATA_DIR, ENGINE_LOG, MODEL_FILE, RESULTS_DIR
from pyinla.results import CALL_RECORD_FILE, Result, read_call_record, read_model_file, read_results
from pyinla.runner import TRANSCRIPT_FILE, build_command, engine_error, engine_version, run_engine
from pyinla.threads import DEFAULT_THREADS, format_num_threads, parse_num_threads
from pyinla.workdir import RunDirectory, create_first_free_sibling, prepare_run_directory, remove_run_files

logger = logging.getLogger("pyinla")

# Keys of the model file whose values name data files (docs/engine-format.md). Sections
# numbered K = 0, 1, ... are listed by their prefix. data_file_keys() also finds keys missing
# here, such as those of a newer engine, when the file they name exists.
DATA_FILE_KEYS: Dict[str, Tuple[str, ...]] = {
    "data": ("response", "E", "Ntrials", "offset", "scale"),
    "fixed.": ("values",),
    "random.": ("index", "labels", "graph", "cmatrix"),
}
# The value of [fixed.K] values that means a column of ones, not a file.
ONES = "ones"
# The section whose keys name the engine's outputs (results, log), not its inputs.
RUN_SECTION = "run"

# A rerun without working_directory goes to the first free sibling PATH-rerun-1, PATH-rerun-2, ...
RERUN_SUFFIX = "-rerun-"


def data_file_keys(
    model: Dict[str, Dict[str, str]], directory: Optional[Path] = None
) -> List[Tuple[str, str, str]]:
    """Return (section, key, path) for every key of the model file that names a data file.

    These are the keys of DATA_FILE_KEYS that are set and, when ``directory`` (the folder of the
    model file) is given, every other key outside [run] whose value is the relative path of a
    file in it.
    """
    references = []
    for section, values in model.items():
        if section == RUN_SECTION:
            continue
        prefix = section if section == "data" else section.split(".")[0] + "."
        numbered = prefix == "data" or section[len(prefix):].isdigit()
        known = DATA_FILE_KEYS.get(prefix, ()) if numbered else ()
        for key, value in values.items():
            if prefix == "fixed." and key == "values" and value == ONES:
                continue
            if key in known or (directory is not None and _names_file(directory, value)):
                references.append((section, key, value))
    return references


def _names_file(directory: Path, value: str) -> bool:
    relative = PurePosixPath(value)
    if not value or relative.is_absolute() or ".." in relative.parts:
        return False
    return (directory / relative).is_file()


def rerun(
    path,
    *,
    num_threads=None,
    verbose: bool = False,
    working_directory=None,
    keep: bool = True,
    engine_arguments: Sequence[str] = (),
) -> Result:
    """Run the engine again on the kept inputs of the run directory ``path`` and return the result.

    The model file, every data file it names and call.json are copied into a fresh directory,
    where the engine runs; ``path`` itself is only read. The fresh directory is
    ``working_directory`` when given, with the rules of ``pyinla()``: a missing directory is
    created, an empty one is used, and a non-empty one is left alone for the first free
    numbered sibling (``dir-1``, ``dir-2``, ...). Without ``working_directory`` it is the first
    free sibling ``PATH-rerun-1``, ``PATH-rerun-2``, ... of ``path``.

    Args:
        path: a run directory with model.ini, such as one kept by ``pyinla(..., keep=True)``,
            or a folder with a model file written by hand.
        num_threads: engine threads, an int or 'A:B[:C]' as in ``pyinla()``; default the
            ``[run] num_threads`` of the kept model file. It does not change the results.
        verbose: stream the engine's progress to stdout while it runs.
        working_directory: folder for the rerun, which must not lie inside ``path``.
        keep: keep the fresh directory (the default); with False, the files the rerun created
            are removed after the results are read, unless the engine fails.
        engine_arguments: further engine options placed before the model file, such as
            ``['--samples', '100']`` (see ``pyinla-engine --help``).

    The fresh call.json is the kept record with this run's versions, command line and threads,
    and ``rerun_of``: the kept directory (relative to the fresh one) and the record's original
    versions, command line and threads.

    Raises:
        FileNotFoundError: if ``path`` or its model.ini does not exist, or a data file that the
            model file names is missing.
        NotADirectoryError: if ``path`` is not a directory.
        ValueError: for an invalid num_threads or working_directory, or a model file that names
            a file outside ``path`` (the copy would not be self-contained).
        TypeError: if ``verbose`` or ``keep`` is not a bool.
        ResultError: if call.json or a result file is malformed.
        EngineError: if the engine fails; the fresh directory is then kept.
    """
    for flag, name in ((verbose, "verbose"), (keep, "keep")):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}.")
    source = resolve_run_directory(path)
    model = read_model_file(source / MODEL_FILE)
    inputs = _input_files(source, model)
    outputs = _engine_outputs(model)
    threads = format_num_threads(parse_num_threads(_default_threads(model, num_threads)))
    original_call = (
        read_call_record(source / CALL_RECORD_FILE)
        if (source / CALL_RECORD_FILE).is_file()
        else None
    )
    engine, env = _locate_engine()

    run = _prepare_rerun_directory(source, working_directory)
    created: List[Path] = [Path(CALL_RECORD_FILE), Path(TRANSCRIPT_FILE)]
    failed = False
    try:
        _copy_inputs(source, run.path, inputs, created)
        created += [Path(outputs["engine_log"]), Path(outputs["results"])]
        command = build_command(engine, threads, verbose)
        command[-1:-1] = [str(argument) for argument in engine_arguments]
        record = _rerun_record(
            original_call, source, run.path, threads, command, engine_version(engine, env)
        )
        record.setdefault(
            "files", {"model": MODEL_FILE, **outputs, "engine_output": TRANSCRIPT_FILE}
        )
        write_call_record(record, run.path / CALL_RECORD_FILE)

        logger.debug("rerunning %s: %s in %s", source, shlex.join(command), run.path)
        engine_run = run_engine(command, run.path, env, verbose)
        if engine_run.returncode != 0:
            failed = True
            raise engine_error(engine_run)
        result = read_results(run.path, call=record)
    except ResultError:
        failed = True
        raise
    finally:
        if failed:
            logger.warning("rerun failed; its directory %s was kept for inspection", run.path)
        elif not keep:
            # The directory was new or empty, so every result file in it is this run's.
            results = run.path / outputs["results"]
            if results.is_dir():
                created += [Path(outputs["results"]) / item.name for item in results.iterdir()]
            remove_run_files(run, created)

    result.working_directory = run.path if keep else None
    return result


def _locate_engine():
    # Looked up through pyinla.api, so that the tests' fake engine applies here as well.
    from pyinla.api import _locate_engine as locate

    return locate()


def resolve_run_directory(path) -> Path:
    """Return the absolute, resolved path of a directory that contains a model file.

    Raises:
        TypeError: if ``path`` is not a str or path.
        FileNotFoundError: if ``path`` or its model file does not exist.
        NotADirectoryError: if ``path`` is a file.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a run directory (str or pathlib.Path), got {type(path).__name__}."
        )
    directory = Path(os.fspath(path)).expanduser()
    if not directory.exists():
        raise FileNotFoundError(f"run directory {str(path)!r} not found.")
    if not directory.is_dir():
        raise NotADirectoryError(
            f"{str(path)!r} is a file; pass the run directory that contains {MODEL_FILE}."
        )
    if not (directory / MODEL_FILE).is_file():
        raise FileNotFoundError(
            f"{str(path)!r} is not a run directory: it has no {MODEL_FILE}. Pass a directory kept "
            "with pyinla(..., keep=True) or one with a model file written by hand."
        )
    return directory.resolve()


def _default_threads(model: Dict[str, Dict[str, str]], num_threads):
    if num_threads is not None:
        return num_threads
    return model.get("run", {}).get("num_threads", format_num_threads(DEFAULT_THREADS))


def _relative_inside(value: str, setting: str) -> PurePosixPath:
    """Return ``value`` as a relative path that stays inside the run directory.

    Raises:
        ValueError: for an absolute path or one that leaves the directory through '..'.
    """
    relative = PurePosixPath(value)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(
            f"{setting} = {value} is outside the run directory, so a copy of the directory would "
            "not contain it. Copy the file into the directory and name it by a relative path."
        )
    return relative


def _input_files(source: Path, model: Dict[str, Dict[str, str]]) -> List[PurePosixPath]:
    """Return the data files that the model file names, relative to ``source``.

    Raises:
        ValueError: for a file outside ``source``.
        FileNotFoundError: for a file that does not exist.
    """
    files = []
    for section, key, value in data_file_keys(model, source):
        setting = f"{MODEL_FILE} [{section}] {key}"
        relative = _relative_inside(value, setting)
        if not (source / relative).is_file():
            raise FileNotFoundError(f"{setting} names {value}, which is not in {source}.")
        files.append(relative)
    return files


def _engine_outputs(model: Dict[str, Dict[str, str]]) -> Dict[str, str]:
    """Return the result folder and log file the engine writes, relative to the run directory.

    Raises:
        ValueError: if either lies outside the run directory, where a rerun must not write.
    """
    run = model.get("run", {})
    results = _relative_inside(run.get("results", RESULTS_DIR), f"{MODEL_FILE} [run] results")
    log = _relative_inside(run.get("log", ENGINE_LOG), f"{MODEL_FILE} [run] log")
    return {"results": results.as_posix(), "engine_log": log.as_posix()}


def _prepare_rerun_directory(source: Path, working_directory) -> RunDirectory:
    if working_directory is None:
        return RunDirectory(_create_rerun_sibling(source), created=True)

    if isinstance(working_directory, (str, os.PathLike)):
        target = Path(os.fspath(working_directory)).expanduser().resolve()
        if target == source or source in target.parents:
            raise ValueError(
                f"working_directory={str(working_directory)!r} lies inside the kept directory "
                f"{str(source)!r}, which a rerun never writes into. Choose a path outside it."
            )
    return prepare_run_directory(working_directory)


def _create_rerun_sibling(source: Path) -> Path:
    """Create and return the first of SOURCE-rerun-1, SOURCE-rerun-2, ... that does not exist."""
    if not os.access(source.parent, os.W_OK | os.X_OK):
        raise ValueError(
            f"the folder {str(source.parent)!r} that contains the kept directory is not writable, "
            "so the rerun cannot go beside it. Pass working_directory (--into on the command line)."
        )
    return create_first_free_sibling(source, RERUN_SUFFIX)


def _copy_inputs(
    source: Path, target: Path, inputs: List[PurePosixPath], created: List[Path]
) -> None:
    """Copy the model file, the whole data/ folder and every other named data file.

    Each path, relative to ``target``, is appended to ``created`` so that clean-up can remove
    exactly the copies.
    """
    created.append(Path(MODEL_FILE))
    shutil.copy2(source / MODEL_FILE, target / MODEL_FILE)
    if (source / DATA_DIR).is_dir():
        created.append(Path(DATA_DIR))
        shutil.copytree(source / DATA_DIR, target / DATA_DIR)
        created += [item.relative_to(target) for item in (target / DATA_DIR).rglob("*")]
    for relative in inputs:
        destination = target / relative
        if destination.exists():
            continue
        # Create and record each missing folder on the way, outermost first.
        for folder in reversed(list(Path(relative).parents)[:-1]):
            if not (target / folder).exists():
                created.append(folder)
                (target / folder).mkdir()
        created.append(Path(relative))
        shutil.copy2(source / relative, destination)


def _rerun_record(
    original: Optional[dict],
    source: Path,
    target: Path,
    threads: str,
    command: List[str],
    version: Optional[str],
) -> dict:
    """Return call.json of the rerun: the kept record with this run's versions and command."""
    record = json.loads(json.dumps(original)) if original is not None else {}
    rerun_of = {"directory": os.path.relpath(source, target.resolve())}
    for key in ("pyinla_version", "engine_version", "command", "num_threads"):
        if key in record:
            rerun_of[key] = record[key]

    engine = Path(command[0])
    record.update(
        {
            "pyinla_version": __version__,
            "engine_version": version,
            "engine_executable": str(engine),
            # The executable is named without its folder, as in the record pyinla() writes.
            "command": [engine.name, *command[1:]],
            "num_threads": threads,
            "rerun_of": rerun_of,
        }
    )
    return record
