"""The app process's Prometheus metrics (prometheus_client, the default registry).

Counted where they happen: the hotline (``ivr/``) counts calls, turn latency and recogniser
confidence; the dispatcher (``backend/matching/loop.py``) its outcomes. What lives in the database
(orders waiting, the ledger's length, the bot's outbox) is read when Prometheus scrapes
(``backend/core/backlog.py``), so every worker reports the same shared numbers.

``serve(host, port)`` exposes them on their own listener, loopback by default: the reverse proxy in
front of the app never forwards it, and binding anything else must be configured
(``YINLING_METRICS_HOST``). Labels are fixed words only; no metric carries personal data.
"""
from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server

# stream: the Media Streams this worker serves (each lives on one worker); gather: the calls in the shared gather
# store, the same on every worker (ivr.gather.count_calls_in_metrics: a gather call's webhooks reach any worker).
ACTIVE_CALLS = Gauge("yinling_active_calls", "Calls in progress: stream, served by this worker; gather, in the "
                     "store every worker shares (the same on each)", ["mode"])
TURN_LATENCY = Histogram(
    "yinling_turn_latency_seconds",
    "End of the caller's utterance (endpoint) to the first audio of the answer, streamed calls",
    buckets=(0.25, 0.5, 0.75, 1.0, 1.3, 1.6, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0))
ASSISTANT_LATENCY = Histogram(
    "yinling_assistant_latency_seconds", "Round trip of one hotline message to the Rasa server, by result",
    ["result"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0))
RECOGNISER_CONFIDENCE = Histogram(
    "yinling_recogniser_confidence", "Confidence of each final recognition result (0-1)", ["mode"],
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0))
DISPATCH_OUTCOMES = Counter("yinling_dispatch_outcomes_total", "Orders the dispatcher acted on, by outcome",
                            ["outcome"])
DISPATCH_PASSES = Counter("yinling_dispatch_passes_total", "Dispatcher passes, by result", ["result"])
for _mode in ("stream", "gather"):  # every series exists from the start, at zero
    ACTIVE_CALLS.labels(_mode)
    RECOGNISER_CONFIDENCE.labels(_mode)
for _result in ("ok", "unavailable"):
    ASSISTANT_LATENCY.labels(_result)
for _outcome in ("offered", "timed_out", "escalated"):
    DISPATCH_OUTCOMES.labels(_outcome)
for _result in ("ok", "failed"):
    DISPATCH_PASSES.labels(_result)


def serve(host: str, port: int, registry: CollectorRegistry = REGISTRY):
    """Start the metrics listener on ``host:port`` (a thread); returns (server, thread)."""
    return start_http_server(port, addr=host, registry=registry)
