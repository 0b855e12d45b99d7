"""Tokyo: the seasonal probability of rain in Tokyo (Kitagawa, 1987).

Data: for each calendar day (time = 1..366), the number of years y out of n in which more than
1 mm of rain fell. n is 2 (1983 and 1984), except on 29 February, where it is 1.

Model: y is binomial with n trials and a logit link. The linear predictor is an intercept plus
a cyclic second-order random walk over the calendar days, so that 31 December joins 1 January
smoothly. The random walk has a sum-to-zero constraint, so the intercept is the mean level. The
same model in R-INLA:

    inla(y ~ 1 + f(time, model = "rw2", cyclic = TRUE), family = "binomial", Ntrials = n,
         data = Tokyo)

What to look at: the probability curve printed last, low in winter (about 0.12) and highest in
June (about 0.45), the rainy season.

NOTE: the engine does not write summaries of the linear predictor yet, so this script builds
the curve from the posterior means of the intercept and of the time effect. The inverse logit of
their sum is a plug-in estimate: it is not the posterior mean of the probability, and it comes
without an interval.
"""

import numpy as np

from pyinla import datasets, pyinla

data = datasets.load("tokyo")
result = pyinla(
    model={
        "response": "y",
        "fixed": ["1"],
        "random": [{"id": "time", "model": "rw2", "cyclic": True}],
    },
    family="binomial",
    data=data,
    Ntrials="n",
)
print(result)

time_effect = result.summary_random["time"].set_index("ID")
intercept = result.summary_fixed.loc["(Intercept)", "mean"]
days = list(range(1, 367, 30))
curve = time_effect.loc[days, ["mean"]].rename(columns={"mean": "time effect"})
curve["probability"] = 1 / (1 + np.exp(-(intercept + curve["time effect"])))
curve.index.name = "day"
print("Probability of rain by calendar day (plug-in estimate from posterior means):")
print(curve.round(3).to_string())
