"""gunicorn settings used by `catalogue serve`: multi-process Prometheus metrics (a dead worker's live gauges are
removed), and start CATALOGUE_JOB_WORKERS background job workers (`catalogue jobs
work`) and CATALOGUE_WEBHOOK_WORKERS change-feed/webhook workers (`catalogue webhooks work`) with the server and stop them with it, so one command serves pages and runs large exports and imports."""
from __future__ import annotations

import os
import subprocess
import sys

from prometheus_client import multiprocess

_workers: list[subprocess.Popen] = []


def when_ready(server):
    for _ in range(int(os.environ.get("CATALOGUE_JOB_WORKERS") or 0)):
        _workers.append(subprocess.Popen([sys.executable, "-c", "from catalogue.cli import main; main()", "jobs", "work"]))
    for _ in range(int(os.environ.get("CATALOGUE_WEBHOOK_WORKERS") or 0)):  # the change feed and webhook deliveries
        _workers.append(subprocess.Popen([sys.executable, "-c", "from catalogue.cli import main; main()", "webhooks",
                                          "work"]))
    if _workers:
        server.log.info("started %d background worker(s)", len(_workers))


def on_exit(server):
    for process in _workers:
        process.terminate()
    for process in _workers:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    multiprocess.mark_process_dead(worker.pid)


control_socket_disable = True  # gunicorn >= 23's control socket lives in $HOME: several nodes on one machine would share it
