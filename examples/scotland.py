"""Scotland: lip cancer in the 56 districts of Scotland (Clayton and Kaldor, 1987).

Data: observed cases Counts and expected cases E in each district (1975-80), and X, the
percentage of the workforce in agriculture, fishing and forestry (outdoor work, so exposure to
sunlight). The graph links districts that share a border.

Model: Counts is Poisson with mean E * exp(eta), so exp(eta) is the relative risk. The linear
predictor is an intercept, X, and a Besag (intrinsic CAR) spatial effect on the district graph.
The same model in R-INLA:

    inla(Counts ~ 1 + X + f(Region, model = "besag", graph = g), family = "poisson",
         E = E, data = Scotland)

What to look at: X (about 0.026, so ten percentage points more outdoor work multiply the risk
by about exp(0.26) = 1.3) and the district effects, the log relative risks left once X is
taken into account.
"""

from pyinla import datasets, pyinla

data = datasets.load("scotland")
result = pyinla(
    model={
        "response": "Counts",
        "fixed": ["1", "X"],
        "random": [
            {"id": "Region", "model": "besag", "graph": datasets.graph_path("scotland")}
        ],
    },
    family="poisson",
    data=data,
    E="E",
)
print(result)
print("District effects (log relative risk), the five highest:")
print(result.summary_random["Region"].nlargest(5, "mean").to_string(index=False))
