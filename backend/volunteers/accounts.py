"""A volunteer's web account: registering (a pending registration, 人工辅助审核) and logging in.

Registering stores a ``Registration`` with the password's hash and nothing else; an operator verifies
it in the console as every other registration, and only then does a person (with that password) exist.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, InvalidInput, PolicyViolation
from backend.core.security import check_login_password, check_new_password, hash_password
from backend.core.text import clean
from backend.models import Person, Registration
from backend.people.identity import age_on, check_birth_date, normalise_phone
from backend.policy import PolicyProfile

BLOCKED = frozenset({"frozen", "closed"})


def register(session: Session, *, name: str, phone: str, birth_date: date, password: str, password_again: str,
             policy: PolicyProfile, today: date) -> Registration:
    """A pending web registration as a volunteer. Validates everything before storing anything."""
    name = clean(name)
    if not name or len(name) > 60:
        raise InvalidInput("name must be 1-60 characters", code="invalid_name", message="请填写姓名。")
    e164 = normalise_phone(phone)
    check_birth_date(birth_date, today)
    if age_on(birth_date, today) < policy.volunteer_min_age:
        raise PolicyViolation(f"volunteers register themselves from {policy.volunteer_min_age}",
                              code="volunteer_too_young",
                              message=f"未满{policy.volunteer_min_age}周岁，请由监护人带到社区站点登记。")
    check_new_password(password, password_again)
    if session.scalar(select(Person.id).where(Person.phone == e164)) is not None:
        raise Conflict(f"phone {e164} is already registered", code="phone_taken",
                       message="这个电话号码已经登记过了。请直接登录，或到社区站点办理。")
    if session.scalar(select(Registration.id).where(Registration.phone == e164,
                                                    Registration.status == "pending")) is not None:
        raise Conflict(f"phone {e164} already has a pending registration", code="registration_pending",
                       message="这个号码的登记已经提交，正在等待站点核实。")
    row = Registration(name=name, phone=e164, birth_date=birth_date, roles="volunteer", channel="web",
                       note="志愿者网页登记", station_id=None, status="pending", password_hash=hash_password(password))
    session.add(row)
    session.flush()
    return row


def login_refusal(session: Session, person: Person | None, phone: str, password: str) -> tuple[int, str] | None:
    """None when ``person`` may log in to the volunteer pages with ``password``, else (HTTP status, the
    Chinese reason). A registration still waiting for an operator says so, only to whoever knows its password."""
    ok = check_login_password(person.password_hash if person else None, password)
    if not ok:
        waiting = session.scalar(select(Registration).where(Registration.phone == phone,
                                                            Registration.status == "pending",
                                                            Registration.password_hash.is_not(None)).limit(1))
        if person is None and waiting is not None and check_login_password(waiting.password_hash, password):
            return 401, "您的登记还在等待社区站点核实，核实以后就能登录。"
        return 401, "手机号或密码不对。"
    if person.status in BLOCKED:
        return 403, "这个账户已冻结，不能登录。请联系社区站点。"
    if not person.is_volunteer:
        return 403, "这个账号还不是志愿者。请到社区站点登记成为志愿者。"
    return None
