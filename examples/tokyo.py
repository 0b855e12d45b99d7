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

The curve comes from the fitted values (control={"predictor": {"compute": True}}): the posterior
of the probability on each day, with its 95% interval.
"""

import pandas as pd

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
    control={"predictor": {"compute": True}},
)
print(result)

# The data has one row per calendar day, 1 to 366 in order, and so have the fitted values.
fitted = result.summary_fitted_values.reset_index(drop=True)
days = list(range(1, 367, 30))
curve = fitted.loc[[day - 1 for day in days], ["mean", "0.025quant", "0.975quant"]]
curve.index = pd.Index(days, name="day")
print("Probability of rain by calendar day (posterior mean and 95% interval):")
print(curve.round(3).to_string())
