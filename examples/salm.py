"""Salm: an Ames salmonella assay with overdispersed counts (Breslow, 1984).

Data: the number of revertant colonies y on 18 plates, three plates at each of six doses of
quinoline (0 to 1000 micrograms per plate).

Model: y is Poisson with a log link. The linear predictor is an intercept, log(dose + 10) and
dose, plus an iid random effect per plate (rand) for overdispersion. The derived covariate is
added to the data as the column log_dose10. The same model in R-INLA:

    inla(y ~ log(dose + 10) + dose + f(rand, model = "iid"), family = "poisson", data = Salm)

What to look at: log_dose10 (about 0.31) and dose (about -0.001), as in the classic
analyses. The expected count rises with the log dose, and the negative dose term bends it down
at the highest doses, where quinoline is toxic to the bacteria.
"""

import numpy as np

from pyinla import datasets, pyinla

data = datasets.load("salm")
data["log_dose10"] = np.log(data["dose"] + 10)
result = pyinla(
    model={
        "response": "y",
        "fixed": ["1", "log_dose10", "dose"],
        "random": [{"id": "rand", "model": "iid"}],
    },
    family="poisson",
    data=data,
)
print(result)
