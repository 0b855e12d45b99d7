"""Thread benchmark: a generic0 model with N = 3000 levels and 30000 Gaussian observations.

    python benchmarks/threads.py [--repeats 3]

The random effect has the precision structure of a 60 x 50 lattice (first-order neighbours, plus 0.1 on the
diagonal) and y = 1 + 0.5 x + u[idx] + noise. Each outer:inner combination up to the machine's CPUs, and 16:1, is
timed end to end: the pyinla() call with the data already in memory, which writes the files, runs the engine and
reads the results. The engine cuts A * B back to the CPU count, so on two CPUs 2:2 runs as 1:2. The table shows
the median of the repeats and the speedup over 1:1, and every combination must give the same fit, which is
checked too.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pyinla import pyinla

N_ROWS, N_COLS = 60, 50
N_LEVELS = N_ROWS * N_COLS
N_OBS = 30000


def lattice_structure():
    """First-order neighbourhood of the lattice as D - W, plus 0.1 I so that it is positive definite."""
    index = np.arange(N_LEVELS).reshape(N_ROWS, N_COLS)
    pairs = np.concatenate([np.c_[index[:, :-1].ravel(), index[:, 1:].ravel()],
                            np.c_[index[:-1, :].ravel(), index[1:, :].ravel()]])
    w = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(N_LEVELS, N_LEVELS))
    w = (w + w.T).tocsr()
    degree = np.asarray(w.sum(axis=1)).ravel()
    return (sp.diags(degree + 0.1) - w).tocsc()


def benchmark_data(seed=20261204):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, N_LEVELS, N_OBS)
    x = rng.normal(size=N_OBS)
    u = rng.normal(scale=0.5, size=N_LEVELS)
    y = 1.0 + 0.5 * x + u[idx] + rng.normal(scale=0.3, size=N_OBS)
    return pd.DataFrame({"y": y, "x": x, "idx": idx + 1})


def fit(data, cmatrix, num_threads):
    return pyinla(model={"response": "y", "fixed": ["1", "x"],
                         "random": [{"id": "idx", "model": "generic0", "Cmatrix": cmatrix}]},
                  family="gaussian", data=data, num_threads=num_threads)


def combinations(cpus):
    """Return every outer:inner pair of powers of two up to the CPU count, then 16:1 (the default)."""
    counts = [2 ** k for k in range(cpus.bit_length()) if 2 ** k <= cpus]
    return [f"{outer}:{inner}" for outer in counts for inner in counts] + ["16:1"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per combination (default 3)")
    args = parser.parse_args()

    cpus = os.cpu_count() or 1
    data, cmatrix = benchmark_data(), lattice_structure()
    print(f"machine: {platform.machine()}, {cpus} CPUs, {platform.platform()}")
    print(f"model: generic0, N = {N_LEVELS}, NOBS = {N_OBS}, gaussian; median of {args.repeats} runs\n")

    seconds, engine_seconds, stages, cpu_use, reference = {}, {}, {}, {}, None
    for spec in combinations(cpus):
        times, engine_times, stage_times, cpu_fractions = [], [], [], []
        for _ in range(args.repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            result = fit(data, cmatrix, spec)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            engine_times.append(float(result.timing["total"]))
            stage_times.append(result.timing.drop("total"))
            busy = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            cpu_fractions.append(busy / float(result.timing["total"]))
            if reference is None:
                reference = result
            elif not (result.summary_fixed.equals(reference.summary_fixed)
                      and result.summary_random["idx"].equals(reference.summary_random["idx"])
                      and result.summary_hyperpar.equals(reference.summary_hyperpar)):
                raise SystemExit(f"error: num_threads={spec} changed the fit")
        seconds[spec] = statistics.median(times)
        engine_seconds[spec] = statistics.median(engine_times)
        stages[spec] = pd.concat(stage_times, axis=1).median(axis=1)
        cpu_use[spec] = statistics.median(cpu_fractions)

    base = seconds["1:1"]
    print("| num_threads | end to end (s) | engine (s) | speedup over 1:1 | engine CPU use |")
    print("|---|---|---|---|---|")
    for spec, value in seconds.items():
        print(f"| {spec} | {value:.3f} | {engine_seconds[spec]:.3f} | {base / value:.2f}x | "
              f"{100 * cpu_use[spec]:.0f}% |")

    # Seconds per engine stage show where the inner threads do their work.
    names = list(stages["1:1"].index)
    print("\n| num_threads | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for spec, table in stages.items():
        print(f"| {spec} | " + " | ".join(f"{table[name]:.3f}" for name in names) + " |")

    outers = sorted({int(s.split(":")[0]) for s in seconds})
    inners = sorted({int(s.split(":")[1]) for s in seconds})
    print("\n| outer \\ inner | " + " | ".join(str(i) for i in inners) + " |")
    print("|---|" + "---|" * len(inners))
    for outer in outers:
        cells = [f"{base / seconds[f'{outer}:{inner}']:.2f}x" if f"{outer}:{inner}" in seconds else "--"
                 for inner in inners]
        print(f"| {outer} | " + " | ".join(cells) + " |")

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak memory of the engine: {peak:.0f} MB; all combinations gave the same fit")


if __name__ == "__main__":
    main()
