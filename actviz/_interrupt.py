"""Stopping on SIGINT, SIGTERM or SIGHUP without a traceback and without leaving anything
behind: one mechanism for single commands, batch runs and their worker processes.

On a stop signal the process runs its stop actions (a batch parent stops its workers and
removes what they could not), removes its own unfinished temporary files
(:func:`actviz._files.discard_unfinished`), says so on stderr, and exits at once with status
128 + the signal number. Nothing is raised: an exception thrown from a signal handler can
land inside a library's cleanup callback, where it is printed and lost.

Once a command's work is done (its files written, its output printed: :func:`finished`),
a stop signal no longer interrupts anything: the process ends at once with the command's own
exit status, its output flushed. The console command (:func:`guard_process`) handles stop
signals for its whole life, and ignores them once its exit status is set and its output
flushed (:func:`exiting`), so that no signal can turn a finished command into a death by
signal.

Worker processes also stop when their parent dies, even by SIGKILL (Linux: the parent-death
signal; elsewhere a thread that watches the parent).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from ._files import discard_unfinished

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))
INTERRUPTED = "Error: interrupted\n"

_result: list[int] = []
"""The command's exit status, once its work is done (see :func:`finished`)."""


def begin() -> None:
    """A command starts: a stop signal interrupts it."""
    _result.clear()


def finished(code: int) -> None:
    """The command's work is done and ``code`` is its exit status: a stop signal from now on
    ends the process with that status (silently, its output flushed), not as interrupted."""
    _result[:] = [code]


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):  # a stream interrupted mid-write, or closed
            stream.flush()


def _stop(signum: int, message: str, actions: list[Callable[[], None]]) -> None:
    if _result:  # the work is done: the signal changes nothing
        _flush()
        os._exit(_result[0])
    for action in actions:
        with suppress(Exception):  # stopping must not fail half way
            action()
    discard_unfinished()
    _flush()
    if message:
        with suppress(OSError):
            os.write(2, message.encode())
    os._exit(128 + signum)


@contextmanager
def stop_on_signals(message: str = INTERRUPTED,
                    actions: list[Callable[[], None]] | None = None) -> Iterator[None]:
    """While inside, a stop signal ends the process cleanly (see the module docstring);
    the previous handlers come back on leaving. Only the main thread can install handlers:
    elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    todo = actions if actions is not None else []

    def handler(signum: int, _frame: Any) -> None:
        _stop(signum, message, todo)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def guard_process() -> None:
    """For the console command's process, before anything else: stop signals end it cleanly
    (:func:`stop_on_signals`) for its whole life, not only while a command works."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda signum, _frame: _stop(signum, INTERRUPTED, []))


def exiting(code: Any) -> int:
    """The console command's process is about to exit with ``code`` (a ``SystemExit``'s):
    flush its output, then ignore the stop signals, so that one arriving while Python shuts
    down (which puts back the default action of signals it handles, but leaves ignored ones
    ignored) cannot end the process otherwise than with its own status. Ignored, not
    blocked: a signal blocked in the main thread still reaches the process through another
    thread (NumPy's BLAS threads block nothing). The status, as a number."""
    status = code if isinstance(code, int) else 0 if code is None else 1
    if not _result:
        finished(status)
    _flush()
    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
    return status


def worker_setup() -> None:
    """For a worker process: stop cleanly (silently: the parent reports) on a stop signal,
    and when the parent dies."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda signum, _frame: _stop(signum, "", []))
    _die_with_parent()


def _die_with_parent() -> None:
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            if libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os.kill(os.getpid(), signal.SIGTERM)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True, name="actviz-parent-watch").start()
