"""Seeds: a binomial mixed model for the germination of seeds (Crowder, 1978).

Data: 21 plates of seeds, with r of n seeds germinated on each plate. The seed is of two kinds
(x1 = 0 or 1) and the root extract of two kinds (x2 = 0 or 1).

Model: r is binomial with n trials and a logit link. The linear predictor is an intercept,
x1, x2 and their interaction x1:x2, plus an iid random effect per plate for overdispersion.
The same model in R-INLA:

    inla(r ~ x1 + x2 + x1:x2 + f(plate, model = "iid"), family = "binomial",
         Ntrials = n, data = Seeds)

What to look at: x2 (about 1.3) and x1:x2 (about -0.78) are the effects known from the
classic analyses. Their 95% intervals exclude zero, and the interval of x1 does not.
"""

from pyinla import datasets, pyinla

data = datasets.load("seeds")
result = pyinla(
    model={
        "response": "r",
        "fixed": ["1", "x1", "x2", "x1:x2"],
        "random": [{"id": "plate", "model": "iid"}],
    },
    family="binomial",
    data=data,
    Ntrials="n",
)
print(result)
