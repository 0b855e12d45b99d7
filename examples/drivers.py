"""Drivers: car drivers killed or seriously injured in Great Britain and the seat-belt law.

Data: y, the number of car drivers killed or seriously injured in each month from January 1969
to December 1984, and belt, 1 from February 1983, when wearing a seat belt became compulsory.
The data end with 12 rows for 1985 that have no y, so the model predicts them.

Model: y / 1000 is Gaussian. The linear predictor is an intercept, the effect of belt, a
second-order random walk over the months (trend) and a seasonal effect with period 12
(seasonal). The rows with a missing y stay in the data: they add no likelihood term, and the
random walk and the seasonal effect extend over their months. The same model in R-INLA:

    inla(y ~ 1 + belt + f(trend, model = "rw2")
           + f(seasonal, model = "seasonal", season.length = 12),
         family = "gaussian", data = Drivers, control.predictor = list(compute = TRUE))

What to look at: belt (about -0.35, so about 350 fewer drivers killed or seriously injured
each month) and the predictions for 1985 printed last.

The 1985 predictions are the fitted values of the rows with a missing y
(control={"predictor": {"compute": True}}), with their 95% intervals.
"""

import pandas as pd

from pyinla import datasets, pyinla

data = datasets.load("drivers")
data["y"] = data["y"] / 1000
result = pyinla(
    model={
        "response": "y",
        "fixed": ["1", "belt"],
        "random": [
            {"id": "trend", "model": "rw2"},
            {"id": "seasonal", "model": "seasonal", "season_length": 12},
        ],
    },
    family="gaussian",
    data=data,
    control={"predictor": {"compute": True}},
)
print(result)

fitted = result.summary_fitted_values.reset_index(drop=True)
missing = data["y"].isna().to_numpy()
predictions = (1000 * fitted.loc[missing, ["mean", "0.025quant", "0.975quant"]]).round().astype(int)
predictions.insert(0, "month", data.loc[missing, "trend"].to_numpy())
print("Predicted y for the months with a missing y, 1985 (posterior mean and 95% interval):")
print(predictions.to_string(index=False))
