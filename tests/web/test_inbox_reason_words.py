"""Every reason a request for a person is opened with reads as Chinese in the inbox: the reasons are
English strings written where the hotline and the assistant open the request, so an unmapped one showed
only the generic 请求转人工 and hid why the person was waiting (a complaint, two misunderstandings)."""
from __future__ import annotations

import re
from pathlib import Path

from web.console.inbox_view import REASON_ZH, reason_text

REPO = Path(__file__).resolve().parents[2]
# hand_off("…"), _hand_off(services, call, call_sid, "…", …), start_handoff(d, t, reason="…") and its default
OPENED_WITH = [re.compile(r'\bhand_off\(\s*"([^"]+)"'), re.compile(r'(?<!def )_hand_off\([^"\n]*"([^"]+)"'),
               re.compile(r'start_handoff\([^)]*reason="([^"]+)"'), re.compile(r'def start_handoff\([^)]*reason: str = "([^"]+)"')]


def reasons_in_code() -> set[str]:
    found = set()
    for path in [*REPO.glob("ivr/*.py"), *REPO.glob("bot/actions/*.py")]:
        text = path.read_text()
        for pattern in OPENED_WITH:
            found.update(pattern.findall(text))
    return found


def test_every_reason_the_code_opens_a_request_with_has_chinese_words():
    found = reasons_in_code()
    assert {"caller pressed 0", "complaint without a credited service", "caller asked for a person"} <= found
    assert found - set(REASON_ZH) == set()
    for reason in found:
        assert not reason_text(reason).isascii() and reason_text(reason) != "请求转人工", reason
