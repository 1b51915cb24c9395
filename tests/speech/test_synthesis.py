"""Synthesis with the real espeak-ng Mandarin voice, in worker processes."""
from __future__ import annotations

import asyncio
import subprocess

import numpy as np
import pytest

from speech import mulaw
from speech.errors import SynthesisError, VoiceUnavailable
from speech.pcm import level_dbfs, read_wav
from speech.profile import CallProfile
from speech.synthesis import Synthesiser, split_clauses
from tests.speech.factories import settings

SENTENCE = "您好，您的订单已经确认，志愿者明天上午到您家。"


def _elder(synthesiser) -> CallProfile:
    return CallProfile.for_call(synthesiser.settings, elder=True)


def test_render__mandarin_sentence_has_real_plausible_audio(synthesiser):
    rendered = synthesiser.render_blocking(SENTENCE, _elder(synthesiser))
    characters = sum(ch.isalnum() for ch in SENTENCE)
    assert 0.15 * characters < rendered.seconds < 1.0 * characters
    assert 0 < rendered.cpu_ms < rendered.render_ms + 1
    assert all(len(frame) == 160 for frame in rendered.frames)
    assert len(rendered.frames) == pytest.approx(rendered.seconds / 0.02, abs=1)
    heard = mulaw.decode(rendered.mulaw)
    loud_frames = sum(level_dbfs(heard[i : i + 160]) > -35 for i in range(0, len(heard), 160))
    assert loud_frames > 0.3 * len(rendered.frames)


def test_render__same_length_as_the_espeak_ng_command(synthesiser, tmp_path):
    profile = _elder(synthesiser)
    rendered = synthesiser.render_blocking(SENTENCE, profile, normalise=False)
    wav = tmp_path / "cli.wav"
    subprocess.run(["espeak-ng", "-v", "cmn", "-s", str(profile.rate_wpm), "-w", str(wav), SENTENCE], check=True)
    assert rendered.seconds == pytest.approx(read_wav(wav).seconds, rel=0.1)


def test_render__elder_pace_is_slower_and_slow_down_slower_still(synthesiser):
    s = synthesiser.settings
    ordinary = synthesiser.render_blocking(SENTENCE, CallProfile.for_call(s, elder=False)).seconds
    elder_profile = CallProfile.for_call(s, elder=True)
    elder = synthesiser.render_blocking(SENTENCE, elder_profile).seconds
    slower = synthesiser.render_blocking(SENTENCE, elder_profile.slow_down(s)).seconds
    assert ordinary * 1.1 < elder and elder * 1.08 < slower


def test_render__text_is_read_back_normalised(synthesiser):
    rendered = synthesiser.render_blocking("您的余额是2.5个时间币", _elder(synthesiser))
    assert rendered.spoken == "您的余额是两个半时间币"


def test_render__concurrent_calls_do_not_garble_each_other(synthesiser):
    s = synthesiser.settings
    jobs = [("请说出您的需求。", CallProfile.for_call(s, elder=False)), (SENTENCE, CallProfile.for_call(s, elder=True)),
            ("好的，谢谢您。", CallProfile(elder=True, rate_wpm=130))] * 2

    async def concurrent():
        return await asyncio.gather(*(synthesiser.render(text, profile) for text, profile in jobs))

    alone = [synthesiser.render_blocking(text, profile) for text, profile in jobs]
    together = asyncio.run(concurrent())
    assert [r.spoken for r in together] == [text for text, _ in jobs]
    # One espeak instance carries some state from its previous utterance, so renderings are
    # near-identical rather than bit-equal (39 ms of 3.6 s seen in CI under load); mixing two texts
    # would change length by seconds and the shape.
    for mine, reference in zip(together, alone):
        assert mine.seconds == pytest.approx(reference.seconds, rel=0.03)
        # Lengths may differ by those few ms, which can put the two on either side of a window
        # boundary: compare the envelopes over the length both renderings have.
        common = min(len(mine.pcm), len(reference.pcm))
        assert np.corrcoef(_envelope(mine.pcm[:common]), _envelope(reference.pcm[:common]))[0, 1] > 0.95


def _envelope(samples: np.ndarray, window: int = 800) -> np.ndarray:
    usable = len(samples) // window * window
    return np.sqrt(np.mean(np.square(samples[:usable].astype(float)).reshape(-1, window), axis=1))


def test_render__event_loop_keeps_running_while_rendering(synthesiser):
    async def scenario():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        await synthesiser.render(SENTENCE * 4, _elder(synthesiser))
        task.cancel()
        return ticks

    assert asyncio.run(scenario()) >= 3


def test_prompt__rendered_once_then_served_from_cache(synthesiser):
    profile = CallProfile(elder=True, rate_wpm=171)
    before = synthesiser.cache.misses

    async def scenario():
        together = await asyncio.gather(*(synthesiser.prompt("请按一号键确认。", profile) for _ in range(3)))
        later = await synthesiser.prompt("请按一号键确认。", profile)
        return together, later

    together, later = asyncio.run(scenario())
    assert synthesiser.cache.misses - before == 1
    assert all(r is later for r in together) and later.seconds > 0.5


def test_prompt__a_different_pace_is_a_different_rendering(synthesiser):
    async def scenario():
        a = await synthesiser.prompt("请稍等。", CallProfile(elder=True, rate_wpm=172))
        b = await synthesiser.prompt("请稍等。", CallProfile(elder=True, rate_wpm=140))
        return a, b

    a, b = asyncio.run(scenario())
    assert b.seconds > a.seconds


@pytest.mark.parametrize("text", ["", "   "])
def test_render__empty_text_is_a_synthesis_error(synthesiser, text):
    with pytest.raises(SynthesisError, match="empty"):
        synthesiser.render_blocking(text, _elder(synthesiser))


def test_start__missing_voice_is_reported_as_voice_unavailable():
    synthesiser = Synthesiser(settings(voice="no-such-voice", synth_workers=1))
    try:
        with pytest.raises(VoiceUnavailable, match="no-such-voice"):
            synthesiser.start()
    finally:
        synthesiser.close()


def test_render__timeout_raises_and_leaves_no_worker_behind():
    synthesiser = Synthesiser(settings(synth_workers=1, synth_timeout_s=0.001))
    synthesiser._get_pool()
    processes = []
    try:
        with pytest.raises(SynthesisError, match="longer than"):
            pool = synthesiser._pool
            synthesiser.render_blocking(SENTENCE * 20, _elder(synthesiser))
        processes = list(pool._processes.values()) if pool._processes else processes
    finally:
        synthesiser.close()
    assert synthesiser._pool is None
    for process in processes:
        process.join(timeout=5)
        assert not process.is_alive()


def test_split_clauses__cuts_after_punctuation_and_drops_empty_pieces():
    assert split_clauses("您好，请说出需求。谢谢！ ，") == ["您好，", "请说出需求。", "谢谢！"]


def test_stream__clauses_arrive_in_order_and_add_up_to_the_sentence(synthesiser):
    profile = _elder(synthesiser)

    async def scenario():
        return [piece async for piece in synthesiser.stream(SENTENCE, profile)]

    pieces = asyncio.run(scenario())
    whole = synthesiser.render_blocking(SENTENCE, profile)
    assert [p.spoken for p in pieces] == ["您好，", "您的订单已经确认，", "志愿者明天上午到您家。"]
    assert sum(p.seconds for p in pieces) == pytest.approx(whole.seconds, rel=0.15)
    assert pieces[0].seconds < whole.seconds / 3


OWNER = """
import sys
from tests.speech.factories import settings
from speech.synthesis import Synthesiser
synthesiser = Synthesiser(settings(synth_workers=2))
synthesiser.start()
pool = synthesiser._pool
print(" ".join(str(p) for p in pool._processes), flush=True)
sys.stdin.read()  # until killed
"""


def test_workers__exit_when_the_process_owning_the_pool_is_killed_with_sigkill():
    """kill -9 runs no shutdown: the spawned synthesis workers must notice their parent is gone and exit,
    or each crash of a hotline worker would leave them behind."""
    import os
    import signal
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    owner = subprocess.Popen([sys.executable, "-c", OWNER], cwd=root, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        workers = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(workers) == 2, workers

        def alive(pid: int) -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        assert all(alive(pid) for pid in workers)
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in workers), "synthesis workers outlived their killed parent"
    finally:
        if owner.poll() is None:
            owner.kill()
