"""Accuracy table: pyinla and R-INLA against the gold-standard posteriors in tests/data/reference.

For each case it fits the model, times the fit, and prints the largest deviation of a fixed- or random-effect
mean in posterior sds, the largest relative error of a posterior sd, and the largest relative error of a
hyperparameter median, beside the same numbers for R-INLA's stored result.

    python benchmarks/accuracy.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

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


if __name__ == "__main__":
    main()
