"""Two overlapping console requests (a double-clicked form) finish at once and act once: the
session dependencies query the database in the thread pool, never on the event loop."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.web import console_a


def test_two_overlapping_freeze_posts_finish_quickly_and_act_once(web_app):
    pid, _, _ = console_a.new_person(web_app.state, console_a.HUNAN, name="并发测试")
    consoles = [console_a.http_console(web_app.url, "hunan_road") for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(lambda c: c.post(f"/console/people/{pid}/freeze",
                                                  {"frozen": "1", "reason": "并发"}).status_code, consoles))
    # Both answer (no 500 "database is locked" after SQLite's 30 s busy timeout) and only one acts.
    assert statuses == [303, 303]
    assert len(console_a.audit_for(web_app.state, f"person:{pid}")) == 1
