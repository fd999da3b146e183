"""The README's commands and numbers: every ``actviz`` line of its examples runs, the outputs
it shows are the outputs actviz gives, and the numbers of its depth story hold (checked
against mpmath, not against actviz)."""

from __future__ import annotations

import json
import math
import re
import shlex
import shutil
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest

from .helpers import invoke

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def blocks() -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S)


def commands() -> list[str]:
    """Every line of a code block that starts with ``actviz`` (comments dropped)."""
    found = []
    for block in blocks():
        for line in block.splitlines():
            if line.startswith("actviz "):
                found.append(line.split("  #")[0].split(" # ")[0].strip())
    return found


def test_the_readme_has_examples():
    assert len(commands()) >= 25


@pytest.mark.slow
@pytest.mark.parametrize("line", commands())
def test_every_example_runs(tmp_path, line):
    args = shlex.split(line)[1:]
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    if args[0] == "batch":
        args.append("--dry-run")  # the gallery alone takes a minute; what it writes is tested
    result = invoke(*args, cwd=tmp_path)
    assert result.exit_code == 0, result.output


def shown(prompt: str) -> tuple[list[str], list[str]]:
    """The command after ``$ `` in a README block and the output lines shown under it."""
    for block in blocks():
        lines = block.splitlines()
        if lines and lines[0] == f"$ {prompt}":
            return shlex.split(prompt)[1:], lines[1:]
    raise AssertionError(f"no '$ {prompt}' in the README")


@pytest.mark.parametrize("prompt", ["actviz info rleu", "actviz depth relu tanh",
                                    "actviz precision sigmoid gelu --dtype bfloat16 --mode "
                                    "autograd",
                                    'actviz table "1-cos(x)" --points 0.5,1e-8'])
def test_the_outputs_shown_are_the_outputs(prompt):
    args, lines = shown(prompt)
    output = invoke(*args).output.splitlines()
    for line in lines:
        if line != "...":
            assert line in output, line


def sequence(phi, slope, sigma_w, layers):
    """q^l from q^0 = 1 and the gradient ratio prod chi(q^l) for a smooth phi (its
    derivative ``slope`` in closed form), sigma_b = 0, by mpmath quadrature: V(q) = sw^2
    E[phi(sqrt q z)^2], chi(q) = sw^2 E[phi'(sqrt q z)^2]."""
    def expect(g, q):
        return mp.quad(lambda z: g(mp.sqrt(q) * z) * mp.npdf(z), [-mp.inf, 0, mp.inf])

    qs = [mp.mpf(1)]
    ratio = mp.mpf(1)
    for _ in range(layers):
        q = qs[-1]
        ratio *= sigma_w**2 * expect(lambda u: slope(u) ** 2, q)
        qs.append(sigma_w**2 * expect(lambda u: phi(u) ** 2, q))
    return qs, ratio


def test_the_depth_story_of_the_readme():
    """'sigmoid at PyTorch's standard gain 1 (chi_1 = 0.056) loses a factor of about 5e37
    over 30 layers, tanh at its gain 5/3 (chi_1 = 1.21) gains a factor of 340, relu at
    sqrt 2 keeps its gradient exactly.'"""
    records = {(r["spec"], r["setting"]): r for r in json.loads(
        invoke("depth", "sigmoid", "tanh", "relu", "-f", "json").output)}
    with mp.workdps(16):  # (rel 1e-8 is asked: 16 digits keep 1e-14 after 30 layers)
        _, sigmoid = sequence(lambda u: 1 / (1 + mp.exp(-u)),
                              lambda u: 1 / (4 * mp.cosh(u / 2) ** 2), 1, 30)
        _, tanh = sequence(mp.tanh, lambda u: mp.sech(u) ** 2, mp.mpf(5) / 3, 30)
    assert records["sigmoid", "PyTorch gain"]["grad_sq_ratio"] == pytest.approx(float(sigmoid),
                                                                                rel=1e-8)
    assert 1 / float(sigmoid) == pytest.approx(5.2e37, rel=0.01)
    assert records["sigmoid", "PyTorch gain"]["chi_1"] == pytest.approx(0.0557, abs=5e-5)
    assert records["tanh", "PyTorch gain"]["grad_sq_ratio"] == pytest.approx(float(tanh),
                                                                             rel=1e-8)
    assert float(tanh) == pytest.approx(340, rel=0.002)
    assert records["tanh", "PyTorch gain"]["chi_1"] == pytest.approx(1.21, abs=5e-3)
    assert records["relu", "PyTorch gain"]["grad_sq_ratio"] == pytest.approx(1, rel=1e-12)
    text = " ".join(README.split())
    for claim in ("(χ₁ = 0.056) loses a factor of about 5·10^37 over 30 layers",
                  "tanh at its gain 5/3 (χ₁ = 1.21) gains a factor of 340"):
        assert claim in text


def test_the_selu_gains_of_the_readme():
    """'For selu they are 1, 0.966 and 0.690 where PyTorch's calculate_gain gives 3/4.'"""
    (record,) = json.loads(invoke("compare", "selu", "-f", "json").output)
    gains = record["gains"]
    with mp.workdps(30):
        lam, alpha = mp.mpf("1.0507009873554804934193349852946"), mp.mpf(
            "1.6732632423543772848170429916717")
        slope = mp.quad(lambda z: (lam * alpha * mp.exp(z)) ** 2 * mp.npdf(z), [-mp.inf, 0]) \
            + lam**2 / 2
        square = mp.quad(lambda z: (lam * alpha * (mp.exp(z) - 1)) ** 2 * mp.npdf(z),
                         [-mp.inf, 0]) + lam**2 / 2
    assert gains["forward"] == pytest.approx(float(1 / mp.sqrt(square)), rel=1e-12)
    assert gains["backward"] == pytest.approx(float(1 / mp.sqrt(slope)), rel=1e-12)
    assert round(gains["forward"], 3) == 1 and round(gains["backward"], 3) == 0.966
    # sigma_b = 0 and selu(0) = 0: the edge of chaos is at q* = 0, sigma_w^2 = 2 / (a- + a+)
    # with the one-sided slopes a- = (lam alpha)^2, a+ = lam^2 at 0
    assert gains["edge_of_chaos"] == pytest.approx(
        float(mp.sqrt(2 / (lam**2 * alpha**2 + lam**2))), rel=1e-12)
    assert round(gains["edge_of_chaos"], 3) == 0.690
    assert gains["torch"] == 0.75
    assert "For selu they are 1, 0.966 and 0.690 where PyTorch's `calculate_gain` gives 3/4" in \
        " ".join(README.split())


def test_the_tanh_edge_of_chaos_of_the_readme():
    """'Hayou et al.'s tanh edge of chaos ... agree to 0.3 % and with mpmath to 1e-9': at
    the edge of chaos q = sigma_b^2 + E[tanh^2]/E[tanh'^2] and sigma_w^2 = 1/E[tanh'^2]
    (Hayou et al. 2019), solved here in mpmath."""
    text = " ".join(README.split())
    hayou = {0.05: 1.12434, 0.2: 1.30787, 0.5: 1.55254, 1.0: 1.85756}
    shown = re.search(r"actviz's values \(([\d., ]+)\)", text)[1].split(", ")
    with mp.workdps(20):
        def expect(g, q):
            return mp.quad(lambda z: g(mp.sqrt(q) * z) * mp.npdf(z), [-mp.inf, 0, mp.inf])

        for (sigma_b, published), text_value in zip(hayou.items(), shown, strict=True):
            q = mp.findroot(lambda q, b=sigma_b: q - b**2 - expect(lambda u: mp.tanh(u) ** 2, q)
                            / expect(lambda u: mp.sech(u) ** 4, q), 1.0)
            exact = float(1 / mp.sqrt(expect(lambda u: mp.sech(u) ** 4, q)))
            (ours,) = [r["sigma_w"] for r in json.loads(invoke(
                "depth", "tanh", "--sigma-b", sigma_b, "-f", "json").output)
                if r["setting"] == "edge of chaos"]
            assert ours == pytest.approx(exact, rel=1e-9)
            assert float(text_value) == round(ours, 5)
            assert ours == pytest.approx(published, rel=3e-3)


def test_the_spectrum_story_of_the_readme():
    """The numbers of the README's spectrum section, against closed forms and mpmath: relu's
    mu_2/mu_1^2 = 2 (its slope is 0 or 1), so its variance is L (orthogonal) and 2L
    (Gaussian); tanh at q* = 0 has a constant slope 1, so variance 0 and L, the Gaussian
    one the Fuss-Catalan law of edge (L+1)^(L+1)/L^L; tanh at sigma_b = 0.05 at its edge of
    chaos solved in mpmath (as above), mu_k = E[tanh'(h)^2k]; hardtanh's atom of mass
    1 - L(1 - p) at sigma_w^(2L), p = erf(1/sqrt(2 q*))."""
    text = " ".join(README.split())

    def spectrum(*args):
        return {(r["spec"], r["weights"]): r for weights in ("orthogonal", "gaussian")
                for r in json.loads(invoke("spectrum", *args, "--weights", weights,
                                           "--no-simulate", "-f", "json").output)}

    at_zero = spectrum("relu", "tanh")
    relu_o, relu_g = at_zero["relu", "orthogonal"], at_zero["relu", "gaussian"]
    assert relu_o["sigma_w"] == pytest.approx(2**0.5, rel=1e-12)
    assert (relu_o["variance"], relu_g["variance"]) == (pytest.approx(30), pytest.approx(60))
    assert relu_o["zero_mass"] == pytest.approx(0.5, abs=1e-12)
    assert (relu_o["isometry_depth"], relu_g["isometry_depth"]) == (pytest.approx(1),
                                                                    pytest.approx(0.5))
    assert f"λ_max = {relu_o['lambda_max']:.1f} after 30 layers" in text
    tanh_o, tanh_g = at_zero["tanh", "orthogonal"], at_zero["tanh", "gaussian"]
    assert (tanh_o["sigma_w"], tanh_o["variance"]) == (1, 0)
    assert tanh_o["atoms"] == [[pytest.approx(1), 1.0]] and tanh_o["isometry_depth"] is None
    assert tanh_g["variance"] == pytest.approx(30, rel=1e-12)
    fuss_catalan = 31**31 / 30**30
    assert tanh_g["lambda_max"] == pytest.approx(fuss_catalan, rel=1e-4)
    assert f"31³¹/30³⁰ = {fuss_catalan:.1f}" in text
    for claim in ("30 and 60 at 30 layers", "1 for relu with orthogonal weights and 0.5 with",
                  "every λ is exactly 1 (variance 0)", "(variance L, the Fuss–Catalan law"):
        assert claim in text
    with mp.workdps(20):
        def expect(g, q):
            return mp.quad(lambda z: g(mp.sqrt(q) * z) * mp.npdf(z), [-mp.inf, 0, mp.inf])

        q = mp.findroot(lambda q: q - mp.mpf("0.05") ** 2 - expect(lambda u: mp.tanh(u) ** 2, q)
                        / expect(lambda u: mp.sech(u) ** 4, q), 0.2)
        mu1, mu2 = (expect(lambda u, k=k: mp.sech(u) ** (4 * k), q) for k in (1, 2))
        ratio = float(mu2 / mu1**2)
    biased = spectrum("tanh", "--sigma-b", "0.05")
    assert biased["tanh", "orthogonal"]["q_star"] == pytest.approx(float(q), rel=1e-9)
    assert biased["tanh", "orthogonal"]["isometry_depth"] == pytest.approx(1 / (ratio - 1),
                                                                           rel=1e-9)
    assert biased["tanh", "gaussian"]["isometry_depth"] == pytest.approx(1 / ratio, rel=1e-9)
    assert (f"q* = {float(q):.3f}) it is {1 / (ratio - 1):.1f} for tanh with orthogonal "
            f"weights and {1 / ratio:.2f} with Gaussian ones") in text
    hard = spectrum("hardtanh", "--sigma-b", "0.05", "--layers", "10")["hardtanh", "orthogonal"]
    p = math.erf(1 / math.sqrt(2 * hard["q_star"]))
    (at, mass), = hard["atoms"]
    assert mass == pytest.approx(1 - 10 * (1 - p), abs=1e-9)
    assert at == pytest.approx(hard["sigma_w"] ** 20, rel=1e-12)
    assert f"has {100 * mass:.1f} % of its λ exactly at σ_w^20 = {at:.2f}" in text


def help_examples() -> list[str]:
    from actviz.jobs import COMMANDS

    return [line.strip() for command in COMMANDS for line in command.help.splitlines()
            if line.strip().startswith("actviz ")]


def test_every_command_shows_examples():
    from actviz.jobs import COMMANDS

    examples = help_examples()
    assert {shlex.split(e)[1] for e in examples} == {c.name for c in COMMANDS}


@pytest.mark.slow
@pytest.mark.parametrize("line", help_examples())
def test_every_help_example_runs(tmp_path, line):
    """The examples under each command's -h (one of depth's once asked for a sigma_w at
    which neither function had a fixed point)."""
    args = shlex.split(line)[1:]
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    if args[0] == "batch":
        args.append("--dry-run")
    result = invoke(*args, cwd=tmp_path)
    assert result.exit_code == 0, result.output


def test_the_counts_the_readme_gives():
    import actviz

    text = " ".join(README.split())
    count = len(actviz.names())
    for claim in (f"It knows {count} functions", f"# the {count} functions",
                  f"# the {count} canonical names"):
        assert claim in text


def test_the_precision_story_of_the_readme():
    """The numbers of 'In low precision', each from actviz and each threshold from its
    closed form (tests/test_lowprecision.py derives them with mpmath)."""
    import math

    import actviz
    from actviz.lowprecision import dtype_format, float32_bound

    text = " ".join(README.split())
    sigmoid = actviz.precision("sigmoid", "bfloat16", "autograd")
    assert sigmoid.df_flush == [(6.25, 20.0)] and 128 <= sigmoid.max_ulp_df < 256
    assert 1 - 1 / (1 + math.exp(-6.25)) < 2**-9 < 1 - 1 / (1 + math.exp(-6.21875))
    assert "from x = 6.25, where 1 - sigmoid(x) < 2^-9" in text
    assert "an error of 128 to 256 ulps" in text
    tanh = actviz.precision("tanh", "bfloat16", "autograd").df_flush
    assert tanh is not None and tanh[1][0] == 3.46875 and "from |x| = 3.47" in text
    fp16 = actviz.precision("sigmoid", "float16", "autograd")
    assert [(round(a, 2), round(b, 1)) for a, b in fp16.df_flush] == [(8.32, 17.3)]
    assert fp16.df_underflow is not None and fp16.df_underflow[-1][1] == 20.0
    assert "flush runs from 8.32 to 17.3" in text
    gelu = actviz.precision("gelu", "bfloat16", "autograd")
    assert gelu.df_flush is None and gelu.max_ulp_df <= 0.5
    for spec in ("sigmoid", "tanh"):
        assert actviz.precision(spec, "bfloat16", "float32").df_flush is None
    assert float32_bound(dtype_format("bfloat16")) == 0.5 + 2**-17
    assert float32_bound(dtype_format("float16")) == 0.5 + 2**-14
    assert "(within 0.5 + 2^-17 ulp in bfloat16, 0.5 + 2^-14 in float16" in text
    for dtype in ("bfloat16", "float16"):
        assert actviz.precision("erf(x)", dtype, "rounded").max_ulp_f <= 0.5
    assert round(actviz.precision("exponential", "float16").f_overflow, 2) == 11.09
    softplus = actviz.precision("softplus:beta=1e-6", "float16")
    assert softplus.f_overflow == -20.0 and round(math.log(2) / 1e-6) == 693147
    assert "ln 2/β = 693147 exceeds 65504" in text
    assert dtype_format("float8_e4m3fn").round(np.array([464.0, 464.5])).tolist()[0] == 448.0
    assert math.isnan(dtype_format("float8_e4m3fn").round(np.array([464.5]))[0])
    assert "a value beyond 464 becomes NaN" in text


def test_the_batch_section_names_every_kind_of_job_and_which_draw_an_image():
    """The README's batch paragraph lists the job kinds a config may use (jobs.KINDS) and
    the kinds whose `image:` adds a figure (those with an `image` option)."""
    from actviz.jobs import KINDS

    paragraph = README[README.index("A YAML file lists jobs of kind"):]
    paragraph = " ".join(paragraph[:paragraph.index("```")].split())
    kinds = paragraph[:paragraph.index(", each with")]
    assert set(re.findall(r"`(\w+)`", kinds)) == set(KINDS)
    images = paragraph[paragraph.index("adds the figure of"):paragraph.index("job)")]
    drawn = {name for name, kind in KINDS.items()
             if any(o.name == "image" for o in kind.command.options)}
    assert set(re.findall(r"`(\w+)`", images)) == drawn
