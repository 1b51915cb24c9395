"""Batch NLU parse: one utterance per line on stdin → one JSON object per line on stdout.

    .venv-bot/bin/python -m bot.parse_batch [--model var/models/bot/yinling.tar.gz] < utterances.txt

Each output line is {"text", "intent", "confidence", "entities": [{"entity", "value"}]}, with
"text" echoing the input line. The model is loaded once; the text goes through the same
normalisation as the assistant (bot.actions.parsing.normalize_text, also the first pipeline step).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path

from bot.actions.parsing import normalize_text

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "var" / "models" / "bot" / "yinling.tar.gz"


def result_line(text: str, parsed: dict) -> dict:
    """The output record for one parse result."""
    intent = parsed.get("intent") or {}
    return {"text": text, "intent": intent.get("name"), "confidence": round(float(intent.get("confidence") or 0.0), 4),
            "entities": [{"entity": e["entity"], "value": e["value"]} for e in parsed.get("entities") or []]}


class Parser:
    """Loads the trained model once and parses texts with it."""

    def __init__(self, model_path: Path):
        from rasa.core.agent import Agent  # heavy import, only when a parser is made
        from rasa.utils.log_utils import configure_structlog

        # Rasa's structlog otherwise prints a debug line for every parse (a cost on every call).
        configure_structlog(logging.WARNING)
        self._agent = Agent.load(str(model_path))
        self._loop = asyncio.new_event_loop()

    def parse(self, text: str) -> dict:
        return self._loop.run_until_complete(self._agent.parse_message(normalize_text(text)))


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    args.add_argument("--timing", action="store_true", help="print parse latency p50/p95 to stderr at the end")
    options = args.parse_args(argv)
    if not options.model.exists():
        print(f"no model at {options.model}; run tools/train_bot.sh first", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)
    # Rasa and TensorFlow print debug lines to stdout; stdout is reserved for the JSON lines,
    # so everything else written to file descriptor 1 goes to stderr instead.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(2, 1)
    parser = Parser(options.model)
    latencies = []
    for line in sys.stdin:
        text = line.rstrip("\n")
        start = time.perf_counter()
        parsed = parser.parse(text)
        latencies.append(time.perf_counter() - start)
        out.write(json.dumps(result_line(text, parsed), ensure_ascii=False) + "\n")
        out.flush()
    if options.timing and latencies:
        ordered = sorted(latencies)
        p50, p95 = ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(f"parsed {len(ordered)} in {sum(ordered):.2f} s; p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
              "(first parse included)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
