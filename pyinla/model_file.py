"""Write the engine's model file (``model.ini``) and data files into a run directory.

The layout follows docs/engine-format.md. Every path inside the model file is relative to the
run directory, so a kept directory can be moved and rerun with ``pyinla-engine model.ini``.

    model.ini               the model file
    data/response.dat       one value per observation ('nan' for a missing response)
    data/E.dat, ...         E, Ntrials, offset, scale when given
    data/fixed.K.dat        covariate values of [fixed.K]
    data/random.K.*         index, labels, graph or structure matrix of [random.K]
    results/                result files, written by the engine
    engine.log              the engine's log
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from pyinla._version import __version__
from pyinla.graphs import write_graph
from pyinla.spec import FixedEffect, Hyperparameter, ModelSpec, RandomTerm

MODEL_FILE = "model.ini"
DATA_DIR = "data"
RESULTS_DIR = "results"
ENGINE_LOG = "engine.log"

Section = Tuple[str, List[Tuple[str, str]]]


class _DataWriter:
    """Write data files under data/ and remember each path, relative to the run directory."""

    def __init__(self, run_dir: Path, written: List[Path]):
        self.run_dir = run_dir
        self.written = written

    def path(self, name: str) -> str:
        relative = Path(DATA_DIR) / name
        self.written.append(relative)
        return relative.as_posix()

    def vector(self, name: str, values: np.ndarray) -> str:
        relative = self.path(name)
        # repr() gives the shortest text that reads back as the same double, and 'nan' for NaN.
        numbers = np.asarray(values, dtype=float).tolist()
        (self.run_dir / relative).write_text("".join(f"{value!r}\n" for value in numbers))
        return relative

    def index(self, name: str, values: np.ndarray) -> str:
        relative = self.path(name)
        numbers = np.asarray(values, dtype=np.int64).tolist()
        (self.run_dir / relative).write_text("".join(f"{value}\n" for value in numbers))
        return relative

    def lines(self, name: str, lines: List[str]) -> str:
        relative = self.path(name)
        (self.run_dir / relative).write_text("".join(f"{line}\n" for line in lines))
        return relative


def write_model_files(
    spec: ModelSpec, run_dir: Path, num_threads: str, verbose: bool, written: List[Path]
) -> None:
    """Write model.ini and its data files into ``run_dir``.

    Each path, relative to ``run_dir``, is appended to ``written`` before the file is created,
    so that the caller can remove exactly these files, even after a partial write.
    """
    written.append(Path(DATA_DIR))
    (run_dir / DATA_DIR).mkdir()
    writer = _DataWriter(run_dir, written)

    sections = [
        _run_section(num_threads, verbose),
        _data_section(spec, writer),
        _family_section(spec),
    ]
    sections += [_fixed_section(k, effect, writer) for k, effect in enumerate(spec.fixed)]
    sections += [_random_section(k, term, writer) for k, term in enumerate(spec.random)]
    if spec.inla_options:
        sections.append(
            ("inla", [(key, _format_value(value)) for key, value in spec.inla_options.items()])
        )
    for k, (name, weights) in enumerate(spec.lincombs):
        lines = [f"{position} {weight!r}" for position, weight in weights]
        sections.append((f"lincomb.{k}", [("name", name), ("weights", writer.lines(f"lincomb.{k}.dat", lines))]))
    if any(spec.engine_compute.values()):
        sections.append(
            ("compute", [(key, _format_value(value)) for key, value in spec.engine_compute.items() if value])
        )

    written.append(Path(MODEL_FILE))
    (run_dir / MODEL_FILE).write_text(_render(sections))


def _run_section(num_threads: str, verbose: bool) -> Section:
    # The same thread count is also passed with -t; writing it here lets a kept directory be
    # rerun exactly with a bare `pyinla-engine model.ini`.
    return (
        "run",
        [
            ("num_threads", num_threads),
            ("verbose", _format_value(verbose)),
            ("results", RESULTS_DIR),
            ("log", ENGINE_LOG),
        ],
    )


def _data_section(spec: ModelSpec, writer: _DataWriter) -> Section:
    keys = [
        ("n", str(spec.n_observations)),
        ("response", writer.vector("response.dat", spec.response)),
    ]
    for name, values in spec.observation_vectors.items():
        keys.append((name, writer.vector(f"{name}.dat", values)))
    return ("data", keys)


def _family_section(spec: ModelSpec) -> Section:
    return ("family", [("name", spec.family), *_hyper_keys(spec.family_hyper)])


def _fixed_section(k: int, effect: FixedEffect, writer: _DataWriter) -> Section:
    values = "ones" if effect.is_intercept else writer.vector(f"fixed.{k}.dat", effect.values)
    # The prior is written in full, the intercept's flat prior (precision 0) included.
    return (
        f"fixed.{k}",
        [
            ("name", effect.name),
            ("values", values),
            ("mean", _format_value(effect.mean)),
            ("prec", _format_value(effect.prec)),
        ],
    )


def _random_section(k: int, term: RandomTerm, writer: _DataWriter) -> Section:
    keys = [
        ("name", term.name),
        ("model", term.model),
        ("n", str(term.n)),
        ("index", writer.index(f"random.{k}.index.dat", term.index)),
        ("labels", writer.lines(f"random.{k}.labels.txt", term.labels)),
    ]
    for option, value in term.options.items():
        keys.append((option, _format_value(value)))

    if term.graph is not None:
        relative = writer.path(f"random.{k}.graph")
        write_graph(term.graph, writer.run_dir / relative)
        keys.append(("graph", relative))
    if term.cmatrix is not None:
        rows, cols, values = term.cmatrix
        relative = writer.lines(
            f"random.{k}.cmatrix.dat",
            [f"{i} {j} {value:.17g}" for i, j, value in zip(rows, cols, values)],
        )
        keys.append(("cmatrix", relative))
    if term.weights is not None:
        keys.append(("weights", writer.vector(f"random.{k}.weights.dat", term.weights)))
    if term.zmatrix is not None:
        columns, (rows, cols, values) = term.zmatrix
        keys.append(("zcols", str(columns)))
        keys.append(("zmatrix", writer.lines(
            f"random.{k}.zmatrix.dat", [f"{i} {j} {value:.17g}" for i, j, value in zip(rows, cols, values)])))
    if term.group_index is not None:
        keys.append(("groups", str(term.groups)))
        keys.append(("group_model", term.group_model))
        keys.append(("group", writer.index(f"random.{k}.group.dat", term.group_index)))
        keys += _hyper_keys({"group_rho": setting for name, setting in term.group_hyper.items()})
    if term.replicate_index is not None:
        keys.append(("replicates", str(term.replicates)))
        keys.append(("replicate", writer.index(f"random.{k}.replicate.dat", term.replicate_index)))
    if term.locations is not None:
        keys.append(("locations", writer.vector(f"random.{k}.locations.dat", term.locations)))

    keys += _hyper_keys(term.hyper)
    return (f"random.{k}", keys)


def _hyper_keys(hyper: Dict[str, Hyperparameter]) -> List[Tuple[str, str]]:
    """Return the ``hyper.<name>.<field>`` keys that the user set; the rest keep engine defaults."""
    keys = []
    for name, setting in hyper.items():
        if setting.prior is not None:
            keys.append((f"hyper.{name}.prior", setting.prior))
        if setting.param is not None and len(setting.param) > 0:
            keys.append((f"hyper.{name}.param", _format_value(setting.param)))
        if setting.initial is not None:
            keys.append((f"hyper.{name}.initial", _format_value(setting.initial)))
        if setting.fixed is not None:
            keys.append((f"hyper.{name}.fixed", _format_value(setting.fixed)))
    return keys


def _format_value(value) -> str:
    """Format a model-file value: booleans as true/false, numbers in shortest round-trip form."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return " ".join(_format_value(item) for item in value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        text = repr(float(value))
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def _render(sections: List[Section]) -> str:
    lines = [
        f"# Model file written by pyinla {__version__}.",
        "# Paths are relative to the folder of this file; the format is docs/engine-format.md.",
    ]
    for name, keys in sections:
        lines.append("")
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {value}" for key, value in keys)
    return "\n".join(lines) + "\n"
