"""``actviz page``: the embedded data against the library's own values, the marks against the
analysis, the page self-contained, the same bytes twice, the size of a page of every
function, the command's errors. The page in a real browser: tests/test_page_browser.py."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import actviz
from actviz import analysis
from actviz.page import PRESETS, decimal_points, nice_step, page_data
from actviz.page_html import uplot_version
from actviz.ranges import auto_range
from tests.helpers import invoke

FULL_LIMIT = 1.5e6
"""The issue's bound on the size of a page of every catalog function, in bytes."""


def embedded(text: str) -> dict:
    """The data of a page, read as another tool would: the JSON in #actviz-data."""
    found = re.search(r'<script type="application/json" id="actviz-data">(.*?)</script>',
                      text, re.S)
    assert found is not None
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def full_page(tmp_path_factory) -> Path:
    """A page of every catalog function, written by the command."""
    folder = tmp_path_factory.mktemp("page")
    result = invoke(*["page", "-o", str(folder / "all.html")])
    assert result.exit_code == 0, result.output
    return folder / "all.html"


@pytest.fixture(scope="module")
def full_data(full_page) -> dict:
    return embedded(full_page.read_text(encoding="utf-8"))


def test_every_catalog_function_is_on_the_page(full_data):
    assert [g["label"] for g in full_data["groups"]] == actviz.names()
    assert full_data["format"] == "actviz-page 1"


def values_of(entry: dict) -> tuple[np.ndarray, ...]:
    """The entry's x, f, f', f'' as floats, null read as NaN."""
    def floats(v: list) -> np.ndarray:
        return np.array(v, dtype=object).astype(float) if v else np.array([])

    return tuple(floats(entry[key]) for key in ("x", "f", "df", "d2f"))


def test_embedded_values_are_the_librarys_own_exactly(full_data):
    """Every curve of the page, flavours and presets included: x, f, f', f'' equal
    actviz.get(spec, flavor).evaluate(x, order=2) bit for bit (null where not finite)."""
    assert len(full_data["functions"]) > len(actviz.names())  # variants are there too
    for entry in full_data["functions"]:
        x, *got = values_of(entry)
        want = actviz.get(entry["spec"], flavor=entry["flavor"]).evaluate(x, order=2)
        for g, w in zip(got, want, strict=True):
            w = np.where(np.isfinite(w), w, np.nan)
            assert np.array_equal(g.reshape(w.shape), w, equal_nan=True), entry["spec"]


def test_numbers_are_written_as_the_shortest_text_that_reads_back(full_page):
    """The data's numbers are Python's repr of each float: the shortest round trip."""
    text = embedded_text(full_page.read_text(encoding="utf-8"))
    numbers = re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text[:200_000])
    for token in numbers[:20_000]:
        if "." in token or "e" in token.lower():
            assert repr(float(token)) == token


def embedded_text(text: str) -> str:
    start = text.index('id="actviz-data">') + len('id="actviz-data">')
    return text[start:text.index("</script>", start)]


def test_the_grid_resolves_every_kink(full_data):
    """Each kink inside the range is a point of the grid, with the floats on either side."""
    lo, hi = full_data["range"]
    for entry in full_data["functions"]:
        act = actviz.get(entry["spec"], flavor=entry["flavor"])
        xs = set(entry["x"])
        for kink in act.kinks_in(lo, hi) if not act.definition.vector else ():
            assert {kink.x, np.nextafter(kink.x, -np.inf), np.nextafter(kink.x, np.inf)} <= xs


def test_the_range_is_the_figures_range():
    """One function (actviz.ranges.auto_range) gives the default range of a figure and of a
    page: [-5, 5], widened past a kink with room on its other side (relu6's 6: [-5, 8])."""
    from actviz import plot

    assert auto_range([actviz.get("relu")]) == (-5.0, 5.0)
    assert auto_range([actviz.get("relu6")]) == (-5.0, 8.0)
    assert page_data(["relu6"], num=41)["range"] == [-5.0, 8.0]
    assert plot("relu6", num=41).axes[0].get_xlim() == (-5.0, 8.0)


def test_decimal_points_are_round_and_short():
    xs = decimal_points(-5.0, 8.0, 401)
    assert xs[0] == -5.0 and xs[-1] == 8.0
    assert np.allclose(np.diff(xs), 0.025)  # 13/400 = 0.0325: the round step below it
    assert len(decimal_points(-5.0, 8.0, 201)) == 261  # 0.05: 13/200 = 0.065
    assert all(len(repr(float(x))) <= 6 for x in xs)  # -4.95, not -4.950000000000001


def test_marks_are_the_analysis_of_the_figures(full_data):
    """Saturation, dead zones, minima and the steepest point come from analyze() on the
    page's range, as the figures' marks do."""
    rng = tuple(full_data["range"])
    by_spec = {(e["spec"], e["flavor"]): e for e in full_data["functions"]}
    for spec in ("gelu", "relu", "sigmoid", "softshrink", "elu"):
        entry = by_spec[(spec, "torch")]
        want = analysis.analyze(spec, rng, full_data["saturation_threshold"])
        marks = entry["marks"][0]
        assert marks["saturation"] == [[s[0], s[1]] for s in want.saturation]
        assert marks["dead"] == [[s[0], s[1]] for s in want.dead]
        assert marks["minima"] == [list(m) for m in want.minima]
    gelu = by_spec[("gelu", "torch")]["marks"][0]
    assert gelu["minima"][0][0] == pytest.approx(-0.7517915241, abs=1e-9)  # mpmath
    assert gelu["steepest"][0] == pytest.approx(math.sqrt(2), abs=1e-9)
    relu = by_spec[("relu", "torch")]["marks"][0]
    assert relu["dead"] == [[rng[0], 0.0]]
    # relu' jumps at 0 from 0 to 1: the value there (autograd's 0) and the limit 1
    assert [1, 0.0, 0.0, [1.0]] in relu["ends"]
    assert by_spec[("log1mexp", "torch")]["marks"] == [None]  # a pole: no analysis


def test_flavours_are_there_where_they_differ(full_data):
    """gelu's jax flavour is the tanh approximation, leaky_relu's keras slope is 0.2,
    relu is the same everywhere (one variant)."""
    groups = {g["label"]: g for g in full_data["groups"]}
    functions = full_data["functions"]
    assert set(groups["gelu"]["flavors"]) == {"torch", "jax"}
    assert functions[groups["gelu"]["flavors"]["jax"]]["params"] == {"approximate": "tanh"}
    leaky = functions[groups["leaky_relu"]["flavors"]["keras"]]
    assert leaky["params"]["negative_slope"] == 0.2
    assert set(groups["relu"]["flavors"]) == {"torch"}


def test_presets_are_the_sweeps(full_data):
    groups = {g["label"]: g for g in full_data["groups"]}
    labels = [label for label, _ in groups["elu"]["presets"]]
    assert labels == ["alpha=0.5", "alpha=2"]  # alpha=1 is the default curve
    entry = full_data["functions"][groups["elu"]["presets"][0][1]]
    assert entry["params"] == {"alpha": 0.5}
    for name, (param, _) in PRESETS.items():
        definition = actviz.get(name).definition
        assert definition.param(param) is not None, name


def test_properties_are_compares(full_data):
    """The properties table holds compare's text (6 digits) for the same function."""
    by_spec = {(e["spec"], e["flavor"]): e for e in full_data["functions"]}
    result = invoke(*["compare", "gelu", "relu", "--range", *map(str, full_data["range"]),
                     "-f", "json"])
    records = json.loads(result.output)
    gelu = by_spec[("gelu", "torch")]["properties"]
    want = next(r for r in records if r["spec"] == "gelu")
    assert float(gelu["gaussian.gain"]) == pytest.approx(want["gaussian"]["gain"], rel=1e-5)
    assert float(gelu["lipschitz"]) == pytest.approx(want["lipschitz"], rel=1e-5)
    assert by_spec[("relu", "torch")]["properties"]["gaussian.gain"] == "1.41421"  # sqrt(2)
    assert by_spec[("log1mexp", "torch")]["properties"] is None
    assert "pole" in by_spec[("log1mexp", "torch")]["no_properties"]


class Links(HTMLParser):
    """Every src and href of a page, and the text of its scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "action")]
        if tag in ("link", "iframe", "object", "embed"):
            self.links.append(f"<{tag}>")
        self._in_script = tag == "script" and ("type", "application/json") not in attrs

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def test_the_page_is_self_contained(full_page):
    """No src or href but a data URI or a fragment, no <link>, and no network call in the
    code the page runs (fetch, XMLHttpRequest, WebSocket, EventSource, sendBeacon, import)."""
    parser = Links()
    parser.feed(full_page.read_text(encoding="utf-8"))
    assert all(link.startswith(("#", "data:")) for link in parser.links), parser.links
    code = "\n".join(parser.scripts)
    assert "uPlot" in code and len(parser.scripts) == 2
    for word in ("fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon",
                 "import(", "importScripts", "new Worker", "@import", "url("):
        assert word not in code, word
    assert "url(" not in full_page.read_text(encoding="utf-8").split("<script")[0]


def test_uplot_is_inlined_with_its_version_and_licence(full_page):
    text = full_page.read_text(encoding="utf-8")
    assert uplot_version() == "1.6.32"
    assert "/*! uPlot 1.6.32" in text and "The MIT License (MIT)" in text
    assert "Copyright (c) 2022 Leon Sorokin" in text
    assert "uPlot\n1.6.32" in text or "uPlot 1.6.32" in text


def test_a_page_of_every_function_is_small_enough(full_page):
    assert full_page.stat().st_size <= FULL_LIMIT


def test_same_bytes_twice(tmp_path):
    for name in ("a.html", "b.html"):
        assert invoke(*["page", "relu", "gelu", "elu", "-o", str(tmp_path / name)]).exit_code == 0
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_default_file_and_batch_job_write_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(*["page", "relu", "elu"])
    assert result.exit_code == 0 and result.output.strip() == str(Path("output/relu_elu.html"))
    (tmp_path / "c.yaml").write_text("output_dir: out\njobs:\n"
                                     "  - {kind: page, functions: [relu, elu]}\n")
    assert invoke(*["batch", "c.yaml", "--jobs", "1"]).exit_code == 0
    assert (tmp_path / "out/relu_elu.html").read_bytes() == \
        (tmp_path / "output/relu_elu.html").read_bytes()


@pytest.mark.parametrize(("args", "message"), [
    (["page", "relu", "-o", "p.png"],
     "Error: a page is HTML; give -o with .html, such as -o p.html"),
    (["page", "relu", "-o", "a"], "Error: a page is HTML; give -o with .html, such as -o a.html"),
    (["page", "relu", "-o", "d/a"],
     "Error: a page is HTML; give -o with .html, such as -o d/a.html"),
    (["page", "relu", "relu"],
     "Error: relu is given twice; a page shows each function once: name it once"),
    # the same function under another name: refused by its resolved spec
    (["page", "relu", "ReLU"], "Error: ReLU is relu again; a page shows each function once"),
    (["page", "silu", "swish"], "Error: swish is silu again; a page shows each function once"),
    (["page", "logistic", "sigmoid"], "Error: sigmoid is logistic again; a page shows each"),
    (["page", "elu", "elu:alpha=1"], "Error: elu:alpha=1 is elu again; a page shows each"),
    (["page", "relux"], "Error: unknown activation 'relux'"),
    (["page", "relu", "--num", "5"], "Error: num must be"),
    (["page", "relu", "--range", "3", "-3"], "Error: range"),
])
def test_errors_are_one_line_and_write_nothing(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_formula_and_a_given_range(tmp_path):
    data = page_data(["x*tanh(softplus(x))", "mish"], (-3.0, 3.0), 61)
    assert data["range"] == [-3.0, 3.0]
    formula, mish = (data["functions"][g["default"]] for g in data["groups"])
    assert formula["f"] == mish["f"] or np.allclose(formula["f"], mish["f"], rtol=1e-15)


def test_a_function_twice_in_a_batch_job_is_refused_with_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text("jobs:\n  - {kind: page, functions: [silu, swish]}\n")
    result = invoke(*["batch", "c.yaml", "--jobs", "1"])
    assert result.exit_code != 0
    assert "Error: jobs[0] (line 2): swish is silu again; a page shows each function once" \
        in result.stderr
    assert not any(p.suffix == ".html" for p in tmp_path.rglob("*"))


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(1e-3, 1e6), st.integers(11, 4001))
def test_num_is_the_least_number_of_points(lo, width, num):
    """The help text of --num: at least NUM points with the range's ends, at most 2 NUM + 1,
    at the largest step of 1, 2, 2.5 or 5 x 10^k not above (MAX - MIN)/(NUM - 1)."""
    hi = lo + width
    if hi <= lo:
        return
    a, e = nice_step(lo, hi, num)
    step = a * 10.0 ** e
    raw = (hi - lo) / (num - 1)
    assert a in (1, 2, 25, 5) and step <= raw * (1 + 1e-9)
    bigger = {1: 2, 2: 2.5, 25: 5, 5: 10}[a] * 10.0 ** (e + (1 if a == 25 else 0))
    assert bigger > raw * (1 - 1e-9)  # the largest such step
    xs = np.unique(np.concatenate([decimal_points(lo, hi, num), [lo, hi]]))
    assert num <= len(xs) <= 2 * num + 1
