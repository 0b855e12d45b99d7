"""The shipped data sets and graph files."""

import pytest

from pyinla import datasets

EXPECTED_ROWS = {
    "drivers": 204, "epil": 236, "germany": 544, "salm": 18, "scotland": 56, "seeds": 21,
    "surg": 12, "tokyo": 366,
}


def test_names():
    assert datasets.names() == sorted(EXPECTED_ROWS)


@pytest.mark.parametrize("name, rows", sorted(EXPECTED_ROWS.items()))
def test_load_rows(name, rows):
    assert len(datasets.load(name)) == rows


def test_seeds_columns():
    assert list(datasets.load("seeds").columns) == ["r", "n", "x1", "x2", "plate"]


@pytest.mark.parametrize("name, nodes", [("scotland", 56), ("germany", 544)])
def test_graph_node_count(name, nodes):
    path = datasets.graph_path(name)
    assert path.is_file()
    assert int(path.read_text().split()[0]) == nodes


def test_unknown_data_set():
    with pytest.raises(ValueError, match="'sedes'.*Did you mean 'seeds'"):
        datasets.load("sedes")


def test_unknown_graph():
    with pytest.raises(ValueError, match="no graph named 'seeds'"):
        datasets.graph_path("seeds")
