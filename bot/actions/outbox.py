"""Outbox: writes the backend has not acknowledged, kept in a JSON-lines file until it has.

Each line is ``{"method", "path", "body", "key", "queued_at"}``. The idempotency key makes a
resend safe: the backend answers a repeated key with the original response, so an entry that
was in fact applied before the connection dropped is not applied twice. Entries the backend
refuses (4xx) move to ``<outbox>.refused.jsonl`` for an operator: nothing is dropped silently.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


class Outbox:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.refused_path = self.path.with_name(self.path.stem + ".refused.jsonl")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> list[dict]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _write(self, entries: list[dict]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
        tmp.replace(self.path)

    def add(self, method: str, path: str, body: dict, key: str) -> None:
        """Queue one write (a second add with the same key is ignored)."""
        with self._locked():
            entries = self._read()
            if any(e["key"] == key for e in entries):
                return
            entries.append({"method": method, "path": path, "body": body, "key": key,
                            "queued_at": dt.datetime.now(dt.timezone.utc).isoformat()})
            self._write(entries)

    def pending(self) -> list[dict]:
        with self._locked():
            return self._read()

    def drain(self, send: Callable[[dict], str]) -> int:
        """Resend queued writes in order. ``send`` returns "done", "refused" or "retry";
        stops at the first "retry" (the backend is still down). Returns how many left the queue."""
        with self._locked():
            entries = self._read()
            done = 0
            for entry in list(entries):
                outcome = send(entry)
                if outcome == "retry":
                    break
                if outcome == "refused":
                    with open(self.refused_path, "a", encoding="utf-8") as refused:
                        refused.write(json.dumps(entry, ensure_ascii=False) + "\n")
                entries.remove(entry)
                done += 1
            if done:
                self._write(entries)
            return done
