"""Bayesian inference for latent Gaussian models by INLA, driving the pyinla-engine executable.

from pyinla import pyinla, datasets
result = pyinla(model={'response': 'r', 'fixed': ['1', 'x1', 'x2', 'x1:x2'],
                       'random': [{'id': 'plate', 'model': 'iid'}]},
                family='binomial', data=datasets.load('seeds'), Ntrials='n')
print(result)

With keep=True the run directory stays; pyinla.load(path) reads it back into a Result, and
pyinla.rerun(path) runs the engine again on a copy of its inputs.
"""

import logging

from pyinla import datasets
from pyinla._version import __version__
from pyinla.api import pyinla
from pyinla.errors import EngineError, ResultError
from pyinla.marginal import (
    dmarginal,
    emarginal,
    hpdmarginal,
    mmarginal,
    pmarginal,
    qmarginal,
    rmarginal,
    smarginal,
    tmarginal,
    zmarginal,
)
from pyinla.reproduce import rerun
from pyinla.sampling import posterior_sample
from pyinla.results import Result, load, read_results

# The library logs to the "pyinla" logger and leaves handlers to the application.
logging.getLogger("pyinla").addHandler(logging.NullHandler())

__all__ = [
    "pyinla",
    "Result",
    "EngineError",
    "ResultError",
    "load",
    "read_results",
    "rerun",
    "posterior_sample",
    "datasets",
    "dmarginal",
    "pmarginal",
    "qmarginal",
    "emarginal",
    "tmarginal",
    "zmarginal",
    "hpdmarginal",
    "smarginal",
    "rmarginal",
    "mmarginal",
    "__version__",
]
