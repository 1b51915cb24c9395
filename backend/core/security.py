"""Password hashing (argon2) and signed operator tokens."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from backend.core.errors import InvalidInput

_hasher = PasswordHasher()


MIN_PASSWORD, MAX_PASSWORD = 8, 128  # a person's own password (family members, volunteers)


def check_new_password(password: str, again: str) -> None:
    """A password someone chooses for themselves, typed twice; InvalidInput saying what is wrong."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters",
                           code="weak_password", message=f"密码至少要{MIN_PASSWORD}位。")
    if password != again:
        raise InvalidInput("the two passwords differ", code="password_mismatch", message="两次输入的密码不一样。")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash("no account has this password")


def check_login_password(password_hash: str | None, password: str) -> bool:
    """For logins: with no account (``password_hash`` None or empty) the password is still verified,
    against a dummy hash, so an unknown login costs the same time as a known one with a wrong password
    and the answer time does not tell which logins exist."""
    if not password_hash:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(password_hash, password)


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="yinling-operator")


def issue_token(secret_key: str, subject: dict) -> str:
    return _serializer(secret_key).dumps(subject)


def read_token(secret_key: str, token: str, max_age_seconds: int) -> dict | None:
    try:
        return _serializer(secret_key).loads(token, max_age=max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None
