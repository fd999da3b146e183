"""The Python API contract (README, "From Python"): get, names, spec syntax, aliases, flavors."""

from __future__ import annotations

import numpy as np
import pytest

import actviz
from actviz import ParameterError, SpecError, UnknownActivationError
from actviz.catalog import describe, parse_spec


def test_get_by_spec_and_by_keywords_is_the_same_function():
    a = actviz.get("elu:alpha=0.5")
    b = actviz.get("elu", alpha=0.5)
    assert a == b and hash(a) == hash(b)
    assert a.name == "elu" and a.params == {"alpha": 0.5}
    assert float(a(-1.0)) == pytest.approx(0.5 * (np.exp(-1.0) - 1), rel=1e-15)


def test_params_include_defaults_and_are_a_copy():
    act = actviz.get("hardtanh")
    assert act.params == {"min_val": -1.0, "max_val": 1.0}
    act.params["min_val"] = 5.0
    assert act.params["min_val"] == -1.0


@pytest.mark.parametrize(("spelling", "canonical"), [
    ("logistic", "sigmoid"), ("Sigmoid", "sigmoid"), ("hardsigmoid", "hard_sigmoid"),
    ("hard-sigmoid", "hard_sigmoid"), ("hardswish", "hard_swish"), ("HardSwish", "hard_swish"),
    ("logsigmoid", "log_sigmoid"), ("heaviside", "binary_step"), ("step", "binary_step"),
    ("linear", "identity"), ("LeakyReLU", "leaky_relu"), ("swish", "silu"),
    ("hard_silu", "hard_swish"), ("squared_relu", "relu_squared"), ("  relu  ", "relu"),
])
def test_aliases_resolve_to_canonical_names(spelling, canonical):
    assert actviz.get(spelling).name == canonical


def test_swish_with_another_beta_stays_swish():
    act = actviz.get("swish:beta=2")
    assert act.name == "swish" and act.params == {"beta": 2.0}


def test_flavors_switch_defaults():
    assert actviz.get("leaky_relu").params["negative_slope"] == 0.01
    assert actviz.get("leaky_relu", flavor="keras").params["negative_slope"] == 0.2
    assert actviz.get("leaky_relu", flavor="jax").params["negative_slope"] == 0.01
    assert actviz.get("gelu", flavor="jax").params["approximate"] == "tanh"
    assert actviz.get("gelu", flavor="keras").params["approximate"] == "none"
    # an explicit parameter beats the flavor
    assert actviz.get("gelu:approximate=none", flavor="jax").params["approximate"] == "none"
    with pytest.raises(ParameterError, match="unknown flavor 'tf'"):
        actviz.get("relu", flavor="tf")


def test_keras_flavor_follows_keras_activations_and_the_prelu_layer():
    assert actviz.get("prelu").params["weight"] == 0.25
    assert actviz.get("prelu", flavor="jax").params["weight"] == 0.25
    prelu = actviz.get("prelu", flavor="keras")  # keras.layers.PReLU starts at slope 0
    assert prelu.params["weight"] == 0.0 and prelu.spec == "prelu:weight=0"
    assert float(prelu(-3.0)) == 0.0 and prelu.dead_zones == ((-np.inf, 0.0),)
    notes = {name: describe(actviz.get(name))["flavor_note"]
             for name in ("leaky_relu", "gelu", "prelu")}
    assert "keras.activations.leaky_relu: 0.2" in notes["leaky_relu"]
    assert "LeakyReLU layer's 0.3 is not used" in notes["leaky_relu"]
    assert "keras.ops.gelu's tanh default is not used" in notes["gelu"]
    assert "keras.layers.PReLU 0" in notes["prelu"]
    for note in notes.values():
        assert note.endswith("follow torch.nn.functional, keras.activations (Keras 3) and "
                             "jax.nn.")
    assert describe(actviz.get("relu6"))["flavor_note"] == ""


def test_info_shows_the_flavor_note():
    from .helpers import invoke

    out = invoke("info", "prelu", "--flavor", "keras").output
    assert out.startswith("prelu:weight=0: Parametric ReLU")
    assert "keras: weight = 0" in out and "keras.layers.PReLU 0" in out


def test_no_docstring_calls_thresholdedrelu_a_keras_3_layer():
    for name in actviz.names():
        doc = " ".join(actviz.get(name).__doc__.split())
        if "ThresholdedReLU" in doc:
            assert "Keras 2's ThresholdedReLU" in doc, name


def test_spec_round_trips_and_omits_defaults():
    for spec in ("elu", "elu:alpha=0.5", "gelu:approximate=tanh", "rrelu:lower=0.1,upper=0.3"):
        act = actviz.get(spec)
        assert act.spec == spec
        assert actviz.get(act.spec) == act
    assert actviz.get("leaky_relu", flavor="keras").spec == "leaky_relu:negative_slope=0.2"
    assert repr(actviz.get("elu:alpha=0.5")) == "actviz.get('elu:alpha=0.5')"


def test_parameter_values_accept_python_and_string_forms():
    assert actviz.get("elu", alpha=1).params["alpha"] == 1.0
    assert actviz.get("elu", alpha=np.float32(0.5)).params["alpha"] == 0.5
    assert actviz.get("gelu", approximate=True).params["approximate"] == "tanh"
    assert actviz.get("gelu:approximate=TANH").params["approximate"] == "tanh"
    with pytest.raises(ParameterError, match="alpha must be a number, got True"):
        actviz.get("elu", alpha=True)


def test_errors_are_key_and_value_errors():
    with pytest.raises(KeyError):
        actviz.get("rleu")
    with pytest.raises(UnknownActivationError) as info:
        actviz.get("rleu")
    assert str(info.value) == "unknown activation 'rleu'. Did you mean 'relu'?"
    with pytest.raises(ValueError, match="beta must be > 0"):
        actviz.get("softplus", beta=-1)
    with pytest.raises(SpecError, match="given both"):
        actviz.get("elu:alpha=1", alpha=2)
    with pytest.raises(SpecError):
        actviz.get("")


def test_did_you_mean_lists_several_close_names():
    with pytest.raises(UnknownActivationError) as info:
        actviz.get("selu6")
    assert "Did you mean" in str(info.value) and "'relu6'" in str(info.value)


def test_parse_spec():
    assert parse_spec("leaky_relu:negative_slope=0.1") == ("leaky_relu", {"negative_slope": "0.1"})
    assert parse_spec(" Elu : Alpha = 2 ") == ("Elu", {"alpha": "2"})
    assert parse_spec("relu") == ("relu", {})


def test_get_passes_an_activation_through():
    act = actviz.get("elu")
    assert actviz.get(act) is act
    assert actviz.get(act, alpha=2.0).params == {"alpha": 2.0}


def test_names_are_sorted_canonical_names():
    names = actviz.names()
    assert names == sorted(set(names)) and "logistic" not in names


def test_docstrings_state_the_convention_at_corners():
    for name in actviz.names():
        act = actviz.get(name)
        if any(k.order <= 1 and k.source for k in act.kinks):
            assert "Convention" in act.__doc__, name


def test_latex_formulas_parse_as_mathtext():
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("path")
    for name in actviz.names():
        d = actviz.get(name).definition
        for text in (d.latex, d.latex_d, d.symbol):
            parser.parse(f"${text}$")
