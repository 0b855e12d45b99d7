"""Epil: repeated seizure counts in a clinical trial of an anti-epileptic drug.

Data: 59 patients (Thall and Vail, 1990), each with seizure counts y over four successive
two-week periods, so 236 rows. Covariates: Trt (1 for the drug, 0 for placebo), Base (the
seizure count in the eight weeks before the trial), Age (years) and V4 (1 for the fourth visit).

Model: y is Poisson with a log link. The fixed effects are an intercept, log(Base/4), Trt, the
product Trt * log(Base/4), log(Age) and V4. An iid random effect per patient (Ind) and one per
observation (rand) model the overdispersion. The derived covariates are added to the data as
columns log_base4 and log_age, and are not centred. The same model in R-INLA, with the same
columns:

    inla(y ~ log_base4 + Trt + Trt:log_base4 + log_age + V4
           + f(Ind, model = "iid") + f(rand, model = "iid"),
         family = "poisson", data = Epil)

The classic R-INLA version of this example centres every covariate, the product included.
Centring changes the intercept and Trt, which then becomes the treatment effect at the mean
log(Base/4), about -0.33. The other coefficients and the precisions stay the same.

What to look at: Trt (about -0.95), log_base4 (about 0.88) and the two precisions. The
precision of Ind (about 4.6) is below that of rand (about 8.6), so patients differ more from
each other than the visits of one patient do.
"""

import numpy as np

from pyinla import datasets, pyinla

data = datasets.load("epil")
data["log_base4"] = np.log(data["Base"] / 4)
data["log_age"] = np.log(data["Age"])
result = pyinla(
    model={
        "response": "y",
        "fixed": ["1", "log_base4", "Trt", "Trt:log_base4", "log_age", "V4"],
        "random": [{"id": "Ind", "model": "iid"}, {"id": "rand", "model": "iid"}],
    },
    family="poisson",
    data=data,
)
print(result)
