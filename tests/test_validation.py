"""Validation of pyinla() arguments: each error names the argument, the bad value and the fix."""

import copy

import numpy as np
import pandas as pd
import pytest

import pyinla
from pyinla.validation import validate_call

SEEDS_MODEL = {
    "response": "r",
    "fixed": ["1", "x1", "x2", "x1:x2"],
    "random": [{"id": "plate", "model": "iid"}],
}


def seeds_arguments():
    return {
        "model": copy.deepcopy(SEEDS_MODEL),
        "family": "binomial",
        "data": pyinla.datasets.load("seeds"),
        "Ntrials": "n",
    }


def with_term(**options):
    arguments = seeds_arguments()
    arguments["model"]["random"][0].update(options)
    return arguments


def with_model(**changes):
    arguments = seeds_arguments()
    arguments["model"].update(changes)
    return arguments


def with_data(change):
    arguments = seeds_arguments()
    change(arguments["data"])
    return arguments


def with_arguments(**changes):
    arguments = seeds_arguments()
    arguments.update(changes)
    return arguments


def poisson_arguments(**changes):
    data = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.1, 0.2, 0.3, 0.4], "e": [1.0, 2.0, 1.5, 1.0]})
    arguments = {"model": {"response": "y", "fixed": ["1", "x"]}, "family": "poisson",
                 "data": data, "E": "e"}
    arguments.update(changes)
    return arguments


def set_value(column, position, value):
    def change(data):
        data[column] = data[column].astype(float)
        data.loc[position, column] = value
    return change


def prec_hyper(**fields):
    return {"prec": fields}


# (case id, arguments, exception type, substrings the message must contain)
CASES = [
    ("unknown family", with_arguments(family="binomal"), ValueError,
     ["family='binomal'", "'binomial'", "Did you mean"]),
    ("family not a string", with_arguments(family=3), TypeError, ["family"]),
    ("unknown latent model", with_term(model="iidd"), ValueError,
     ["model['random'][0]['model']='iidd'", "Did you mean 'iid'"]),
    ("missing response column", with_model(response="rr"), ValueError,
     ["model['response']='rr'", "Did you mean 'r'", "columns"]),
    ("missing fixed column", with_model(fixed=["1", "x3"]), ValueError,
     ["model['fixed']", "'x3'", "not a column"]),
    ("missing interaction factor", with_model(fixed=["1", "x1:x9"]), ValueError,
     ["model['fixed']", "'x9'"]),
    ("formula syntax in a term", with_model(fixed=["1", "x1*x2"]), ValueError,
     ["model['fixed']", "'x1*x2'", "'x1:x2'"]),
    ("intercept and no intercept", with_model(fixed=["1", "0", "x1"]), ValueError,
     ["model['fixed']", "'1'", "'0'"]),
    ("duplicate fixed term", with_model(fixed=["x1", "x1"]), ValueError,
     ["model['fixed']", "'x1'", "twice"]),
    ("fixed not a list", with_model(fixed="x1"), TypeError, ["model['fixed']"]),
    ("missing id column", with_term(id="plates"), ValueError,
     ["model['random'][0]['id']='plates'", "Did you mean 'plate'"]),
    ("non-numeric covariate", with_data(lambda d: d.__setitem__("x1", ["a"] * 21)), TypeError,
     ["model['fixed'] term 'x1'", "numeric"]),
    ("NaN in covariate", with_data(set_value("x2", 3, np.nan)), ValueError,
     ["model['fixed'] term 'x2'", "NaN", "position 3"]),
    ("infinite covariate", with_data(set_value("x2", 0, np.inf)), ValueError,
     ["model['fixed'] term 'x2'", "infinite"]),
    ("index missing on every row", with_data(lambda data: data.__setitem__("plate", np.nan)), ValueError,
     ["model['random'][0]['id']", "'plate'", "every row"]),
    ("binomial above Ntrials", with_data(set_value("r", 2, 1000)), ValueError,
     ["model['response']='r'", "1000", "Ntrials"]),
    ("binomial non-integer", with_data(set_value("r", 2, 2.5)), ValueError,
     ["model['response']='r'", "2.5", "integer"]),
    ("binomial without Ntrials", with_arguments(Ntrials=None), ValueError,
     ["model['response']='r'", "Ntrials"]),
    ("Ntrials zero", with_data(set_value("n", 0, 0)), ValueError, ["Ntrials", "positive"]),
    ("Ntrials wrong length", with_arguments(Ntrials=[1, 2, 3]), ValueError,
     ["Ntrials", "length 3", "21 rows"]),
    ("Ntrials bool", with_arguments(Ntrials=True), TypeError, ["Ntrials", "length 21"]),
    ("Ntrials scalar below the response", with_arguments(Ntrials=5), ValueError, ["Ntrials"]),
    ("E for binomial", with_arguments(E="n"), ValueError, ["E", "poisson", "remove E"]),
    ("poisson negative", poisson_arguments(
        data=pd.DataFrame({"y": [1, -1, 3], "x": [0.1, 0.2, 0.3], "e": [1.0, 1.0, 1.0]})),
     ValueError, ["model['response']='y'", "-1", "non-negative integer"]),
    ("poisson non-integer", poisson_arguments(
        data=pd.DataFrame({"y": [1, 1.5, 3], "x": [0.1, 0.2, 0.3], "e": [1.0, 1.0, 1.0]})),
     ValueError, ["model['response']='y'", "1.5"]),
    ("E zero", poisson_arguments(E=[1.0, 0.0, 1.0, 1.0]), ValueError, ["E", "0.0", "positive"]),
    ("E negative column", poisson_arguments(
        data=pd.DataFrame({"y": [1, 0, 3], "x": [0.1, 0.2, 0.3], "e": [1.0, -2.0, 1.0]})),
     ValueError, ["E", "-2.0", "positive"]),
    ("E missing column", poisson_arguments(E="expected"), ValueError, ["E='expected'", "column"]),
    ("offset with NaN", poisson_arguments(offset=[0.0, np.nan, 0.0, 0.0]), ValueError,
     ["offset", "NaN"]),
    ("unknown term key", with_term(constraint=True), ValueError,
     ["model['random'][0]", "'constraint'", "Did you mean 'constr'"]),
    ("term missing model", seeds_arguments() | {"model": {"response": "r",
     "random": [{"id": "plate"}]}}, ValueError, ["model['random'][0]", "'model'"]),
    ("unknown model key", with_model(randoms=[]), ValueError,
     ["model", "'randoms'", "Did you mean 'random'"]),
    ("unknown control key", with_arguments(control={"inlaa": {}}), ValueError,
     ["control", "'inlaa'", "Did you mean 'inla'"]),
    ("unknown control.inla key", with_arguments(control={"inla": {"strateg": "gaussian"}}),
     ValueError, ["control['inla']", "'strateg'", "Did you mean 'strategy'"]),
    ("bad strategy", with_arguments(control={"inla": {"strategy": "laplase"}}), ValueError,
     ["control['inla']['strategy']='laplase'", "'simplified.laplace'"]),
    ("bad int_strategy", with_arguments(control={"inla": {"int_strategy": "grd"}}), ValueError,
     ["control['inla']['int_strategy']='grd'", "Did you mean 'grid'"]),
    ("unknown control.fixed key", with_arguments(control={"fixed": {"prec_intercpt": 1}}),
     ValueError, ["control['fixed']", "'prec_intercpt'", "Did you mean 'prec_intercept'"]),
    ("negative fixed precision", with_arguments(control={"fixed": {"prec": -1}}), ValueError,
     ["control['fixed']['prec']", "-1", ">= 0"]),
    ("fixed prec for unknown term", with_arguments(control={"fixed": {"prec": {"x3": 1}}}),
     ValueError, ["control['fixed']['prec']", "'x3'"]),
    ("unavailable compute", with_arguments(control={"compute": {"config": True}}), ValueError,
     ["control['compute']['config']", "not available", "keep=True", "posterior_sample"]),
    ("unknown compute key", with_arguments(control={"compute": {"waik": True}}), ValueError,
     ["control['compute']", "'waik'", "Did you mean 'waic'"]),
    ("family hyper for binomial",
     with_arguments(control={"family": {"hyper": prec_hyper(initial=1)}}), ValueError,
     ["control['family']['hyper']", "'prec'", "no hyperparameters"]),
    ("unsupported link", with_arguments(control={"family": {"link": "probit"}}), ValueError,
     ["control['family']['link']='probit'", "'logit'"]),
    ("unknown prior", with_term(hyper=prec_hyper(prior="pc.precc", param=[1, 0.01])), ValueError,
     ["model['random'][0]['hyper']['prec']['prior']='pc.precc'", "Did you mean 'pc.prec'"]),
    ("loggamma non-positive", with_term(hyper=prec_hyper(prior="loggamma", param=[1, 0])),
     ValueError, ["model['random'][0]['hyper']['prec']['param']", "[1, 0]", "positive"]),
    ("loggamma one number", with_term(hyper=prec_hyper(prior="loggamma", param=[1])),
     ValueError, ["['param']", "two numbers"]),
    ("pc.prec alpha one", with_term(hyper=prec_hyper(prior="pc.prec", param=[1, 1])),
     ValueError, ["model['random'][0]['hyper']['prec']['param']", "0 < alpha < 1"]),
    ("pc.prec u zero", with_term(hyper=prec_hyper(prior="pc.prec", param=[0, 0.01])),
     ValueError, ["['param']=[0, 0.01]", "u > 0"]),
    ("normal precision zero", with_term(hyper=prec_hyper(prior="normal", param=[0, 0])),
     ValueError, ["['param']=[0, 0]", "precision > 0"]),
    ("normal without param", with_term(hyper=prec_hyper(prior="gaussian")), ValueError,
     ["['param']", "mean, precision"]),
    ("flat with param", with_term(hyper=prec_hyper(prior="flat", param=[1, 2])), ValueError,
     ["['param']", "no parameters"]),
    ("param not numbers", with_term(hyper=prec_hyper(prior="loggamma", param="1 2")), TypeError,
     ["['param']", "list of numbers"]),
    ("unknown hyper field", with_term(hyper=prec_hyper(priors="loggamma")), ValueError,
     ["['prec']", "'priors'", "Did you mean 'prior'"]),
    ("unknown hyperparameter", with_term(hyper={"precision": {"initial": 1}}), ValueError,
     ["model['random'][0]['hyper']", "'precision'", "Did you mean 'prec'"]),
    ("rho for iid", with_term(hyper={"rho": {"initial": 1}}), ValueError,
     ["model['random'][0]['hyper']", "'rho'"]),
    ("fixed not bool", with_term(hyper=prec_hyper(fixed="yes")), TypeError,
     ["['fixed']", "True or False"]),
    ("constr not bool", with_term(constr=1), TypeError,
     ["model['random'][0]['constr']", "True or False"]),
    ("negative diagonal", with_term(diagonal=-1.0), ValueError,
     ["model['random'][0]['diagonal']", ">= 0"]),
    ("cyclic for iid", with_term(cyclic=True), ValueError,
     ["model['random'][0]['cyclic']", "'rw1'"]),
    ("seasonal without length", with_term(model="seasonal"), ValueError,
     ["model['random'][0]", "'season_length'"]),
    ("season length too long", with_term(model="seasonal", season_length=50), ValueError,
     ["model['random'][0]['season_length']=50", "21"]),
    ("besag without graph", with_term(model="besag"), ValueError,
     ["model['random'][0]", "'graph'"]),
    ("generic0 without Cmatrix", with_term(model="generic0"), ValueError,
     ["model['random'][0]", "'Cmatrix'"]),
    ("besag graph too small", with_term(model="besag", graph=np.ones((3, 3))), ValueError,
     ["model['random'][0]['id']", "1..3"]),
    ("besag graph missing", with_term(model="besag", graph="/no/such/file.graph"), ValueError,
     ["model['random'][0]['graph']", "not found"]),
    ("besag asymmetric graph", with_term(model="besag", graph=np.triu(np.ones((21, 21)))),
     ValueError, ["model['random'][0]['graph']", "not symmetric"]),
    ("generic0 asymmetric", with_term(model="generic0", Cmatrix=np.triu(np.ones((21, 21)))),
     ValueError, ["model['random'][0]['Cmatrix']", "not symmetric"]),
    ("generic0 not square", with_term(model="generic0", Cmatrix=np.ones((21, 20))), ValueError,
     ["model['random'][0]['Cmatrix']", "square"]),
    ("generic0 a list", with_term(model="generic0", Cmatrix=[[1.0]]), TypeError,
     ["model['random'][0]['Cmatrix']", "numpy array"]),
    ("values missing a level", with_term(values=[1, 2, 3]), ValueError,
     ["model['random'][0]['id']", "'plate'", "values"]),
    ("n and values disagree", with_term(values=list(range(1, 22)), n=20), ValueError,
     ["model['random'][0]", "n=20", "21"]),
    ("n too small", with_term(n=10), ValueError, ["model['random'][0]['id']", "1..n"]),
    ("rw2 string ids", with_data(lambda d: d.__setitem__("plate", d["plate"].astype(str)))
     | {"model": {"response": "r", "random": [{"id": "plate", "model": "rw2"}]}}, TypeError,
     ["model['random'][0]['id']", "'plate'", "numeric"]),
    ("duplicate term id", with_model(random=[{"id": "plate", "model": "iid"},
                                             {"id": "plate", "model": "rw1"}]), ValueError,
     ["model['random']", "'plate'", "data['plate2']"]),
    ("no terms at all", with_model(fixed=["0"], random=None), ValueError, ["model", "'1'"]),
    ("empty data", with_arguments(data=pd.DataFrame({"r": [], "n": []})), ValueError,
     ["data", "empty"]),
    ("data not a frame", with_arguments(data=[1, 2, 3]), TypeError, ["data", "DataFrame"]),
    ("response all missing", with_data(set_value("r", slice(None), np.nan)), ValueError,
     ["model['response']='r'", "no observed values"]),
]


@pytest.mark.parametrize("arguments, error, fragments", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_invalid_argument(arguments, error, fragments):
    with pytest.raises(error) as raised:
        validate_call(**arguments)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message


def test_seeds_model_is_valid():
    spec = validate_call(**seeds_arguments())
    assert [effect.name for effect in spec.fixed] == ["(Intercept)", "x1", "x2", "x1:x2"]
    assert spec.random[0].n == 21


def test_missing_response_allowed():
    arguments = with_data(set_value("r", 4, np.nan))
    spec = validate_call(**arguments)
    assert np.isnan(spec.response[4])


def test_intercept_implicit_unless_removed():
    assert validate_call(**with_model(fixed=["x1"])).fixed[0].name == "(Intercept)"
    assert [e.name for e in validate_call(**with_model(fixed=["-1", "x1"])).fixed] == ["x1"]
    assert [e.name for e in validate_call(**with_model(fixed=None)).fixed] == ["(Intercept)"]


def test_fixed_priors_from_control():
    arguments = with_arguments(control={"fixed": {
        "mean": {"x1": 1.5}, "prec": {"x2": 0.5, "default": 0.01},
        "mean_intercept": 2.0, "prec_intercept": 0.1}})
    effects = validate_call(**arguments).fixed
    priors = {effect.name: (effect.mean, effect.prec) for effect in effects}
    assert priors["(Intercept)"] == (2.0, 0.1)
    assert priors["x1"] == (1.5, 0.01)
    assert priors["x2"] == (0.0, 0.5)
    assert priors["x1:x2"] == (0.0, 0.01)


def test_validation_writes_nothing(tmp_path, monkeypatch, fake_engine):
    """A bad argument raises before the working directory is created."""
    target = tmp_path / "run"
    with pytest.raises(ValueError):
        pyinla.pyinla(**with_term(model="iidd"), working_directory=target)
    assert not target.exists()


def test_bad_num_threads_writes_nothing(tmp_path, fake_engine):
    target = tmp_path / "run"
    with pytest.raises(ValueError, match="num_threads"):
        pyinla.pyinla(**seeds_arguments(), num_threads="4:2:1:1", working_directory=target)
    assert not target.exists()


def test_keep_must_be_bool(fake_engine):
    with pytest.raises(TypeError, match="keep"):
        pyinla.pyinla(**seeds_arguments(), keep="yes")


def test_scalar_exposure_is_recycled(seeds):
    # As in R-INLA, one number stands for every row.
    spec = validate_call({"response": "r", "fixed": ["1"]}, "poisson", seeds, None, E=2.5)
    assert list(spec.observation_vectors["E"]) == [2.5] * len(seeds)


@pytest.mark.parametrize("control, fragment", [
    ({"dic": True}, "control={'compute': {'dic': True}}"),
    ({"strategy": "laplace"}, "it belongs in control['inla']"),
])
def test_switch_at_top_of_control_names_its_section(control, fragment):
    with pytest.raises(ValueError) as raised:
        pyinla.pyinla(**with_arguments(control=control))
    assert fragment in str(raised.value)
