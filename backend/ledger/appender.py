"""Group commit: many writers' transactions appended and committed together.

Every ledger write waits for the single chain-head lock, and on PostgreSQL it holds that lock
through its commit's WAL flush, so one writer at a time each paying for its own statements and its
own flush caps the ledger at a few hundred transactions a second. A ``GroupAppender`` takes queued
requests from any number of threads and lets one writer thread append them in batches: one
database transaction, one lock, a few ``executemany`` statements and one flush per batch. Each
caller waits for its own outcome; a refused request (overdraft, frozen account, reused key …) is
reported to its caller alone and the rest of its batch is committed.

The batch is built by ``journal.write_batch``, the code ``journal.append`` uses for one
transaction, so the validators, the idempotency keys and the hash chain are the same. Batches
form on their own: while one is being written, the next requests queue up behind it, and the next
batch waits a moment (at most half the last batch's time, ``LINGER_MAX``) for the callers the last
one answered, so that all writers share one commit instead of alternating in two halves.

Use it for ledger writes that stand alone (a transfer, a gift, an imported record). A write that
must commit atomically with other rows of the caller (an order completed and its credit) belongs
in the caller's own transaction: ``journal.append``. Both serialise on the same head lock, so the
two may run side by side, across processes too.
"""
from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from backend.core.db import unit_of_work
from backend.core.errors import YinlingError
from backend.ledger.journal import Outcome, Request, write_batch
from backend.ledger.records import Entry, Transaction

_STOP = object()
LINGER_MAX = 0.005  # s: the longest a batch waits for callers the previous batch released


class GroupAppender:
    """Appends requests from many threads in batches of up to ``max_batch``, one commit each."""

    def __init__(self, sessions: sessionmaker[Session], *, max_batch: int = 256):
        self._sessions = sessions
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0  # committed batches, for benchmarks and logs

    def submit(self, request: Request | Transaction) -> Future:
        """Queue ``request``; the future holds the entries it made (a list) or its error."""
        if isinstance(request, Transaction):
            request = Request(request)
        future: Future = Future()
        self._ensure_started()
        self._queue.put((request, future))
        return future

    def append(self, txn: Transaction) -> Entry:
        """Append ``txn`` and wait: the new entry (or the earlier one for a retried key), or its error."""
        return self.submit(Request(txn)).result()[0]

    def append_request(self, request: Request) -> list[Entry]:
        return self.submit(request).result()

    def perform(self, build: Callable[..., Request], /, **kwargs) -> list[Entry]:
        """Run an operation's checks (``operations.gift_request(session, **kwargs)`` …) in a short
        transaction of their own, then append the request it builds and wait for the outcome.

        The checks' transaction ends before the wait: on SQLite every transaction holds the write
        lock, which the batch needs.
        """
        with unit_of_work(self._sessions) as session:
            request = build(session, **kwargs)
        return self.append_request(request)

    def close(self) -> None:
        """Finish what is queued, then stop the writer thread."""
        with self._start_lock:
            if self._thread is None:
                return
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="ledger-appender", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        expected, took = 1, 0.0  # requests the next batch may wait for; how long the last one took (s)
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch, stop = self._gather(first, expected, took)
            started = time.perf_counter()
            self._write(batch)
            took = time.perf_counter() - started
            # Queued during the write, plus the callers just answered, who are likely to come back.
            expected = self._queue.qsize() + len(batch)
            if stop:
                return

    def _gather(self, first, expected: int, took: float) -> tuple[list, bool]:
        """The next batch: what is queued, and for a short while those the last batch released.

        Without the wait, writers split into two cohorts that alternate (one queues while the
        other's batch is written) and each batch carries half of them. The callers just answered
        usually come straight back with their next request, so the batch waits for them, at most
        half as long as the last batch took (and never more than ``LINGER_MAX``): one commit then
        carries everybody.
        """
        batch = [first]
        want = min(self._max_batch, expected)
        deadline = time.perf_counter() + min(LINGER_MAX, took / 2)
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                left = deadline - time.perf_counter()
                if len(batch) >= want or left <= 0:
                    break
                try:
                    item = self._queue.get(timeout=left)
                except queue.Empty:
                    break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _write(self, batch: list) -> None:
        try:
            outcomes = self._commit([request for request, _ in batch])
        except (SQLAlchemyError, YinlingError) as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            # A database error fails the whole transaction; alone, each request either goes through
            # or takes the error to its own caller, so one bad request cannot sink its batch.
            for item in batch:
                self._write([item])
            return
        except BaseException as exc:  # noqa: BLE001 - a caller must never wait forever
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), outcome in zip(batch, outcomes):
            if isinstance(outcome, YinlingError):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _commit(self, requests: list[Request]) -> list[Outcome]:
        with unit_of_work(self._sessions) as session:
            outcomes = write_batch(session, requests)
        self.batches += 1
        return outcomes
