from speech.frames import FRAME_BYTES, FrameBuffer, split_frames


def test_frame_bytes__20ms_of_8khz_mulaw_is_160():
    assert FRAME_BYTES == 160


def test_frame_buffer__odd_chunks_become_whole_frames_and_keep_the_rest():
    buffer = FrameBuffer()
    assert buffer.push(b"a" * 100) == []
    frames = buffer.push(b"b" * 250)
    assert [len(f) for f in frames] == [160, 160]
    assert frames[0] == b"a" * 100 + b"b" * 60
    assert buffer.pending_bytes == 30


def test_frame_buffer__drain_returns_the_incomplete_tail_once():
    buffer = FrameBuffer()
    buffer.push(b"x" * 170)
    assert buffer.drain() == b"x" * 10
    assert buffer.drain() == b""


def test_split_frames__last_frame_padded_with_mulaw_silence():
    frames = split_frames(b"\x01" * 170)
    assert [len(f) for f in frames] == [160, 160]
    assert frames[1] == b"\x01" * 10 + b"\xff" * 150


def test_split_frames__empty_audio_gives_no_frames():
    assert split_frames(b"") == []
