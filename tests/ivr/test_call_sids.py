"""Call SIDs written into the tests are unique across test files: several modules share one session backend
(tests/ivr/conftest.py), so two tests placing calls under one SID read each other's call record (it has
failed the whole suite twice: test_two_workers and test_keypad_call against test_stream_faults)."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# "CA" + "7" * 32, "CA" + "5a" * 16, or a literal CA followed by 32 hex digits
SID = re.compile(r'"CA"\s*\+\s*"([0-9a-f]+)"\s*\*\s*(\d+)|\bCA([0-9a-f]{32})\b')


def test_call_sids__each_literal_sid_belongs_to_one_test_file():
    files: dict[str, set[str]] = defaultdict(set)
    for path in TESTS.rglob("*.py"):
        if path == Path(__file__).resolve():
            continue  # its own examples
        for match in SID.finditer(path.read_text(encoding="utf-8")):
            unit, times, literal = match.groups()
            files["CA" + (literal or unit * int(times))].add(str(path.relative_to(TESTS)))
    assert len(files) > 20, "the pattern no longer finds the tests' call SIDs"
    shared = {sid: sorted(paths) for sid, paths in files.items() if len(paths) > 1}
    assert not shared, shared
