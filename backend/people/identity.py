"""Validating and protecting personal identifiers: phone numbers and resident ID numbers."""
from __future__ import annotations

import hashlib
import hmac
from datetime import date

import phonenumbers

from backend.core.errors import InvalidInput

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalise_phone(raw: str) -> str:
    """Return E.164 (``+8613912345678``); mainland numbers may omit ``+86``."""
    try:
        number = phonenumbers.parse(raw.strip(), "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"not a phone number: {raw!r}", code="invalid_phone",
                           message="电话号码不对，请再说一遍。") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"not a valid phone number: {raw!r}", code="invalid_phone",
                           message="电话号码不对，请再说一遍。")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def validate_id_number(raw: str) -> tuple[str, date]:
    """Check an 18-character resident ID (GB 11643) and return it upper-cased with its birth date."""
    value = raw.strip().upper()
    bad = InvalidInput(f"invalid resident ID number {mask_id(value)!r}", code="invalid_id_number",
                       message="身份证号码不对，请核对一下。")
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise bad
    if id_check_char(value[:17]) != value[17]:
        raise bad
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise bad from None
    return value, born


def mask_id(value: str) -> str:
    """Keep the first four and last four characters: ``3201**********1234``."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def hash_id(value: str, secret_key: str) -> str:
    """Keyed hash, so the same ID is found again but cannot be recovered from the database."""
    return hmac.new(secret_key.encode(), value.upper().encode(), hashlib.sha256).hexdigest()


def birth_date_from_text(raw: str, today: date) -> date:
    """A birth date typed as YYYY-MM-DD (what a date field sends): a real day between 1900 and today."""
    try:
        value = date.fromisoformat((raw or "").strip())
    except ValueError as exc:
        raise InvalidInput(f"birth date {raw!r} is not YYYY-MM-DD", code="invalid_birth_date",
                           message="出生日期不对。") from exc
    check_birth_date(value, today)
    return value


def check_birth_date(value: date, today: date) -> None:
    if value.year < 1900 or value > today:
        raise InvalidInput(f"birth date {value} out of range", code="invalid_birth_date", message="出生日期不对。")


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
