"""Run the jobs of a batch config: serially or in worker processes, each file written to a
temporary name and renamed into place, so that an interrupted run leaves neither a partial
file nor a temporary one.

A job runs through its kind's entry in :data:`actviz.jobs.KINDS`, as the single command
does, so it writes the same bytes. On SIGINT, SIGTERM or SIGHUP the run stops at once: the
workers remove their unfinished files and exit, the parent removes anything left and exits
with 128 + the signal number (:mod:`actviz._interrupt`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import _startup
from ._files import sweep_stale
from ._interrupt import stop_on_signals, worker_setup
from .config import Config, Job
from .errors import ActvizError
from .jobs import KINDS, Target

INTERRUPTED = "Error: interrupted; no partial or temporary file was left\n"


@dataclass
class Outcome:
    """What one job did: the files it wrote, or why it failed."""

    job: Job
    files: list[Path]
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    """What the job wrote but warns of (a table of values that are not finite)."""


WARNINGS: list[str] = []
"""What the job under way in this process warns of (:func:`_attempt` empties it first)."""


def execute(job: Job, folder: Path) -> list[Path]:
    """Run one job, writing its files into ``folder``; its warnings go to :data:`WARNINGS`."""
    kind = KINDS[job.kind]
    paths = [folder / name for name in job.files]
    fmt = job.options.get("format") or kind.default_format
    image = (paths[1], job.options["image"]) if job.options.get("image") else None
    return kind.run(job.functions, job.options, Target(paths[0], fmt, image,
                                                       WARNINGS.append))


def _attempt(job: Job, folder: Path) -> Outcome:
    """Run a job, turning a failure into a one-line message."""
    WARNINGS.clear()
    try:
        return Outcome(job, execute(job, folder), warnings=list(WARNINGS))
    except ActvizError as exc:
        return Outcome(job, [], str(exc))
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        return Outcome(job, [], f"cannot write{where}: {exc.strerror or exc}")
    except SystemExit as exc:  # code of a plugin's: the job failed, not the batch
        return Outcome(job, [], f"the job called sys.exit({exc.code!r}); nothing was written "
                                "for it")
    except Exception as exc:  # a bug: say so in one line rather than lose the other jobs
        return Outcome(job, [], f"{type(exc).__name__}: {exc}")
    finally:
        _startup.after_job()


def _start_worker(lean: bool) -> None:
    """Each worker stops cleanly on a signal or with its parent, and imports matplotlib once
    (as the parent would: see :mod:`actviz._startup`)."""
    worker_setup()
    if lean:
        _startup.command()
    from . import render  # noqa: F401


def _heaviest_first(jobs: list[Job]) -> list[Job]:
    """Comparisons (quadrature for every function) take longest: start them first so that
    the workers finish together."""
    return sorted(jobs, key=lambda job: -KINDS[job.kind].weight * len(job.functions))


def cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(asked: int | None, jobs: int) -> int:
    """Worker processes for ``jobs`` jobs: as many as ``asked`` (default: one per CPU), but
    never more than the jobs, nor than the CPUs (more would only share them, each worker
    holding its own copy of matplotlib)."""
    return max(1, min(asked or cores(), jobs, cores()))


def run(config: Config, workers: int | None = 1, fail_fast: bool = False,
        report: Callable[[Outcome], None] = lambda outcome: None) -> list[Outcome]:
    """Run every job of ``config``; ``report`` hears of each as it finishes. With
    ``fail_fast``, the first failure cancels the jobs not yet started. ``workers`` is at most
    :func:`worker_count` (None: one per CPU)."""
    workers = worker_count(workers, len(config.jobs))
    actions = [_stop_workers, lambda: sweep(config)]
    try:
        with stop_on_signals(INTERRUPTED, actions):
            if workers <= 1:
                return _serial(config, fail_fast, report)
            return _parallel(config, workers, fail_fast, report)
    finally:
        sweep(config)


def _stop_workers() -> None:
    """Stop this process's workers; each removes its own unfinished files as it goes."""
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(10)


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


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                               initargs=(_startup.LEAN,))


def _parallel(config: Config, workers: int, fail_fast: bool,
              report: Callable[[Outcome], None]) -> list[Outcome]:
    outcomes = []
    jobs: dict[Future[Outcome], Job] = {}
    orphans: list[Job] = []  # jobs lost when a worker died (os._exit, a crash, OOM)
    stop = False
    with _pool(workers) as pool:
        for job in _heaviest_first(config.jobs):
            jobs[pool.submit(_attempt, job, config.output_dir)] = job
        pending = set(jobs)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                if future.cancelled():
                    continue
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    orphans.append(jobs[future])
                    continue
                outcomes.append(outcome)
                report(outcome)
                if fail_fast and outcome.error:
                    stop = True
                    for other in pending:
                        other.cancel()
    if orphans and not stop:
        outcomes += _one_by_one(orphans, config.output_dir, fail_fast, report)
    order = {job.path: i for i, job in enumerate(config.jobs)}
    return sorted(outcomes, key=lambda outcome: order[outcome.job.path])


DIED = ("its worker process died before the job ended (a plugin that calls os._exit, a "
        "crash, or the out-of-memory killer); nothing was written for it")


def _one_by_one(jobs: list[Job], folder: Path, fail_fast: bool,
                report: Callable[[Outcome], None]) -> list[Outcome]:
    """The jobs a dead worker took down with it, again, one at a time in one new worker
    (a new one after each death): a job whose worker dies again is the one that kills it,
    and fails alone, in one line; the others run."""
    outcomes = []
    pool: ProcessPoolExecutor | None = None
    try:
        for job in sorted(jobs, key=lambda job: job.line):
            if pool is None:
                pool = _pool(1)
            try:
                outcome = pool.submit(_attempt, job, folder).result()
            except BrokenProcessPool:
                outcome = Outcome(job, [], DIED)
                pool.shutdown()
                pool = None
            outcomes.append(outcome)
            report(outcome)
            if fail_fast and outcome.error:
                break
    finally:
        if pool is not None:
            pool.shutdown()
    return outcomes


def sweep(config: Config) -> None:
    """Remove the temporary files that killed workers could not (their process is gone): see
    :func:`actviz._files.sweep_stale`. Those of other runs into the same folder stay."""
    sweep_stale(config.output_dir)
