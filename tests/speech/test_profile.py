from speech.profile import CallProfile
from tests.speech.factories import settings


def test_for_call__elder_mode_is_slower_than_ordinary():
    s = settings()
    assert CallProfile.for_call(s, elder=True).rate_wpm < CallProfile.for_call(s, elder=False).rate_wpm


def test_slow_down__each_request_is_slower_until_the_floor():
    s = settings(min_rate_wpm=120)
    profile, rates = CallProfile.for_call(s), []
    for _ in range(10):
        profile = profile.slow_down(s)
        rates.append(profile.rate_wpm)
    assert rates[0] < s.elder_rate_wpm and rates == sorted(rates, reverse=True) and rates[-1] == 120


def test_slow_down__switches_an_ordinary_call_to_elder_mode():
    s = settings()
    profile = CallProfile.for_call(s, elder=False).slow_down(s)
    assert profile.elder and profile.endpoint_silence_ms(s) == s.elder_endpoint_silence_ms


def test_endpoint_silence__longer_in_elder_mode():
    s = settings()
    assert CallProfile.for_call(s, elder=True).endpoint_silence_ms(s) > CallProfile.for_call(s, elder=False).endpoint_silence_ms(s)
