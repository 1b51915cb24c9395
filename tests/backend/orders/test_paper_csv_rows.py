"""A refused paper sheet names every bad row with a Chinese message (for the console's upload page)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend.core.db import unit_of_work
from backend.core.errors import InvalidInput
from backend.orders.paper_csv import BAD_VALUE_ZH, import_sheet
from tests import factories
from tests.backend.conftest import row_counts


def test_import_sheet__error_lists_each_bad_row_with_chinese_message(state, tmp_path):
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        elder = factories.person(s, state.policy, tree["comm_a"], age=80)
        vol = factories.person(s, state.policy, tree["comm_a"], roles=("volunteer",), age=30)
    day = (datetime.now(timezone.utc) - timedelta(days=2)).date().isoformat()
    sheet = tmp_path / "paper.csv"
    sheet.write_text("volunteer_phone,recipient_phone,service,date,start,end,reason\n"
                     f"{vol.phone},{elder.phone},chat_companion,{day},09:00,10:30,停电补登\n"
                     f"{vol.phone},+8613900000999,chat_companion,{day},11:00,12:00,停电补登\n"
                     f"{vol.phone},{elder.phone},chat_companion,{day},25:00,26:00,停电补登\n", encoding="utf-8")
    before = row_counts(state)
    with pytest.raises(InvalidInput) as caught, unit_of_work(state.sessions) as s:
        import_sheet(s, sheet, tz="Asia/Shanghai", recorded_by="operator:1", policy=state.policy,
                     now=datetime.now(timezone.utc))
    assert [(line, message) for line, message, _ in caught.value.rows] == [
        (3, "这个号码还没有登记。"), (4, BAD_VALUE_ZH)]
    assert row_counts(state) == before
