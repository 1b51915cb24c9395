"""Turn-taking benchmark (issue 13): cut-offs on elder-paced speech, background noise, endpoint delay.

    .venv/bin/python -m bench.turn_bench [--write docs/benchmarks.md]

Every case runs, side by side, through the call endpointer the hotline uses (``speech.turn_taker.
TurnTaker``, the same frames a call's recogniser pushes) in three settings: ``energy`` (today's fixed
1.5 s elder silence on a −40 dBFS threshold), ``vad`` with the words (the caller's words so far given
to the end-of-turn policy 200 ms after each part is spoken, as a streaming recogniser would), and
``vad`` without words (an engine with no partial results). Decoding is not run: it does not change
when a turn ends, only the words do.

- *Elder-paced utterances*: hotline requests in espeak-ng's Mandarin voice at 130 wpm, split into
  two or three parts with pauses of 0.5–1.2 s (seeded); an utterance is *cut off* when the
  endpointer ends it before its last part has been said.
- *Endpoint delay*: end of the caller's last word (the last frame of the audio above −45 dBFS) →
  the frame that ends the turn. The yes/no cases answer a read-back (``expect_yes_no``).
- *Noise*: TV-like babble (six Mandarin voices at different rates), one TV voice, and pink noise,
  mixed under the caller at 10 dB and 5 dB SNR (speech RMS over its voiced frames vs noise RMS),
  through the 8 kHz μ-law channel. *False barge-ins per minute of prompt*: speech starts counted
  while 60 s of the noise alone plays (the caller listening to a prompt); *not heard*: no speech
  start before the caller's last word (from the caller or the noise); *never ends*: heard, but no
  end of turn within 5 s after the last word (a cut at the 20 s limit is not an end).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import tempfile
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np

from speech import mulaw
from speech.endpointing import Boundary
from speech.pcm import level_dbfs, read_wav
from speech.profile import CallProfile
from speech.resample import resample
from speech.turn_taker import TurnTaker

RATE, FRAME = 8000, 160
SECTION = "## Turn-taking (issue 13)"
MARKER = "<!-- end of generated turn-taking numbers; notes below are kept on re-runs -->"
WORDS_LAG_S = 0.2
# Requests as elders make them, in parts where they pause to think.
PAUSED = [("我想预约", "明天上午", "送饭"), ("我还有", "多少时间币"), ("帮我找个人", "陪我去医院"),
          ("那个", "我要取消", "明天的订单"), ("我想给我女儿", "转十个时间币"), ("嗯", "后天下午", "帮我打扫一下卫生"),
          ("我现在", "几星了"), ("我想问一下", "我的余额还有多少"), ("下个星期一", "我要去医院体检"),
          ("明天中午", "能不能", "给我送饭"), ("我的腿不方便", "想找人", "帮我买菜"), ("请帮我", "转人工")]
WHOLE = ["我还有多少时间币", "我现在几星了", "我要取消明天的订单", "转人工", "明天上午十点送饭", "帮我预约后天下午打扫卫生"]
YES_NO = ["对", "是的", "好", "不对", "行", "可以"]
TV_LINES = ["今天的天气很好，我们去公园散步吧", "新闻联播现在开始播送今天的主要内容", "这个产品的价格非常便宜，欢迎大家购买",
            "他说明天要去北京出差，下周才回来", "比赛进行到第二节，主队领先三分", "请各位观众朋友继续收看"]


@lru_cache(maxsize=256)
def voice(text: str, wpm: int = 130, workdir: str = "") -> np.ndarray:
    path = Path(workdir) / f"cmn-{wpm}-{abs(hash(text))}.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-s", str(wpm), "-w", str(path), text], check=True, timeout=30)
    audio = read_wav(path)
    samples = resample(audio.samples, audio.rate, RATE).astype(np.float64)
    levels = [level_dbfs(samples[i:i + FRAME]) for i in range(0, len(samples) - FRAME + 1, FRAME)]
    voiced = [i for i, lv in enumerate(levels) if lv >= -45]
    return samples[voiced[0] * FRAME:(voiced[-1] + 1) * FRAME]  # espeak's own lead-in/out silence trimmed


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def speech_rms(x: np.ndarray) -> float:
    frames = [x[i:i + FRAME] for i in range(0, len(x) - FRAME + 1, FRAME)]
    return rms(np.concatenate([f for f in frames if level_dbfs(f) >= -45]))


def noises(seconds: float, workdir: str, seed: int = 13) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)

    def loop(x: np.ndarray, offset: int) -> np.ndarray:
        x = np.concatenate([x, np.zeros(int(0.3 * RATE))])
        return np.roll(np.tile(x, n // len(x) + 1)[:n], offset)

    voices = [loop(voice(t, 150 + 15 * i, workdir), int(rng.integers(0, RATE * 3))) for i, t in enumerate(TV_LINES)]
    white = rng.normal(0, 1, n)
    pink = np.fft.irfft(np.fft.rfft(white) / np.sqrt(np.maximum(1, np.arange(n // 2 + 1))), n)
    return {"TV babble (6 voices)": sum(voices), "one TV voice": voices[1], "pink noise": pink}


def channel(x: np.ndarray) -> bytes:
    return mulaw.encode(np.clip(x, -32768, 32767).astype(np.int16))


class Run:
    """One call endpointer fed frame by frame; ``words`` [(time_s, text so far)] are hinted in time."""

    def __init__(self, mode: str, with_words: bool, expect_yes_no: bool = False):
        from tests.speech import factories
        settings = factories.settings(turn_taking="vad" if mode == "vad" else "energy")
        self.taker = TurnTaker(settings, CallProfile.for_call(settings))
        self.taker.expect_yes_no(expect_yes_no)
        self.with_words = with_words

    def boundaries(self, line: bytes, words: list[tuple[float, str]] = ()) -> list[tuple[float, Boundary]]:
        out, pending = [], list(words)
        for i in range(0, len(line) - FRAME + 1, FRAME):
            t = (i + FRAME) / RATE
            while self.with_words and pending and pending[0][0] <= t:
                self.taker.hint_text(pending.pop(0)[1])
            boundary = self.taker.push(mulaw.decode(line[i:i + FRAME]))
            if boundary is not Boundary.NONE:
                out.append((t, boundary))
        return out


def utterance(parts: tuple[str, ...], pauses: list[float], workdir: str) -> tuple[np.ndarray, list[tuple[float, str]]]:
    """Parts with pauses between; words: (when each part is known to a streaming recogniser, text so far)."""
    audio, words, text = [np.zeros(int(0.5 * RATE))], [], ""
    for i, part in enumerate(parts):
        audio.append(voice(part, 130, workdir))
        text += part
        words.append((sum(map(len, audio)) / RATE + WORDS_LAG_S, text))
        if i < len(pauses):
            audio.append(np.zeros(int(pauses[i] * RATE)))
    return np.concatenate(audio), words


SETTINGS = [("energy (fixed 1.5 s)", "energy", False), ("VAD + words", "vad", True), ("VAD, no words", "vad", False)]


def measure(workdir: str) -> dict:
    rng = random.Random(13)
    cases = []
    for rep in range(3):
        for parts in PAUSED:
            cases.append((parts, [round(rng.uniform(0.5, 1.2), 2) for _ in parts[:-1]]))
    tail = np.zeros(int(5.0 * RATE))
    results: dict = {}
    for name, mode, with_words in SETTINGS:
        res = results[name] = {"cut": 0, "utterances": len(cases), "delays": [], "yes_delays": [], "noise": {}}
        for parts, pauses in cases:
            audio, words = utterance(parts, pauses, workdir)
            said_end = len(audio) / RATE
            ends = [t for t, b in Run(mode, with_words).boundaries(channel(np.concatenate([audio, tail])), words)
                    if b in (Boundary.ENDED, Boundary.CUT)]
            if ends and ends[0] < said_end:
                res["cut"] += 1
            elif ends:
                res["delays"].append(1000 * (ends[0] - said_end))
        for text in WHOLE:
            audio, words = utterance((text,), [], workdir)
            ends = [t for t, b in Run(mode, with_words).boundaries(channel(np.concatenate([audio, tail])), words)
                    if b is Boundary.ENDED]
            res["delays"].append(1000 * (ends[0] - len(audio) / RATE) if ends else float("nan"))
        for text in YES_NO:
            audio, words = utterance((text,), [], workdir)
            ends = [t for t, b in Run(mode, with_words, True).boundaries(channel(np.concatenate([audio, tail])), words)
                    if b is Boundary.ENDED]
            res["yes_delays"].append(1000 * (ends[0] - len(audio) / RATE) if ends else float("nan"))
        for noise_name, noise in noises(70.0, workdir).items():
            for snr in (10, 5):
                level = speech_rms(voice(PAUSED[0][0], 130, workdir)) / 10 ** (snr / 20)
                scaled = noise * level / rms(noise)
                prompt = Run(mode, with_words).boundaries(channel(scaled[:60 * RATE]))
                starts = sum(b is Boundary.STARTED for _, b in prompt)
                unheard = never = 0
                for k, text in enumerate(WHOLE):
                    audio, words = utterance((text,), [], workdir)
                    offset = RATE * (5 + 7 * k)
                    mixed = np.concatenate([audio, tail]) + scaled[offset:offset + len(audio) + len(tail)]
                    found = Run(mode, with_words).boundaries(channel(mixed), words)
                    said_end = len(audio) / RATE
                    started = [t for t, b in found if b is Boundary.STARTED and t <= said_end]
                    ended = [t for t, b in found if b is Boundary.ENDED and said_end < t <= said_end + 5.0]
                    unheard += not started
                    never += bool(started) and not ended
                res["noise"][f"{noise_name}, {snr} dB"] = {"false_barge_ins_per_min": starts, "never_ends": never,
                                                           "never_heard": unheard, "utterances": len(WHOLE)}
    return results


def render(results: dict, meta: dict) -> str:
    def p(values: list[float], q: float) -> str:
        v = [x for x in values if x == x]
        return f"{np.percentile(v, q):.0f}" if v else "–"

    out = [SECTION, "", f"**Date** {meta['date']}. **Machine** {meta['machine']}. **Load** (1/5/15 min) "
           f"{meta['load_start']} at the start, {meta['load_end']} at the end. **Command** `{meta['command']}`.", "",
           "| endpointer | cut off (elder-paced, pauses 0.5–1.2 s) | end of last word → turn ended, p50 / p95 ms "
           "(requests) | same, yes/no at a read-back | target | met? |", "|---|---|---|---|---|---|"]
    for name, res in results.items():
        share = 100 * res["cut"] / res["utterances"]
        out.append(f"| {name} | {res['cut']} of {res['utterances']} ({share:.1f} %) | {p(res['delays'], 50)} / "
                   f"{p(res['delays'], 95)} | {p(res['yes_delays'], 50)} / {p(res['yes_delays'], 95)} | cut off ≤ 3 % | "
                   f"{'yes' if share <= 3 else 'no'} |")
    conditions = list(next(iter(results.values()))["noise"])
    out += ["", "Noise under the caller: false barge-ins per minute of prompt / utterances not heard / heard but "
            f"never ended (of {len(WHOLE)}); target 0 false barge-ins at 10 dB:", "",
            "| noise, SNR | " + " | ".join(results) + " |", "|---" * (len(results) + 1) + "|"]
    for cond in conditions:
        out.append(f"| {cond} | " + " | ".join(f"{r['noise'][cond]['false_barge_ins_per_min']} / "
                                               f"{r['noise'][cond]['never_heard']} / {r['noise'][cond]['never_ends']}"
                                               for r in results.values()) + " |")
    return "\n".join(out + ["", MARKER])


def main() -> None:
    from bench.ivr_bench import write_section_for
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", type=Path, help="add/replace the section in this markdown file")
    args = parser.parse_args()
    load_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="turn-bench-") as workdir:
        results = measure(workdir)
    meta = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"nproc {os.cpu_count()} ({platform.machine()}), Python {platform.python_version()}",
            "load_start": load_start, "load_end": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
            "command": ".venv/bin/python -m bench.turn_bench" + (f" --write {args.write}" if args.write else "")}
    report = render(results, meta)
    print(report)
    if args.write:
        write_section_for(args.write, SECTION, MARKER, report)


if __name__ == "__main__":
    main()
