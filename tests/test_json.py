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
    ["table", "gelu", "elu:alpha=0.123456789", "--num", "7", "--second-derivative"],
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
