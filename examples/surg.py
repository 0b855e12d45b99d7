"""Surgical: mortality after cardiac surgery on babies in 12 hospitals.

Data: for each hospital (A to L), the number of operations n and the number of deaths r. This
is the "Surgical" example of the BUGS software (Spiegelhalter et al.).

Model: r is binomial with n trials and a logit link. The linear predictor is an intercept, the
population mortality on the logit scale, plus an iid random effect per hospital. The hospital
ids are letters, which an iid term accepts because its levels need only be sortable. The same
model in R-INLA:

    inla(r ~ 1 + f(hospital, model = "iid"), family = "binomial", Ntrials = n, data = Surg)

What to look at: the intercept (about -2.5, a mortality of about 7%) and the hospital table.
Hospital H (31 deaths in 215 operations) has the largest effect, and A, with no deaths in 47
operations, is pulled towards the population mean.
"""

from pyinla import datasets, pyinla

data = datasets.load("surg")
result = pyinla(
    model={"response": "r", "fixed": ["1"], "random": [{"id": "hospital", "model": "iid"}]},
    family="binomial",
    data=data,
    Ntrials="n",
)
print(result)
print("Hospital effects (logit scale):")
print(result.summary_random["hospital"].to_string(index=False))
