"""Bayesian inference for latent Gaussian models by INLA, driving the pyinla-engine executable.

from pyinla import pyinla, datasets
result = pyinla(model={'response': 'r', 'fixed': ['1', 'x1', 'x2', 'x1:x2'],
                       'random': [{'id': 'plate', 'model': 'iid'}]},
                family='binomial', data=datasets.load('seeds'), Ntrials='n')
print(result)
"""

import logging

from pyinla import datasets
from pyinla._version import __version__
from pyinla.api import pyinla
from pyinla.errors import EngineError, ResultError
from pyinla.results import Result, read_results

# The library logs to the "pyinla" logger and leaves handlers to the application.
logging.getLogger("pyinla").addHandler(logging.NullHandler())

__all__ = [
    "pyinla",
    "Result",
    "EngineError",
    "ResultError",
    "read_results",
    "datasets",
    "__version__",
]
