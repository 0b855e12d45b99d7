"""Germany: oral cavity cancer mortality in the 544 districts of Germany.

Data: observed deaths Y and expected deaths E in each district (1986-90), and x, an index of
tobacco consumption (Knorr-Held and Rasser, 2000). The graph links districts that share a
border.

Model: Y is Poisson with mean E * exp(eta). The linear predictor is an intercept, x, a Besag
spatial effect on the district graph and an iid effect per district: the BYM model of Besag,
York and Mollie. The two terms need two id columns, so the script copies region to
region_struct. The same model in R-INLA:

    inla(Y ~ 1 + x + f(region.struct, model = "besag", graph = g) + f(region, model = "iid"),
         family = "poisson", E = E, data = Germany)

What to look at: x (about 0.0068, a positive effect of smoking), and the two precisions. The
spatial precision (about 20) is small, and the iid precision is large, so the variation between
districts is almost all spatially structured. The script also prints the time of the fit: one to
two seconds on a two-core x86-64 machine.
"""

import time

from pyinla import datasets, pyinla

data = datasets.load("germany")
data["region_struct"] = data["region"]
start = time.perf_counter()
result = pyinla(
    model={
        "response": "Y",
        "fixed": ["1", "x"],
        "random": [
            {"id": "region_struct", "model": "besag", "graph": datasets.graph_path("germany")},
            {"id": "region", "model": "iid"},
        ],
    },
    family="poisson",
    data=data,
    E="E",
)
elapsed = time.perf_counter() - start
print(result)
print(f"Fit time, including writing the input files and reading the results: {elapsed:.2f} s")
