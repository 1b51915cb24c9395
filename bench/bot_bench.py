"""Bot benchmark (issue 4): accuracy on the held-out split next to Rasa's default English-style pipeline,
parse latency through `make parse`'s parser and through the HTTP API, and training time.

Run with the bot environment from the repository root:

    PYTHONPATH=. .venv-bot/bin/python -m bench.bot_bench [--write docs/benchmarks.md]

Both models are trained from scratch in a temporary folder, so the training times are measured in the
same run; the product model in var/models/bot/ is not touched.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_SPLIT = ROOT / "tests" / "bot" / "nlu_test.yml"
BOT_PY = sys.executable
SECTION = "## Bot (issue 4)"


def train(config: Path, out: Path, *, nlu_only: bool) -> tuple[Path, float]:
    command = [BOT_PY, "-m", "rasa", "train"] + (["nlu", "--nlu", "bot/data"] if nlu_only else
                                                  ["--domain", "bot/domain.yml", "--data", "bot/data"])
    command += ["--config", str(config), "--out", str(out), "--fixed-model-name", config.stem]
    # A cold cache of Rasa's own (it would otherwise reuse components trained earlier and report seconds).
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3",
               RASA_CACHE_DIRECTORY=str(out / f"cache-{config.stem}"))
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return next(out.glob(f"{config.stem}*.tar.gz")), time.perf_counter() - start


def evaluate(model: Path) -> dict:
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.parse_batch import Parser
    parser = Parser(model)
    examples = load_data(str(TEST_SPLIT)).intent_examples
    hits = service_hits = service_total = 0
    for example in examples:
        parsed = parser.parse(example.get("text"))
        hits += parsed["intent"]["name"] == example.get("intent")
        gold = sorted(e["value"] for e in example.get("entities") or [] if e["entity"] == "service_type")
        if gold:
            service_total += 1
            service_hits += gold == sorted(e["value"] for e in parsed["entities"] if e["entity"] == "service_type")
    return {"examples": len(examples), "intent_accuracy": hits / len(examples),
            "service_examples": service_total, "service_type_accuracy": service_hits / service_total}


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


def utterances() -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data
    return [e.get("text") for e in load_data(str(TEST_SPLIT)).intent_examples]


def latency_batch(model: Path, texts: list[str]) -> tuple[float, float]:
    """The path `make parse` takes: bot.parse_batch, model loaded once, one line in, one JSON line out."""
    from bot.parse_batch import Parser
    parser = Parser(model)
    parser.parse("你好")  # warm-up, as a long-running batch would be
    times = []
    for text in texts:
        start = time.perf_counter()
        parser.parse(text)
        times.append(time.perf_counter() - start)
    return percentiles(times)


def latency_http(model: Path, texts: list[str]) -> tuple[float, float]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    server = subprocess.Popen([BOT_PY, "-m", "rasa", "run", "--enable-api", "--model", str(model), "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 900
        while True:
            try:
                with urllib.request.urlopen(f"{base}/status", timeout=2) as r:
                    if json.load(r).get("model_file"):
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("rasa server did not come up")
            time.sleep(1)
        times = []
        for text in ["你好"] + texts:
            request = urllib.request.Request(f"{base}/model/parse", data=json.dumps({"text": text}).encode(),
                                             headers={"Content-Type": "application/json"})
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as r:
                r.read()
            times.append(time.perf_counter() - start)
        return percentiles(times[1:])
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(results: dict) -> str:
    ours, base = results["yinling"], results["baseline"]
    load = results["load"]
    lines = [
        SECTION, "",
        f"**Date** {results['date']}. **Machine** 2 vCPU, 24 GiB, Python {platform.python_version()}, Rasa 3.6.21. "
        f"**Command** `PYTHONPATH=. .venv-bot/bin/python -m bench.bot_bench --write docs/benchmarks.md`. "
        f"**Load** (1/5/15 min) {load[0]} at the start, {load[1]} at the end.", "",
        f"Held-out split `tests/bot/nlu_test.yml` ({ours['examples']} utterances, {ours['service_examples']} with a "
        "service), never trained on. Baseline: Rasa's default English-style pipeline (`bench/bot_baseline_config.yml`: "
        "whitespace tokens, word + char_wb n-grams, DIET 100 epochs) on the same training data.", "",
        "| measure | Yinling pipeline (`config.yml`) | default English-style pipeline | target |",
        "|---|---|---|---|",
        f"| intent accuracy | {ours['intent_accuracy']:.1%} | {base['intent_accuracy']:.1%} | ≥ 95 % |",
        f"| `service_type` accuracy | {ours['service_type_accuracy']:.1%} | {base['service_type_accuracy']:.1%} | ≥ 90 % |",
        f"| training time (NLU + dialogue for ours, NLU only for the baseline), s | {ours['train_s']:.0f} | "
        f"{base['train_s']:.0f} | – |",
        f"| parse latency, `make parse` path (bot.parse_batch), p50 / p95 ms | {ours['batch_ms'][0]:.1f} / "
        f"{ours['batch_ms'][1]:.1f} | – | p95 ≤ 30 ms |",
        f"| parse latency, HTTP API `POST /model/parse`, p50 / p95 ms | {ours['http_ms'][0]:.1f} / "
        f"{ours['http_ms'][1]:.1f} | – | p95 ≤ 30 ms |",
        "",
        "Reading: the English-style pipeline splits on spaces, so a Chinese sentence is one token; DIET can only "
        "tag whole tokens, so it finds no `service_type` at all, and intents rest on character n-grams alone. "
        "Both trainings start from an empty Rasa cache. Parse latency is measured on the warmed model, "
        "one utterance at a time, over the whole held-out split.",
        "",
    ]
    return "\n".join(lines)


def write_section(path: Path, text: str) -> None:
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if SECTION in doc:
        start = doc.index(SECTION)
        following = doc.find("\n## ", start + len(SECTION))
        doc = doc[:start] + text + (doc[following + 1:] if following != -1 else "")
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    path.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--write", type=Path, help="replace the bot section of this Markdown file")
    options = args.parse_args(argv)
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "load": [" / ".join(f"{x:.2f}" for x in os.getloadavg())]}
    with tempfile.TemporaryDirectory() as tmp:
        ours_model, ours_s = train(ROOT / "config.yml", Path(tmp), nlu_only=False)
        base_model, base_s = train(ROOT / "bench" / "bot_baseline_config.yml", Path(tmp), nlu_only=True)
        texts = utterances()
        results["yinling"] = {**evaluate(ours_model), "train_s": ours_s,
                              "batch_ms": latency_batch(ours_model, texts), "http_ms": latency_http(ours_model, texts)}
        results["baseline"] = {**evaluate(base_model), "train_s": base_s}
    results["load"].append(" / ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(json.dumps(results, indent=1, ensure_ascii=False))
    if options.write:
        write_section(options.write, report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
