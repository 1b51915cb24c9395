"""The authorisation matrix's entries: for every state-changing route of the assembled app, who may call it
and how to build one request against a fresh record of a given street.

``Action``: an operator action (or a caller's, through the service token). ``who`` names the principals
allowed; every other principal is refused. ``make(world, which)`` returns (path parameters, body) for a
new record in street ``which`` ("a": the operators' own street, "b": another street).
``Outside``: routes that are not operator actions, with the reason and where they are tested."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from backend.api.schemas.calls import CallCreate
from backend.calls import records
from backend.core.db import unit_of_work
from backend.fulfilment.visits import check_in
from backend.matching.dispatch import accept
from backend.models import FamilyLink, Order, Person
from backend.orders import states
from backend.orders.assign import assign_volunteer
from backend.orders.paper_csv import COLUMNS
from tests import factories
from tests.backend import authz_world as w
from backend.ledger.operations import Actor, credit_service
from backend.mall import catalogue, redemption
from backend.policy import load_profile

SERVICE, CLERK, REVIEWER, ADMIN = "service", "clerk", "reviewer", "admin"
CALLERS = frozenset({SERVICE, CLERK, REVIEWER, ADMIN})
ENTER = frozenset({CLERK, REVIEWER, ADMIN})
DECIDE = frozenset({REVIEWER, ADMIN})
TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Action:
    who: frozenset[str]
    make: Callable
    ok: int = 200
    other_street: int = 404  # what an allowed operator gets for the other street's record
    form: bool = False  # console: a form post (303 on success)
    files: bool = False
    audits: int = 1  # audit entries an allowed operator's request writes (two actions in one: 2)


@dataclass(frozen=True)
class Outside:
    reason: str
    realm: str = "none"  # "family" / "volunteer": refused to everyone but a logged-in family member / volunteer
    setting: str | None = None  # the route exists only with this setting


# --- record builders -------------------------------------------------------------------------------

def _s(world):
    return unit_of_work(world.state.sessions)


def volunteer(world, which):
    with _s(world) as s:
        return w.new_volunteer(s, world.state, world.street(which))


def person_body(world, which):
    return {}, {"name": "新老人", "phone": factories.next_phone(), "birth_date": "1945-05-01",
                "station_id": world.street(which), "roles": ["elder"]}


def with_person(body):
    return lambda world, which: ({"person_id": volunteer(world, which)}, body)


def link(world, which):
    return {"link_id": w.family_link(world, which)}, {"consent": "consented", "reason": "核实了户口本"}


def new_link(world, which):
    with _s(world) as s:
        member = factories.person(s, world.state.policy, world.street(which), roles=("family",), age=40, name="家属")
        return {}, {"elder_id": world.elders[which], "member_id": member.id, "relation": "child"}


def gift(world, which):
    """One minute from the street's elder to a child of theirs (the default policy allows linked family)."""
    with _s(world) as s:
        child = factories.person(s, world.state.policy, world.street(which), roles=("family",), age=40, name="儿子")
        s.add(FamilyLink(elder_id=world.elders[which], member_id=child.id, relation="child", consent="consented"))
    return {}, {"from_person_id": world.elders[which], "to_person_id": child.id, "minutes": 1, "channel": "phone"}


def _future(days: int = 3) -> datetime:
    return datetime.now(timezone.utc) + timedelta(days=days)


def order_body(world, which):
    return {}, {"recipient_id": world.elders[which], "service_slug": "chat_companion",
                "start_at": _future(30).isoformat(), "duration_minutes": 60, "channel": "phone"}


def open_order(body=None):
    return lambda world, which: ({"order_id": w.open_order(world, which)}, body or {})


def backfill_body(world, which):
    ended = (datetime.now(timezone.utc) - timedelta(days=1)).replace(second=0, microsecond=0)
    ended -= timedelta(minutes=next(_minutes))  # each record its own time, so none repeats another
    return {}, {"volunteer_id": volunteer(world, which), "recipient_id": world.elders[which],
                "service_slug": "chat_companion", "started_at": (ended - timedelta(hours=1)).isoformat(),
                "ended_at": ended.isoformat(), "reason": "停电期间纸质登记"}


def _counter():
    n = 0
    while True:
        n += 7
        yield n


_minutes = _counter()


def assigned(world, which):
    order_id, vol = w.open_order(world, which), volunteer(world, which)
    with _s(world) as s:
        assign_volunteer(s, order_id, vol, policy=world.state.policy, tz="Asia/Shanghai",
                         now=datetime.now(timezone.utc), actor="test")
    return {"order_id": order_id}, {"volunteer_id": vol}


def accepted(world, which, *, checked_in=False):
    order_id, vol = w.open_order(world, which), volunteer(world, which)
    with _s(world) as s:
        order = accept(s, order_id, vol, channel="phone", now=datetime.now(timezone.utc))
        start = order.start_at
        if checked_in:
            check_in(s, order_id, vol, lat=32.066, lon=118.781, at=start)
    at = start + timedelta(minutes=60 if checked_in else 0)
    return {"order_id": order_id}, {"volunteer_id": vol, "lat": 32.066, "lon": 118.781, "at": at.isoformat()}


def phone_visit(world, which):
    """An accepted order starting in half an hour; the hotline names its volunteer's number."""
    params, body = accepted(world, which)
    with _s(world) as s:
        order = s.get(Order, params["order_id"])
        order.start_at = datetime.now(timezone.utc) + timedelta(minutes=30)
        order.end_at = order.start_at + timedelta(minutes=order.duration_minutes)
        return {}, {"phone": s.get(Person, body["volunteer_id"]).phone}


def completed(body):
    return lambda world, which: ({"order_id": w.completed_order(world, which)}, body)


def held(body):
    return lambda world, which: ({"order_id": w.open_order(world, which, state=states.HELD, volunteer=True)}, body)


def rating(world, which):
    return {"order_id": w.completed_order(world, which)}, {"by_person_id": world.elders[which], "stars": 5}


def call(world, which, body):
    with _s(world) as s:
        sid = f"CA{next(_minutes)}"
        phone = s.get(Person, world.elders[which]).phone
        records.open_call(s, CallCreate(call_sid=sid, caller_phone=phone))
    return {"call_sid": sid}, body


def chat(world, which, body):
    """A family chat of the street's elder (as a member would have it), with one message."""
    from backend.chats import records as chats
    with _s(world) as s:
        made = chats.current_or_new(s, world.elders[which], datetime.now(timezone.utc))
        chats.add(s, made, chats.MEMBER, "我要转人工", now=datetime.now(timezone.utc))
        chats.end(s, made, "restart", datetime.now(timezone.utc))  # the next case gets a chat of its own
        return {"chat_id": made.id}, body


def handoff(world, which, body):
    """A chat request for a person from the street's elder, waiting."""
    from backend.models import HandoffTicket
    with _s(world) as s:
        elder = s.get(Person, world.elders[which])
        ticket = HandoffTicket(person_id=elder.id, phone=elder.phone, station_id=elder.station_id, channel="chat",
                               conversation_id=f"family-{elder.id}-{next(_minutes)}", transcript_json="[]",
                               reason="caller asked for a person")
        s.add(ticket)
        s.flush()
        return {"ticket_id": ticket.id}, body


def handoff_about_a_service(world, which):
    """A waiting request of the street's elder and a credited service of theirs it can become a case on."""
    order_id = w.completed_order(world, which)
    return handoff(world, which, {"order_id": str(order_id), "statement": "志愿者没待够时间"})


def dispute(body):
    """An open case on a credited service of the street's elder (a complaint heard on the phone)."""
    def make(world, which):
        from backend.disputes import cases
        order_id = w.completed_order(world, which)
        with _s(world) as s:
            said = cases.complaint("elder", "志愿者没待够时间", "phone")
            case = cases.open_case(s, s.get(Order, order_id), said, actor="service", now=datetime.now(timezone.utc))[0]
            return {"dispute_id": case.id}, body
    return make


def local_form_time(days: int) -> dict:
    start = (_future(days)).astimezone(TZ)
    return {"day": start.date().isoformat(), "clock": "10:00"}


def console_backfill(world, which):
    with _s(world) as s:
        elder = s.get(Person, world.elders[which]).phone
        vol = s.get(Person, w.new_volunteer(s, world.state, world.street(which))).phone
    day = (datetime.now(TZ) - timedelta(days=2 + next(_minutes) % 300)).date().isoformat()
    return {}, {"elder_phone": elder, "volunteer_phone": vol, "service": "chat_companion", "day": day,
                "clock": "09:00", "duration": "60", "reason": "停电期间纸质登记"}


def console_sheet(world, which):
    _, form = console_backfill(world, which)
    row = ",".join([form["volunteer_phone"], form["elder_phone"], "chat_companion", form["day"], "09:00", "10:00",
                    "纸质登记"])
    return {}, {"sheet": ("sheet.csv", (",".join(COLUMNS) + "\n" + row + "\n").encode(), "text/csv")}


# --- the matrix ------------------------------------------------------------------------------------

_logins = _counter()


def mall_partner(world, which) -> int:
    """A partner of street ``which`` (with a login of its own)."""
    with _s(world) as s:
        return catalogue.save_partner(s, catalogue.PartnerForm(
            name="合作商店", kind="shop", station_id=world.street(which), address="", login=f"shop{next(_logins)}")).id


def mall_goods(world, which) -> int:
    partner_id = mall_partner(world, which)
    with _s(world) as s:
        from backend.models import MallPartner
        partner = s.get(MallPartner, partner_id)
        return catalogue.save_goods(s, catalogue.GoodsForm(name="毛巾", price="1", pickup="服务台", partner_id=partner_id),
                                    partner, stock=5).id


def mall_redemption(world, which) -> int:
    """An item exchanged by a volunteer of street ``which`` (under the demo profile, which allows goods)."""
    goods_id = mall_goods(world, which)
    goods_policy = load_profile("demo")
    with _s(world) as s:
        person = w.new_volunteer(s, world.state, world.street(which))
        credit_service(s, volunteer_id=person, station_id=world.street(which), served_minutes=600, tier="ordinary",
                       policy=goods_policy, actor=Actor("system:test", "system"))
        row, _ = redemption.redeem(s, person_id=person, goods_id=goods_id, key=f"k{next(_logins)}",
                                   policy=goods_policy, today=datetime.now(TZ).date())
        return row.id


def _benefit(world, which) -> int:
    partner_id = mall_partner(world, which)
    with _s(world) as s:
        from backend.models import MallPartner
        return catalogue.save_benefit(s, catalogue.BenefitForm(partner_id=partner_id, offer="八折", min_hours="10"),
                                      s.get(MallPartner, partner_id)).id


def mall_partner_form(world, which) -> dict:
    return {"name": "博物馆", "kind": "museum", "station_id": str(world.street(which)), "address": "",
            "login": f"museum{next(_logins)}", "password": ""}


def mall_goods_form(world, which) -> dict:
    return {"name": "毛巾", "price": "1", "stock": "3", "pickup": "服务台", "partner_id": str(mall_partner(world, which))}


def mall_benefit_form(world, which) -> dict:
    return {"partner_id": str(mall_partner(world, which)), "offer": "免费参观一次", "min_stars": "1", "min_hours": ""}


API = "/api/v1"
MATRIX: dict[tuple[str, str], Action | Outside] = {
    ("POST", f"{API}/auth/login"): Outside("public: the login itself (tests/backend/test_scope_and_queries.py)"),
    ("POST", f"{API}/persons"): Action(CALLERS, person_body, 201),
    ("POST", f"{API}/persons/{{person_id}}/freeze"): Action(DECIDE, with_person({"frozen": True, "reason": "核查"})),
    ("POST", f"{API}/persons/{{person_id}}/qualifications"): Action(ENTER, with_person({"kind": "nurse"}), 201),
    ("POST", f"{API}/family-links"): Action(CALLERS, new_link, 201),
    ("POST", f"{API}/family-links/{{link_id}}/consent"): Action(frozenset({SERVICE}) | DECIDE, link),
    ("POST", f"{API}/orders"): Action(CALLERS, order_body, 201),
    ("POST", f"{API}/orders/{{order_id}}/cancel"): Action(CALLERS, open_order({"reason": "不需要了", "channel": "phone"})),
    ("POST", f"{API}/orders/paper-backfill"): Action(ENTER, backfill_body, 201),
    ("PUT", f"{API}/volunteers/{{person_id}}/supply"): Action(CALLERS, with_person({"services": ["chat_companion"]})),
    ("POST", f"{API}/volunteers/{{person_id}}/exceptions"): Action(
        CALLERS, with_person({"day": _future(40).date().isoformat()}), 201),
    ("POST", f"{API}/orders/{{order_id}}/offer"): Action(ENTER, open_order()),
    ("POST", f"{API}/orders/{{order_id}}/accept"): Action(
        CALLERS, lambda world, which: ({"order_id": w.open_order(world, which)}, {"volunteer_id": volunteer(world, which)})),
    ("POST", f"{API}/orders/{{order_id}}/decline"): Action(CALLERS, assigned),
    ("POST", f"{API}/orders/{{order_id}}/check-in"): Action(CALLERS, accepted),
    ("POST", f"{API}/volunteers/phone-visit"): Action(frozenset({SERVICE}), phone_visit),
    ("POST", f"{API}/orders/{{order_id}}/check-out"): Action(
        CALLERS, lambda world, which: accepted(world, which, checked_in=True)),
    ("POST", f"{API}/orders/{{order_id}}/rating"): Action(CALLERS, rating, 201),
    ("POST", f"{API}/review/orders/{{order_id}}/approve"): Action(DECIDE, held({"reason": "核实无误"})),
    ("POST", f"{API}/review/orders/{{order_id}}/revoke"): Action(DECIDE, completed({"reason": "虚假服务"})),
    ("POST", f"{API}/follow-ups/{{follow_up_id}}/done"): Action(
        ENTER, lambda world, which: ({"follow_up_id": w.follow_up(world, which)}, {"outcome": "满意"})),
    ("POST", f"{API}/orders/{{order_id}}/disputes"): Action(
        CALLERS, completed({"side": "elder", "statement": "志愿者没来", "source": "phone"}), 201),
    ("POST", f"{API}/disputes/{{dispute_id}}/statements"): Action(
        ENTER, dispute({"side": "volunteer", "statement": "我去了，待满一小时"}), 201),
    ("POST", f"{API}/disputes/{{dispute_id}}/decision"): Action(
        DECIDE, dispute({"decision": "partial", "credited_minutes": 30, "reason": "核实只服务了半小时"})),
    ("POST", f"{API}/orders/{{order_id}}/release"): Action(
        ENTER, lambda world, which: ({"order_id": accepted(world, which)[0]["order_id"]}, {"reason": "志愿者没来"})),
    ("POST", f"{API}/transfers/gift"): Action(CALLERS, gift, 201),
    ("POST", f"{API}/transfers/donation"): Action(CALLERS, lambda world, which: ({}, {
        "from_person_id": world.elders[which], "minutes": 1, "channel": "phone"}), 201),
    ("POST", f"{API}/transfers/grant"): Action(DECIDE, lambda world, which: ({}, {
        "to_person_id": world.elders[which], "minutes": 1, "memo": "困难老人补助"}), 201),
    ("POST", f"{API}/transfers/redemption"): Action(CALLERS, lambda world, which: ({}, {
        "person_id": world.elders[which], "minutes": 1, "station_id": world.street(which), "channel": "phone"}), 201),
    ("POST", f"{API}/ledger/reversals"): Action(DECIDE, lambda world, which: ({}, {
        "seq": w.credit_entry(world, which), "reason": "录错了"}), 201),
    ("POST", f"{API}/registrations"): Action(CALLERS, lambda world, which: ({}, {
        "name": "来电登记", "phone": factories.next_phone(), "roles": ["elder"], "channel": "phone",
        "station_id": world.street(which)}), 201),
    ("POST", f"{API}/handoffs"): Action(frozenset({SERVICE}), lambda world, which: ({}, {
        "person_id": world.elders[which], "channel": "phone", "conversation_id": "conv-1"}), 201),
    ("POST", f"{API}/stations"): Action(frozenset({ADMIN}), lambda world, which: ({}, {
        "name": "新社区", "level": "community", "parent_id": world.tree["street_a" if which == "a" else "street_b"]}),
        201),
    ("POST", f"{API}/persons/{{person_id}}/certificates"): Action(
        CALLERS, lambda world, which: ({"person_id": world.elders[which]}, {}), 201),
    ("POST", f"{API}/calls"): Outside("the hotline's call records: service token only (tests/backend/test_calls_routes.py)"),
    ("PATCH", f"{API}/calls/{{call_sid}}"): Outside("the hotline's call records (tests/backend/test_calls_routes.py)"),
    ("POST", f"{API}/calls/{{call_sid}}/turns"): Outside("the hotline's call records (tests/backend/test_calls_routes.py)"),
    ("POST", f"{API}/calls/{{call_sid}}/events"): Outside("the hotline's call records (tests/backend/test_calls_routes.py)"),
    ("POST", "/ivr/voice"): Outside("Twilio-signed webhook (tests/ivr/test_webhooks.py)"),
    ("POST", "/ivr/status"): Outside("Twilio-signed webhook (tests/ivr/test_webhooks.py)"),
    ("POST", "/ivr/gather"): Outside("Twilio-signed webhook (tests/ivr/test_gather_*.py)"),
    ("POST", "/ivr/offer-call"): Outside("Twilio-signed webhook of an outbox offer call (tests/ivr/test_offer_call.py)"),
    ("POST", "/ivr/offer-call/answer"): Outside("Twilio-signed webhook (tests/ivr/test_offer_call.py)"),
    ("POST", "/ivr/phone/session"): Outside("the local demo's browser phone, loopback clients only (tests/ivr)",
                                            setting="IVR_BROWSER_PHONE=local"),
    ("POST", "/console/phone/session"): Outside(
        "the operators' browser phone: 404 unless IVR_BROWSER_PHONE=operators; then a console login, a number in "
        "scope and one audit entry through the gate (tests/web/test_console_phone.py)"),
    ("POST", "/console/login"): Outside("public: the login itself (tests/web/test_console_login.py)"),
    ("POST", "/console/logout"): Outside("ends one's own session (tests/web/test_console_login.py)"),
    ("POST", "/console/orders/{order_id}/assign"): Action(
        ENTER, lambda world, which: ({"order_id": w.open_order(world, which)},
                                     {"volunteer_id": str(volunteer(world, which)), "reason": "熟人"}), 303, form=True),
    ("POST", "/console/orders/{order_id}/correct"): Action(
        ENTER, open_order({**local_form_time(50), "duration": "90", "service": "", "address": "鼓楼区湖南路1号", "note": "",
                           "reason": "老人改时间"}), 303, form=True),
    ("POST", "/console/orders/{order_id}/cancel"): Action(ENTER, open_order({"reason": "老人住院"}), 303, form=True),
    ("POST", "/console/orders/{order_id}/open"): Action(
        ENTER, lambda world, which: ({"order_id": w.open_order(world, which, state=states.REQUESTED)}, {}), 303,
        form=True),
    ("POST", "/console/orders/{order_id}/confirm-visit"): Action(
        ENTER, lambda world, which: ({"order_id": accepted(world, which)[0]["order_id"]},
                                     {"step": "check_in", "reason": "电话联系了老人，志愿者在门口"}), 303, form=True),
    ("POST", "/console/review/orders/{order_id}/approve"): Action(DECIDE, held({"reason": "核实无误"}), 303, form=True),
    ("POST", "/console/review/orders/{order_id}/revoke"): Action(DECIDE, completed({"reason": "虚假服务"}), 303,
                                                                  form=True),
    ("POST", "/console/review/orders/{order_id}/keep"): Action(DECIDE, completed({"reason": "核实无误"}), 303, form=True),
    ("POST", "/console/backfill"): Action(ENTER, console_backfill, 303, other_street=422, form=True),
    ("POST", "/console/backfill/csv"): Action(ENTER, console_sheet, 303, other_street=422, form=True, files=True),
    ("POST", "/console/followups/{follow_up_id}"): Action(
        ENTER, lambda world, which: ({"follow_up_id": w.follow_up(world, which)}, {"reached": "yes", "satisfied": "yes"}),
        303, form=True),
    ("POST", "/console/calls/{call_sid}/review"): Action(
        ENTER, lambda world, which: call(world, which, {"decision": "reviewed"}), 303, form=True),
    ("POST", "/console/chats/{chat_id}/review"): Action(
        ENTER, lambda world, which: chat(world, which, {"decision": "flagged", "note": "答非所问"}), 303, form=True),
    ("POST", "/console/inbox/handoffs/{ticket_id}/claim"): Action(
        ENTER, lambda world, which: handoff(world, which, {}), 303, form=True),
    ("POST", "/console/inbox/handoffs/{ticket_id}/call-back"): Action(
        ENTER, lambda world, which: handoff(world, which, {"reached": "no", "note": "没人接"}), 303, form=True),
    ("POST", "/console/inbox/handoffs/{ticket_id}/resolve"): Action(
        ENTER, lambda world, which: handoff(world, which, {"outcome": "已帮老人改约到周五"}), 303, form=True),
    ("POST", "/console/inbox/handoffs/{ticket_id}/dispute"): Action(  # dispute.open + handoff.resolve
        ENTER, handoff_about_a_service, 303, form=True, audits=2),
    ("POST", "/console/orders/{order_id}/dispute"): Action(
        CALLERS, completed({"side": "elder", "source": "phone", "statement": "志愿者没来"}), 303, form=True),
    ("POST", "/console/disputes/{dispute_id}/statements"): Action(
        ENTER, dispute({"side": "volunteer", "heard_via": "phone", "statement": "我去了"}), 303, form=True),
    ("POST", "/console/disputes/{dispute_id}/decide"): Action(
        DECIDE, dispute({"decision": "revoke", "reason": "核实是虚假服务"}), 303, form=True),
    ("POST", "/console/supervision/orders/{order_id}/release"): Action(
        ENTER, lambda world, which: ({"order_id": accepted(world, which)[0]["order_id"]}, {"reason": "志愿者没来"}),
        303, form=True),
    ("POST", "/console/people/registrations/{registration_id}/verify"): Action(
        DECIDE, lambda world, which: ({"registration_id": w.registration(world, which)},
                                      {"station_id": str(world.street(which)), "reason": "核实了身份证"}), 303, form=True),
    ("POST", "/console/people/registrations/{registration_id}/reject"): Action(
        DECIDE, lambda world, which: ({"registration_id": w.registration(world, which)}, {"reason": "重复登记"}), 303,
        form=True),
    ("POST", "/console/people/family-links/{link_id}"): Action(DECIDE, link, 303, form=True),
    ("POST", "/console/people/{person_id}/freeze"): Action(DECIDE, with_person({"frozen": "1", "reason": "核查"}), 303,
                                                           form=True),
    ("POST", "/console/people/{person_id}/qualifications"): Action(
        ENTER, with_person({"kind": "nurse", "reason": "见了护士证"}), 303, form=True),
    ("POST", f"{API}/mall/redemptions"): Outside(
        "an exchange needs a profile with a goods share, the matrix's default has none: callers, scope and audit "
        "in tests/backend/mall/test_api.py"),
    ("POST", f"{API}/mall/redemptions/{{redemption_id}}/reverse"): Action(
        DECIDE, lambda world, which: ({"redemption_id": mall_redemption(world, which)}, {"reason": "志愿者不要了"})),
    ("POST", "/console/mall/partners"): Action(DECIDE, lambda world, which: ({}, mall_partner_form(world, which)), 303,
                                               form=True),
    ("POST", "/console/mall/partners/{partner_id}"): Action(
        DECIDE, lambda world, which: ({"partner_id": mall_partner(world, which)}, mall_partner_form(world, which)), 303,
        form=True),
    ("POST", "/console/mall/goods"): Action(DECIDE, lambda world, which: ({}, mall_goods_form(world, which)), 303,
                                            form=True),
    ("POST", "/console/mall/goods/{goods_id}"): Action(
        DECIDE, lambda world, which: ({"goods_id": mall_goods(world, which)}, mall_goods_form(world, which)), 303,
        form=True),
    ("POST", "/console/mall/goods/{goods_id}/stock"): Action(
        DECIDE, lambda world, which: ({"goods_id": mall_goods(world, which)}, {"change": "4", "reason": "新到"}), 303,
        form=True),
    ("POST", "/console/mall/benefits"): Action(DECIDE, lambda world, which: ({}, mall_benefit_form(world, which)), 303,
                                               form=True),
    ("POST", "/console/mall/benefits/{benefit_id}"): Action(
        DECIDE, lambda world, which: ({"benefit_id": _benefit(world, which)}, mall_benefit_form(world, which)), 303,
        form=True),
    ("POST", "/console/mall/redemptions/{redemption_id}/reverse"): Action(
        DECIDE, lambda world, which: ({"redemption_id": mall_redemption(world, which)}, {"reason": "志愿者不要了"}), 303,
        form=True),
    ("POST", "/volunteer/mall/redeem"): Outside(
        "the session's own volunteer's coins (tests/web/test_volunteer_mall.py)", "volunteer"),
    ("POST", "/partner/login"): Outside("public: the mall partner's login (tests/web/test_volunteer_mall.py)"),
    ("POST", "/partner/logout"): Outside("ends one's own partner session (tests/web/test_partner_page.py)"),
    ("POST", "/partner/collect"): Outside(
        "the logged-in partner's own goods' codes only (tests/web/test_partner_page.py)"),
    ("POST", "/partner/benefit"): Outside("the logged-in partner's own benefits (tests/web/test_partner_page.py)"),
    ("POST", "/family/login"): Outside("public: the family login itself (tests/web/test_family_login.py)"),
    ("POST", "/family/logout"): Outside("ends one's own session (tests/web/test_family_login.py)"),
    ("POST", "/family/register"): Outside("public: self-registration (tests/web/test_family_register.py)"),
    ("POST", "/family/link"): Outside("a family member's own request (tests/web/test_family_register.py)", "family"),
    ("POST", "/family/elders/{elder_id}/certificate"): Outside(
        "a family member's consented elder only (tests/web/test_family_certificate.py)", "family"),
    ("POST", "/family/api/chat"): Outside("the family chat proxy (tests/web/test_family_chat_proxy.py)", "family"),
    ("POST", "/volunteer/login"): Outside("public: the volunteer login itself (tests/web/test_volunteer_account.py)"),
    ("POST", "/volunteer/register"): Outside("public: a pending registration (tests/web/test_volunteer_account.py)"),
    ("POST", "/volunteer/logout"): Outside("ends one's own session (tests/web/test_volunteer_account.py)", "volunteer"),
    ("POST", "/volunteer/offers/{order_id}/accept"): Outside(
        "the session's own volunteer (tests/web/test_volunteer_day.py, test_volunteer_race.py)", "volunteer"),
    ("POST", "/volunteer/offers/{order_id}/decline"): Outside(
        "the session's own volunteer's offer (tests/web/test_volunteer_race.py)", "volunteer"),
    ("POST", "/volunteer/services/{order_id}/check-in"): Outside(
        "the session's own volunteer's order (tests/web/test_volunteer_day.py)", "volunteer"),
    ("POST", "/volunteer/services/{order_id}/check-out"): Outside(
        "the session's own volunteer's order (tests/web/test_volunteer_day.py)", "volunteer"),
    ("POST", "/volunteer/services/{order_id}/rating"): Outside(
        "the session's own volunteer's order (tests/web/test_volunteer_day.py)", "volunteer"),
    ("POST", "/volunteer/me/offer-by"): Outside("the session's own volunteer (tests/web/test_volunteer_account.py)",
                                              "volunteer"),
    ("POST", "/volunteer/certificate"): Outside("the session's own volunteer (tests/web/test_volunteer_day.py)",
                                                "volunteer"),
    ("POST", "/family/api/chat/restart"): Outside("a family member's own chat (tests/web/test_family_chat_history.py)",
                                                  "family"),
}
