"""The model-file writer: exact sections, keys and data-file contents of docs/engine-format.md."""

import configparser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pyinla
from pyinla.model_file import write_model_files
from pyinla.validation import validate_call

SEEDS_MODEL = {
    "response": "r",
    "fixed": ["1", "x1", "x2", "x1:x2"],
    "random": [{"id": "plate", "model": "iid",
                "hyper": {"prec": {"prior": "pc.prec", "param": [1, 0.01]}}}],
}


def write(tmp_path, threads="4:2", verbose=False, **arguments):
    spec = validate_call(**arguments)
    written = []
    write_model_files(spec, tmp_path, threads, verbose, written)
    return read_ini(tmp_path / "model.ini"), written


def read_ini(path):
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, default_section="\0")
    parser.optionxform = str
    parser.read(path)
    return {name: dict(parser[name]) for name in parser.sections()}


def lines(path):
    return Path(path).read_text().splitlines()


@pytest.fixture
def seeds_files(tmp_path):
    seeds = pyinla.datasets.load("seeds")
    model, written = write(tmp_path, model=SEEDS_MODEL, family="binomial", data=seeds,
                           Ntrials="n", control={"inla": {"strategy": "gaussian",
                                                          "int_strategy": "grid"}})
    return tmp_path, model, written, seeds


def test_seeds_sections(seeds_files):
    _, model, _, _ = seeds_files
    assert list(model) == ["run", "data", "family", "fixed.0", "fixed.1", "fixed.2", "fixed.3",
                           "random.0", "inla"]


def test_seeds_run_data_family(seeds_files):
    _, model, _, _ = seeds_files
    assert model["run"] == {"num_threads": "4:2", "verbose": "false", "results": "results",
                            "log": "engine.log"}
    assert model["data"] == {"n": "21", "response": "data/response.dat",
                             "Ntrials": "data/Ntrials.dat"}
    assert model["family"] == {"name": "binomial"}
    assert model["inla"] == {"strategy": "gaussian", "int_strategy": "grid"}


def test_seeds_fixed_sections(seeds_files):
    _, model, _, _ = seeds_files
    assert model["fixed.0"] == {"name": "(Intercept)", "values": "ones", "mean": "0", "prec": "0"}
    assert model["fixed.1"] == {"name": "x1", "values": "data/fixed.1.dat", "mean": "0",
                                "prec": "0.001"}
    assert model["fixed.3"] == {"name": "x1:x2", "values": "data/fixed.3.dat", "mean": "0",
                                "prec": "0.001"}


def test_seeds_random_section(seeds_files):
    _, model, _, _ = seeds_files
    assert model["random.0"] == {
        "name": "plate",
        "model": "iid",
        "n": "21",
        "index": "data/random.0.index.dat",
        "labels": "data/random.0.labels.txt",
        "hyper.prec.prior": "pc.prec",
        "hyper.prec.param": "1 0.01",
    }


def test_seeds_data_files(seeds_files):
    run_dir, _, _, seeds = seeds_files
    # Numbers are written as repr(float), the shortest text that reads back as the same double.
    assert lines(run_dir / "data/response.dat") == [repr(float(value)) for value in seeds["r"]]
    assert lines(run_dir / "data/Ntrials.dat") == [repr(float(value)) for value in seeds["n"]]
    assert lines(run_dir / "data/fixed.1.dat") == [repr(float(value)) for value in seeds["x1"]]
    product = seeds["x1"] * seeds["x2"]
    assert lines(run_dir / "data/fixed.3.dat") == [repr(float(value)) for value in product]
    assert lines(run_dir / "data/random.0.index.dat") == [str(k) for k in range(21)]
    assert lines(run_dir / "data/random.0.labels.txt") == [str(k) for k in range(1, 22)]


def test_seeds_written_list(seeds_files):
    run_dir, _, written, _ = seeds_files
    assert written[0] == Path("data")
    assert Path("model.ini") in written
    on_disk = {path.relative_to(run_dir) for path in run_dir.rglob("*")}
    assert on_disk == set(written)


def test_paths_relative(seeds_files):
    run_dir, model, _, _ = seeds_files
    text = (run_dir / "model.ini").read_text()
    assert str(run_dir) not in text
    for section in model.values():
        for key in ("response", "Ntrials", "values", "index", "labels"):
            if key in section and section[key] != "ones":
                assert not Path(section[key]).is_absolute()


def test_missing_response_written_as_nan(tmp_path):
    data = pd.DataFrame({"y": [1.5, np.nan, 0.25]})
    write(tmp_path, model={"response": "y"}, family="gaussian", data=data)
    assert lines(tmp_path / "data/response.dat") == ["1.5", "nan", "0.25"]


def test_full_precision(tmp_path):
    data = pd.DataFrame({"y": [0.1, 1 / 3], "x": [np.pi, 1e-300]})
    write(tmp_path, model={"response": "y", "fixed": ["x"]}, family="gaussian", data=data)
    values = [float(line) for line in lines(tmp_path / "data/fixed.1.dat")]
    assert values == [np.pi, 1e-300]
    assert [float(line) for line in lines(tmp_path / "data/response.dat")] == [0.1, 1 / 3]


def test_observation_vectors_and_family_hyper(tmp_path):
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0], "w": [1.0, 2.0, 0.5]})
    model, _ = write(
        tmp_path, model={"response": "y"}, family="gaussian", data=data, scale="w",
        offset=[0.5, 0.0, -0.5],
        control={"family": {"hyper": {"prec": {"prior": "loggamma", "param": [1, 5e-05],
                                               "initial": 2, "fixed": True}}}},
    )
    assert model["data"]["offset"] == "data/offset.dat"
    assert model["data"]["scale"] == "data/scale.dat"
    assert lines(tmp_path / "data/offset.dat") == ["0.5", "0.0", "-0.5"]
    assert model["family"] == {"name": "gaussian", "hyper.prec.prior": "loggamma",
                               "hyper.prec.param": "1 5e-05", "hyper.prec.initial": "2",
                               "hyper.prec.fixed": "true"}


def test_poisson_exposure(tmp_path):
    data = pd.DataFrame({"y": [1, 0, 3], "e": [1.5, 2.0, 0.5]})
    model, _ = write(tmp_path, model={"response": "y"}, family="poisson", data=data, E="e")
    assert model["data"]["E"] == "data/E.dat"
    assert lines(tmp_path / "data/E.dat") == ["1.5", "2.0", "0.5"]


def test_control_fixed_priors(tmp_path):
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0], "x": [0.0, 1.0, 2.0]})
    model, _ = write(tmp_path, model={"response": "y", "fixed": ["1", "x"]}, family="gaussian",
                     data=data, control={"fixed": {"mean": 1, "prec": 0.25,
                                                   "mean_intercept": -1, "prec_intercept": 0.01}})
    assert model["fixed.0"] == {"name": "(Intercept)", "values": "ones", "mean": "-1",
                                "prec": "0.01"}
    assert model["fixed.1"] == {"name": "x", "values": "data/fixed.1.dat", "mean": "1",
                                "prec": "0.25"}


def test_besag_graph_file_copied(tmp_path):
    scotland = pyinla.datasets.load("scotland")
    graph = pyinla.datasets.graph_path("scotland")
    model, _ = write(tmp_path, family="poisson", data=scotland, E="E",
                     model={"response": "Counts", "fixed": ["1", "X"],
                            "random": [{"id": "Region", "model": "besag", "graph": graph,
                                        "scale_model": True}]})
    assert model["random.0"]["graph"] == "data/random.0.graph"
    assert model["random.0"]["n"] == "56"
    assert model["random.0"]["scale_model"] == "true"
    assert (tmp_path / "data/random.0.graph").read_bytes() == graph.read_bytes()
    expected_index = [str(int(region) - 1) for region in scotland["Region"]]
    assert lines(tmp_path / "data/random.0.index.dat") == expected_index
    assert lines(tmp_path / "data/random.0.labels.txt") == [str(k) for k in range(1, 57)]


def test_besag_zero_based_graph_file(tmp_path):
    graph = tmp_path / "chain.graph"
    graph.write_text("3\n0 1 1\n1 2 0 2\n2 1 1\n")
    data = pd.DataFrame({"y": [1, 2, 3], "region": [3, 1, 2]})
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    model, _ = write(run_dir, family="poisson", data=data,
                     model={"response": "y", "random": [{"id": "region", "model": "besag",
                                                         "graph": str(graph)}]})
    assert model["random.0"]["n"] == "3"
    assert lines(run_dir / "data/random.0.index.dat") == ["2", "0", "1"]
    assert (run_dir / "data/random.0.graph").read_text() == graph.read_text()


def test_besag_graph_from_matrix(tmp_path):
    adjacency = np.array([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]])
    data = pd.DataFrame({"y": [1, 2, 3, 4], "area": [1, 2, 3, 4]})
    write(tmp_path, family="poisson", data=data,
          model={"response": "y", "random": [{"id": "area", "model": "besag",
                                              "graph": adjacency}]})
    assert lines(tmp_path / "data/random.0.graph") == ["4", "0 2 1 3", "1 2 0 2", "2 1 1", "3 1 0"]


def test_besag_graph_from_sparse_matrix(tmp_path):
    sparse = pytest.importorskip("scipy.sparse")
    adjacency = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    data = pd.DataFrame({"y": [1, 2, 3], "area": [1, 2, 3]})
    write(tmp_path, family="poisson", data=data,
          model={"response": "y", "random": [{"id": "area", "model": "besag",
                                              "graph": adjacency}]})
    assert lines(tmp_path / "data/random.0.graph") == ["3", "0 1 1", "1 2 0 2", "2 1 1"]


def test_generic0_cmatrix_triplets(tmp_path):
    cmatrix = np.array([[2.0, -1.0, 0.0], [-1.0, 2.0, -0.5], [0.0, -0.5, 1.0]])
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "k": [1, 3, 3, 2]})
    model, _ = write(tmp_path, family="gaussian", data=data,
                     model={"response": "y", "random": [{"id": "k", "model": "generic0",
                                                         "Cmatrix": cmatrix}]})
    assert model["random.0"]["cmatrix"] == "data/random.0.cmatrix.dat"
    assert model["random.0"]["n"] == "3"
    assert lines(tmp_path / "data/random.0.cmatrix.dat") == [
        "0 0 2", "0 1 -1", "1 1 2", "1 2 -0.5", "2 2 1"]
    assert lines(tmp_path / "data/random.0.index.dat") == ["0", "2", "2", "1"]


def test_generic0_sparse_cmatrix(tmp_path):
    sparse = pytest.importorskip("scipy.sparse")
    cmatrix = sparse.coo_matrix(([1.0, -0.5, -0.5, 1.0], ([0, 0, 1, 1], [0, 1, 0, 1])))
    data = pd.DataFrame({"y": [1.0, 2.0], "k": [1, 2]})
    write(tmp_path, family="gaussian", data=data,
          model={"response": "y", "random": [{"id": "k", "model": "generic0", "Cmatrix": cmatrix}]})
    assert lines(tmp_path / "data/random.0.cmatrix.dat") == ["0 0 1", "0 1 -0.5", "1 1 1"]


def test_time_series_options(tmp_path):
    drivers = pyinla.datasets.load("drivers")
    model, _ = write(
        tmp_path, family="gaussian", data=drivers,
        model={"response": "y", "fixed": ["1", "belt"], "random": [
            {"id": "trend", "model": "rw2", "cyclic": False, "constr": True, "diagonal": 1e-05},
            {"id": "seasonal", "model": "seasonal", "season_length": 12},
        ]},
    )
    assert model["random.0"]["cyclic"] == "false"
    assert model["random.0"]["constr"] == "true"
    assert model["random.0"]["diagonal"] == "1e-05"
    assert model["random.0"]["n"] == "204"
    assert model["random.1"]["season_length"] == "12"


def test_ar1_rho_hyper(tmp_path):
    data = pd.DataFrame({"y": [1.0, 2.0, 1.5, 0.5], "t": [1, 2, 3, 4]})
    model, _ = write(tmp_path, family="gaussian", data=data,
                     model={"response": "y", "random": [{"id": "t", "model": "ar1", "hyper": {
                         "rho": {"prior": "gaussian", "param": [0, 0.15], "initial": 2}}}]})
    assert model["random.0"]["hyper.rho.prior"] == "normal"
    assert model["random.0"]["hyper.rho.param"] == "0 0.15"
    assert model["random.0"]["hyper.rho.initial"] == "2"


def test_levels_sorted_unique(tmp_path):
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "g": ["b", "a", "c", "a"]})
    model, _ = write(tmp_path, family="gaussian", data=data,
                     model={"response": "y", "random": [{"id": "g", "model": "iid"}]})
    assert model["random.0"]["n"] == "3"
    assert lines(tmp_path / "data/random.0.labels.txt") == ["a", "b", "c"]
    assert lines(tmp_path / "data/random.0.index.dat") == ["1", "0", "2", "0"]


def test_levels_from_values(tmp_path):
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0], "t": [2.0, 5.0, 3.0]})
    model, _ = write(tmp_path, family="gaussian", data=data,
                     model={"response": "y", "random": [{"id": "t", "model": "rw1",
                                                         "values": [5, 1, 2, 3, 4]}]})
    assert model["random.0"]["n"] == "5"
    assert lines(tmp_path / "data/random.0.labels.txt") == ["1", "2", "3", "4", "5"]
    assert lines(tmp_path / "data/random.0.index.dat") == ["1", "4", "2"]


def test_levels_from_n(tmp_path):
    data = pd.DataFrame({"y": [1.0, 2.0], "t": [2, 4]})
    model, _ = write(tmp_path, family="gaussian", data=data,
                     model={"response": "y", "random": [{"id": "t", "model": "rw1", "n": 6}]})
    assert model["random.0"]["n"] == "6"
    assert lines(tmp_path / "data/random.0.index.dat") == ["1", "3"]


def test_verbose_in_run_section(tmp_path):
    data = pd.DataFrame({"y": [1.0, 2.0]})
    model, _ = write(tmp_path, threads="2:1:1", verbose=True, model={"response": "y"},
                     family="gaussian", data=data)
    assert model["run"]["verbose"] == "true"
    assert model["run"]["num_threads"] == "2:1:1"


def test_no_inla_section_without_options(tmp_path):
    data = pd.DataFrame({"y": [1.0, 2.0]})
    model, _ = write(tmp_path, model={"response": "y"}, family="gaussian", data=data)
    assert "inla" not in model
