import hashlib
import io
import zipfile

import pytest
from click.testing import CliRunner

from speech import cli as cli_module
from speech.model_catalogue import ModelSpec
from speech.pcm import read_wav
from speech.settings import get_settings

NAME = "vosk-model-small-cn-0.22"


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    monkeypatch.setenv("YINLING_SPEECH_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("YINLING_SPEECH_SYNTH_WORKERS", "1")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _served_model(tmp_path, monkeypatch, *, sha256):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
            zf.writestr(f"{NAME}/{name}", b"x")
    archive = tmp_path / "model.zip"
    archive.write_bytes(buffer.getvalue())
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    spec = ModelSpec(NAME, archive.as_uri(), 1, digest if sha256 == "pinned" else sha256)
    monkeypatch.setitem(cli_module.CATALOGUE, "small", spec)
    return digest


def test_download_model__installs_and_reports_the_verified_digest(env, monkeypatch):
    digest = _served_model(env, monkeypatch, sha256="pinned")
    result = CliRunner().invoke(cli_module.speech, ["download-model", "small"])
    assert result.exit_code == 0, result.output
    assert f"SHA-256 verified: {digest}" in result.output
    assert (env / "models" / NAME / "am/final.mdl").exists()


def test_download_model__checksum_mismatch_fails_with_one_clear_message(env, monkeypatch):
    _served_model(env, monkeypatch, sha256="0" * 64)
    result = CliRunner().invoke(cli_module.speech, ["download-model", "small"])
    assert result.exit_code == 1
    assert "checksum mismatch, nothing installed" in result.output
    assert not (env / "models" / NAME).exists()


def test_status__without_model_says_keypad_mode_in_one_line(env):
    result = CliRunner().invoke(cli_module.speech, ["status"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 3 and "keypad mode" in lines[0] and "synthesis on" in lines[2]
    assert "vosk:" in lines[1] and "whisper:" in lines[1] and "CPU-s per s of speech" in lines[1]  # measured costs


def test_say__writes_a_wav_with_real_audio(env):
    out = env / "prompt.wav"
    result = CliRunner().invoke(cli_module.speech, ["say", "您的余额是2.5个时间币", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "两个半时间币" in result.output
    audio = read_wav(out)
    assert audio.rate == 8000 and audio.seconds > 1.0


def test_status__names_the_whisper_engine_when_selected(env, monkeypatch):
    from tests.speech.factories import WHISPER_MODEL

    monkeypatch.setenv("YINLING_SPEECH_ENGINE", "whisper")
    monkeypatch.setenv("YINLING_SPEECH_WHISPER_MODEL_PATH", str(WHISPER_MODEL))
    get_settings.cache_clear()
    lines = CliRunner().invoke(cli_module.speech, ["status"]).output.strip().splitlines()
    assert lines[0] == f"speech: recognition engine whisper, Whisper base model found at {WHISPER_MODEL}"
    monkeypatch.setenv("YINLING_SPEECH_WHISPER_MODEL_PATH", str(env / "missing"))
    get_settings.cache_clear()
    lines = CliRunner().invoke(cli_module.speech, ["status"]).output.strip().splitlines()
    assert "keypad mode" in lines[0] and "make whisper-model" in lines[0]
