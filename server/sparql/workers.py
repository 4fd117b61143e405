"""The SPARQL endpoint's workers: processes forked from the web worker for a store that runs queries
in this process, each with a deadline enforced by killing it, a memory cap and no network; or the
calling thread for a remote store, whose HTTP timeout is the deadline.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import multiprocessing
import os
import queue
import resource
import signal
import stat
import threading
from dataclasses import replace

from server.sparql.admission import Admission
from server.sparql.check import QueryRefused
from server.sparql.runner import Limits, NeedsCheck, QueryJob, QueryResult, QueryRunner
from server.store import AnswerTooLarge, StoreError, StoreTimeout, StoreUnavailable

log = logging.getLogger(__name__)


class Executor:
    """Runs a query job within the admission control (server/sparql/admission.py)."""

    def __init__(self, runner: QueryRunner):
        self.runner = runner
        self.limits = runner.limits
        self.admission = Admission(runner.limits.workers, runner.limits.wait_s)

    def run(self, job: QueryJob, client: str = "") -> QueryResult:
        """The job's results; QueryRefused (503) at once when `client` may not run another query now."""
        with self.admission.slot(client):
            return self._run(job)

    def _run(self, job: QueryJob) -> QueryResult:
        raise NotImplementedError


class QueryPool(Executor):
    """Worker processes that run QueryRunner.run, each with a deadline and a memory cap.

    Created lazily, in the process that uses it: under gunicorn that is each web worker, after
    gunicorn forked it, so every query worker inherits the loaded store. Thread-safe: gunicorn's
    threads share it. Admission lets in no more queries than there are workers."""

    def __init__(self, runner: QueryRunner):
        super().__init__(runner)
        self._lock = threading.Lock()
        self._owner_pid: int | None = None
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()

    def _run(self, job: QueryJob) -> QueryResult:
        self._start_if_needed()
        try:
            worker = self._idle.get(timeout=self.limits.timeout_s)
        except queue.Empty:
            raise QueryRefused(503, f"All {self.limits.workers} query workers stayed busy for "
                                    f"{self.limits.timeout_s:g} s; try again shortly.") from None
        try:
            if not worker.alive():
                worker = self._replace(worker)
            return worker.run(job, self.limits)
        finally:
            self._idle.put(worker if worker.alive() else self._replace(worker))

    def close(self) -> None:
        """Stops every worker (each also stops by itself when its parent dies)."""
        with self._lock:
            workers, self._workers = list(self._workers), set()
            self._owner_pid = None
            self._idle = queue.Queue()
        for worker in workers:
            worker.stop()

    def _start_if_needed(self) -> None:
        with self._lock:
            if self._owner_pid == os.getpid():
                return
            # First use in this process (or a copy inherited through a fork): start afresh.
            self._owner_pid, self._workers, self._idle = os.getpid(), set(), queue.Queue()
            for _ in range(self.limits.workers):
                self._idle.put(self._spawn())
            atexit.register(self.close)

    def _replace(self, worker: _Worker) -> _Worker:
        worker.stop()
        with self._lock:
            self._workers.discard(worker)
            return self._spawn()

    def _spawn(self) -> _Worker:
        worker = _Worker.start(self.runner)
        self._workers.add(worker)
        return worker


class DirectRunner(Executor):
    """For a remote store, which evaluates queries in its own process: a query the screen lets through runs
    in the web worker's own thread (nothing to kill: the HTTP timeout is the deadline, a 504). One that needs
    rdflib's full check goes to worker processes as on the embedded stores, so that the parse, whose time no
    thread can bound (sixty kilobytes of FILTERs take it seconds), is killed at the deadline too.
    SERVICE and updates are refused before anything is sent either way; admission bounds both."""

    def __init__(self, runner: QueryRunner):
        super().__init__(replace(runner, store=runner.store.with_timeout(runner.limits.timeout_s)))
        self.checking = QueryPool(self.runner)

    def _run(self, job: QueryJob) -> QueryResult:
        try:
            try:
                return self.runner.run_screened(job)
            except NeedsCheck:
                return self.checking._run(job)
        except StoreTimeout:
            raise _time_limit(self.limits) from None
        except AnswerTooLarge:
            raise self.runner._too_large() from None


def query_executor(runner: QueryRunner) -> Executor:
    """Worker processes for a store that runs queries in this process; the calling thread otherwise."""
    return QueryPool(runner) if runner.store.runs_in_process else DirectRunner(runner)


def _time_limit(limits: Limits) -> QueryRefused:
    return QueryRefused(504, f"The query was stopped at this endpoint's time limit of "
                             f"{limits.timeout_s:g} s. Narrow it, or add a LIMIT.")


class _Worker:
    """One query worker process and the parent's end of its pipe."""

    def __init__(self, process, connection):
        self.process, self.connection = process, connection

    @classmethod
    def start(cls, runner: QueryRunner) -> _Worker:
        context = multiprocessing.get_context("fork")  # the store is inherited, never pickled
        parent_end, child_end = context.Pipe()
        process = context.Process(target=_worker_main, args=(runner, child_end, os.getpid()),
                                  name="coopgraph-query", daemon=True)
        process.start()
        child_end.close()
        worker = cls(process, parent_end)
        worker._await_ready()
        return worker

    def _await_ready(self) -> None:
        if self.connection.poll(10):
            try:
                isolated = self.connection.recv()
            except (EOFError, OSError):
                return  # died while starting: the pool replaces it on first use
            if isolated is False:  # None: a remote store, which needs the network
                log.warning("query worker %s could not drop network access (no network namespace); "
                            "SERVICE is still refused by the query check", self.process.pid)

    def alive(self) -> bool:
        return self.process.is_alive() and not self.connection.closed

    def run(self, job: QueryJob, limits: Limits):
        try:
            self.connection.send(job)
            finished = self.connection.poll(limits.timeout_s)
        except OSError:
            finished = True  # the worker is gone: recv below says so
        if not finished:
            self.stop()
            raise _time_limit(limits)
        try:
            outcome = self.connection.recv()
        except (EOFError, OSError):
            self.stop()
            raise self._death(limits) from None
        if isinstance(outcome, QueryRefused):
            raise outcome
        return outcome

    def _death(self, limits: Limits) -> QueryRefused:
        """What ended the worker while it ran a query, in words (it is replaced either way)."""
        code = self.process.exitcode
        if code in (-signal.SIGABRT, _EXIT_OUT_OF_MEMORY):
            # Rust aborts when an allocation fails, which the address-space cap makes happen (and Python
            # raises MemoryError); a stack overflow aborts too, but check_shape keeps queries shallow.
            return QueryRefused(503, f"The query needed more memory than this endpoint's limit of {limits.memory_mb} "
                                     "MB per query and was stopped. Narrow it, or add a LIMIT.")
        if code == -signal.SIGSEGV:
            return QueryRefused(400, "The query engine crashed while running this query (the worker that ran it "
                                     "was replaced). It would crash again: simplify the query.")
        if code == -signal.SIGKILL:
            return QueryRefused(503, "The query worker was killed from outside while running this query (by the "
                                     "system, often for lack of memory, or by an operator); it was replaced. "
                                     "Try again.")
        return QueryRefused(503, f"The query worker stopped unexpectedly (exit code {code}) and was replaced; "
                                 "try again.")

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


_EXIT_OUT_OF_MEMORY = 3
QUERY_WORKER_NICENESS = 10


def _close_inherited_sockets(keep: int) -> None:
    """Closes every socket the fork inherited but `keep` (the pipe to the web worker). The web worker's
    client connections would otherwise stay open here after gunicorn closes them: a browser reusing such a
    keep-alive connection would send its next request to a socket no one reads, and wait forever."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd == keep:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass  # the listing's own descriptor, already gone


def _worker_main(runner: QueryRunner, connection, parent_pid: int) -> None:
    """A query worker's life: set itself up, then answer jobs until its parent hangs up."""
    _reset_signals()
    _die_with_parent(parent_pid)
    _yield_the_processor()
    # A remote store is reached over the network; a local one needs none, nor the web worker's sockets.
    if runner.store.runs_in_process:
        _close_inherited_sockets(keep=connection.fileno())
    isolated = _drop_network() if runner.store.runs_in_process else None
    _cap_memory(runner.limits.memory_mb)
    connection.send(isolated)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            outcome = runner.run(job)
        except QueryRefused as refusal:
            outcome = refusal
        except (StoreUnavailable, StoreError) as error:  # a remote store's, said as the web worker says them
            outcome = _store_refusal(error, runner)
        except MemoryError:
            os._exit(_EXIT_OUT_OF_MEMORY)  # the parent reports the memory limit
        except Exception as error:  # a bug or an engine error: logged here, reported as refused
            log.exception("query failed")
            outcome = QueryRefused(400, f"The query could not be evaluated: {error}")
        try:
            connection.send(outcome)
        except (OSError, ValueError):
            return


def _store_refusal(error: Exception, runner: QueryRunner) -> QueryRefused:
    if isinstance(error, StoreTimeout):
        return _time_limit(runner.limits)
    if isinstance(error, AnswerTooLarge):
        return runner._too_large()
    if isinstance(error, StoreUnavailable):
        return QueryRefused(503, f"The data store does not answer at the moment ({error.message}); try again shortly.")
    return QueryRefused(502, f"The data store reported an error: {error}")


def _reset_signals() -> None:
    # Forked from a gunicorn worker: its handlers (graceful exit, reload) mean nothing here.
    for signum in (signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                   signal.SIGWINCH, signal.SIGABRT, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    signal.set_wakeup_fd(-1)


def _yield_the_processor() -> None:
    """A lower priority than the web workers': a heavy query takes what the pages leave of the processor."""
    try:
        os.nice(QUERY_WORKER_NICENESS)
    except OSError:
        pass


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _die_with_parent(parent_pid: int) -> None:
    """Linux: SIGKILL when the web worker dies, even by SIGKILL (no orphans holding memory)."""
    try:
        _libc().prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # it died before prctl took effect
        os._exit(0)


def _drop_network() -> bool:
    """Moves this process into a network namespace of its own (no interfaces): nothing it runs can
    reach the network. Needs root, or unprivileged user namespaces; True if it worked."""
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    try:
        libc = _libc()
        return libc.unshare(clone_newnet) == 0 or libc.unshare(clone_newuser | clone_newnet) == 0
    except (OSError, AttributeError):
        return False


def _cap_memory(memory_mb: int) -> None:
    """Lets the address space grow by at most `memory_mb` beyond what the fork inherited
    (the inherited part is the web worker's, mostly shared and never touched here)."""
    try:
        with open("/proc/self/status") as status:
            inherited = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = inherited + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
