"""Format a Result as a readable overview, in the order of R-INLA's summary()."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from pyinla.results import Result


class SummaryText(str):
    """Summary text that displays as plain text in a REPL or notebook, not as a quoted string."""

    def __repr__(self) -> str:
        return str(self)


def format_summary(result: "Result") -> SummaryText:
    """Format the fixed effects, random terms, hyperparameters, marginal likelihood and timing."""
    blocks = [
        f"pyinla fit: family {result.family}, {result.n_observations} observations",
        _titled("Fixed effects:", _format_table(result.summary_fixed)),
        _titled("Random effects:", _format_random_terms(result)),
        _titled("Model hyperparameters:", _format_table(result.summary_hyperpar)),
    ]
    if result.mlik is not None:
        blocks.append(_titled("Marginal log-likelihood:", _format_series(result.mlik)))
    for title, criterion in (("Deviance information criterion (DIC):", result.dic),
                             ("Watanabe-Akaike information criterion (WAIC):", result.waic)):
        if criterion is not None:
            blocks.append(_titled(title, _format_series(criterion)))
    if result.warnings:
        blocks.append(_titled("Warnings:", "\n".join(result.warnings)))
    blocks.append(_titled("Time used (seconds):", _format_series(result.timing, digits=3)))
    return SummaryText("\n\n".join(blocks) + "\n")


def _titled(title: str, body: str) -> str:
    return title + "\n" + _indent(body)


def _format_table(table: pd.DataFrame) -> str:
    if table.empty:
        return "none"
    return table.to_string(float_format=lambda value: f"{value:.4g}")


def _format_series(series: pd.Series, digits: int = 6) -> str:
    if series.empty:
        return "none"
    width = max(len(str(name)) for name in series.index)
    return "\n".join(f"{str(name):<{width}}  {value:.{digits}g}" for name, value in series.items())


def _format_random_terms(result: "Result") -> str:
    if not result.random_models:
        return "none"
    table = pd.DataFrame(
        {
            "Model": list(result.random_models.values()),
            "Levels": [len(result.summary_random[name]) for name in result.random_models],
        },
        index=list(result.random_models),
    )
    return table.to_string()


def _indent(text: str) -> str:
    return "\n".join(f"   {line}" for line in text.splitlines())
