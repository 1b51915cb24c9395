from speech.endpointing import Boundary, EndpointConfig, EndpointState, step

LOUD, QUIET = -20.0, -70.0
CONFIG = EndpointConfig(frame_ms=20, threshold_dbfs=-40, start_ms=100, end_silence_ms=800, max_utterance_ms=2000)


def _run(levels, config=CONFIG):
    state, boundaries = EndpointState(), []
    for level in levels:
        state, boundary = step(state, level, config)
        boundaries.append(boundary)
    return state, boundaries


def test_step__speech_starts_after_start_ms_of_voiced_frames():
    _, boundaries = _run([LOUD] * 5)
    assert boundaries == [Boundary.NONE] * 4 + [Boundary.STARTED]


def test_step__a_short_click_does_not_start_speech():
    state, boundaries = _run([LOUD] * 3 + [QUIET] + [LOUD] * 3)
    assert Boundary.STARTED not in boundaries and not state.in_speech


def test_step__utterance_ends_after_configured_silence():
    _, boundaries = _run([LOUD] * 10 + [QUIET] * 40)
    assert boundaries.index(Boundary.ENDED) == 10 + 40 - 1


def test_step__pause_shorter_than_end_silence_keeps_the_utterance_open():
    state, boundaries = _run([LOUD] * 10 + [QUIET] * 39 + [LOUD])
    assert Boundary.ENDED not in boundaries and state.in_speech and state.silence_ms == 0


def test_step__elder_setting_waits_longer():
    elder = EndpointConfig(**{**CONFIG.__dict__, "end_silence_ms": 1500})
    _, boundaries = _run([LOUD] * 10 + [QUIET] * 50, elder)
    assert Boundary.ENDED not in boundaries
    _, boundaries = _run([LOUD] * 10 + [QUIET] * 75, elder)
    assert boundaries[-1] is Boundary.ENDED


def test_step__monologue_is_cut_at_max_length_and_continues():
    state, boundaries = _run([LOUD] * 300)
    assert boundaries.count(Boundary.CUT) == 3  # 6 s of speech cut into 2 s pieces
    assert state.in_speech


def test_step__silence_only_never_starts():
    state, boundaries = _run([QUIET] * 3000)
    assert set(boundaries) == {Boundary.NONE} and state == EndpointState()
