"""Demo data for `make run`: a small Nanjing-like city with elders, volunteers, family and operators.

Seeded once into an empty database. Demo logins are printed at start-up; they are for a local
demo only (the passwords are public here on purpose).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.catalogue.catalogue import sync_catalogue
from backend.core.security import hash_password
from backend.ledger import journal
from backend.ledger.operations import Actor, credit_service, donate, gift, grant
from backend.mall import catalogue
from backend.models import Operator, Person
from backend.people import registry
from backend.people.identity import id_check_char
from backend.people.stations import add_station
from backend.people.supply import set_supply
from backend.policy import PolicyProfile

DEMO_OPERATORS = (  # username, password, name, role, station key
    ("city_admin", "yinling-demo-1", "市级管理员", "admin", "city"),
    ("hunan_road", "yinling-demo-2", "湖南路街道操作员", "reviewer", "hunan_road"),
    ("xuanwu_street", "yinling-demo-3", "玄武门街道操作员", "reviewer", "xuanwumen"),
)
DEMO_FAMILY_PASSWORD = "yinling-family-1"
DEMO_VOLUNTEER = ("chen", "yinling-volunteer-1")  # 陈志强 logs in to /volunteer with his phone number
DEMO_PARTNER = ("hunan_desk", "yinling-partner-1")  # the community desk confirms collection codes at /partner
ORDINARY_SERVICES = ["chat_companion", "escort_medical", "escort_shopping", "bill_payment", "recreation",
                     "health_education", "smartphone_training", "cooking_class", "anti_fraud", "meal_delivery",
                     "cleaning", "errand", "repair"]
# Every day 06:00-22:00, so a request made right after `make run` finds someone.
EVERY_DAY = [(weekday, time(6, 0), time(22, 0)) for weekday in range(7)]


def demo_id_number(area: str, born: date, serial: str) -> str:
    first17 = f"{area}{born:%Y%m%d}{serial}"
    return first17 + id_check_char(first17)


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    phone: str
    born: date
    roles: tuple[str, ...]
    station: str
    address: str
    lat: float
    lon: float


PEOPLE = (
    DemoPerson("wang", "王秀英", "+8613912340001", date(1942, 3, 8), ("elder",), "hunan_comm",
               "鼓楼区湖南路12号3栋201", 32.0660, 118.7810),
    DemoPerson("zhang", "张德明", "+8613912340002", date(1938, 11, 2), ("elder",), "hunan_comm",
               "鼓楼区湖南路28号1栋502", 32.0672, 118.7795),
    DemoPerson("liu", "刘桂兰", "+8613912340003", date(1958, 6, 18), ("elder", "volunteer"), "hunan_comm",
               "鼓楼区马台街5号", 32.0651, 118.7832),
    DemoPerson("chen", "陈志强", "+8613912340004", date(1990, 1, 20), ("volunteer",), "hunan_comm",
               "鼓楼区中山北路101号", 32.0702, 118.7768),
    DemoPerson("zhao", "赵敏", "+8613912340005", date(1985, 9, 9), ("volunteer",), "xuanwu_comm",
               "玄武区玄武门街道16号", 32.0731, 118.7951),
    DemoPerson("sun", "孙丽", "+8613912340006", date(1980, 4, 1), ("volunteer",), "hunan_comm",
               "鼓楼区湖南路60号", 32.0668, 118.7855),
    DemoPerson("wangjun", "王军", "+8613912340007", date(1970, 12, 12), ("family",), "hunan_comm",
               "上海市浦东新区", 31.2304, 121.4737),
    DemoPerson("li", "李淑珍", "+8613912340008", date(1940, 7, 7), ("elder",), "xuanwu_comm",
               "玄武区北京东路8号", 32.0601, 118.8010),
)


def seed(session: Session, policy: PolicyProfile, secret_key: str, today: date) -> bool:
    """Seed into an empty database; return False (and do nothing) if people already exist."""
    sync_catalogue(session)
    journal.ensure_head(session)
    if session.scalar(select(Person.id).limit(1)) is not None:
        return False
    st = {}
    st["city"] = add_station(session, "南京市", "city", None, "+862584000000")
    st["gulou"] = add_station(session, "鼓楼区", "district", st["city"].id, "+862584100000")
    st["hunan_road"] = add_station(session, "湖南路街道", "street", st["gulou"].id, "+862584110000")
    st["hunan_comm"] = add_station(session, "湖南路社区", "community", st["hunan_road"].id)
    st["xuanwu"] = add_station(session, "玄武区", "district", st["city"].id, "+862584200000")
    st["xuanwumen"] = add_station(session, "玄武门街道", "street", st["xuanwu"].id, "+862584210000")
    st["xuanwu_comm"] = add_station(session, "玄武门社区", "community", st["xuanwumen"].id)
    people = {}
    for n, p in enumerate(PEOPLE, start=1):
        new = registry.NewPerson(name=p.name, phone=p.phone, birth_date=p.born, station_id=st[p.station].id,
                                 roles=list(p.roles), id_number=demo_id_number("320106", p.born, f"{n:03d}"),
                                 address=p.address, lat=p.lat, lon=p.lon, status="verified")
        people[p.key] = registry.register_person(session, new, policy=policy, secret_key=secret_key, today=today)
    people["wangjun"].password_hash = hash_password(DEMO_FAMILY_PASSWORD)
    people[DEMO_VOLUNTEER[0]].password_hash = hash_password(DEMO_VOLUNTEER[1])
    registry.link_family(session, people["wang"].id, people["wangjun"].id, "child", consent="consented")
    registry.link_family(session, people["zhang"].id, people["liu"].id, "spouse", consent="consented")
    registry.add_qualification(session, people["sun"].id, "nurse", today + timedelta(days=365))
    registry.add_qualification(session, people["zhao"].id, "lawyer", today + timedelta(days=365))
    for key in ("liu", "chen", "zhao", "sun"):
        registry.add_training(session, people[key].id, "养老志愿服务通用培训", today - timedelta(days=60))
    extra = {"sun": ["home_care"], "zhao": ["legal_advice"]}
    for key, radius in (("liu", 2.0), ("chen", 5.0), ("zhao", 5.0), ("sun", 3.0)):
        set_supply(session, people[key].id, radius_km=radius, max_open_orders=3,
                   services=ORDINARY_SERVICES + extra.get(key, []), weekly=EVERY_DAY)
    for username, password, name, role, station in DEMO_OPERATORS:
        session.add(Operator(username=username, name=name, password_hash=hash_password(password), role=role,
                             station_id=st[station].id))
    system = Actor("system:demo", "system")
    credit_service(session, volunteer_id=people["liu"].id, station_id=st["hunan_comm"].id, served_minutes=150 * 60,
                   tier="ordinary", policy=policy, actor=system, memo="历史服务时长导入")
    credit_service(session, volunteer_id=people["chen"].id, station_id=st["hunan_comm"].id, served_minutes=320 * 60,
                   tier="ordinary", policy=policy, actor=system, memo="历史服务时长导入")
    credit_service(session, volunteer_id=people["zhao"].id, station_id=st["xuanwu_comm"].id, served_minutes=40 * 60,
                   tier="professional", policy=policy, actor=system, memo="法律咨询")
    gift(session, from_id=people["liu"].id, to_id=people["zhang"].id, minutes=10 * 60, policy=policy,
         actor=Actor("person:%d" % people["liu"].id, "phone"), memo="送给老伴")
    credit_service(session, volunteer_id=people["sun"].id,
                   station_id=st["hunan_comm"].id, served_minutes=12 * 60, tier="ordinary", policy=policy,
                   actor=system, memo="历史服务时长导入")
    donate(session, from_id=people["chen"].id, minutes=20 * 60, policy=policy, actor=Actor("person:%d" % people["chen"].id, "chat"))
    grant(session, to_id=people["wang"].id, minutes=12 * 60, actor=Actor("operator:demo", "operator"),
          memo="高龄独居老人补贴")
    _mall(session, st)
    session.flush()
    return True


def _mall(session: Session, st: dict) -> None:
    """The volunteer mall (Zhongshan's 志愿商城, seeds/004 line 27) and Nanjing's care measures for star
    volunteers (seeds/000 line 15). Goods can be exchanged where the policy has a goods share (make run's
    ``demo`` profile: 50 %); under a profile without one the page says coins buy services only."""
    desk = catalogue.save_partner(session, catalogue.PartnerForm(
        name="湖南路社区服务台", kind="station", station_id=st["hunan_road"].id, address="鼓楼区湖南路街道办事处一楼",
        login=DEMO_PARTNER[0], password=DEMO_PARTNER[1]))
    museum = catalogue.save_partner(session, catalogue.PartnerForm(
        name="市博物馆", kind="museum", station_id=st["city"].id, address="玄武区中山东路321号", login="city_museum"))
    bus = catalogue.save_partner(session, catalogue.PartnerForm(
        name="市公交集团", kind="transit", station_id=st["city"].id, address="", login="city_bus"))
    for name, price, stock, pickup in (("大米5斤", "3", 20, "湖南路社区服务台，工作日9:00-17:00"),
                                       ("毛巾两条", "1", 50, "湖南路社区服务台，工作日9:00-17:00"),
                                       ("老花镜一副", "2", 10, "湖南路社区服务台，工作日9:00-17:00")):
        catalogue.save_goods(session, catalogue.GoodsForm(name=name, price=price, pickup=pickup, partner_id=desk.id),
                             desk, stock=stock)
    catalogue.save_benefit(session, catalogue.BenefitForm(partner_id=museum.id, offer="每年免费参观6次", min_stars="1"),
                           museum)
    catalogue.save_benefit(session, catalogue.BenefitForm(partner_id=bus.id, offer="乘公交八折", min_hours="100"), bus)
    catalogue.save_benefit(session, catalogue.BenefitForm(partner_id=desk.id, offer="老年大学优先报名",
                                                          min_stars="3"), desk)
