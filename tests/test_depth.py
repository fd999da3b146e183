"""``actviz depth``: the table, the figure, batch jobs and bad input, checked against values
computed independently of actviz (closed forms iterated in mpmath, published critical points)
and on the figure's drawn artists. :mod:`tests.test_meanfield` checks the theory itself."""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import math
import shutil
import subprocess

import mpmath as mp
import numpy as np
import pytest

from actviz.catalog import resolve_specs
from actviz.meanfield import simulate
from actviz.meanfield.report import Setting, settings
from actviz.render import save
from actviz.render.depth import depth_figure

from .helpers import invoke


def depth_json(*args):
    result = invoke("depth", *args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def by_setting(records):
    return {(r["spec"], r["setting"]): r for r in records}


# --- numbers ------------------------------------------------------------------------------------

def test_relu_edge_of_chaos_and_pytorch_gain_are_sqrt_2():
    found = by_setting(depth_json("relu"))
    for kind in ("edge of chaos", "PyTorch gain"):
        r = found["relu", kind]
        assert r["sigma_w"] == pytest.approx(math.sqrt(2), rel=1e-12)
        assert r["chi_1"] == pytest.approx(1.0, rel=1e-12)
        assert r["phase"] == "critical"
        assert r["q_star"] == pytest.approx(1.0, rel=1e-12)  # every q is a fixed point
        assert r["grad_sq_ratio"] == pytest.approx(1.0, rel=1e-10)
        assert r["q_last"] == pytest.approx(1.0, rel=1e-10)


@pytest.mark.parametrize("slope", [0.01, 0.2, 0.5])
def test_leaky_relu_edge_of_chaos_is_2_over_1_plus_a_squared(slope):
    r = by_setting(depth_json(f"leaky_relu:negative_slope={slope}"))
    spec = f"leaky_relu:negative_slope={slope}"
    assert r[spec, "edge of chaos"]["sigma_w"] ** 2 == pytest.approx(2 / (1 + slope**2),
                                                                     rel=1e-12)
    # PyTorch's calculate_gain('leaky_relu', a) is the same number: sqrt(2 / (1 + a^2))
    assert r[spec, "PyTorch gain"]["sigma_w"] == pytest.approx(math.sqrt(2 / (1 + slope**2)),
                                                               rel=1e-15)


def test_tanh_critical_point_of_schoenholz():
    """Schoenholz et al. 2017: at sigma_b^2 = 0.05, tanh is critical at sigma_w^2 = 1.7604."""
    r = by_setting(depth_json("tanh", "--sigma-b", math.sqrt(0.05)))["tanh", "edge of chaos"]
    assert r["sigma_w"] ** 2 == pytest.approx(1.7604, abs=1e-3)  # the three digits given
    assert r["chi_1"] == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(("sigma_b", "sigma_w"),
                         [(0.05, 1.12434), (0.2, 1.30787), (0.5, 1.55254), (1.0, 1.85756)])
def test_tanh_edge_of_chaos_of_hayou(sigma_b, sigma_w):
    """Hayou, Doucet & Rousseau 2019 (a Monte Carlo estimate, hence 0.5 %)."""
    r = by_setting(depth_json("tanh", "--sigma-b", sigma_b))["tanh", "edge of chaos"]
    assert r["sigma_w"] == pytest.approx(sigma_w, rel=5e-3)


def test_selu_at_sigma_w_1_keeps_q_at_1():
    """SELU's constants make E[selu(z)^2] = 1 for z ~ N(0, 1) (Klambauer et al. 2017)."""
    (r,) = depth_json("selu", "--sigma-w", 1)
    assert r["setting"] == "given"
    assert r["q_star"] == pytest.approx(1.0, abs=1e-8)
    assert r["q_last"] == pytest.approx(1.0, abs=1e-8)


def erf_closed_forms(sigma_w, sigma_b):
    """V(q) and chi(q) of phi = erf in closed form, in mpmath: E[erf(u)^2] =
    (2/pi) arctan(q / sqrt(q + 1/4)), E[erf'(u)^2] = (4/pi) / sqrt(1 + 4q)."""
    sw2, sb2 = mp.mpf(sigma_w) ** 2, mp.mpf(sigma_b) ** 2

    def variance(q):
        return sw2 * 2 / mp.pi * mp.atan(q / mp.sqrt(q + mp.mpf(1) / 4)) + sb2

    def chi(q):
        return sw2 * 4 / mp.pi / mp.sqrt(1 + 4 * q)

    return variance, chi


@pytest.mark.parametrize(("sigma_w", "sigma_b", "layers"), [(1.3, 0.2, 30), (3.0, 0.5, 7),
                                                            (0.8, 0.1, 45)])
def test_a_formula_through_the_layers_matches_the_closed_forms(sigma_w, sigma_b, layers):
    """A user formula (erf) in the depth table: q*, chi_1, q after L layers and the gradient
    ratio, against the closed forms iterated in mpmath at 40 digits."""
    mp.mp.dps = 40
    variance, chi = erf_closed_forms(sigma_w, sigma_b)
    q_star = mp.findroot(lambda q: variance(q) - q, (mp.mpf(sigma_b) ** 2,
                                                     mp.mpf(sigma_w) ** 2 + sigma_b**2 + 1),
                         solver="anderson")  # V(q) - q changes sign in this bracket
    qs = [mp.mpf(1)]
    for _ in range(layers):
        qs.append(variance(qs[-1]))
    ratio = mp.fprod(chi(q) for q in qs[:-1])
    (r,) = depth_json("erf(x)", "--sigma-w", sigma_w, "--sigma-b", sigma_b, "--layers", layers)
    assert r["q_star"] == pytest.approx(float(q_star), rel=1e-10)
    assert r["chi_1"] == pytest.approx(float(chi(q_star)), rel=1e-10)
    assert r["q_last"] == pytest.approx(float(qs[-1]), rel=1e-10)
    assert r["grad_sq_ratio"] == pytest.approx(float(ratio), rel=1e-9)
    assert r["phase"] == ("chaotic" if chi(q_star) > 1 else "ordered")
    assert r["xi_q"] == pytest.approx(-1 / math.log(abs(r["v_slope"])), rel=1e-12)


def test_the_standard_init_is_the_forward_gain_where_pytorch_has_none():
    r = by_setting(depth_json("gelu"))
    assert r["gelu", "forward gain"]["sigma_w"] == pytest.approx(
        float(1 / mp.sqrt(mp.quad(lambda z: (z * mp.ncdf(z)) ** 2 * mp.npdf(z),
                                  [-mp.inf, 0, mp.inf]))), rel=1e-10)
    eoc = r["gelu", "edge of chaos"]
    assert eoc["sigma_w"] is None and eoc["notes"][0].startswith("no edge of chaos: ")


def test_where_there_is_no_fixed_point_the_table_says_none_and_why():
    """relu at sqrt 2 with a bias: V(q) = q + sigma_b^2 has no fixed point, but q^l =
    1 + l sigma_b^2 and chi = 1 at every q, so the columns still say where q goes."""
    result = invoke("depth", "relu", "--sigma-b", "0.2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    row = {line.split()[0]: line.split()[1:] for line in lines[:15] if line.split()}
    assert row["sigma_w"] == ["none", "1.41421"]
    assert row["q*"] == ["-", "none", "(q", "grows)"]
    assert row["q"] == ["at", "layer", "30", "-", "2.2"]
    assert "relu (PyTorch gain): no fixed point" in result.output
    r = by_setting(depth_json("relu", "--sigma-b", "0.2"))["relu", "PyTorch gain"]
    assert r["fixed_point"] == "diverges"
    assert r["q_last"] == pytest.approx(1 + 30 * 0.04, rel=1e-12)
    assert r["grad_sq_ratio"] == pytest.approx(1.0, rel=1e-12)


def test_one_function_without_a_fixed_point_does_not_hide_the_others():
    """relu at sigma_w = 2: V(q) = 2q, so q^30 = 2^30 and the gradient doubles per layer."""
    found = by_setting(depth_json("relu", "tanh", "--sigma-w", "2"))
    relu, tanh = found["relu", "given"], found["tanh", "given"]
    assert relu["fixed_point"] == "diverges" and "q_star" not in relu
    assert relu["q_last"] == pytest.approx(2.0**30, rel=1e-12)
    assert relu["grad_sq_ratio"] == pytest.approx(2.0**30, rel=1e-12)
    assert tanh["phase"] == "chaotic"


def test_an_unstable_fixed_point_is_not_described_as_a_fixed_point():
    """silu at its forward gain: V(1) = 1 but V'(1) > 1 (tests/test_meanfield.py): no q*,
    no sequences (the theory's q^l would sit on a knife edge no network walks)."""
    r = by_setting(depth_json("silu"))["silu", "forward gain"]
    assert r["fixed_point"] == "unstable"
    assert "q_star" not in r and "q_last" not in r
    assert r["notes"][-1].startswith("q0 = 1 is an unstable fixed point: V'(q0) = ")
    row = {line.split()[0]: line.split()[1:] for line in invoke("depth", "silu").output
           .splitlines()[:15] if line.split()}
    assert row["q*"] == ["-", "unstable"]


# --- formats ------------------------------------------------------------------------------------

def test_every_format_carries_the_same_settings():
    specs = ["tanh", "relu"]
    text = invoke("depth", *specs).output
    assert text.splitlines()[1].split() == ["setting", "edge", "of", "chaos", "PyTorch", "gain",
                                            "edge", "of", "chaos", "PyTorch", "gain"]
    rows = list(csv.DictReader(io.StringIO(invoke("depth", *specs, "-f", "csv").output)))
    assert [(r["spec"], r["setting"]) for r in rows] == [
        ("tanh", "edge of chaos"), ("tanh", "PyTorch gain"), ("relu", "edge of chaos"),
        ("relu", "PyTorch gain")]
    records = depth_json(*specs)
    for row, record in zip(rows, records, strict=True):
        assert float(row["chi_1"]) == record["chi_1"]  # CSV keeps every digit
        assert "corner at x = 0" in row["notes"] or row["spec"] == "tanh"
    md = invoke("depth", *specs, "-f", "markdown").output.splitlines()
    assert md[0] == "| property | tanh | tanh | relu | relu |"
    assert "- relu (edge of chaos), relu (PyTorch gain): corner at x = 0: the integrals are " \
           "split there" in md
    tex = invoke("depth", *specs, "-f", "latex").output
    assert "$\\chi_1$" in tex and "% Notes:" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_the_latex_table_compiles_and_fits_the_text_width(tmp_path):
    (tmp_path / "depth.tex").write_text(invoke("depth", "relu", "tanh", "selu", "-f",
                                               "latex").output)
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
        "\\begin{table}\\centering\\input{depth}\\end{table}\n\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert done.returncode == 0, log[-2000:]
    assert "Overfull \\hbox" not in log


def test_precision_rounds_every_format():
    text = invoke("depth", "tanh", "--sigma-w", "1.5", "-p", "3").output
    assert "1.14" in text.split("chi_1")[1].split("\n")[0]
    (r,) = depth_json("tanh", "--sigma-w", "1.5", "-p", "3")
    assert r["chi_1"] == 1.14


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["relu", "--sigma-w", "-1"], "Error: sigma_w must be a standard deviation from 0 to "
                                  "100; got -1"),
    (["relu", "--sigma-b", "nan"], "Error: sigma_b must be a standard deviation from 0 to "
                                   "100; got nan"),
    (["relu", "--sigma-b", "1e4"], "Error: sigma_b must be a standard deviation from 0 to "
                                   "100; got 10000"),
    (["relu", "--sigma-w", "abc"], "Error: Invalid value for '--sigma-w': 'abc' is not a "
                                   "valid float. See '"),
    (["relu", "-o", "depth.jpg"], "Error: cannot tell what to write from the extension of "
                                  "depth.jpg: a table (.txt,"),
    (["relu", "--sigma-w", "2"], "Error: relu: no fixed point: from q0 = 1, q^l = V(q^(l-1)) "
                                 "grows without bound"),
    (["tanh", "softmax"], "Error: softmax is a vector function: a unit's output depends on "
                          "the whole layer"),
    (["crelu"], "Error: crelu has 2 outputs per input"),
    (["relu", "--layers", "0"], "Error: layers must be between 1 and 1000, got 0"),
    (["relu", "--width", "5"], "Error: width must be between 10 and 4000, got 5"),
    (["relu", "--size", "4", "3"], "Error: the depth figure's two rows of panels and legend "
                                   "need --size W H with W >= 3 and H >= 0.6 W + 1.5"),
    (["relu", "elu", "--sigma-w", "1.5"], "Error: no function has a fixed point at sigma_w = "
                                          "1.5, sigma_b = 0; relu: no fixed point"),
    (["tahn"], "Error: unknown activation 'tahn'"),
])
def test_bad_input_is_refused_in_one_line_and_nothing_is_written(tmp_path, args, message):
    result = invoke("depth", *args, *(["-o", "depth.png"] if "-o" not in args else []),
                    cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(message), result.output
    assert len(result.output.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


# --- files: the same bytes every time, from the command and from a batch ------------------------

@pytest.mark.slow
def test_reruns_and_batch_jobs_write_the_same_bytes(tmp_path):
    args = ["tanh", "relu", "--sigma-b", "0.1", "--layers", "12", "--width", "200"]
    for fmt in ("png", "svg", "pdf"):
        first = invoke("depth", *args, "-o", f"a.{fmt}", cwd=tmp_path)
        again = invoke("depth", *args, "-o", f"b.{fmt}", cwd=tmp_path)
        assert first.exit_code == again.exit_code == 0, first.output
        assert (tmp_path / f"a.{fmt}").read_bytes() == (tmp_path / f"b.{fmt}").read_bytes()
        # the table, then the file written
        assert first.output.replace("a.", "b.") == again.output
    invoke("depth", *args, "-o", "c.csv", cwd=tmp_path)
    (tmp_path / "c.yaml").write_text(
        "output_dir: out\njobs:\n  - kind: depth\n    functions: [tanh, relu]\n"
        "    sigma_b: 0.1\n    layers: 12\n    width: 200\n    format: csv\n    image: png\n")
    result = invoke("batch", "c.yaml", "-j", "1", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/depth_tanh_relu.csv").read_bytes() == (tmp_path / "c.csv").read_bytes()
    assert (tmp_path / "out/depth_tanh_relu.png").read_bytes() == (tmp_path / "a.png").read_bytes()


# --- the figure ---------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=[None, "column"], ids=["default", "column"])
def figure(request):
    found = settings(resolve_specs(["tanh", "relu", "selu"]), None, 0.0, 20)
    fig = depth_figure(found, width=300, size=request.param)
    fig.draw_without_rendering()
    return found, fig


def lines(fig, prefix):
    """The lines whose gid starts with ``prefix``, whole (not the dashed pieces a line gets
    where it runs on another: those end in ':shared')."""
    return {line.get_gid()[len(prefix):]: line for ax in fig.axes for line in ax.get_lines()
            if (line.get_gid() or "").startswith(prefix)
            and not line.get_gid().endswith(":shared")}


def test_every_text_lies_inside_the_figure(figure):
    """Titles, axis labels, tick labels, the colour bar's label and the legend: nothing is
    cut off at the figure's edge, at the default size or in a journal column."""
    _, fig = figure
    renderer = fig.canvas.get_renderer()
    whole = fig.bbox
    drawn = fig.get_tightbbox(renderer)  # in inches: everything drawn, tick labels included
    assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01
    assert drawn.x1 <= fig.get_figwidth() + 0.01 and drawn.y1 <= fig.get_figheight() + 0.01
    texts = [fig._suptitle] + [t for ax in fig.axes for t in (
        ax.title, ax.xaxis.label, ax.yaxis.label)]
    for text in texts:
        if text is None or not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        assert whole.x0 - 1 <= box.x0 and box.x1 <= whole.x1 + 1, (text.get_text(), box)
        assert whole.y0 - 1 <= box.y0 and box.y1 <= whole.y1 + 1, (text.get_text(), box)
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            frame = ax.get_window_extent(renderer)
            assert box.y1 <= frame.y0 or box.x1 <= frame.x0 or box.x0 >= frame.x1


def test_the_edge_of_chaos_curve_of_tanh_passes_hayous_points(figure):
    _, fig = figure
    curve = lines(fig, "edge_of_chaos:")["tanh"]
    bs, ws = curve.get_xdata(), curve.get_ydata()
    for sigma_b, sigma_w in [(0.05, 1.12434), (0.2, 1.30787), (0.5, 1.55254), (1.0, 1.85756)]:
        (at,) = np.flatnonzero(np.isclose(bs, sigma_b))
        assert ws[at] == pytest.approx(sigma_w, rel=5e-3)
    # relu's edge of chaos is one point, sqrt(2) at sigma_b = 0, where its setting's marker
    # already sits: no diamond under it
    assert not [line for ax in fig.axes for line in ax.get_lines()
                if line.get_gid() == "edge_of_chaos:relu" and line.get_marker() == "D"]
    assert lines(fig, "setting:")["relu (edge of chaos)"].get_xydata().tolist() == [
        [0.0, pytest.approx(math.sqrt(2))]]


def whole(fig, line):
    """A curve's data, whole: where it runs on another, its line has a gap that a dashed
    piece fills once the figure is drawn."""
    for stretches in fig.shared:
        for curve in stretches.curves:
            if curve.line is line:
                return curve.x, curve.y
    return line.get_xdata(), line.get_ydata()


def test_the_theory_lines_and_the_simulated_markers(figure):
    found, fig = figure
    theory = lines(fig, "theory:q:")
    simulated = lines(fig, "simulated:grad_sq:")
    # relu at sqrt(2) is drawn once for both of its settings, which coincide
    assert sorted(theory) == ["relu (edge of chaos)", "selu (PyTorch gain)",
                              "selu (edge of chaos)", "tanh (PyTorch gain)",
                              "tanh (edge of chaos)"]
    assert np.allclose(whole(fig, theory["relu (edge of chaos)"])[1], 1.0, rtol=1e-12)
    for name, line in simulated.items():
        assert len(line.get_xdata()) <= 16
        drawn = theory[name]
        assert line.get_markeredgecolor() == drawn.get_color()
    # the markers are what one network of that seed measures, drawn on the same random
    # weights for every setting (simulate_many); whether that network agrees with the theory
    # is tests/test_meanfield.py's business
    # (the geometric mean of four networks, seeds 0 to 3)
    for name, sigma_w in [("tanh (PyTorch gain)", 5 / 3), ("selu (edge of chaos)", None)]:
        setting = next(s for s in found if s.name == name)
        logs = []
        for seed in range(4):
            alone = simulate(setting.named.act, sigma_w or setting.propagation.sigma_w, 0.0,
                             20, width=300, seed=seed)
            logs.append(np.log(alone.grad_sq / alone.grad_sq[-1]))
        line = simulated[name]
        expected = np.exp(np.mean(logs, axis=0))[line.get_xdata()]
        assert np.allclose(line.get_ydata(), expected, rtol=1e-12, atol=0)


def test_the_correlation_map_marks_c_star(figure):
    _, fig = figure
    star = lines(fig, "c_star:")["tanh (PyTorch gain)"]
    # tanh is odd: without bias C(0) = 0, and in the chaotic phase c* = 0
    assert star.get_xydata().tolist() == [[pytest.approx(0.0, abs=1e-12), 0.0]]
    curve = lines(fig, "correlation_map:")["tanh (PyTorch gain)"]
    c, change = whole(fig, curve)
    assert change[np.argmin(abs(c - 0.5))] < 0 < change[np.argmin(abs(c + 0.5))]


def test_the_legend_names_each_setting_once(figure):
    _, fig = figure
    texts = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "relu, edge of chaos = PyTorch gain: $\\sigma_w$ = 1.414" in texts
    assert "tanh, PyTorch gain: $\\sigma_w$ = 1.667" in texts
    assert "4 random networks (width 300, seeds 0-3): mean, spread" in texts


def test_settings_without_a_fixed_point_in_the_figure(tmp_path):
    """relu at sqrt 2 with a bias: a curve, q^l = 1 + l sigma_b^2, said to grow without
    bound, and no correlation map (elu's is drawn instead); silu at its forward gain (an
    unstable fixed point): a marker on the phase diagram only."""
    found = settings(resolve_specs(["relu", "elu"]), None, 0.2, 5)
    fig = depth_figure(found, width=50, networks=1)
    theory = lines(fig, "theory:q:")
    assert whole(fig, theory["relu (PyTorch gain)"])[1] == pytest.approx(1 + 0.04 * np.arange(6))
    assert "relu (PyTorch gain)" in lines(fig, "setting:")
    texts = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "relu, PyTorch gain: $\\sigma_w$ = 1.414 (q grows without bound)" in texts
    assert "a random network (width 50, seed 0)" in texts
    assert all(name.startswith("elu") for name in lines(fig, "correlation_map:"))
    # at sigma_b = 0.2 no relu setting sits on its one-point edge of chaos: a diamond there
    (diamond,) = [line for ax in fig.axes for line in ax.get_lines()
                  if line.get_gid() == "edge_of_chaos:relu" and line.get_marker() == "D"]
    assert diamond.get_xydata().tolist() == [[0.0, pytest.approx(math.sqrt(2))]]
    assert "an edge of chaos that is one point" in texts
    assert save(fig, tmp_path / "relu.png").stat().st_size > 0
    unstable = depth_figure(settings(resolve_specs(["silu"]), None, 0.0, 5), width=50)
    assert not lines(unstable, "theory:q:")
    assert list(lines(unstable, "setting:")) == ["silu (forward gain)"]
    texts = [t.get_text() for legend in unstable.legends for t in legend.get_texts()]
    assert "silu, forward gain: $\\sigma_w$ = 1.677, unstable (see the table)" in texts


def test_the_table_alone_does_not_load_matplotlib_nor_scipy():
    """Nor scipy: the edge of chaos is found by actviz._roots.brentq (scipy.optimize took
    0.8 s of CPU to import, more than a whole compare of six functions)."""
    from .helpers import heavy_imports

    assert heavy_imports("depth", "relu", "tanh") == ["actviz.writers"]


@functools.cache
def _settings_without_bias(specs: tuple[str, ...]) -> list[Setting]:
    """The settings of test_markers_on_one_spot_are_set_side_by_side, found once for both
    figure sizes (a Setting is frozen: the figure cannot change it)."""
    return settings(resolve_specs(list(specs)), None, 0.0, 5)


@pytest.mark.parametrize("specs", [("sigmoid", "tanh"), ("sigmoid", "tanh", "relu"),
                                   ("relu", "elu", "selu", "gelu", "tanh", "sigmoid")])
@pytest.mark.parametrize("size", [None, "column"])
def test_markers_on_one_spot_are_set_side_by_side(specs, size):
    """sigmoid's PyTorch gain (sigma_w = 1) lies on tanh's edge of chaos at sigma_b = 0
    (sigma_w = 1/tanh'(0) = 1) and relu's edge of chaos on its PyTorch gain: in (a) no
    marker covers more than half of another's box, none moves left of its own spot (sigma_b
    cannot be negative) and each stays within the panel's width. The stars of c* = 1 in (d)
    stay where c* is, the later drawn smaller, so that the one below shows as a rim."""
    found = _settings_without_bias(specs)
    fig = depth_figure(found, simulate=False, size=size)
    fig.draw_without_rendering()
    pixels = fig.dpi / 72
    phase, correlation = fig.axes[0], fig.axes[-1]
    frame = phase.get_window_extent()
    boxes = []
    for line in phase.get_lines():
        if not (line.get_gid() or "").startswith("setting:"):
            continue
        (x, y), = line.get_transform().transform(line.get_xydata()[:1])
        (true_x, _), = phase.transData.transform(line.get_xydata()[:1])
        half = line.get_markersize() * pixels / 2
        boxes.append((x - half, y - half, x + half, y + half))
        assert frame.x0 - 0.5 <= x <= frame.x1 + 0.5 and x >= true_x - 0.5
    for a, b in itertools.combinations(boxes, 2):
        width = min(a[2], b[2]) - max(a[0], b[0])
        height = min(a[3], b[3]) - max(a[1], b[1])
        if width > 0 and height > 0:
            smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
            assert width * height <= 0.5 * smaller, (a, b)
    stars = [line for line in correlation.get_lines()
             if (line.get_gid() or "").startswith("c_star:")]
    for line in stars:  # where c* is
        setting = next(s for s in found if line.get_gid() == f"c_star:{s.name}")
        assert line.get_xdata()[0] == pytest.approx(setting.propagation.c_star, abs=1e-12)
        assert line.get_transform() == correlation.transData
    ordered = sorted(stars, key=lambda line: line.get_zorder())
    for below, above in itertools.combinations(ordered, 2):
        if below.get_xdata()[0] == above.get_xdata()[0]:
            assert above.get_markersize() < below.get_markersize()


@pytest.mark.parametrize(("spec", "sigma_w", "within"), [
    ("tanh", 5 / 3, 1e-3), ("relu", math.sqrt(2), 1e-3), ("selu", 1.0, 1e-3),
    ("sigmoid", 10.15, 1e-3), ("binary_step", 1.0, 1.5e-2)])
def test_the_correlation_map_drawn_is_the_map(spec, sigma_w, within):
    """Panel (d) computes C at 11 Chebyshev points and draws the polynomial through them:
    within 1e-3 of the curve's span of C computed at every point drawn (1.5e-2 for a
    function that jumps, whose C has an infinite slope at c = +-1)."""
    from actviz.meanfield import propagation
    from actviz.render.depth import _correlations

    p = propagation(spec, sigma_w, 0.0)
    c = np.linspace(-1.0, 1.0, 81)
    exact = p.correlation_map(c)
    assert np.abs(_correlations(p, c) - exact).max() <= within * np.ptp(exact - c)


@pytest.mark.parametrize("spec", ["tanh", "elu", "selu", "erf(x)", "sigmoid"])
def test_the_edge_of_chaos_curve_drawn_is_the_edge(spec):
    """Panel (a) computes the edge of chaos at 11 values of sigma_b and joins them by a
    monotone cubic: within 0.5 % of sigma_w at every point drawn."""
    from actviz import get
    from actviz.meanfield import edge_of_chaos_curve
    from actviz.render.depth import _edge_curve

    bs, ws, _ = _edge_curve(get(spec), 1.0)
    exact = np.array([e.sigma_w for e in edge_of_chaos_curve(get(spec), bs.tolist())],
                     dtype=float)
    assert np.nanmax(np.abs(ws - exact) / exact) <= 5e-3
