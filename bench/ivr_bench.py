"""Hotline latency benchmark (issues 6, 13): end of the caller's last word → first audio of the answer.

    .venv/bin/python -m bench.ivr_bench [--levels 1,10,20] [--single-rounds 4] [--write docs/benchmarks.md]

Two hotlines run side by side in the same server process, on the same backend, Rasa and synthesis
workers: one with the default turn-taking (``vad``: Silero VAD and the end-of-turn policy) and one
with today's fixed-silence energy endpointing (``energy``); each level is measured on both, one
after the other.

The system under test runs in a child process, as ``make run`` runs it: the backend (SQLite) and
the hotline (``ivr`` app: gateway, real Vosk with the Korean test model, espeak-ng synthesis
workers) served by uvicorn, plus the real Rasa server and action server (.venv-bot, the trained
model). This process plays Twilio: N callers at once, each a signed voice webhook and a Media
Streams websocket sending 20 ms μ-law frames in real time for the whole call.

Each caller says Korean espeak-ng sentences (Vosk really decodes them: endpointing and the final
decode cost what they cost), but the words handed to Rasa are the lines of a Mandarin script
(``tests.ivr.scripted.VoskTimedScript``), since no Mandarin model can be downloaded here and Rasa
understands only Mandarin: balance, stars, then booking a meal delivery (read-back, 行). Stages come from the
hotline's ``ivr.timing`` stamps; the end-to-end figure (perceived latency) from this process's
own clock: from sending the last voiced frame of the caller's utterance (the end of the last word,
from the audio) to receiving the first media message of the answer. Both use CLOCK_MONOTONIC.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import numpy as np
import websockets

from speech import mulaw

SCRIPT = ["我还有多少时间币", "我现在几星了", "俺想预约送饭", "明天中午吧", "不用了", "行"]
# What the callers say (Korean espeak-ng audio): a different combination for every utterance of every
# call (432 sentences), since a Vosk decoder decodes audio it has heard before much faster.
WHEN = ["내일", "오늘", "모레", "다음 주", "월요일", "금요일"]
PART = ["아침에", "오후에", "저녁에", "점심에"]
WHAT = ["병원에 가야 해요", "밥을 먹고 싶어요", "집에 와 주세요", "청소를 해 주세요", "약을 사야 해요", "시장에 가요"]
HOW = ["", "꼭", "좀"]
YES = ["네", "네 좋아요", "예 맞아요", "네 그렇게 해 주세요"]
LISTEN_CAP_S, THINK_S, QUIET_S, ANSWER_TIMEOUT_S = 4.0, 0.5, 0.8, 60.0
SECTION = "## Hotline latency (issue 6)"
MODES = ("energy", "vad")
MODE_NAMES = {"energy": "energy, fixed 1.5 s silence (before)", "vad": "VAD + end-of-turn policy (default)"}
MARKER = "<!-- end of generated hotline numbers; notes below are kept on re-runs -->"
STAGES = [("endpointer wait", "said_end", "endpoint"), ("recognition final", "endpoint", "final"), ("Rasa + actions", "asked", "answered"),
          ("synthesis (first clause)", "answered", "first_audio")]


class Sentences:
    """Each call's six utterances: five sentences not said before (until all 432 are used), then a yes."""

    def __init__(self, workdir: Path):
        import itertools
        import random

        from tests.speech import factories as speech_factories

        combos = [" ".join(w for w in words if w) for words in itertools.product(WHEN, PART, HOW, WHAT)]
        random.Random(6).shuffle(combos)
        self._next = itertools.cycle(combos)
        self._yes = itertools.cycle(YES)
        self._audio = lambda text: mulaw.encode(speech_factories.espeak_phone_pcm(text, workdir))

    def for_call(self) -> list[bytes]:
        return [self._audio(next(self._next)) for _ in range(len(SCRIPT) - 1)] + [self._audio(next(self._yes))]


# -- the system under test (child process) ------------------------------------------------------
def serve(workdir: Path, callers: int) -> None:
    from backend.api.app import create_app
    from backend.core.db import unit_of_work
    from ivr.app import create_ivr_app
    from ivr.assistant import RasaAssistant
    from ivr.backend_client import BackendClient
    from ivr.services import IvrServices
    from ivr.tokens import StreamTokens
    from ivr.transfer import Transferrer
    from speech import RecognitionService, Synthesiser
    from tests import factories
    from tests.backend.conftest import SERVICE_TOKEN, make_state
    from tests.ivr.conftest import ACCOUNT_SID, AUTH_TOKEN, ivr_settings
    from tests.ivr.scripted import VoskTimedScript
    from tests.ivr import servers
    from tests.ivr.servers import RasaProcesses, ServerThread
    from tests.ivr.simulator import TwilioRestSimulator
    from tests.speech import factories as speech_factories

    servers.READY_TIMEOUT_S = max(servers.READY_TIMEOUT_S, 1800)  # Rasa loads slowly on a shared, loaded machine
    # `kill` (SIGTERM) unwinds like Ctrl-C, so the Rasa and action servers started below are stopped too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    timing = logging.getLogger("ivr.timing")
    timing.addHandler(logging.FileHandler(workdir / "timing.jsonl"))
    timing.setLevel(logging.DEBUG)
    timing.propagate = False
    state = make_state(f"sqlite:///{workdir / 'yinling.db'}")
    with unit_of_work(state.sessions) as session:
        station = factories.station_tree(session)["comm_a"]
        phones = [factories.person(session, state.policy, station, name=f"热线老人{i}").phone for i in range(callers)]
    speech_settings = {mode: speech_factories.settings(synth_workers=2, turn_taking=mode) for mode in MODES}
    synthesiser = Synthesiser(speech_settings["vad"])
    first = RecognitionService(speech_settings[MODES[0]])
    recognition = {MODES[0]: first} | {m: RecognitionService(speech_settings[m], store=first.store) for m in MODES[1:]}
    for service in recognition.values():
        service.start()
    synthesiser.start()

    def hotline(mode: str, backend_url: str, rasa_url: str) -> ServerThread:
        settings = ivr_settings(backend_url, rasa_url=rasa_url, min_confidence=0.0)
        services = IvrServices(
            settings=settings, speech_settings=speech_settings[mode], tokens=StreamTokens(settings.stream_token_ttl_s),
            backend=BackendClient(settings), assistant=RasaAssistant(settings), speaker=synthesiser,
            transferrer=Transferrer(settings, http_client=TwilioRestSimulator(ACCOUNT_SID, AUTH_TOKEN)),
            open_recogniser=lambda profile: VoskTimedScript(recognition[mode].open_call(profile), SCRIPT))
        return ServerThread(create_ivr_app(services=services), f"ivr-{mode}")

    with ServerThread(create_app(state=state), "backend") as backend, \
            RasaProcesses(backend.url, SERVICE_TOKEN, workdir) as rasa, \
            hotline("energy", backend.url, rasa.url) as energy, hotline("vad", backend.url, rasa.url) as vad:
        action_server, rasa_server = rasa.processes
        print(json.dumps({"ivr": {"energy": energy.url, "vad": vad.url}, "phones": phones,
                          "parts": {"action server": action_server.pid, "Rasa server": rasa_server.pid}}), flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin
    for service in recognition.values():
        service.close()
    synthesiser.close()


# -- Twilio's side: simulated callers ----------------------------------------------------------------
async def one_call(ivr_url: str, phone: str, call_sid: str, audio: list[bytes]) -> dict:
    from tests.ivr.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL
    from tests.ivr.simulator import PacedLine, SimulatedStream, post_webhook, stream_parameters

    async with httpx.AsyncClient(base_url=ivr_url, timeout=30) as http:
        answer = await post_webhook(http, AUTH_TOKEN, PUBLIC_URL, "/ivr/voice",
                                    {"CallSid": call_sid, "From": phone, "To": "+862568712349", "AccountSid": ACCOUNT_SID})
    stream = SimulatedStream(ivr_url.replace("http", "ws") + "/ivr/stream", call_sid, stream_parameters(answer.text))
    missing = [float("nan")] * len(audio)
    try:
        await stream.connect()
    except (TimeoutError, OSError, websockets.InvalidHandshake) as exc:  # an overloaded gateway never answered
        return {"call_sid": call_sid, "endpoints": missing, "answered": missing, "dropped": f"not connected: {exc!r}"}
    line = PacedLine(stream)
    answered: list[float] = []

    async def listen(since: float) -> None:
        """Wait for the answer's first audio, then as long as a caller would listen."""
        if not await line.quiet_until(lambda: any(t > since for t in stream.media_times), ANSWER_TIMEOUT_S):
            answered.append(float("nan"))
            return
        first = next(t for t in stream.media_times if t > since)
        answered.append(first)
        await line.quiet_until(lambda: time.monotonic() - stream.media_times[-1] > QUIET_S, ANSWER_TIMEOUT_S)
        heard_s = sum(len(m) for m, t in zip(stream.media, stream.media_times) if t >= first) / 8000
        await line.quiet_until(lambda: time.monotonic() > first + min(heard_s, LISTEN_CAP_S) + THINK_S, 30)

    dropped = None
    try:
        await listen(0.0)  # the greeting
        answered.clear()
        for speech in audio:
            await line.say(speech)
            await listen(line.said_ends[-1])
        await stream.stop()
    except websockets.ConnectionClosed as exc:  # an overloaded gateway misses keepalive pings
        dropped = str(exc)
        await stream.close()
    # turns never answered (or never said: the call was dropped) are NaN
    return {"call_sid": call_sid, "endpoints": (line.said_ends + missing)[:len(audio)],
            "answered": (answered + missing)[:len(audio)], "dropped": dropped}


async def run_level(ivr_url: str, phones: list[str], calls: int, rounds: int, speech: Sentences,
                    tag: str) -> list[dict]:
    async def caller(i: int) -> list[dict]:
        await asyncio.sleep(i * 5.0 / calls)  # calls come in over 5 s, not all in the same instant
        return [await one_call(ivr_url, phones.pop(), f"CA{tag}{i:03d}{r:02d}".ljust(34, "0"), speech.for_call())
                for r in range(rounds)]
    return [call for calls_of in await asyncio.gather(*(caller(i) for i in range(calls))) for call in calls_of]


# -- measuring ------------------------------------------------------------------------------------
def cpu_seconds(root: int, parts: dict[str, int]) -> dict[str, float]:
    """CPU time so far (from /proc) of the hotline process, its children (synthesis workers), the
    named processes (``parts``) and their children, and of this process."""
    stats: dict[int, tuple[int, int]] = {}  # pid → (parent, utime + stime ticks)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    names = {pid: name for name, pid in parts.items()} | {root: "backend + gateway + Vosk"}
    groups: dict[str, float] = {}
    for pid, (_, ticks) in stats.items():
        ancestor = pid
        while ancestor in stats and ancestor not in names:
            ancestor = stats[ancestor][0]
        if ancestor in names:
            name = "synthesis workers" if ancestor == root != pid else names[ancestor]
            groups[name] = groups.get(name, 0.0) + ticks / os.sysconf("SC_CLK_TCK")
    own = os.times()
    return groups | {"callers (this process)": own.user + own.system}


def analyse(calls: list[dict], stamps: list[dict]) -> list[dict]:
    """One row per answered turn, in ms: the caller's end-to-end figure and the hotline's stages.
    A server stamp belongs to the caller's endpoint just before it (same call)."""
    rows = []
    for call in calls:
        own = sorted((s for s in stamps if s["call_sid"] == call["call_sid"]), key=lambda s: s["endpoint"])
        ends = call["endpoints"]
        for i, (sent, first) in enumerate(zip(ends, call["answered"])):
            later = ends[i + 1] if i + 1 < len(ends) and ends[i + 1] == ends[i + 1] else float("inf")
            match = next((s for s in own if sent <= s["endpoint"] < later), None)
            if match is None or first != first:
                rows.append({"missing": 1.0})
                continue
            ms = lambda a, b: (b - a) * 1000  # noqa: E731
            match = {**match, "said_end": sent}
            rows.append({"end-to-end": ms(sent, first), "worker queue": ms(match["final"], match["asked"]),
                         "outbound gateway → line": ms(match["first_audio"], first),
                         **{name: ms(match[a], match[b]) for name, a, b in STAGES}})
    return rows


def pct(rows: list[dict], key: str) -> tuple[float, float]:
    values = [r[key] for r in rows if key in r]
    return (float(np.percentile(values, 50)), float(np.percentile(values, 95))) if values else (float("nan"),) * 2


def wait_for_quiet(max_load: float, max_wait_s: float) -> float:
    """Wait (bounded) for other work on this shared machine to calm down; the load when we start."""
    deadline = time.monotonic() + max_wait_s
    while os.getloadavg()[0] > max_load and time.monotonic() < deadline:
        time.sleep(10)
    return os.getloadavg()[0]


# -- report -----------------------------------------------------------------------------------------
def render(results: dict, meta: dict) -> str:
    """``results[calls][mode]``: one measured run per level and turn-taking mode."""
    cold = any("cold" in res for by_mode in results.values() for res in by_mode.values())
    out = [SECTION, "", f"**Date** {meta['date']}. **Machine** {meta['machine']}. **Load** (1/5/15 min) "
           f"{meta['load_start']} at the start, {meta['load_end']} at the end. **Command** `{meta['command']}`.", "",
           "| simultaneous calls | turn-taking | load at start / end | turns answered (of sent; calls dropped) | "
           "**end of the caller's last word → first audio** p50 / p95, ms | target | met? |"
           + (" first round after start: p50 / p95 ms (calls dropped) |" if cold else ""),
           "|---|---|---|---|---|---|---|" + ("---|" if cold else "")]
    for n, by_mode in results.items():
        for mode, res in by_mode.items():
            p50, p95 = pct(res["rows"], "end-to-end")
            answered = sum("end-to-end" in r for r in res["rows"])
            target, met = ("p50 ≤ 800 / p95 ≤ 1300", "yes" if p50 <= 800 and p95 <= 1300 else "no") \
                if n == 10 else ("–", "")
            row = (f"| {n} | {MODE_NAMES[mode]} | {res['load']:.2f} / {res['load_end']:.2f} | {answered} "
                   f"({len(res['rows'])}; {res['dropped']}) | **{p50:.0f} / {p95:.0f}** | {target} | {met} |")
            if cold:
                c50, c95 = pct(res.get("cold", []), "end-to-end")
                row += f" {c50:.0f} / {c95:.0f} ({res.get('cold_dropped', 0)}) |"
            out.append(row)
    names = [name for name, _, _ in STAGES] + ["worker queue", "outbound gateway → line"]
    out += ["", "Per stage, p50 / p95 ms (hotline stamps; *endpointer wait* = last word sent → the frame that "
            "ended the turn reached the endpointer):", "",
            "| calls | turn-taking | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
    for n, by_mode in results.items():
        for mode, res in by_mode.items():
            cells = ["{:.0f} / {:.0f}".format(*pct(res["rows"], name)) for name in names]
            out.append(f"| {n} | {mode} | " + " | ".join(cells) + " |")
    parts = sorted({p for by_mode in results.values() for res in by_mode.values() for p in res["cpu"]})
    out += ["", "CPU use during each run, % of one core (wall time of the run in brackets):", "",
            "| calls | turn-taking | " + " | ".join(parts) + " |", "|---" * (len(parts) + 2) + "|"]
    for n, by_mode in results.items():
        for mode, res in by_mode.items():
            out.append(f"| {n} ({res['wall_s']:.0f} s) | {mode} | " + " | ".join(
                f"{100 * res['cpu'].get(p, 0.0) / res['wall_s']:.0f}" for p in parts) + " |")
    return "\n".join(out + ["", MARKER])


def write_section(path: Path, generated: str) -> None:
    write_section_for(path, SECTION, MARKER, generated)


def write_section_for(path: Path, section: str, marker: str, generated: str) -> None:
    """Add or replace a benchmark's section; hand-written notes after the marker are kept."""
    text = path.read_text()
    if section not in text:
        path.write_text(text.rstrip("\n") + "\n\n" + generated + "\n")
        return
    start = text.index(section)
    end = text.find("\n## ", start + len(section))
    end = len(text) if end < 0 else end + 1
    old = text[start:end]
    notes = old.split(marker, 1)[1] if marker in old else "\n"
    path.write_text(text[:start] + generated + notes.rstrip("\n") + "\n" + ("\n" if end < len(text) else "") + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", default="run", choices=["run", "serve"])
    parser.add_argument("--levels", default="1,10,20", help="simultaneous calls, one run each")
    parser.add_argument("--single-rounds", type=int, default=4, help="calls in a row at 1 call (more turns)")
    parser.add_argument("--write", type=Path, help="add/replace the section in this markdown file")
    parser.add_argument("--max-load", type=float, default=2.0,
                        help="before each run, wait for the 1-minute load average to fall to this (the machine is shared)")
    parser.add_argument("--max-wait-s", type=float, default=600, help="longest such wait; then run anyway")
    parser.add_argument("--cold-round", action="store_true",
                        help="before each measured run, one round of calls right after the previous level")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--callers", type=int, default=0)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.workdir, args.callers)
        return
    workdir = Path(tempfile.mkdtemp(prefix="ivr-bench-"))
    levels = [int(n) for n in args.levels.split(",")]
    needed = len(MODES) * (1 + sum(n * (int(args.cold_round) + (args.single_rounds if n == 1 else 1)) for n in levels))
    load_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    server = subprocess.Popen([sys.executable, "-m", "bench.ivr_bench", "serve", "--workdir", str(workdir),
                               "--callers", str(needed)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=open(workdir / "server.log", "w"), text=True)  # noqa: SIM115
    try:
        measure(args, server, workdir, levels, load_start)
    finally:  # however the benchmark ends, the hotline process stops its Rasa servers
        if server.poll() is None:
            server.terminate()
        server.wait(timeout=120)


def measure(args: argparse.Namespace, server: subprocess.Popen, workdir: Path, levels: list[int],
            load_start: str) -> None:
    started = time.monotonic()
    first = server.stdout.readline()
    if not first:
        raise SystemExit(f"the hotline did not start; see {workdir / 'server.log'}")
    info = json.loads(first)
    print(f"hotlines, backend and Rasa up after {time.monotonic() - started:.0f} s ({workdir})", flush=True)
    speech = Sentences(workdir)
    phones = list(info["phones"])
    for mode in MODES:  # warm-up: Rasa's first turns trace graphs; each hotline's first recognisers
        asyncio.run(run_level(info["ivr"][mode], phones, 1, 1, speech, f"W{mode[0].upper()}"))
    results: dict = {}
    for n in levels:
        for mode in MODES:
            load = wait_for_quiet(args.max_load, args.max_wait_s)
            url, tag = info["ivr"][mode], f"{mode[0].upper()}{n:02d}"
            res: dict = {}
            if args.cold_round:  # n calls at once, as after a start (recognisers new); then the measured round(s)
                cold = asyncio.run(run_level(url, phones, n, 1, speech, "C" + tag))
                res.update(cold_calls=cold, cold_dropped=sum(c["dropped"] is not None for c in cold))
            before, t0 = cpu_seconds(server.pid, info["parts"]), time.monotonic()
            calls = asyncio.run(run_level(url, phones, n, args.single_rounds if n == 1 else 1, speech, "L" + tag))
            wall = time.monotonic() - t0
            after = cpu_seconds(server.pid, info["parts"])
            time.sleep(0.5)
            stamps = [json.loads(line) for line in (workdir / "timing.jsonl").read_text().splitlines() if line]
            if "cold_calls" in res:
                res["cold"] = analyse(res.pop("cold_calls"), stamps)
            res.update(rows=analyse(calls, stamps), wall_s=wall, load=load, load_end=os.getloadavg()[0],
                       dropped=sum(c["dropped"] is not None for c in calls),
                       cpu={k: after[k] - before.get(k, 0.0) for k in after})
            results.setdefault(n, {})[mode] = res
            print(f"{n} calls, {mode}: end of last word → first audio p50/p95 {pct(res['rows'], 'end-to-end')} ms",
                  flush=True)
    server.stdin.close()
    server.wait(timeout=120)
    meta = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"nproc {os.cpu_count()} ({platform.processor() or platform.machine()}), Python "
                       f"{platform.python_version()}", "load_start": load_start,
            "load_end": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
            "command": " ".join([".venv/bin/python -m bench.ivr_bench"] + sys.argv[1:])}
    report = render(results, meta)
    print(report)
    Path("var/bench").mkdir(parents=True, exist_ok=True)
    Path("var/bench/ivr_bench.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    if args.write:
        write_section(args.write, report)


if __name__ == "__main__":
    main()
