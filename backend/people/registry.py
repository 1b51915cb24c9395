"""Registering people, linking families, freezing accounts: with the seeds' age rules."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from backend.core.errors import Conflict, InvalidInput, NotFound, PolicyViolation
from backend.core.text import clean
from backend.ledger.accounts import person_account
from backend.models import FamilyLink, Person, Qualification, Registration, Station, Training
from backend.people.identity import age_on, hash_id, mask_id, normalise_phone, validate_id_number
from backend.policy import PolicyProfile

RELATIONS = ("spouse", "child", "parent", "grandchild", "grandparent", "sibling", "other")
DIRECT_RELATIONS = frozenset({"spouse", "child", "parent", "grandchild", "grandparent"})
ROLES = ("elder", "volunteer", "family")


@dataclass
class NewPerson:
    name: str
    phone: str
    birth_date: date
    station_id: int
    roles: list[str]
    id_number: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    guardian_id: int | None = None
    status: str = "pending"
    extra: dict = field(default_factory=dict)


def check_coordinates(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise InvalidInput("give both lat and lon or neither", code="invalid_coordinates", message="地址位置不完整。")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(f"coordinates out of range: {lat}, {lon}", code="invalid_coordinates",
                           message="地址位置不对。")


def register_person(session: Session, new: NewPerson, *, policy: PolicyProfile, secret_key: str,
                    today: date) -> Person:
    """Validate everything first, then insert: a refused registration stores nothing."""
    name = clean(new.name)  # every entrance (API, console, family pages, paper sheet) ends here
    if not name or len(name) > 60:
        raise InvalidInput("name must be 1-60 characters", code="invalid_name", message="请说一下姓名。")
    roles = sorted(set(new.roles))
    if not roles or any(r not in ROLES for r in roles):
        raise InvalidInput(f"roles must be a non-empty subset of {ROLES}, got {new.roles}", code="invalid_roles")
    phone = normalise_phone(new.phone)
    id_hash = id_masked = None
    if new.id_number:
        id_value, id_birth = validate_id_number(new.id_number)
        if id_birth != new.birth_date:
            raise InvalidInput("birth date does not match the ID number", code="birth_date_mismatch",
                               message="出生日期和身份证号对不上。")
        id_hash, id_masked = hash_id(id_value, secret_key), mask_id(id_value)
    if new.birth_date > today:
        raise InvalidInput("birth date is in the future", code="invalid_birth_date", message="出生日期不对。")
    age = age_on(new.birth_date, today)
    if "elder" in roles and age < policy.recipient_min_age:
        raise PolicyViolation(f"recipients must be {policy.recipient_min_age}+; this person is {age}",
                              code="recipient_too_young",
                              message=f"服务对象要年满{policy.recipient_min_age}周岁。")
    if "volunteer" in roles and age < policy.volunteer_min_age:
        _check_guardian(session, new.guardian_id, policy, today, age)
    check_coordinates(new.lat, new.lon)
    if session.get(Station, new.station_id) is None:
        raise InvalidInput(f"station {new.station_id} does not exist", code="station_not_found", message="没有这个站点。")
    if session.scalar(select(Person.id).where(Person.phone == phone)) is not None:
        raise Conflict(f"phone {phone} is already registered", code="phone_taken", message="这个电话号码已经登记过了。")
    if id_hash and session.scalar(select(Person.id).where(Person.id_hash == id_hash)) is not None:
        raise Conflict("this ID number is already registered", code="id_taken", message="这个身份证号已经登记过了。")
    person = Person(
        name=name, phone=phone, birth_date=new.birth_date, id_hash=id_hash, id_masked=id_masked,
        is_elder="elder" in roles, is_volunteer="volunteer" in roles, is_family="family" in roles,
        guardian_id=new.guardian_id, address=clean(new.address or "") or None, lat=new.lat, lon=new.lon,
        station_id=new.station_id, status=new.status,
    )
    session.add(person)
    session.flush()
    person_account(session, person.id)
    return person


def _check_guardian(session: Session, guardian_id: int | None, policy: PolicyProfile, today: date, age: int) -> None:
    guardian = session.get(Person, guardian_id) if guardian_id else None
    if guardian is None or not guardian.is_volunteer or age_on(guardian.birth_date, today) < policy.volunteer_min_age:
        raise PolicyViolation(
            f"volunteers must be {policy.volunteer_min_age}+; a {age}-year-old needs a registered adult guardian volunteer",
            code="volunteer_too_young", message=f"未满{policy.volunteer_min_age}周岁，需要监护人志愿者带领。")


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} does not exist", code="person_not_found", message="没有找到这个人。")
    return person


def find_by_phone(session: Session, raw_phone: str) -> Person:
    phone = normalise_phone(raw_phone)
    person = session.scalar(select(Person).where(Person.phone == phone))
    if person is None:
        raise NotFound(f"no person with phone {phone}", code="person_not_found", message="这个号码还没有登记。")
    return person


CONSENTS = ("pending", "consented", "revoked")


def link_family(session: Session, elder_id: int, member_id: int, relation: str, consent: str = "pending") -> FamilyLink:
    if consent not in CONSENTS:
        raise InvalidInput(f"consent must be one of {CONSENTS}", code="invalid_consent")
    if relation not in RELATIONS:
        raise InvalidInput(f"relation must be one of {RELATIONS}", code="invalid_relation", message="亲属关系不对。")
    if elder_id == member_id:
        raise InvalidInput("a person cannot be linked to themself", code="invalid_relation")
    get_person(session, elder_id), get_person(session, member_id)
    existing = session.scalar(select(FamilyLink).where(FamilyLink.elder_id == elder_id, FamilyLink.member_id == member_id))
    if existing is not None:
        raise Conflict("these two are already linked", code="link_exists", message="已经绑定过了。")
    link = FamilyLink(elder_id=elder_id, member_id=member_id, relation=relation, consent=consent)
    session.add(link)
    session.flush()
    return link


def list_family_links(session: Session, *, elder_id: int | None = None, member_id: int | None = None,
                      consents: list[str] | None = None, station_path_prefix: str = "/",
                      limit: int = 100) -> list[tuple[FamilyLink, Person, Person]]:
    """(link, elder, member) rows, oldest first: an elder's links, a member's, or every link whose
    elder belongs to the station subtree ``station_path_prefix`` (an operator's scope)."""
    elder, member = aliased(Person), aliased(Person)
    query = (select(FamilyLink, elder, member)
             .join(elder, elder.id == FamilyLink.elder_id)
             .join(member, member.id == FamilyLink.member_id)
             .join(Station, Station.id == elder.station_id)
             .where(Station.path.startswith(station_path_prefix, autoescape=True))
             .order_by(FamilyLink.created_at, FamilyLink.id).limit(limit))
    if elder_id is not None:
        query = query.where(FamilyLink.elder_id == elder_id)
    if member_id is not None:
        query = query.where(FamilyLink.member_id == member_id)
    if consents:
        query = query.where(FamilyLink.consent.in_(consents))
    return [tuple(row) for row in session.execute(query).all()]


def relation_between(session: Session, a: int, b: int) -> FamilyLink | None:
    """The consented link between two people, in either direction."""
    return session.scalar(select(FamilyLink).where(
        FamilyLink.consent == "consented",
        or_((FamilyLink.elder_id == a) & (FamilyLink.member_id == b),
            (FamilyLink.elder_id == b) & (FamilyLink.member_id == a))))


def acting_link(session: Session, member_id: int, elder_id: int) -> FamilyLink | None:
    """The consented link that lets ``member_id`` act for ``elder_id`` (one direction only), else None."""
    return session.scalar(select(FamilyLink).where(
        FamilyLink.elder_id == elder_id, FamilyLink.member_id == member_id, FamilyLink.consent == "consented"))


def spouse_of(session: Session, person_id: int) -> Person | None:
    link = session.scalar(select(FamilyLink).where(
        FamilyLink.consent == "consented", FamilyLink.relation == "spouse",
        or_(FamilyLink.elder_id == person_id, FamilyLink.member_id == person_id)))
    if link is None:
        return None
    return session.get(Person, link.member_id if link.elder_id == person_id else link.elder_id)


def set_frozen(session: Session, person_id: int, frozen: bool) -> Person:
    person = get_person(session, person_id)
    person.status = "frozen" if frozen else "verified"
    person_account(session, person_id).frozen = frozen
    session.flush()
    return person


def add_qualification(session: Session, person_id: int, kind: str, expires_on: date | None) -> Qualification:
    get_person(session, person_id)
    q = Qualification(person_id=person_id, kind=kind, expires_on=expires_on)
    session.add(q)
    session.flush()
    return q


def add_training(session: Session, person_id: int, course: str, completed_on: date) -> Training:
    get_person(session, person_id)
    t = Training(person_id=person_id, course=course, completed_on=completed_on)
    session.add(t)
    session.flush()
    return t


def has_valid_qualification(session: Session, person_id: int, kind: str, on: date) -> bool:
    return session.scalar(select(Qualification.id).where(
        Qualification.person_id == person_id, Qualification.kind == kind,
        or_(Qualification.expires_on.is_(None), Qualification.expires_on >= on))) is not None


# --- operator review (人工辅助审核): pending registrations and family links ----------------------

def list_registrations(session: Session, *, station_path_prefix: str, include_unplaced: bool,
                       statuses: list[str] | None = None, limit: int = 100,
                       offset: int = 0) -> list[tuple[Registration, Station | None]]:
    """(registration, its station) rows, oldest first, whose station lies in the subtree
    ``station_path_prefix``; registrations without a station only with ``include_unplaced``
    (city-level operators)."""
    in_scope = Station.path.startswith(station_path_prefix, autoescape=True)
    query = (select(Registration, Station).outerjoin(Station, Station.id == Registration.station_id)
             .where(or_(in_scope, Registration.station_id.is_(None)) if include_unplaced else in_scope)
             .order_by(Registration.created_at, Registration.id).limit(limit).offset(offset))
    if statuses:
        query = query.where(Registration.status.in_(statuses))
    return [tuple(row) for row in session.execute(query).all()]


def get_registration(session: Session, registration_id: int, *, for_update: bool = False) -> Registration:
    registration = session.get(Registration, registration_id, with_for_update=for_update or None)
    if registration is None:
        raise NotFound(f"registration {registration_id} does not exist", code="registration_not_found",
                       message="没有找到这条登记。")
    return registration


def _pending_registration(session: Session, registration_id: int) -> Registration:
    registration = get_registration(session, registration_id, for_update=True)
    if registration.status != "pending":
        raise Conflict(f"registration {registration_id} is already {registration.status}",
                       code="registration_decided", message="这条登记已经处理过了。")
    return registration


def verify_registration(session: Session, registration_id: int, *, station_id: int, birth_date: date | None,
                        address: str | None, policy: PolicyProfile, secret_key: str, today: date) -> Person:
    """Turn a pending registration into a verified Person (through ``register_person``, so the
    same age and duplicate rules apply) and mark it verified. ``birth_date`` overrides or fills
    in what the caller gave. A decided registration is refused, so a form sent twice makes one person."""
    registration = _pending_registration(session, registration_id)
    born = birth_date or registration.birth_date
    if born is None:
        raise InvalidInput("a birth date is needed to register a person", code="birth_date_required",
                           message="请填写出生日期。")
    if registration.id_hash and session.scalar(select(Person.id).where(Person.id_hash == registration.id_hash)):
        raise Conflict("this ID number is already registered", code="id_taken", message="这个身份证号已经登记过了。")
    new = NewPerson(name=registration.name, phone=registration.phone, birth_date=born, station_id=station_id,
                    roles=[r for r in registration.roles.split(",") if r], address=address or None,
                    status="verified")
    person = register_person(session, new, policy=policy, secret_key=secret_key, today=today)
    # The ID number itself was never stored; the registration kept only its keyed hash and mask.
    person.id_hash, person.id_masked = registration.id_hash, registration.id_masked
    person.password_hash = registration.password_hash  # a web registration's own password, never shown
    registration.status = "verified"
    session.flush()
    return person


def reject_registration(session: Session, registration_id: int) -> Registration:
    registration = _pending_registration(session, registration_id)
    registration.status = "rejected"
    session.flush()
    return registration


def decide_family_link(session: Session, link_id: int, consent: str) -> FamilyLink:
    """An operator verifies (consented) or rejects (revoked) a pending link. A link already
    decided is refused, so a form sent twice changes nothing."""
    if consent not in ("consented", "revoked"):
        raise InvalidInput(f"consent must be consented or revoked, got {consent!r}", code="invalid_consent")
    link = session.get(FamilyLink, link_id, with_for_update=True)
    if link is None:
        raise NotFound(f"family link {link_id} does not exist", code="link_not_found", message="没有找到这个绑定。")
    if link.consent != "pending":
        raise Conflict(f"family link {link_id} is already {link.consent}", code="link_decided",
                       message="这个绑定已经处理过了。")
    link.consent = consent
    session.flush()
    return link
