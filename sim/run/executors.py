"""Executors and the chunk loop: running ranges of paths anywhere, merged in path order.

A chunk is a range of path indices. Each path depends only on the scenario,
the root seed and its own index (see :mod:`sim.engine.sampling`); chunks may
finish in any order on any worker, but :func:`stream_chunks` hands them on
strictly in path order, so results are bit-identical whatever the executor and
the number of workers.

Executors (one code path, the ``concurrent.futures`` interface, from
:func:`open_executor`):

* ``workers=1``: in this process (debugging, small runs);
* ``workers=N``: a process pool whose workers ignore Ctrl-C, so that the
  parent alone decides to stop and then ends them;
* ``dask="tcp://host:port"``: an existing Dask cluster; ``dask="local"``
  starts a ``LocalCluster`` of ``workers`` processes.

Only a bounded number of chunks is in flight. A stop asked for by a signal
(:data:`STOP`) ends the loop within a fraction of a second; a worker that dies
ends it with :class:`~sim.errors.RunFailed`.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from itertools import count
from typing import Any

from ..errors import InputError, RunFailed

__all__ = ["CHUNK_PATHS", "STOP", "StopRequest", "chunk_ranges", "default_workers", "open_executor", "stream_chunks"]

CHUNK_PATHS = 250
"""Paths per chunk: large enough to amortise dispatch, small enough to balance and stream."""


def default_workers() -> int:
    """Worker processes used when none are asked for: the usable CPU count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def chunk_ranges(paths: int | None, chunk: int = CHUNK_PATHS) -> Iterator[tuple[int, int]]:
    """Consecutive ``(start, stop)`` ranges covering paths ``0`` to ``paths - 1`` (endless if ``paths`` is None)."""
    for a in count(0, chunk) if paths is None else range(0, paths, chunk):
        yield (a, a + chunk if paths is None else min(a + chunk, paths))


class _InProcess(Executor):
    """Runs submitted work immediately in this process."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future


class StopRequest:
    """A stop asked for by a signal handler (the command line's Ctrl-C and SIGTERM).

    The handler raises at once; the chunk loop also checks this flag between
    waits, so a stop whose exception was swallowed (a signal landing inside a
    ``__del__`` or a callback, where Python only prints and ignores it) still
    ends the run within a fraction of a second.
    """

    def __init__(self) -> None:
        self.exception: BaseException | None = None

    def set(self, exception: BaseException) -> None:
        self.exception = exception

    def clear(self) -> None:
        self.exception = None

    def check(self) -> None:
        """Raise the requested exception, if any."""
        if self.exception is not None:
            raise self.exception


STOP = StopRequest()
"""Set by :mod:`sim.cli`'s signal handlers; library callers never need it."""

POLL_SECONDS = 0.25
"""How often the chunk loop looks at :data:`STOP` while it waits for chunks."""


def _ignore_interrupts() -> None:
    """Process-pool worker start-up: Ctrl-C goes to the parent, which ends the workers; SIGTERM just ends a worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a process pool now: cancel queued chunks and terminate its processes.

    The pool's call queue may hold chunks that no worker will read any more; its
    feeder thread can then block on a full pipe, and Python would wait for it at
    exit. Cancelling that wait lets the process end (the chunks are discarded
    anyway).
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way before Python 3.14
    call_queue = getattr(pool, "_call_queue", None)
    if call_queue is not None:
        call_queue.cancel_join_thread()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


@contextmanager
def open_executor(workers: int = 1, dask: Any = None) -> Iterator[tuple[Executor, int]]:
    """An executor and the number of chunks it runs at once.

    Parameters
    ----------
    workers : int
        1: in-process. More: a process pool of that size (or the size of a
        local Dask cluster).
    dask : str or distributed.Client, optional
        ``"local"`` for a new ``LocalCluster``, a scheduler address such as
        ``"tcp://127.0.0.1:8786"``, or an existing client.
    """
    if dask is not None:
        with _dask_executor(dask, workers) as pair:
            yield pair
        return
    if workers <= 1:
        yield _InProcess(), 1
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)
    try:
        yield pool, workers
    except BaseException:
        _end_workers(pool)
        raise
    pool.shutdown(wait=True)


PROBE_SECONDS = 5.0
"""How long a ``tcp://`` Dask address may take to accept a connection before the run is refused."""


def _probe_scheduler(address: str) -> None:
    """Refuse at once a ``tcp://HOST:PORT`` where nothing listens (the Dask client would retry for its whole timeout).

    Other schemes (``tls://``, ``ucx://``...) and addresses without a port are left to the client.
    """
    scheme, _, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    if scheme != "tcp" or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_SECONDS).close()
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}") from None


@contextmanager
def _dask_executor(dask: Any, workers: int) -> Iterator[tuple[Executor, int]]:
    """A Dask client's executor and its thread count; clusters and clients made here are closed on leaving."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("Dask is not installed: pip install 'coopsim[dask]'") from None
    if not isinstance(dask, str):
        client, owned = dask, []
    elif dask == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        owned = [client, cluster]
    else:
        _probe_scheduler(dask)
        try:
            client = Client(dask, timeout="15s")
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {dask}: {exc}") from None
        owned = [client]
    try:
        slots = max(1, sum(client.nthreads().values()))
        yield client.get_executor(), slots
    finally:
        for thing in owned:
            thing.close()


# ---------------------------------------------------------------- the chunk loop


def stream_chunks(
    executor: Executor,
    slots: int,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    ranges: Iterator[tuple[int, int]],
    on_chunk: Callable[[int, int, Any], bool],
) -> None:
    """Run ``fn(*args, start, stop)`` for each range and hand results to ``on_chunk`` in path order.

    At most ``2 * slots`` chunks are in flight. ``on_chunk(start, stop, result)``
    returns True to stop: chunks after that one are cancelled or discarded,
    so where a run stops never depends on which worker was fastest.
    """
    from concurrent.futures.process import BrokenProcessPool

    pending: dict[Future, tuple[int, int]] = {}
    ready: dict[int, tuple[int, Any]] = {}
    next_start = 0
    window = 2 * slots
    ranges = iter(ranges)
    exhausted = False

    def top_up() -> None:
        nonlocal exhausted
        while not exhausted and len(pending) < window:
            chunk = next(ranges, None)
            if chunk is None:
                exhausted = True
                return
            pending[executor.submit(fn, *args, *chunk)] = chunk

    try:
        top_up()
        while pending:
            STOP.check()
            done, _ = wait(list(pending), timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                start, stop = pending.pop(future)
                ready[start] = (stop, future.result())
            while next_start in ready:
                stop, result = ready.pop(next_start)
                if on_chunk(next_start, stop, result):
                    return
                next_start = stop
            top_up()
    except BrokenProcessPool:
        raise RunFailed(
            "a worker process died (killed, or out of memory); nothing was written. Run again, or with fewer --workers"
        ) from None
    finally:
        for future in pending:
            future.cancel()
