"""Accuracy tables: pyinla and R-INLA against the gold-standard posteriors in tests/data/reference.

For each case of tests/test_reference.py it fits the model and times the fit. It prints the largest deviation
of a fixed- or random-effect mean in posterior sds, the largest relative error of a posterior sd, and the
largest relative error of a hyperparameter median, beside the same numbers for R-INLA's stored result.

A second table covers the NUTS references of tests/test_mcmc_reference.py: the largest fixed-effect mean
deviation in posterior sds, the largest relative error of a fixed-effect sd and of a hyperparameter median, and
the relative errors of DIC and WAIC.

    python benchmarks/accuracy.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_mcmc_reference import CASES as MCMC_CASES  # noqa: E402
from test_reference import CASES, REFERENCE_DIR  # noqa: E402


def our_values(result):
    fixed = {term: row for term, row in result.summary_fixed.iterrows()}
    random = {name: {str(level): row for level, (_, row) in zip(table["ID"], table.iterrows())}
              for name, table in result.summary_random.items()}
    hyper = {label: row["0.5quant"] for label, row in result.summary_hyperpar.iterrows()}
    return fixed, random, hyper


def rinla_values(case):
    stored = json.loads((REFERENCE_DIR / case / "rinla.json").read_text())
    fixed = {term: {"mean": v["mean"], "sd": v["sd"]} for term, v in stored["fixed"].items()}
    random = {name: {level: {"mean": v["mean"], "sd": v["sd"]} for level, v in levels.items()}
              for name, levels in stored.get("random", {}).items()}
    hyper = {label: v["q0.5"] for label, v in stored["hyperpar"].items()}
    return fixed, random, hyper


def deviations(values, gold):
    fixed, random, hyper = values
    mean_dev, sd_err, median_err = 0.0, 0.0, 0.0
    for term, g in gold["fixed"].items():
        mean_dev = max(mean_dev, abs(fixed[term]["mean"] - g["mean"]) / g["sd"])
        sd_err = max(sd_err, abs(fixed[term]["sd"] / g["sd"] - 1))
    for name, levels in gold["random"].items():
        for g in levels:
            row = random[name][str(g["level"])]
            mean_dev = max(mean_dev, abs(row["mean"] - g["mean"]) / g["sd"])
            sd_err = max(sd_err, abs(row["sd"] / g["sd"] - 1))
    for label, g in gold["hyperpar"].items():
        if label.startswith("Precision"):
            median_err = max(median_err, abs(hyper[label] / g["q0.5"] - 1))
    return mean_dev, sd_err, median_err


def mcmc_deviations(result, gold):
    """Return the fixed mean deviation (sds), fixed sd error, hyperparameter median error, DIC and WAIC errors."""
    mean_dev = max(abs(result.summary_fixed.loc[term, "mean"] - g["mean"]) / g["sd"]
                   for term, g in gold["fixed"].items())
    sd_err = max(abs(result.summary_fixed.loc[term, "sd"] / g["sd"] - 1) for term, g in gold["fixed"].items())
    # The log-scale entries of the reference have no row in summary_hyperpar.
    medians = [abs(result.summary_hyperpar.loc[label, "0.5quant"] / g["q0.5"] - 1)
               for label, g in gold["hyperpar"].items() if label in result.summary_hyperpar.index]
    dic_err = abs(result.dic["dic"] / gold["dic"]["dic"]["value"] - 1)
    waic_err = abs(result.waic["waic"] / gold["waic"]["waic"]["value"] - 1)
    return mean_dev, sd_err, max(medians), dic_err, waic_err


def print_mcmc_table():
    header = ("case", "fit (s)", "fixed mean dev (sd)", "fixed sd error", "median error", "DIC error", "WAIC error",
              "NUTS min ESS", "NUTS max R-hat")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for case, fit in MCMC_CASES.items():
        gold = json.loads((REFERENCE_DIR / case / "reference.json").read_text())
        start = time.perf_counter()
        result = fit()
        seconds = time.perf_counter() - start
        mean_dev, *errors = mcmc_deviations(result, gold)
        diagnostics = gold["diagnostics"]["reported_quantities"]
        cells = [case, f"{seconds:.2f}", f"{mean_dev:.3f}"] + [f"{100 * v:.1f}%" for v in errors]
        cells += [f"{diagnostics['min_ess_bulk']:.0f}", f"{diagnostics['max_rhat']:.4f}"]
        print("| " + " | ".join(cells) + " |")


def main():
    header = ("case", "fit (s)", "mean dev (sd)", "sd error", "median error",
              "R-INLA mean dev", "R-INLA sd error", "R-INLA median error")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for case, fit in sorted(CASES.items()):
        gold = json.loads((REFERENCE_DIR / case / "reference.json").read_text())
        start = time.perf_counter()
        result = fit()
        seconds = time.perf_counter() - start
        ours = deviations(our_values(result), gold)
        theirs = deviations(rinla_values(case), gold)
        cells = [case, f"{seconds:.2f}"] + [f"{v:.3f}" if i == 0 else f"{100 * v:.1f}%" for i, v in enumerate(ours)]
        cells += [f"{v:.3f}" if i == 0 else f"{100 * v:.1f}%" for i, v in enumerate(theirs)]
        print("| " + " | ".join(cells) + " |")
    print()
    print_mcmc_table()


if __name__ == "__main__":
    main()
