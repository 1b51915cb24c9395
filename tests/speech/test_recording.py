import os
import wave

import numpy as np

from speech import mulaw
from speech.recording import CallRecorder, purge_expired_recordings


def _tone(value: int, samples: int) -> bytes:
    return mulaw.encode(np.full(samples, value, dtype=np.int16))


def _channels(path):
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return data[0::2], data[1::2]


def test_recorder__caller_left_assistant_right_on_the_callers_clock(tmp_path):
    with CallRecorder(tmp_path, "CA123") as recorder:
        recorder.caller(_tone(1000, 800))
        recorder.assistant(_tone(-2000, 1200))  # 150 ms of prompt starts playing now
        recorder.caller(_tone(0, 1600))
    left, right = _channels(tmp_path / "CA123.wav")
    assert len(left) == 2400
    assert np.all(np.abs(left[:800] - 1000) < 40) and np.all(left[800:] == 0)
    assert np.all(right[:800] == 0) and np.all(np.abs(right[800:2000] + 2000) < 70) and np.all(right[2000:] == 0)


def test_recorder__barge_in_clear_drops_unplayed_prompt(tmp_path):
    with CallRecorder(tmp_path, "CA1") as recorder:
        recorder.assistant(_tone(3000, 8000))
        recorder.caller(_tone(0, 400))
        recorder.clear_assistant()
        recorder.caller(_tone(0, 400))
    _, right = _channels(tmp_path / "CA1.wav")
    assert np.count_nonzero(right) == 400


def test_recorder__prompt_still_queued_at_hang_up_is_kept(tmp_path):
    recorder = CallRecorder(tmp_path, "CA2")
    recorder.assistant(_tone(3000, 1000))
    recorder.close()
    recorder.close()  # closing twice is harmless
    left, right = _channels(tmp_path / "CA2.wav")
    assert len(right) == 1000 and np.all(left == 0)


def test_recorder__call_id_cannot_escape_the_folder(tmp_path):
    with CallRecorder(tmp_path / "rec", "../../etc/passwd") as recorder:
        recorder.caller(_tone(0, 160))
    assert recorder.path.parent == tmp_path / "rec"


def test_purge__deletes_only_recordings_older_than_retention(tmp_path):
    now = 1_800_000_000
    old, fresh = tmp_path / "old.wav", tmp_path / "fresh.wav"
    for path, age_days in ((old, 31), (fresh, 29)):
        path.write_bytes(b"RIFF")
        os.utime(path, (now - age_days * 86400, now - age_days * 86400))
    assert purge_expired_recordings(tmp_path, 30, now=now) == [old]
    assert not old.exists() and fresh.exists()


def test_purge__missing_folder_is_nothing_to_do(tmp_path):
    assert purge_expired_recordings(tmp_path / "none", 30) == []
