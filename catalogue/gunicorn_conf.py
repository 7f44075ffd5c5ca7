"""gunicorn settings used by `catalogue serve`: multi-process Prometheus metrics (a dead worker's live gauges are
removed), and the node's background processes, started with the server, started again when one exits while the server
runs, and stopped with it:
- the index writer (`catalogue index follow`): it alone writes this node's search index from the change log, and the
  workers follow as readers (CATALOGUE_SEARCH_ROLE=reader), so no worker spends CPU on index writes beside its
  requests; it runs at nice CATALOGUE_INDEX_WRITER_NICE (default 19: a worker that wakes for a request takes the core
  from it at once, and it still gets a share of a saturated CPU, unlike SCHED_IDLE; bench/load_bench.py
  --writer-priority). CATALOGUE_INDEX_WRITER=0: no writer process; the
  workers then write the index themselves (one of them at a time, whichever takes the lock), as a single process does;
- CATALOGUE_JOB_WORKERS background job workers (`catalogue jobs work`: large exports and imports);
- CATALOGUE_WEBHOOK_WORKERS change-feed/webhook workers (`catalogue webhooks work`)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from prometheus_client import multiprocess

RESTART_DELAY = (1.0, 30.0)  # the first wait before starting an exited process again, doubled up to the second


class Supervised:
    """A background process of the server: started again (after a growing wait) whenever it exits while the server
    runs; its own watching thread in the master process."""

    def __init__(self, args: list[str], log, delays: tuple[float, float] = RESTART_DELAY):
        self.args, self.log, self.delays = args, log, delays
        self.process: subprocess.Popen | None = None
        self.started = 0.0  # monotonic time of the last start
        self.starts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name=f"supervise {' '.join(args[3:])}", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        with self._lock:
            if not self._stopping.is_set():
                self.process = subprocess.Popen(self.args)
                self.started = time.monotonic()
                self.starts += 1

    def _watch(self) -> None:
        delay = self.delays[0]
        while not self._stopping.is_set():
            code = self.process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - self.started > 60:  # it ran a while: start again soon
                delay = self.delays[0]
            self.log.warning("background process %s exited with %s; starting it again in %.0f s",
                             " ".join(self.args[3:]), code, delay)
            if self._stopping.wait(delay):
                return
            self._spawn()
            delay = min(delay * 2, self.delays[1])

    def terminate(self) -> None:
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()

    def wait(self, timeout: float = 60.0) -> None:
        process = self.process
        if process is None:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()


_supervised: list[Supervised] = []


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from catalogue.cli import main; main()", *args]


def when_ready(server):
    # before the workers are forked: they inherit the environment set here
    if os.environ.get("CATALOGUE_INDEX_WRITER", "1") != "0":
        os.environ["CATALOGUE_SEARCH_ROLE"] = "reader"
        # at the lowest CPU priority short of SCHED_IDLE: the workers' requests go first, the index follows in the gaps
        nice = os.environ.get("CATALOGUE_INDEX_WRITER_NICE", "19")
        _supervised.append(Supervised(_command("index", "follow", "--parent", str(os.getpid()), "--nice", nice),
                                      server.log))
    for _ in range(int(os.environ.get("CATALOGUE_JOB_WORKERS") or 0)):
        _supervised.append(Supervised(_command("jobs", "work"), server.log))
    for _ in range(int(os.environ.get("CATALOGUE_WEBHOOK_WORKERS") or 0)):  # the change feed and webhook deliveries
        _supervised.append(Supervised(_command("webhooks", "work"), server.log))
    for supervised in _supervised:
        supervised.start()
    if _supervised:
        server.log.info("started %d background process(es)", len(_supervised))


def on_exit(server):
    for supervised in _supervised:
        supervised.terminate()
    for supervised in _supervised:
        supervised.wait()


def post_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    # A worker's change-log follower is a thread beside the one serving requests. While it applies an edit (~3.5 ms of
    # CPU at 100,000 instruments), a request that wants the GIL waited up to Python's switch interval (5 ms) each time
    # before the follower had to let go; at CATALOGUE_SWITCH_INTERVAL (default 0.5 ms) it waits at most that. With one
    # runnable thread (nearly always) the interval does nothing.
    sys.setswitchinterval(float(os.environ.get("CATALOGUE_SWITCH_INTERVAL") or 0.0005))


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    multiprocess.mark_process_dead(worker.pid)


control_socket_disable = True  # gunicorn >= 23's control socket lives in $HOME: several nodes on one machine would share it
