"""The ``pyinla`` command: ``pyinla demo`` fits the seeds model; ``pyinla --version``."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from pyinla import datasets
from pyinla._version import __version__
from pyinla.api import pyinla
from pyinla.errors import EngineError, ResultError

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
        return 2
    return arguments.handler(arguments)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyinla",
        description="Bayesian inference for latent Gaussian models by INLA.",
    )
    parser.add_argument("--version", action="version", version=f"pyinla {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

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
    return parser


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
        print(f"pyinla demo: error: {error}", file=sys.stderr)
        return 1

    print(result.summary())
    if result.working_directory is not None:
        print(f"Run files kept in {result.working_directory}")
    return 0
