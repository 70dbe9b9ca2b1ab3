"""Worker processes for per-file work, in order and in bounded memory, and
the progress line that goes with them.

Jobs are typed (`FileJob`) and so are the results each worker function
returns (release.AnalysedFile, trace.ExtractedFile); the parent pairs every
result with the tag it gave the job, so nothing travels as a positional
tuple.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import itertools
import multiprocessing
import operator
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from ..errors import ArgumentError, WatermarkError
from .sources import file_sha256

R = TypeVar("R")
T = TypeVar("T")


class Weighted(Protocol):
    """A job: `weight` is the source bytes its worker will parse."""

    @property
    def weight(self) -> int: ...


J = TypeVar("J", bound=Weighted)


@dataclass(frozen=True)
class FileJob:
    """One file for a worker: its bytes, or a local path to read them from
    (so a directory tree is read by the workers, not the parent)."""

    path: str  # the path inside the tree, for messages and language detection
    language: str | None
    data: bytes | None = None
    local: str | None = None
    size: int = 0  # the file's size, when known (a local file's)

    @property
    def carried(self) -> int:
        """Bytes this job carries to its worker."""
        return len(self.data) if self.data is not None else 0

    @property
    def weight(self) -> int:
        """Source bytes a worker parses for this job: what its memory follows
        (about 35x, README "Hostile archives and big files")."""
        return max(self.carried, self.size)

    def load(self, limit: int | None = None) -> bytes | int:
        """The file's bytes (OSError if a local file cannot be read), or,
        when it is longer than `limit`, its size: a file too large to work
        on is never read whole."""
        if self.data is not None:
            return self.data if limit is None or len(self.data) <= limit else len(self.data)
        if self.local is None:
            raise OSError(f"{self.path}: no data and no local file")
        with open(self.local, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if limit is not None and size > limit:
                return size
            return f.read()

    def sha256(self) -> str:
        """The file's SHA-256, read in chunks."""
        if self.data is not None:
            return hashlib.sha256(self.data).hexdigest()
        assert self.local is not None
        return file_sha256(self.local)


@dataclass
class _Slot(Generic[R, T]):
    tags: list[T]
    future: concurrent.futures.Future[list[R]] | None
    size: int


IN_FLIGHT_BYTES = 48 << 20  # source bytes in flight across all workers (a single larger file runs alone)
# Once every worker has work queued, jobs go to workers in batches of up to
# this many (or this many source bytes): one round trip per batch instead of
# per file, which is most of the cost of a tree of small files.
BATCH_JOBS, BATCH_BYTES = 32, 1 << 20


def _run_batch(fn: Callable[[J], R], jobs: list[J]) -> list[R]:
    return [fn(job) for job in jobs]


def ordered_map(fn: Callable[[J], R], items: Iterable[tuple[J | None, T]], jobs: int, *,
                per_job: int = 32, max_bytes: int = IN_FLIGHT_BYTES,
                weigh: Callable[[T], int] | None = None) -> Iterator[tuple[R | None, T]]:
    """(fn(job), tag) for each (job, tag), in order, `jobs` processes at a
    time; a None job passes (None, tag) through in its place.

    At most `per_job` x jobs batches, of at most `max_bytes` of source
    together (carried or read by the workers; one larger job runs alone),
    are in flight, so memory stays bounded whatever the number of cores,
    while a large file at the head of the line keeps one worker busy and the
    others work ahead. The first jobs go out one by one, so that a few files
    still use every worker; once 2 x jobs are queued, the next go in batches
    (BATCH_JOBS, BATCH_BYTES). `weigh` gives the bytes a passed-through tag
    holds (it waits in line with the jobs, and counts against max_bytes).
    One job alone runs here: a pool would only add its start and a round
    trip."""
    items = iter(items)
    first = list(itertools.islice(items, 2))
    if jobs <= 1 or len(first) < 2:
        for job, tag in itertools.chain(first, items):
            yield (fn(job) if job is not None else None), tag
        return
    items = itertools.chain(first, items)
    # fork is cheap and needs no `if __name__ == "__main__"` guard in the
    # caller's script; a parent running other threads gets spawn instead
    single = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if single else "spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_started,
                                                initargs=(os.getpid(),)) as pool:
        window: deque[_Slot[R, T]] = deque()
        in_flight = carried = 0
        batch: list[J] = []
        batch_tags: list[T] = []
        batch_bytes = 0

        def flush() -> None:
            nonlocal in_flight, batch, batch_tags, batch_bytes
            if batch:
                with _signals_held():  # (submit starts the workers)
                    future = pool.submit(_run_batch, fn, batch)
                window.append(_Slot(batch_tags, future, batch_bytes))
                in_flight += 1
                batch, batch_tags, batch_bytes = [], [], 0

        def head() -> Iterator[tuple[R | None, T]]:
            nonlocal in_flight, carried
            slot = window.popleft()
            carried -= slot.size
            if slot.future is None:
                yield None, slot.tags[0]
                return
            in_flight -= 1
            yield from zip(slot.future.result(), slot.tags)

        try:
            for job, tag in items:
                weight = job.weight if job is not None else (weigh(tag) if weigh is not None else 0)
                while (window or batch) and carried + weight > max_bytes:  # room first: a larger job runs alone
                    if not window:
                        flush()
                    yield from head()
                if job is None:
                    flush()
                    window.append(_Slot([tag], None, weight))
                else:
                    batch.append(job)
                    batch_tags.append(tag)
                    batch_bytes += weight
                    if in_flight < 2 * jobs or len(batch) >= BATCH_JOBS or batch_bytes >= BATCH_BYTES:
                        flush()
                carried += weight
                while in_flight >= per_job * jobs:
                    yield from head()
                while window and (window[0].future is None or window[0].future.done()):
                    yield from head()  # what is ready at the head of the line goes out now
            flush()
            while window:
                yield from head()
        except concurrent.futures.process.BrokenProcessPool:
            raise WatermarkError("a worker process died (out of memory?); retry with fewer jobs") from None
        except BaseException:
            for slot in window:
                if slot.future is not None:
                    slot.future.cancel()
            _stop_workers(pool)
            raise


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM held back until the block ends, then handled as
    they would have been. Their handlers raise (KeyboardInterrupt, the CLI's
    termination), and raised inside `submit`, while the pool forks a worker
    or starts its manager thread, they would leave workers that no shutdown
    reaches, waiting for work while the exit waits for them. (Only the main
    thread runs signal handlers, and only it may set them.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    before: dict[int, Any] = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    held = [s for s, h in before.items() if h not in (signal.SIG_IGN, None)]
    for s in held:
        signal.signal(s, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for s in held:
            signal.signal(s, before[s])
        if caught:
            handler = before[caught[0]]
            if callable(handler):
                handler(caught[0], None)
            else:  # (SIG_DFL: what the signal does)
                signal.raise_signal(caught[0])


def _stop_workers(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Workers that an error in `submit` left without a manager killed (a
    fork that failed after another worker started): no shutdown reaches
    them, and the exit would wait for them for ever. (With a manager,
    shutdown stops them; killing them under it makes it fail loudly on the
    cancelled futures.)"""
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None and manager.is_alive():
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):  # (gone already, or closed)
            pass


def _worker_started(parent: int) -> None:
    """In each worker: die with the parent (a parent killed with SIGKILL
    cannot stop its workers), and leave SIGINT / SIGTERM to the parent, which
    stops the pool and cleans up."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            prctl = ctypes.CDLL(None, use_errno=True).prctl
            prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
            prctl.restype = ctypes.c_int
            prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except Exception:  # no ctypes or no prctl: the parent's shutdown still stops the workers
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def check_jobs(jobs: int | None) -> int:
    """Worker processes to use: `jobs`, or every core this process may use."""
    if jobs is None:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:
            return os.cpu_count() or 1
    try:
        count = operator.index(jobs)  # any whole number type; not 1.5, not True
    except TypeError:
        count = 0
    if isinstance(jobs, bool) or count < 1:
        raise ArgumentError(f"jobs is a number of worker processes, at least 1 (not {jobs!r})")
    return count


class Progress:
    """One status line on stderr, only when it is a terminal."""

    def __init__(self, label: str, total: int | None = None, enabled: bool | None = None) -> None:
        self.label, self.total, self.done, self.bytes = label, total, 0, 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._last = 0.0
        self._start = time.monotonic()

    def step(self, nbytes: int = 0) -> None:
        self.done += 1
        self.bytes += nbytes
        now = time.monotonic()
        if self.enabled and now - self._last > 0.1:
            self._last = now
            self._draw()

    def _draw(self, end: str = "") -> None:
        of = f"/{self.total}" if self.total else ""
        bar = ""
        if self.total:
            filled = int(30 * min(self.done, self.total) / self.total)
            bar = "[" + "#" * filled + "." * (30 - filled) + "] "
        rate = self.bytes / max(time.monotonic() - self._start, 1e-9) / 1e6
        sys.stderr.write(f"\r{self.label} {bar}{self.done}{of} files  {self.bytes / 1e6:.1f} MB  {rate:.1f} MB/s{end}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw("\n")
