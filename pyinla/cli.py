"""The ``pyinla`` command: fit the demo model, and show, rerun and compare kept run directories.

    pyinla demo [--num-threads A:B] [--working-directory DIR] [--verbose]
    pyinla summary DIR
    pyinla rerun DIR [-t A:B] [-v] [--into NEWDIR]
    pyinla diff DIR1 DIR2

Exit status: 0 on success (for diff: the runs are identical); 1 when the engine fails (demo,
rerun) or the runs differ (diff, as diff(1) does); 2 for bad arguments or a path that is not a
usable run directory.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import List, Optional

from pyinla import datasets
from pyinla._version import __version__
from pyinla.api import pyinla
from pyinla.compare import SKIPPED_RESULT_FILES, compare_runs, result_folder
from pyinla.errors import EngineError, ResultError
from pyinla.reproduce import rerun
from pyinla.results import read_results

EXIT_SUCCESS = 0
# The engine failed (demo, rerun), or the two runs differ (diff).
EXIT_FAILURE = 1
# Bad arguments (argparse exits with 2 as well), or a path that is not a usable run directory.
EXIT_USAGE = 2

# Crowder's seeds: germinated seeds r out of n on each of 21 plates, with seed type x1, root
# extract x2 and their interaction, and an iid random effect for overdispersion between plates.
SEEDS_MODEL = {
    "response": "r",
    "fixed": ["1", "x1", "x2", "x1:x2"],
    "random": [{"id": "plate", "model": "iid"}],
}


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line and return the exit status."""
    parser = _build_parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return EXIT_USAGE
    return arguments.handler(arguments)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyinla",
        description="Bayesian inference for latent Gaussian models by INLA.",
        epilog="Exit status: 0 on success (diff: identical), 1 if the engine fails or (diff) "
        "the runs differ, 2 for bad arguments or a path that is not a run directory.",
    )
    parser.add_argument("--version", action="version", version=f"pyinla {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo(commands)
    _add_summary(commands)
    _add_rerun(commands)
    _add_diff(commands)
    return parser


def _add_demo(commands) -> None:
    demo = commands.add_parser(
        "demo",
        help="fit the seeds model (binomial, 1 + x1 + x2 + x1:x2 + iid plate) and print it",
        description="Fit Crowder's seeds data: binomial r out of n, fixed effects "
        "1 + x1 + x2 + x1:x2 and an iid random effect for plate, and print the summaries.",
    )
    demo.add_argument("--verbose", action="store_true", help="stream the engine's progress")
    demo.add_argument(
        "--num-threads",
        default=None,
        metavar="A:B",
        help="engine threads: A outer, B inner (default 16:1)",
    )
    demo.add_argument(
        "--working-directory",
        default=None,
        metavar="DIR",
        help="folder for the run files, kept after the run (default: a temporary folder, removed)",
    )
    demo.set_defaults(handler=_run_demo)


def _add_summary(commands) -> None:
    summary = commands.add_parser(
        "summary",
        help="print the summaries of a kept run directory",
        description="Read the result files of a kept run directory and print the fixed effects, "
        "random terms, hyperparameters, marginal likelihood and time used.",
    )
    summary.add_argument("directory", metavar="DIR", help="run directory with model.ini and results/")
    summary.set_defaults(handler=_run_summary)


def _add_rerun(commands) -> None:
    rerun_parser = commands.add_parser(
        "rerun",
        help="run the engine again on the inputs of a kept run, in a fresh directory",
        description="Copy model.ini, the data files and call.json of DIR into a fresh directory, "
        "run the engine there, print the summaries and compare the result files with those of "
        "DIR. DIR itself is only read. The results are the same for any thread specification.",
    )
    rerun_parser.add_argument("directory", metavar="DIR", help="run directory with model.ini")
    rerun_parser.add_argument(
        "-t",
        "--threads",
        default=None,
        metavar="A:B",
        help="engine threads: A outer, B inner (default: [run] num_threads of DIR/model.ini)",
    )
    rerun_parser.add_argument(
        "-v", "--verbose", action="store_true", help="stream the engine's progress"
    )
    rerun_parser.add_argument(
        "--into",
        default=None,
        metavar="NEWDIR",
        help="folder for the rerun, outside DIR; a non-empty one is left alone and the first free "
        "NEWDIR-1, NEWDIR-2, ... is used (default: the first free DIR-rerun-1, DIR-rerun-2, ...)",
    )
    rerun_parser.set_defaults(handler=_run_rerun)


def _add_diff(commands) -> None:
    diff = commands.add_parser(
        "diff",
        help="show which inputs and outputs of two run directories differ",
        description="Compare two run directories: model.ini key by key, the data files it names "
        "(by SHA-256 hash and, for numbers, the count of values that differ and the largest "
        "absolute difference) and every result file but timing.csv (the largest absolute change "
        "and where). Exit status 0 if they are identical, 1 if they differ, 2 on error.",
    )
    diff.add_argument("first", metavar="DIR1", help="first run directory, called A in the output")
    diff.add_argument("second", metavar="DIR2", help="second run directory, called B")
    diff.set_defaults(handler=_run_diff)


def _run_demo(arguments: argparse.Namespace) -> int:
    keep = arguments.working_directory is not None
    try:
        result = pyinla(
            model=SEEDS_MODEL,
            family="binomial",
            data=datasets.load("seeds"),
            Ntrials="n",
            num_threads=arguments.num_threads,
            working_directory=arguments.working_directory,
            keep=keep,
            verbose=arguments.verbose,
        )
    except (EngineError, ResultError, FileNotFoundError, ValueError, TypeError) as error:
        _print_error("demo", error)
        return EXIT_FAILURE

    print(result.summary())
    if result.working_directory is not None:
        print(f"Run files kept in {result.working_directory}")
    return EXIT_SUCCESS


def _run_summary(arguments: argparse.Namespace) -> int:
    try:
        result = read_results(arguments.directory)
    except (OSError, ResultError) as error:
        _print_error("summary", error)
        return EXIT_USAGE
    print(result.summary(), end="")
    return EXIT_SUCCESS


def _run_rerun(arguments: argparse.Namespace) -> int:
    with warnings.catch_warnings(record=True) as caught:
        # A non-empty --into directory is replaced by a numbered sibling, with a warning.
        warnings.simplefilter("always")
        try:
            result = rerun(
                arguments.directory,
                num_threads=arguments.threads,
                verbose=arguments.verbose,
                working_directory=arguments.into,
            )
        except (EngineError, ResultError) as error:
            _print_error("rerun", error)
            return EXIT_FAILURE
        except (OSError, ValueError, TypeError) as error:
            _print_error("rerun", error)
            return EXIT_USAGE
        finally:
            for warning in caught:
                print(f"pyinla rerun: warning: {warning.message}", file=sys.stderr)

    print(result.summary())
    print(f"Rerun of {arguments.directory} written to {result.working_directory}")
    if not result_folder(arguments.directory).is_dir():
        print(f"{arguments.directory} has no results to compare with.")
        return EXIT_SUCCESS
    comparison = compare_runs(arguments.directory, result.working_directory)
    if comparison.outputs:
        print(f"The results differ from those of {arguments.directory}:")
        for line in comparison.outputs:
            print(f"   {line}")
    elif comparison.compared_result_files:
        print(
            f"The results equal those of {arguments.directory}, bit for bit "
            f"({', '.join(SKIPPED_RESULT_FILES)} not compared)."
        )
    return EXIT_SUCCESS


def _run_diff(arguments: argparse.Namespace) -> int:
    try:
        comparison = compare_runs(arguments.first, arguments.second)
    except (OSError, ResultError) as error:
        _print_error("diff", error)
        return EXIT_USAGE
    print(comparison.report(), end="")
    return EXIT_SUCCESS if comparison.identical else EXIT_FAILURE


def _print_error(command: str, error: BaseException) -> None:
    print(f"pyinla {command}: error: {error}", file=sys.stderr)
