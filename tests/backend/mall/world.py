"""A small mall world for the backend tests: the factories' station tree, a partner and goods in
street A, and volunteers with the service hours a test asks for (policy ``demo``: 50 % goods share)."""
from __future__ import annotations

from dataclasses import dataclass

from backend.core.db import unit_of_work
from backend.ledger.operations import Actor, credit_service
from backend.mall import catalogue
from backend.models import MallGoods
from tests import factories

PARTNER_PASSWORD = "partner-pass-123"


@dataclass
class World:
    tree: dict[str, int]
    partner_id: int
    other_partner_id: int
    goods_id: int  # 3 coins, 5 in stock, street A


def build(state) -> World:
    with unit_of_work(state.sessions) as s:
        tree = factories.station_tree(s)
        partner = catalogue.save_partner(s, catalogue.PartnerForm(
            name="湖南路社区服务台", kind="station", station_id=tree["street_a"], address="湖南路1号",
            login="hunan_desk", password=PARTNER_PASSWORD))
        other = catalogue.save_partner(s, catalogue.PartnerForm(
            name="玄武门超市", kind="shop", station_id=tree["street_b"], address="玄武门2号", login="xuanwu_shop",
            password=PARTNER_PASSWORD))
        goods = catalogue.save_goods(s, catalogue.GoodsForm(name="大米5斤", price="3", pickup="湖南路社区服务台",
                                                            partner_id=partner.id), partner, stock=5)
        return World(tree, partner.id, other.id, goods.id)


def volunteer(state, world: World, *, earned_hours: int = 0, street: str = "comm_a", age: int = 40) -> int:
    with unit_of_work(state.sessions) as s:
        person = factories.person(s, state.policy, world.tree[street], roles=("volunteer",), age=age, name="志愿者")
        if earned_hours:
            credit_service(s, volunteer_id=person.id, station_id=person.station_id, served_minutes=earned_hours * 60,
                           tier="ordinary", policy=state.policy, actor=Actor("system:test", "system"), memo="导入")
        return person.id


def stock(state, goods_id: int) -> int:
    with unit_of_work(state.sessions) as s:
        return s.get(MallGoods, goods_id).stock
