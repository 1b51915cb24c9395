"""Pure helpers behind the certificate text."""
from __future__ import annotations

from datetime import datetime, timezone

from backend.certificates.records import CertificateData, LedgerLine, content_hash, hours_text, mask_name, stars_text
from backend.certificates.service import CODE_ALPHABET, CODE_LENGTH, new_code, normalize_code


def _data(**changes) -> CertificateData:
    line = LedgerLine(seq=3, created_at=datetime(2026, 11, 1, tzinfo=timezone.utc), kind="service_credit",
                      service_minutes=90, coins_minutes=90, reverses_seq=None, hash="a" * 64)
    fields = dict(person_id=1, name="王秀英", id_masked="3201**********1234", service_minutes=90, star_level=0,
                  policy_name="nanjing", city_zh="南京", ledger_seq=3, lines=(line,))
    return CertificateData(**(fields | changes))


def test_mask_name__keeps_first_and_last_character():
    assert mask_name("王秀英") == "王*英"
    assert mask_name("李明") == "李*"
    assert mask_name("欧阳小芳") == "欧**芳"
    assert mask_name("王") == "*"


def test_hours_text__hours_minutes_and_negative():
    assert hours_text(255) == "4小时15分钟"
    assert hours_text(120) == "2小时"
    assert hours_text(45) == "45分钟"
    assert hours_text(0) == "0小时"
    assert hours_text(-120) == "-2小时"


def test_stars_text__outline_of_all_levels():
    assert stars_text(3, 5) == "★★★☆☆ 三星级"
    assert stars_text(0, 5) == "暂未达到星级"


def test_content_hash__same_data_same_hash_and_any_change_differs():
    assert content_hash(_data()) == content_hash(_data())
    assert content_hash(_data(name="王秀兰")) != content_hash(_data())
    assert content_hash(_data(lines=())) != content_hash(_data())
    assert content_hash(_data(ledger_seq=4)) != content_hash(_data())


def test_new_code__twelve_unambiguous_characters():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert normalize_code("abcd-efgh jkmn") == "ABCDEFGHJKMN"
