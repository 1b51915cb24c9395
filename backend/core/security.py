"""Password hashing (argon2) and signed operator tokens."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()


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
