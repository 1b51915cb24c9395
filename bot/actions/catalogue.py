"""The services a caller can book: backend slug, the name read back (same as the backend's
catalogue, backend/catalogue/services.yml) and the words elders use for it.

The word lists are the single source for the NLU synonyms, lookup table and Jieba dictionary
(tools/bot_data/gen.py) and for ``match_service`` when the NLU found no entity.
"""
from __future__ import annotations

SERVICES: dict[str, tuple[str, list[str]]] = {
    "chat_companion": ("陪伴聊天", ["陪聊天", "唠嗑", "陪我唠唠嗑", "陪我说说话", "聊聊天", "拉家常", "陪伴聊天",
                                "谈谈心", "解解闷", "陪老人说话", "陪着说说话", "陪聊"]),
    "escort_medical": ("陪同就医", ["陪同就医", "陪我去医院", "陪我看病", "去医院复查", "陪着去看病", "陪诊",
                                "陪我去体检", "陪去医院拿药", "陪我去挂号", "陪着看医生", "去医院看病", "复查"]),
    "escort_shopping": ("陪同购物", ["陪同购物", "陪我买菜", "陪我逛超市", "陪着去买东西", "去菜市场买菜",
                                 "陪我去超市", "陪着买菜", "买东西", "逛商场", "逛超市"]),
    "bill_payment": ("协助缴费", ["交电费", "交水费", "协助缴费", "交燃气费", "交话费", "手机充值", "交暖气费",
                              "交有线电视费", "缴费", "交煤气费", "交网费", "充话费"]),
    "recreation": ("文体活动", ["文体活动", "跳广场舞", "下象棋", "打太极拳", "唱歌", "做手工", "健身活动",
                            "练书法", "打门球", "文娱活动"]),
    "health_education": ("健康科普", ["健康讲座", "健康知识", "养生知识", "健康科普", "讲讲高血压", "保健知识",
                                  "讲讲糖尿病怎么吃", "健康宣传", "养生讲座"]),
    "psych_counseling": ("心理咨询", ["心理咨询", "心理疏导", "心理辅导", "找人开导开导", "心里憋屈想找人疏导",
                                  "心理医生", "排解心里的烦恼"]),
    "legal_advice": ("法律咨询", ["法律咨询", "问问律师", "遗产继承", "赡养费", "立遗嘱", "打官司", "法律援助",
                              "问问法律上的事"]),
    "smartphone_training": ("智能手机培训", ["教我用手机", "智能手机培训", "学微信", "视频通话", "手机银行",
                                       "学用智能手机", "教我用微信", "手机付款", "教我上网", "扫码"]),
    "cooking_class": ("厨艺培训", ["厨艺培训", "学做饭", "烹饪课", "烘焙", "学做菜", "学包饺子", "做点心", "厨艺课"]),
    "anti_fraud": ("防诈骗指导", ["防诈骗", "反诈", "防骗", "防诈骗知识", "识别骗子", "防范电信诈骗",
                             "防止上当受骗", "反诈宣传"]),
    "home_care": ("居家照护", ["居家照护", "上门护理", "上门照护", "照顾卧床老人", "翻身擦洗", "护理",
                           "居家护理", "上门照顾"]),
    "free_clinic": ("义诊", ["义诊", "免费看病", "量血压", "测血糖", "免费体检", "义诊活动", "免费量血压"]),
    "meal_delivery": ("送餐", ["送饭", "助餐", "送餐", "老年餐", "送盒饭", "送午饭", "送餐上门", "助餐服务"]),
    "cleaning": ("家政保洁", ["打扫卫生", "搞卫生", "擦窗户", "收拾屋子", "保洁", "扫地拖地", "打扫房间",
                          "收拾收拾家里"]),
    "errand": ("代买代办", ["跑腿", "代办", "取快递", "帮忙取个东西", "代买药", "办个事", "跑个腿", "取包裹"]),
    "repair": ("维修", ["修东西", "修水管", "换灯泡", "修电视", "修水龙头", "维修", "修门锁", "修马桶",
                      "修理家电"]),
}

SLUGS = frozenset(SERVICES)


def service_name(slug: str | None) -> str:
    """The Chinese name read back to the caller ("陪同就医"); the slug itself if unknown."""
    return SERVICES[slug][0] if slug in SERVICES else (slug or "")


def match_service(text: str | None) -> str | None:
    """The slug whose longest known word occurs in ``text`` (used when the NLU found none)."""
    if not text:
        return None
    if text in SLUGS:
        return text
    best: tuple[int, str] | None = None
    for slug, (name, words) in SERVICES.items():
        for word in [name, *words]:
            if word in text and (best is None or len(word) > best[0]):
                best = (len(word), slug)
    return best[1] if best else None
