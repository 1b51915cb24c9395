"""Account ids remembered per database, so a ledger write need not look them up every time.

An account, once opened, keeps its id and its owner for good: accounts are never deleted or moved
(a person who must not spend is frozen, not closed), and a station's district is fixed when the
station is made. So "person 12's account", "the clearing account of station 7's district" and "the
fund" can be remembered for the life of the process, and an operation's checks skip one to four
queries per write (``accounts.person_account_id`` and its siblings use this).

What may change is never remembered here: whether an account is frozen and what it holds are read
by the journal under the head lock when it appends (``validators.accounts_not_frozen``,
``balances_covered``), so a remembered id can never let a frozen account move coins.

Only committed accounts are remembered. One that this session opened is not (its transaction may
still roll back, and then the id would name nothing or, later, someone else's account).

A database whose rows are deleted wholesale under a running process (a test emptying its
database between examples) must call ``forget`` for its engine: ids may then be reused.
"""
from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session

_KNOWN: WeakKeyDictionary[Engine, dict[str, int]] = WeakKeyDictionary()
_OPENED = "ledger.accounts_opened"  # Session.info key: ids of accounts this session opened


def _ids(session: Session) -> dict[str, int]:
    engine = session.get_bind().engine
    ids = _KNOWN.get(engine)
    if ids is None:
        ids = _KNOWN.setdefault(engine, {})
    return ids


def lookup(session: Session, owner: str) -> int | None:
    """The remembered account id of ``owner`` ("person:12", "district:3", "fund"), or None."""
    return _ids(session).get(owner)


def remember(session: Session, owner: str, account_id: int) -> None:
    """Remember ``owner``'s account, unless this session opened it (it may not be committed)."""
    if account_id not in session.info.get(_OPENED, ()):
        _ids(session)[owner] = account_id


def opened(session: Session, account_id: int) -> None:
    """Note that this session opened ``account_id``: not to be remembered from this session."""
    session.info.setdefault(_OPENED, set()).add(account_id)


def forget(engine: Engine) -> None:
    """Drop every id remembered for ``engine``'s database (after its rows were deleted)."""
    _KNOWN.pop(engine, None)
