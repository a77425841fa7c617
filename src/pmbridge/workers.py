"""Worker processes for CPU-bound stages (cohort generation, ingest checks) that never hang silently.

Workers start from a single-threaded fork server, never by forking this (threaded) process; they
ignore Ctrl-C, which the parent handles; and a watchdog turns a worker that stops making progress,
or one that dies, into an error naming the stage, after which every worker is killed.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import pickle
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Generic, Literal, TypeVar

from pmbridge.errors import ConfigError, WorkerFailed, WorkerStalled

__all__ = ["DEFAULT_STALL_SECONDS", "PRELOAD", "START_METHOD", "WorkerPool"]

StartMethod = Literal["forkserver", "spawn", "fork"]
T = TypeVar("T")
R = TypeVar("R")

START_METHOD: StartMethod = "forkserver"
"""Workers fork from a server process that runs no other threads. Forking the caller itself
(multiprocessing's default on Linux before Python 3.14) copies locks that its other threads (Arrow
and DuckDB pools, jemalloc, a progress bar's refresh thread) may hold, locked, into the child."""
PRELOAD = ("pmbridge._worker_server", "pmbridge.cli", "pmbridge.synth", "pmbridge.ingest")
"""What the fork server imports once, so that each worker starts in a fraction of a second; the
first entry keeps the native libraries the others load from starting threads in the server."""
DEFAULT_STALL_SECONDS = 120.0
"""How long the workers may go without finishing any task before the stage fails."""
_STOP_TIMEOUT_S = 5.0


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    connection: Connection
    index: int | None = None  # the task it is working on


class WorkerPool(Generic[T, R]):
    """``processes`` workers that run ``task`` on items and hand results back in input order.

    ``initializer(*initargs)`` runs once in each worker (e.g. to keep a large read-only context);
    entering the ``with`` block waits for that, at most ``start_seconds``.
    ``stage`` names the work in errors, e.g. "eu-berlin: generating the cohort". Leaving the
    ``with`` block, normally or by an error or Ctrl-C, kills any worker still running.
    """

    def __init__(
        self,
        task: Callable[[T], R],
        *,
        processes: int,
        stage: str,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[object, ...] = (),
        stall_seconds: float = DEFAULT_STALL_SECONDS,
        start_seconds: float = DEFAULT_STALL_SECONDS,
        start_method: StartMethod = START_METHOD,
    ) -> None:
        if processes < 1 or stall_seconds <= 0 or start_seconds <= 0:
            raise ConfigError(
                f"a worker pool needs processes >= 1 (got {processes}) and positive stall and start "
                f"times (got {stall_seconds:g} s and {start_seconds:g} s)",
                hint="use --workers 1 or more and a positive --stall-seconds",
            )
        self.stage = stage
        self.stall_seconds = stall_seconds
        self.start_seconds = start_seconds
        self._task = task
        self._processes = processes
        self._initializer = initializer
        self._initargs = initargs
        self._context = _context(start_method)
        if start_method == "forkserver":
            self._context.set_forkserver_preload(list(PRELOAD))  # kept by the one server per process
        self._workers: list[_Worker] = []

    @property
    def start_method(self) -> str:
        return self._context.get_start_method()

    @property
    def pids(self) -> list[int]:
        """Process ids of the running workers."""
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def __enter__(self) -> WorkerPool[T, R]:
        # Pickled once, not once per worker: a cohort's context takes seconds to pickle.
        setup = pickle.dumps(self._initargs, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            for number in range(self._processes):
                ours, theirs = self._context.Pipe()
                process = self._context.Process(
                    target=_serve,
                    args=(theirs, self._task, self._initializer, setup),
                    name=f"pmbridge-worker-{number + 1}",
                    daemon=True,
                )
                process.start()
                theirs.close()
                self._workers.append(_Worker(process, ours))
            self._await_ready()
        except BaseException:
            self.close()
            raise
        return self

    def _await_ready(self) -> None:
        """Wait until every worker has run its initializer, under its own watchdog."""
        waiting = list(self._workers)
        deadline = time.monotonic() + self.start_seconds
        while waiting:
            waits = [w.connection for w in waiting] + [w.process.sentinel for w in waiting]
            ready = multiprocessing.connection.wait(waits, max(deadline - time.monotonic(), 0.0))
            if not ready:
                raise WorkerStalled(
                    f"{self.stage} (starting)", seconds=self.start_seconds, workers=len(self._workers)
                )
            for worker in list(waiting):
                if worker.connection in ready:
                    self._receive(worker)
                    waiting.remove(worker)
                elif worker.process.sentinel in ready:
                    raise self._died(worker)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Kill every worker and wait for it; safe to call twice."""
        for worker in self._workers:
            if worker.process.exitcode is None:
                worker.process.kill()
        for worker in self._workers:
            worker.process.join(_STOP_TIMEOUT_S)
            worker.connection.close()
        self._workers.clear()

    def map_in_order(self, items: Iterable[T], *, window: int = 0) -> Iterator[R]:
        """``task(item)`` for each item, in input order, with at most ``window`` items in flight.

        Raises WorkerStalled when no worker finishes a task for ``stall_seconds`` (time spent by the
        caller between results does not count), and WorkerFailed when a worker raises or dies.
        """
        window = window or 2 * len(self._workers)
        source = enumerate(items)
        exhausted = False
        finished: dict[int, R] = {}
        next_out = next_in = 0
        idle = list(self._workers)
        last_progress = time.monotonic()
        while True:
            while idle and not exhausted and next_in - next_out < window:
                try:
                    index, item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                worker = idle.pop()
                worker.connection.send((index, item))
                worker.index = index
                next_in = index + 1
            while next_out in finished:
                yield finished.pop(next_out)
                next_out += 1
                last_progress = time.monotonic()
            if exhausted and next_out == next_in:
                return
            busy = [(w, w.index) for w in self._workers if w.index is not None]
            if not busy:
                continue  # room in the window again after yielding
            timeout = last_progress + self.stall_seconds - time.monotonic()
            waits = [w.connection for w, _ in busy] + [w.process.sentinel for w, _ in busy]
            ready = multiprocessing.connection.wait(waits, max(timeout, 0.0))
            for worker, index in busy:
                if worker.connection in ready:
                    finished[index] = self._receive(worker)
                    worker.index = None
                    idle.append(worker)
                    last_progress = time.monotonic()
                elif worker.process.sentinel in ready:
                    raise self._died(worker)
            if not ready and time.monotonic() - last_progress >= self.stall_seconds:
                raise WorkerStalled(self.stage, seconds=self.stall_seconds, workers=len(self._workers))

    def _receive(self, worker: _Worker) -> R:
        try:
            ok, payload = worker.connection.recv()
        except (EOFError, OSError):
            raise self._died(worker) from None
        if ok:
            result: R = payload
            return result
        error, text = payload
        if isinstance(error, BaseException):
            raise error
        raise WorkerFailed(self.stage, f"a worker raised an error:\n{text}")

    def _died(self, worker: _Worker) -> WorkerFailed:
        worker.process.join(_STOP_TIMEOUT_S)
        code = worker.process.exitcode
        how = f"was killed by signal {-code}" if code is not None and code < 0 else f"exited ({code})"
        return WorkerFailed(self.stage, f"a worker process {how} before finishing its task")


def _context(method: StartMethod) -> ForkServerContext | SpawnContext | ForkContext:
    if method == "forkserver":
        return multiprocessing.get_context("forkserver")
    if method == "spawn":
        return multiprocessing.get_context("spawn")
    return multiprocessing.get_context("fork")


def _serve(
    connection: Connection,
    task: Callable[[object], object],
    initializer: Callable[..., None] | None,
    setup: bytes,
) -> None:
    """A worker's life: set up once, then run tasks until the parent hangs up or kills it."""
    # Ctrl-C reaches the whole process group; only the parent reacts, with one clean message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        if initializer is not None:
            initializer(*pickle.loads(setup))  # noqa: S301 - from our own parent
    except Exception as exc:  # every failure goes back to the parent
        connection.send((False, _portable(exc)))
        return
    connection.send((True, None))  # ready
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        _, item = message
        try:
            reply: tuple[bool, object] = (True, task(item))
        except Exception as exc:
            reply = (False, _portable(exc))
        try:
            connection.send(reply)
        except OSError:  # the parent is gone (killed); nobody wants the result
            return


def _portable(exc: BaseException) -> tuple[BaseException | None, str]:
    """The error itself if it survives pickling, and its traceback as text in any case."""
    text = "".join(traceback.format_exception(exc))
    try:
        copy = pickle.loads(pickle.dumps(exc))  # noqa: S301 - bytes we just made
    except Exception:  # unpicklable errors travel as text
        copy = None
    return (copy if isinstance(copy, BaseException) else None), text
