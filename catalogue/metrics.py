"""Prometheus metrics (prometheus_client). No Flask.

Under gunicorn every worker is a process: `catalogue serve` sets PROMETHEUS_MULTIPROC_DIR (default
INSTANCE_DIR/metrics, emptied at start) so each worker writes its samples to files there and /metrics adds them up
(`gunicorn_conf.child_exit` removes a dead worker's live gauges). Without it (tests, `serve --dev`) the process's own
registry is served.
"""
from __future__ import annotations

import os
import time

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUEST_SECONDS = Histogram(
    "catalogue_request_seconds", "Time to answer a request, per endpoint", ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
SEARCH_SECONDS = Histogram(
    "catalogue_search_seconds", "Time the search engine takes for one search (text, facets, page)", ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0))
FOLLOW_DELAY = Gauge(
    "catalogue_index_follow_delay_seconds", "Seconds between the commit of the newest applied change-log entry and "
    "its application in this process (0 when idle)", multiprocess_mode="livemax")
FOLLOWED_AT = Gauge(
    "catalogue_index_followed_timestamp_seconds", "Unix time of this process's last complete round of following the "
    "change log (time() - this = follower lag)", multiprocess_mode="livemin")
FOLLOW_POSITION = Gauge(
    "catalogue_index_follow_position", "Change-log position this process has applied", multiprocess_mode="livemin")


class Timer:
    def __init__(self, histogram, *labels):
        self.histogram = histogram.labels(*labels) if labels else histogram

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.histogram.observe(time.perf_counter() - self.started)


class QueueCollector:
    """Queue lengths read from the database at scrape time: unsent outbox mail, and waiting background jobs when the
    job table exists."""

    def __init__(self, session_factory):
        self.session_factory = session_factory

    def collect(self):
        from sqlalchemy import func, inspect, select, text

        from .models import OutboxMessage

        family = GaugeMetricFamily("catalogue_queue_length", "Items waiting in a queue", labels=["queue"])
        with self.session_factory() as session:
            family.add_metric(["outbox"], session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))) or 0)
            inspector = inspect(session.get_bind())
            for table in ("job", "webhook_delivery"):
                if inspector.has_table(table) and "status" in {c["name"] for c in inspector.get_columns(table)}:
                    family.add_metric([table], session.scalar(
                        text(f"SELECT count(*) FROM {table} WHERE status IN ('queued', 'pending')")) or 0)
        yield family


def exposition(session_factory) -> bytes:
    from prometheus_client import REGISTRY

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(QueueCollector(session_factory))
    return generate_latest(registry)
