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

        self._agent = Agent.load(str(model_path))
        self._loop = asyncio.new_event_loop()

    def parse(self, text: str) -> dict:
        return self._loop.run_until_complete(self._agent.parse_message(normalize_text(text)))


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    options = args.parse_args(argv)
    if not options.model.exists():
        print(f"no model at {options.model}; run tools/train_bot.sh first", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)
    parser = Parser(options.model)
    for line in sys.stdin:
        text = line.rstrip("\n")
        print(json.dumps(result_line(text, parser.parse(text)), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
