"""Every JSON actviz writes parses with a strict parser (no NaN, no Infinity), -p rounds every
computed number in it, and docs/json.md documents exactly the keys it has."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

import actviz

from .helpers import invoke

DOCS = Path(__file__).parent.parent / "docs" / "json.md"


def strict(text: str):
    """``json.loads`` that refuses NaN, Infinity and -Infinity, as jq and most parsers do."""
    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_the_strict_parser_refuses_what_python_would_write():
    with pytest.raises(ValueError, match="Infinity"):
        strict(json.dumps({"max_value": math.inf}))
    with pytest.raises(ValueError, match="NaN"):
        strict(json.dumps([math.nan]))


COMMANDS = {
    # relu's max_value parameter is inf; log(x) is NaN and -inf on [-1, 0]; exp(x) overflows
    "table": ["table", *actviz.names(), "log(x)", "--range", "-1", "1", "--num", "5",
              "--second-derivative", "-f", "json"],
    "table overflow": ["table", "exp(x)", "relu", "--points", "0,1000", "-f", "json"],
    # binary_step: Lipschitz constant inf; softmax and crelu: vector and two outputs
    "compare": ["compare", "relu", "binary_step", "softmax", "crelu", "log1mexp", "--range",
                "0.5", "5", "-f", "json", "--cost"],
    "diff": ["diff", "binary_step", "relu", "-f", "json"],
    "depth": ["depth", "relu", "tanh", "sigmoid", "-f", "json", "--layers", "5"],
    "depth given": ["depth", "relu", "tanh", "--sigma-w", "2", "-f", "json", "--layers", "5"],
    "spectrum": ["spectrum", "relu", "tanh", "-f", "json", "--layers", "5"],
    # exp overflows float16 and softplus(beta=1e-6) everywhere: max_ulp_f null
    "precision": ["precision", "exponential", "softplus:beta=1e-6", "--dtype",
                  "float16,float8_e4m3fn", "-f", "json"],
    "list": ["list", "-f", "json"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_writes_strict_json(name):
    result = invoke(*COMMANDS[name])
    assert result.exit_code == 0, result.output
    strict(result.stdout)


def test_table_json_writes_null_for_inf_and_nan_and_for_an_infinite_parameter():
    data = strict(invoke(*COMMANDS["table overflow"]).stdout)
    assert data["functions"][0]["value"] == [1.0, None]  # exp(1000) overflows
    assert data["functions"][1]["params"]["max_value"] is None  # relu's max_value = inf
    log = strict(invoke("table", "log(x)", "--points", "-1,0,1", "-f", "json").stdout)
    assert log["functions"][0]["value"] == [None, None, 0.0]


@pytest.mark.parametrize("spec", actviz.names())
def test_info_json_is_strict_for_every_function(spec):
    strict(invoke("info", spec, "-f", "json").stdout)


def test_batch_jobs_write_strict_json(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "jobs:\n"
        "  - {kind: table, name: t, functions: [relu, 'log(x)'], points: [-1, 0, 1], "
        "format: json}\n"
        "  - {kind: compare, name: c, functions: [relu, binary_step], format: json}\n"
        "  - {kind: diff, name: d, functions: [relu, binary_step], format: json}\n"
        "  - {kind: depth, name: e, functions: [relu], layers: 3, format: json}\n")
    result = invoke("batch", "c.yaml", "--jobs", "1", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    for name in "tcde":
        strict((tmp_path / "output" / f"{name}.json").read_text())


# --- -p in JSON -------------------------------------------------------------------------------

def numbers(data, skip=frozenset()):
    """Every float in ``data``, but under the keys in ``skip``."""
    if isinstance(data, float):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in skip:
                yield from numbers(value, skip)
    elif isinstance(data, list):
        for value in data:
            yield from numbers(value, skip)


def significant(value: float) -> int:
    """The significant digits of the shortest text that reads back as ``value``."""
    mantissa = repr(abs(value)).split("e")[0]
    return len(mantissa.replace(".", "").strip("0"))


INPUTS = {"params", "range", "saturation_threshold", "sigma_b"}


@pytest.mark.parametrize("args", [
    ["compare", "gelu", "silu", "tanh"],
    ["diff", "gelu", "gelu:approximate=tanh"],
    ["diff", "relu6", "hardtanh", "--range", "-3", "8"],
    ["depth", "tanh", "gelu"],
    ["spectrum", "tanh", "gelu", "--sigma-b", "0.5", "--layers", "5"],
    ["table", "gelu", "elu:alpha=0.123456789", "--num", "7", "--second-derivative"],
    ["precision", "sigmoid", "tanh", "--mode", "autograd"],
], ids=lambda args: " ".join(args))
def test_precision_rounds_every_computed_number_in_json(args):
    """-p 3 leaves no computed number with more than 3 significant digits, nested ones
    (intervals, points, Gaussian statistics) included; the inputs stay as given."""
    full = strict(invoke(*args, "-f", "json").stdout)
    rounded = strict(invoke(*args, "-f", "json", "-p", "3").stdout)
    values = list(numbers(rounded, INPUTS))
    assert values and all(significant(v) <= 3 for v in values if v != 0)
    exact = list(numbers(full, INPUTS))
    assert any(significant(v) > 3 for v in exact)
    assert list(numbers(rounded, INPUTS)) == [float(f"{v:.3g}") for v in exact]
    records = full if isinstance(full, list) else [full]
    kept = rounded if isinstance(rounded, list) else [rounded]
    for a, b in zip(records, kept, strict=True):
        for key in INPUTS & set(a):
            assert a[key] == b[key]


# --- docs/json.md against real output ------------------------------------------------------------

def documented() -> dict[str, set[str]]:
    """The keys docs/json.md lists, per command (its sections ``## table`` ...)."""
    found: dict[str, set[str]] = {}
    command = None
    for line in DOCS.read_text().splitlines():
        heading = re.fullmatch(r"## (\w+)", line)
        if heading:
            command = heading[1]
            found[command] = set()
        key = re.match(r"\| `([^`]+)` \|", line)
        if key and command is not None:
            found[command].add(key[1])
    return found


LEAVES = {"params", "flavors"}
"""Objects the page describes as a whole (keyed by parameter or flavor names)."""


def is_span(value) -> bool:
    return isinstance(value, dict) and set(value) == {"start", "end", "closed"}


def paths(data, prefix: str = ""):
    """The keys of ``data`` as paths (``functions[].value``, ``gaussian.mean``); spans,
    lists of spans and the objects of :data:`LEAVES` are leaves."""
    last = prefix.rsplit(".", 1)[-1]
    if isinstance(data, dict) and not is_span(data) and last not in LEAVES:
        for key, value in data.items():
            yield from paths(value, f"{prefix}.{key}" if prefix else key)
    elif (isinstance(data, list) and data and all(isinstance(d, dict) for d in data)
          and not all(is_span(d) for d in data)):
        for item in data:
            yield from paths(item, prefix + "[]")
    else:
        yield prefix


def written(outputs) -> set[str]:
    """Every path in the outputs, a top-level list's items taken one by one; a key that is
    null or an empty list in one record and an object or a list of objects in another counts
    once, as the latter."""
    found = set()
    for data in outputs:
        for item in data if isinstance(data, list) else [data]:
            found |= set(paths(item))
    return {p for p in found if not any(q.startswith((p + ".", p + "[]")) for q in found)}


SAMPLES = {
    "table": [["table", "elu:alpha=0.5", "crelu", "relu", "--points", "-1,1",
               "--second-derivative"], ["table", "sigmoid", "--num", "3"]],
    "compare": [["compare", "relu", "crelu", "softmax", "softplus", "log1mexp", "hard_swish",
                 "--range", "0.5", "1000", "--cost"]],
    "diff": [["diff", "relu6", "hardtanh", "--range", "-3", "8"]],
    "depth": [["depth", "relu", "tanh", "--sigma-w", "1.5", "--layers", "5"],
              ["depth", "tanh", "binary_step", "--layers", "5"]],
    "spectrum": [["spectrum", "tanh", "identity", "--sigma-w", "1", "--layers", "5"],
                 ["spectrum", "relu", "--layers", "3", "--weights", "gaussian"]],
    "precision": [["precision", "sigmoid", "exponential", "--mode", "autograd", "--dtype",
                   "float16"]],
    "info": [["info", name] for name in [*actviz.names(), "where(x < 0, 0, x*x)"]],
    "list": [["list"]],
}


def outputs_of(command: str) -> list:
    flag = "--format" if command in ("info", "list") else "-f"
    results = []
    for args in SAMPLES[command]:
        result = invoke(*args, flag, "json")
        assert result.exit_code == 0, result.output
        results.append(strict(result.stdout))
    return results


@pytest.mark.parametrize("command", list(SAMPLES))
def test_every_key_is_documented_and_every_documented_key_is_written(command):
    docs = documented()
    assert set(docs) == set(SAMPLES)
    keys = written(outputs_of(command))
    assert keys - docs[command] == set(), "written but not in docs/json.md"
    assert docs[command] - keys == set(), "in docs/json.md but never written"


def test_what_the_json_page_says_of_nulls():
    """A few of the page's claims that the keys alone do not show."""
    (relu, softmax, softplus) = strict(invoke("compare", "relu", "softmax", "softplus",
                                              "--range", "-1000", "1000", "-f", "json").stdout)
    assert softmax["bounds"] is None and softmax["f0"] is None and softmax["gaussian"] is None
    assert softmax["vector"] and relu["vector"] is None and relu["cost"] is None
    assert relu["bounds"] == [0.0, None]  # +inf
    assert softplus["max_gradient"]["toward"] == "+inf" and softplus["max_gradient"]["x"] is None
    assert relu["gains"]["torch"] == pytest.approx(2 ** 0.5)
    assert strict(invoke("compare", "binary_step", "-f", "json").stdout)[0]["lipschitz"] is None
    tanh, relu_edge = strict(invoke("depth", "tanh", "relu", "--layers", "3", "-f",
                                    "json").stdout)[::2]
    assert tanh["c_star"] is None and tanh["xi_q"] is None  # q* = 0: the identity map
    assert relu_edge["xi_c"] is None  # infinite at the edge of chaos
    diverges = strict(invoke("depth", "relu", "--sigma-w", "1.5", "tanh", "--layers", "3",
                             "-f", "json").stdout)[0]
    assert diverges["fixed_point"] == "diverges" and "q_star" not in diverges
    assert diverges["q_last"] > 1
    info = strict(invoke("info", "binary_step", "--format", "json").stdout)
    assert [k["kind"] for k in info["kinks"]] == ["jump"] and info["kinks"][0]["order"] == 0
    assert strict(invoke("info", "softmax", "--format", "json").stdout)["limits"] is None
