"""actviz's speed against baselines measured in the same run, on the same machine.

    python benchmarks/run.py            # all six measures, about 5 minutes on 2 cores
    python benchmarks/run.py --quick    # fewer repeats

Each measure and its baseline run interleaved (A, B, A, B, ...), so that a busy moment of a
shared machine hits both; the ratio reported is the median of the per-pair ratios, with the
smallest and largest of them, and the absolute medians for the record. The PyTorch row runs
only where torch is installed (pip install torch==2.13.0); nothing here is a dependency.

Goals (issue 6): table start-up <= 1.25x `python -c "import numpy, click, yaml"`; a figure
<= 0.8x the seed blog's sigmoid snippet (issue 9: at least no slower than it, <= 1.0x); the
gallery with --jobs 2 >= 1.6x faster than with --jobs 1; f and f' together <= 1.0x PyTorch's
forward and backward (one thread, geometric mean over 13 functions). Issue 18: a figure of
eight functions <= 1.5x one of one function; the depth figure of three <= 4x `actviz plot
sigmoid`. Issue 24: `actviz page` of every function <= 3 s. Issue 22: the spectrum table of
three functions <= 1 s, the spectrum figure <= 4x `actviz plot sigmoid`.
"""

from __future__ import annotations

import argparse
import compileall
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "configs" / "gallery.yaml"

# The first code block of ../shared/seeds/activation-functions-blog-sigmoid-to-relu6.md, as
# the issue asks: Agg backend, `%matplotlib inline` dropped, the style under its current name.
BLOG_SNIPPET = """
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

def sigmoid(z):
    return 1/ (1+np.exp(-z))

def sigmoid_derivation(z):
    return sigmoid(z)*(1-sigmoid(z))

z = np.linspace(-5, 5, 200)
plt.figure()
plt.style.use('seaborn-v0_8-darkgrid')
plt.plot(z, sigmoid(z), "b-.", linewidth=2)
props = dict(facecolor='black', shrink=0.1)
plt.annotate('Saturating', xytext=(3.5, 0.7), xy=(5, 1), arrowprops=props, fontsize=14, ha="center")
plt.annotate('Saturating', xytext=(-3.5, 0.3), xy=(-5, 0), arrowprops=props, fontsize=14, ha="center")
plt.title("Sigmoid Activation Function", fontsize=14)
plt.savefig('sigmoid.png')

z = np.linspace(-5, 5, 200)
plt.figure()
plt.style.use('seaborn-v0_8-darkgrid')
plt.plot(z, sigmoid_derivation(z), "b-.", linewidth=2)
props = dict(facecolor='black', shrink=0.1)
plt.annotate('Max Value', xytext=(0, 0.15), xy=(0, 0.25), arrowprops=props, fontsize=14, ha="center")
plt.title("Derivation of Sigmoid Function", fontsize=14)
plt.savefig('sigmoid_derivation.png')
"""

KERNELS = ("sigmoid", "tanh", "relu", "elu", "selu", "gelu", "silu", "mish", "softplus",
           "softsign", "leaky_relu", "hardtanh", "tanhshrink")


def run_process(args: list[str], cwd: Path) -> float:
    """Wall time of one process, from start to exit."""
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def interleaved(measure: Callable[[], float], baseline: Callable[[], float],
                repeats: int) -> tuple[list[float], list[float]]:
    ours, theirs = [], []
    for _ in range(repeats):
        ours.append(measure())
        theirs.append(baseline())
    return ours, theirs


def report(title: str, ours: list[float], theirs: list[float], goal: str,
           unit: str = "s", faster: bool = False) -> float:
    """Print the median ratio ours/theirs (theirs/ours when ``faster``) and its spread."""
    pairs = [(t / o if faster else o / t) for o, t in zip(ours, theirs, strict=True)]
    ratio = statistics.median(pairs)
    scale = 1000.0 if unit == "ms" else 1.0
    print(f"{title}")
    print(f"    ratio {ratio:.2f}x  (spread {min(pairs):.2f}-{max(pairs):.2f}, "
          f"{len(pairs)} pairs)   goal: {goal}")
    print(f"    medians: actviz {statistics.median(ours) * scale:.3f} {unit}, "
          f"baseline {statistics.median(theirs) * scale:.3f} {unit}")
    return ratio


def startup(work: Path, repeats: int) -> float:
    python = sys.executable
    return report(
        "1. `actviz table sigmoid --range -5 5`, whole process, vs "
        "`python -c \"import numpy, click, yaml\"`",
        *interleaved(
            lambda: run_process([python, "-m", "actviz", "table", "sigmoid", "--range", "-5",
                                 "5"], work),
            lambda: run_process([python, "-c", "import numpy, click, yaml"], work),
            repeats),
        goal="<= 1.25x")


# The plot command as it would start without actviz/_startup.py's quicker start: neither of
# its two parts (an ordinary matplotlib import, the cycle collector on), and each alone.
STARTS = {
    "neither": "from actviz import cli; cli.cli(prog_name='actviz')",
    "docstrings skipped only":
        "from actviz import _startup, cli; _startup.LEAN = True; cli.cli(prog_name='actviz')",
    "collector off only": "import gc; gc.disable(); from actviz import cli; "
                          "cli.cli(prog_name='actviz')",
}


def figure(work: Path, repeats: int) -> float:
    blog = work / "blog_sigmoid.py"
    blog.write_text(BLOG_SNIPPET)
    python = sys.executable
    plot = ["plot", "sigmoid", "-o", "s.png"]
    starts: dict[str, list[float]] = {name: [] for name in STARTS}

    def baseline() -> float:  # the other starts run in each pair too
        for name, code in STARTS.items():
            starts[name].append(run_process([python, "-c", code, *plot], work))
        return run_process([python, str(blog)], work)

    ours, theirs = interleaved(lambda: run_process([python, "-m", "actviz", *plot], work),
                               baseline, repeats)
    ratio = report(
        "2. `actviz plot sigmoid -o s.png`, whole process, vs the seed blog's sigmoid snippet "
        "(two figures)", ours, theirs, goal="<= 0.8x (issue 6), <= 1.0x (issue 9)")
    print("    the same command without actviz/_startup.py's quicker start, or with one of "
          "its two parts:")
    for name, times in starts.items():
        pairs = [t / b for t, b in zip(times, theirs, strict=True)]
        print(f"      {name:24s} {statistics.median(times):.3f} s, "
              f"{statistics.median(pairs):.2f}x the snippet")
    return ratio


def gallery(work: Path, repeats: int) -> float:
    python = sys.executable

    def batch(jobs: str) -> float:
        return run_process([python, "-m", "actviz", "batch", str(GALLERY), "--jobs", jobs,
                            "--output-dir", f"gallery-{jobs}", "--quiet"], work)

    return report(
        f"3. `actviz batch configs/gallery.yaml --jobs 2` vs `--jobs 1` "
        f"({os.cpu_count()} CPUs)",
        *interleaved(lambda: batch("2"), lambda: batch("1"), repeats),
        goal=">= 1.6x faster", faster=True)


EIGHT = ["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus"]


def many(work: Path, repeats: int) -> tuple[float, float]:
    """Figures of many functions and the depth figure, against the figure of one function,
    whole processes, interleaved as three."""
    python = sys.executable
    one: list[float] = []
    eight: list[float] = []
    depth: list[float] = []
    for _ in range(repeats):
        one.append(run_process([python, "-m", "actviz", "plot", "sigmoid", "-o", "s.png"],
                               work))
        eight.append(run_process([python, "-m", "actviz", "plot", *EIGHT, "-o", "e.png"],
                                 work))
        depth.append(run_process([python, "-m", "actviz", "depth", "sigmoid", "tanh", "relu",
                                  "-o", "d.png"], work))
    return (report("5. `actviz plot " + " ".join(EIGHT) + " -o e.png` vs `actviz plot sigmoid "
                   "-o s.png`, whole processes", eight, one, goal="<= 1.5x (issue 18)"),
            report("6. `actviz depth sigmoid tanh relu -o d.png` vs `actviz plot sigmoid -o "
                   "s.png`, whole processes", depth, one, goal="<= 4x (issue 18)"))


def kernels(repeats: int) -> float | None:
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        print("4. f and f' vs PyTorch: skipped, torch is not installed "
              "(pip install torch==2.13.0)")
        return None
    import numpy as np

    import actviz

    torch.set_num_threads(1)
    functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu, "elu": F.elu,
                 "selu": F.selu, "gelu": F.gelu, "silu": F.silu, "mish": F.mish,
                 "softplus": F.softplus, "softsign": F.softsign, "leaky_relu": F.leaky_relu,
                 "hardtanh": F.hardtanh, "tanhshrink": F.tanhshrink}
    x = np.random.default_rng(2026).uniform(-6.0, 6.0, 10**6)
    tensor = torch.tensor(x, requires_grad=True)

    def timed(call: Callable[[], object], number: int = 3) -> float:
        start = time.perf_counter()
        for _ in range(number):
            call()
        return (time.perf_counter() - start) / number

    def backward(fn):
        def call():
            y = fn(tensor)
            y.backward(torch.ones_like(y))
            tensor.grad = None
        return call

    print("4. f and f' together on 10^6 float64 points vs PyTorch CPU forward + backward, "
          "1 thread")
    logs = []
    for name in KERNELS:
        act = actviz.get(name)
        act.evaluate(x[:1000], 1)
        ours, theirs = interleaved(lambda act=act: timed(lambda: act.evaluate(x, 1)),
                                   lambda name=name: timed(backward(functions[name])),
                                   repeats)
        pairs = [o / t for o, t in zip(ours, theirs, strict=True)]
        ratio = statistics.median(pairs)
        logs.append(math.log(ratio))
        print(f"    {name:11s} {ratio:5.2f}x  (spread {min(pairs):.2f}-{max(pairs):.2f})  "
              f"actviz {statistics.median(ours) * 1e3:6.2f} ms, "
              f"torch {statistics.median(theirs) * 1e3:6.2f} ms")
    mean = math.exp(sum(logs) / len(logs))
    print(f"    geometric mean {mean:.2f}x   goal: <= 1.0x")
    return mean


def page(work: Path, repeats: int) -> float:
    """Issue 24: a page of every catalog function in <= 3 s (the median, absolute, below),
    as a ratio to a figure of one function on the same machine."""
    python = sys.executable
    return report(
        "7. `actviz page` (every catalog function), whole process, vs `actviz plot sigmoid`",
        *interleaved(
            lambda: run_process([python, "-m", "actviz", "page", "-o", "all.html"], work),
            lambda: run_process([python, "-m", "actviz", "plot", "sigmoid", "-o", "s.png"],
                                work),
            repeats),
        goal="<= 3 s absolute (issue 24)")


def precision(work: Path, repeats: int) -> float:
    """Issue 23: one function and one 16-bit dtype (every bfloat16 value of [-20, 20]) in
    <= 0.5 s: the whole process, against `actviz table sigmoid` (start-up and one small
    table), so that the difference shows what the sweep adds to a start."""
    python = sys.executable
    return report(
        "8. `actviz precision sigmoid --dtype bfloat16`, whole process, vs "
        "`actviz table sigmoid`",
        *interleaved(
            lambda: run_process([python, "-m", "actviz", "precision", "sigmoid", "--dtype",
                                 "bfloat16"], work),
            lambda: run_process([python, "-m", "actviz", "table", "sigmoid"], work),
            repeats),
        goal="<= 0.5 s of work over the start (issue 23)")


def spectrum(work: Path, repeats: int) -> tuple[float, float]:
    """Issue 22: `actviz spectrum` of three functions at their edge of chaos, the table (<= 1
    s: against `actviz table sigmoid`, a start and one small table) and the figure with its
    simulated networks (<= 4x `actviz plot sigmoid`), whole processes."""
    python = sys.executable
    three = ["tanh", "sigmoid", "hardtanh", "--sigma-b", "0.1"]
    table = report(
        "9. `actviz spectrum " + " ".join(three) + "`, whole process, vs `actviz table sigmoid`",
        *interleaved(
            lambda: run_process([python, "-m", "actviz", "spectrum", *three], work),
            lambda: run_process([python, "-m", "actviz", "table", "sigmoid"], work),
            repeats),
        goal="<= 1 s of work over the start (issue 22)")
    figure = report(
        "10. `actviz spectrum " + " ".join(three) + " -o s.png` vs `actviz plot sigmoid -o "
        "p.png`, whole processes",
        *interleaved(
            lambda: run_process([python, "-m", "actviz", "spectrum", *three, "-o", "s.png"],
                                work),
            lambda: run_process([python, "-m", "actviz", "plot", "sigmoid", "-o", "p.png"],
                                work),
            repeats),
        goal="<= 4x (issue 22)")
    return table, figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    quick = args.quick
    # An installed package has its bytecode compiled; an editable checkout may not (and
    # PYTHONDONTWRITEBYTECODE keeps it so). Compile it so that start-up is measured as users
    # get it.
    compileall.compile_dir(str(ROOT / "actviz"), quiet=1)
    import actviz

    print(f"actviz {actviz.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.processor() or ''}".rstrip())
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        startup(work, 7 if quick else 15)
        figure(work, 3 if quick else 7)
        gallery(work, 1 if quick else 2)
        many(work, 3 if quick else 7)
        page(work, 3 if quick else 5)
        precision(work, 5 if quick else 11)
        spectrum(work, 3 if quick else 7)
    kernels(3 if quick else 7)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
