"""Neighbourhood graphs (besag) and structure matrices (generic0).

Graph files use R-INLA's format: the number of nodes n, then for each node its id, its number
of neighbours and the neighbour ids, all separated by white space. Ids are 0-based or 1-based.
scipy is never imported here: a scipy sparse matrix is recognised only if the caller has already
imported scipy.sparse, which it must have done to build one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Tuple

import numpy as np

from pyinla.errors import show_value
from pyinla.spec import Graph


def is_scipy_sparse(value) -> bool:
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(value)


def read_graph_file(path, where: str) -> Graph:
    """Read and check a graph file, returning its node count and the path to copy.

    Raises:
        ValueError: if the file is malformed, has ids out of range, or is not symmetric.
    """
    path = Path(os.fspath(path))
    if not path.is_file():
        raise ValueError(f"{where}: graph file {str(path)!r} not found.")
    tokens = path.read_text().split()
    neighbours = _parse_graph_tokens(tokens, where, path)
    _check_symmetric(neighbours, where)
    return Graph(n=len(neighbours), source_file=path)


def graph_from_matrix(matrix, where: str) -> Graph:
    """Build a graph from an adjacency matrix: nodes i and j are neighbours when entry (i, j) != 0.

    The diagonal is ignored. Accepts a numpy array or a scipy sparse matrix.
    """
    rows, cols, _ = _matrix_entries(matrix, where)
    n = _square_size(matrix, where)
    off_diagonal = rows != cols
    neighbours: List[List[int]] = [[] for _ in range(n)]
    for i, j in zip(rows[off_diagonal], cols[off_diagonal]):
        neighbours[int(i)].append(int(j))
    neighbours = [sorted(set(node)) for node in neighbours]
    _check_symmetric(neighbours, where)
    return Graph(n=n, neighbours=neighbours)


def cmatrix_triplets(matrix, where: str) -> Tuple[int, Tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Return the size of a symmetric structure matrix and its upper-triangle triplets, 0-based.

    Raises:
        ValueError: if the matrix is not square, not symmetric, or has non-finite entries.
    """
    rows, cols, values = _matrix_entries(matrix, where)
    n = _square_size(matrix, where)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{where} contains NaN or infinite entries.")

    # Symmetry is checked on the entries themselves, so a sparse matrix is never densified: each entry below
    # the diagonal is compared with its mirror above it, matched by the key row * n + column.
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    in_upper = rows <= cols
    upper_keys = rows[in_upper] * n + cols[in_upper]
    upper_values = values[in_upper]
    mirrored_keys = cols[~in_upper] * n + rows[~in_upper]
    off_diagonal = rows[in_upper] != cols[in_upper]
    keys = np.union1d(upper_keys[off_diagonal], mirrored_keys)
    above = np.zeros(len(keys))
    below = np.zeros(len(keys))
    above[np.searchsorted(keys, upper_keys[off_diagonal])] = upper_values[off_diagonal]
    below[np.searchsorted(keys, mirrored_keys)] = values[~in_upper]
    mismatch = ~np.isclose(above, below, rtol=1e-10, atol=0.0)
    if mismatch.any():
        k = int(np.argmax(mismatch))
        i, j = divmod(int(keys[k]), n)
        raise ValueError(
            f"{where} is not symmetric: entry ({i}, {j}) is {show_value(above[k])} but ({j}, {i}) "
            f"is {show_value(below[k])}. Pass a symmetric matrix."
        )

    # Duplicated entries keep the last value, so collapse them before sorting.
    unique_keys, last = np.unique(upper_keys[::-1], return_index=True)
    upper_values = upper_values[::-1][last]
    upper_rows, upper_cols = np.divmod(unique_keys, n)
    return n, (upper_rows, upper_cols, upper_values)


def write_graph(graph: Graph, path: Path) -> None:
    """Write a graph in R-INLA's format: a copy of the user's file, or 0-based neighbour lists."""
    if graph.source_file is not None:
        path.write_bytes(graph.source_file.read_bytes())
        return
    lines = [str(graph.n)]
    for node, node_neighbours in enumerate(graph.neighbours):
        lines.append(" ".join(str(item) for item in [node, len(node_neighbours), *node_neighbours]))
    path.write_text("\n".join(lines) + "\n")


def _parse_graph_tokens(tokens: List[str], where: str, path: Path) -> List[List[int]]:
    """Parse graph tokens into 0-based neighbour lists, detecting 0- or 1-based ids."""
    try:
        numbers = [int(token) for token in tokens]
    except ValueError:
        raise ValueError(
            f"{where}: graph file {str(path)!r} contains a token that is not an integer."
        ) from None
    if not numbers or numbers[0] < 1:
        raise ValueError(f"{where}: graph file {str(path)!r} must start with the number of nodes.")

    n = numbers[0]
    entries = {}
    position = 1
    while position < len(numbers):
        if position + 1 >= len(numbers):
            raise ValueError(f"{where}: graph file {str(path)!r} ends in the middle of a node.")
        node, count = numbers[position], numbers[position + 1]
        node_neighbours = numbers[position + 2 : position + 2 + count]
        if count < 0 or len(node_neighbours) != count:
            raise ValueError(
                f"{where}: graph file {str(path)!r} lists {count} neighbours for node {node} "
                f"but gives {len(node_neighbours)}."
            )
        if node in entries:
            raise ValueError(f"{where}: graph file {str(path)!r} lists node {node} twice.")
        entries[node] = node_neighbours
        position += 2 + count

    ids = set(entries) | {item for items in entries.values() for item in items}
    base = 0 if 0 in ids else 1
    if len(entries) != n or not ids <= set(range(base, n + base)):
        raise ValueError(
            f"{where}: graph file {str(path)!r} declares {n} nodes but its ids are not "
            f"0..{n - 1} or 1..{n}, each node listed once."
        )
    return [sorted(item - base for item in entries[node + base]) for node in range(n)]


def _check_symmetric(neighbours: List[List[int]], where: str) -> None:
    for node, node_neighbours in enumerate(neighbours):
        for other in node_neighbours:
            if other == node:
                raise ValueError(f"{where}: node {node} (0-based) is listed as its own neighbour.")
            if node not in neighbours[other]:
                raise ValueError(
                    f"{where}: the graph is not symmetric: node {other} (0-based) is a neighbour "
                    f"of node {node} but not the reverse."
                )


def _square_size(matrix, where: str) -> int:
    shape = getattr(matrix, "shape", None)
    if shape is None or len(shape) != 2 or shape[0] != shape[1] or shape[0] < 1:
        raise ValueError(f"{where} must be a non-empty square matrix, got shape {shape}.")
    return int(shape[0])


def _matrix_entries(matrix, where: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the (row, column, value) arrays of the nonzero entries, duplicates summed."""
    if is_scipy_sparse(matrix):
        coo = matrix.tocoo()
        coo.sum_duplicates()
        keep = coo.data != 0
        return coo.row[keep], coo.col[keep], np.asarray(coo.data[keep], dtype=float)
    if isinstance(matrix, np.ndarray):
        if not np.issubdtype(matrix.dtype, np.number) and matrix.dtype != bool:
            raise TypeError(f"{where} must be numeric, got dtype {matrix.dtype}.")
        _square_size(matrix, where)
        rows, cols = np.nonzero(matrix)
        return rows, cols, np.asarray(matrix[rows, cols], dtype=float)
    raise TypeError(
        f"{where} must be a numpy array or a scipy sparse matrix, got {type(matrix).__name__}."
    )
