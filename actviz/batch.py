"""Run the jobs of a batch config: serially or in worker processes, each file written to a
temporary name and renamed into place, so that an interrupted run leaves neither a partial
file nor a temporary one.

A job makes the same calls as the single command (``render.plot`` and ``render.save``,
``tables.write_values``, ...), so it writes the same bytes.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._files import write_atomically
from .analysis import difference
from .config import Config, Job, plot_options
from .errors import ActvizError
from .options import sample_points


class Interrupted(BaseException):
    """SIGTERM or SIGINT arrived: stop, clean up, exit."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@dataclass
class Outcome:
    """What one job did: the files it wrote, or why it failed."""

    job: Job
    files: list[Path]
    error: str | None = None


def execute(job: Job, folder: Path) -> list[Path]:
    """Run one job, writing its files into ``folder``."""
    options = job.options
    flavor = options.get("flavor", "torch")
    paths = [folder / name for name in job.files]
    if job.kind == "plot":
        from . import render

        figure = render.plot(job.functions, **vars(plot_options(options)))
        render.save(figure, paths[0], options.get("format", "png"))
        return paths
    from . import tables

    fmt = options.get("format", "text")
    precision = options.get("precision")
    if job.kind == "table":
        xs = sample_points(options.get("range", (-5.0, 5.0)), options.get("num"),
                           options.get("step"), options.get("points"))
        columns = tables.value_columns(job.functions, options.get("derivative", True),
                                       options.get("second_derivative", False), flavor)
        write_atomically(paths[0], lambda out: tables.write_values(out, fmt, xs, columns,
                                                                   precision), mode="w")
    elif job.kind == "compare":
        records = tables.compare_records(job.functions, options.get("range", (-5.0, 5.0)),
                                         options.get("saturation_threshold", 0.05), flavor,
                                         options.get("cost", True))
        write_atomically(paths[0], lambda out: tables.write_compare(out, fmt, records,
                                                                    precision), mode="w")
    elif job.kind == "diff":
        result = difference(*job.functions, options.get("range", (-5.0, 5.0)), flavor)
        write_atomically(paths[0], lambda out: tables.write_difference(out, fmt, result,
                                                                       precision), mode="w")
        if "image" in options:
            from . import render

            render.save(render.plot_difference(result, flavor=flavor), paths[1],
                        options["image"])
    return paths


def _attempt(job: Job, folder: Path) -> Outcome:
    """Run a job, turning a failure into a one-line message."""
    if _stopping:
        return Outcome(job, [], "not run: the batch was interrupted")
    try:
        return Outcome(job, execute(job, folder))
    except ActvizError as exc:
        return Outcome(job, [], str(exc))
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        return Outcome(job, [], f"cannot write{where}: {exc.strerror or exc}")
    except Exception as exc:  # a bug: say so in one line rather than lose the other jobs
        return Outcome(job, [], f"{type(exc).__name__}: {exc}")


_stopping = False


def _stop(signum: int, _frame: Any) -> None:
    global _stopping
    _stopping = True
    raise Interrupted(signum)


def _start_worker() -> None:
    """Each worker imports matplotlib once and unwinds (cleaning up) on SIGTERM or SIGINT."""
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    from . import render  # noqa: F401


def _heaviest_first(jobs: list[Job]) -> list[Job]:
    """Comparisons (quadrature for every function) take longest: start them first so that
    the workers finish together."""
    weight = {"compare": 3, "table": 1, "diff": 1, "plot": 0}
    return sorted(jobs, key=lambda job: (-weight[job.kind] * len(job.functions)))


def run(config: Config, workers: int = 1, fail_fast: bool = False,
        report: Callable[[Outcome], None] = lambda outcome: None) -> list[Outcome]:
    """Run every job of ``config``; ``report`` hears of each as it finishes. With
    ``fail_fast``, the first failure cancels the jobs not yet started.

    SIGTERM and SIGINT raise :class:`Interrupted` after every worker has stopped and every
    temporary file is gone.
    """
    global _stopping
    _stopping = False
    previous = {}
    if threading.current_thread() is threading.main_thread():  # signals reach only that one
        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if workers <= 1 or len(config.jobs) == 1:
            return _serial(config, fail_fast, report)
        return _parallel(config, workers, fail_fast, report)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _sweep(config)


def _serial(config: Config, fail_fast: bool,
            report: Callable[[Outcome], None]) -> list[Outcome]:
    from . import render  # noqa: F401  (import matplotlib once, before the first job)

    outcomes = []
    for job in config.jobs:
        outcome = _attempt(job, config.output_dir)
        outcomes.append(outcome)
        report(outcome)
        if fail_fast and outcome.error:
            break
    return outcomes


def _parallel(config: Config, workers: int, fail_fast: bool,
              report: Callable[[Outcome], None]) -> list[Outcome]:
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker)
    pending: set[Future[Outcome]] = set()
    outcomes = []
    try:
        pending = {pool.submit(_attempt, job, config.output_dir)
                   for job in _heaviest_first(config.jobs)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                if future.cancelled():
                    continue
                outcome = future.result()
                outcomes.append(outcome)
                report(outcome)
                if fail_fast and outcome.error:
                    for other in pending:
                        other.cancel()
    except BaseException:
        for future in pending:
            future.cancel()
        for process in list(getattr(pool, "_processes", {}).values()):
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    order = {job.path: i for i, job in enumerate(config.jobs)}
    return sorted(outcomes, key=lambda outcome: order[outcome.job.path])


def _sweep(config: Config) -> None:
    """Remove temporary files a killed worker could not (``.NAME.xxxx.tmp``)."""
    folder = config.output_dir
    if not folder.is_dir():
        return
    for job in config.jobs:
        for name in job.files:
            for leftover in folder.glob(f".{name}.*.tmp"):
                leftover.unlink(missing_ok=True)
