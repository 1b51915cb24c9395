"""What to do when a test's real dependency (PostgreSQL, the bot environment, the trained model) is
missing. Run by hand, such tests skip with the reason. Under `make test`, which builds or expects every
one of them, YINLING_TESTS_REQUIRE_ALL=1 is set and a missing dependency fails the test instead, so a
broken set-up can never pass as a row of skips."""
from __future__ import annotations

import os

import pytest

REQUIRE_ALL = "YINLING_TESTS_REQUIRE_ALL"


def unavailable(reason: str) -> None:
    """Skips (by hand) or fails (under `make test`) the current test, naming what is missing."""
    if os.environ.get(REQUIRE_ALL) == "1":
        pytest.fail(f"{reason} (make test needs it: {REQUIRE_ALL}=1)", pytrace=False)
    pytest.skip(reason)
