"""Domain vocabulary for the bot's training data: service synonyms, dates, relations, amounts.

Everything here is domain knowledge (what elders call each service, how they say dates), so
both the training and the held-out test generator draw values from it; the test split differs
in its sentence frames, not in the dictionary. ``SERVICES`` is also the source of the NLU
synonyms, the lookup table and the Jieba user dictionary.
"""

# slug -> surface forms an elder or a family member uses on the phone.
SERVICES = {
    "chat_companion": ["陪聊天", "唠嗑", "陪我唠唠嗑", "陪我说说话", "聊聊天", "拉家常", "陪伴聊天",
                       "谈谈心", "解解闷", "陪老人说话", "陪着说说话"],
    "escort_medical": ["陪同就医", "陪我去医院", "陪我看病", "去医院复查", "陪着去看病", "陪诊",
                       "陪我去体检", "陪去医院拿药", "陪我去挂号", "陪着看医生", "去医院看病"],
    "escort_shopping": ["陪同购物", "陪我买菜", "陪我逛超市", "陪着去买东西", "去菜市场买菜",
                        "陪我去超市", "陪着买菜", "买东西", "逛商场"],
    "bill_payment": ["交电费", "交水费", "协助缴费", "交燃气费", "交话费", "手机充值", "交暖气费",
                     "交有线电视费", "缴费", "交煤气费", "交网费"],
    "recreation": ["文体活动", "跳广场舞", "下象棋", "打太极拳", "唱歌", "做手工", "健身活动",
                   "练书法", "打门球", "文娱活动"],
    "health_education": ["健康讲座", "健康知识", "养生知识", "健康科普", "讲讲高血压", "保健知识",
                         "讲讲糖尿病怎么吃", "健康宣传"],
    "psych_counseling": ["心理咨询", "心理疏导", "心理辅导", "找人开导开导", "心里憋屈想找人疏导",
                         "心理医生", "排解心里的烦恼"],
    "legal_advice": ["法律咨询", "问问律师", "遗产继承", "赡养费", "立遗嘱", "打官司", "法律援助",
                     "问问法律上的事"],
    "smartphone_training": ["教我用手机", "智能手机培训", "学微信", "视频通话", "手机银行",
                            "学用智能手机", "教我用微信", "手机付款", "教我上网", "扫码"],
    "cooking_class": ["厨艺培训", "学做饭", "烹饪课", "烘焙", "学做菜", "学包饺子", "做点心",
                      "厨艺课"],
    "anti_fraud": ["防诈骗", "反诈", "防骗", "防诈骗知识", "识别骗子", "防范电信诈骗",
                   "防止上当受骗", "反诈宣传"],
    "home_care": ["居家照护", "上门护理", "上门照护", "照顾卧床老人", "翻身擦洗", "护理",
                  "居家护理", "上门照顾"],
    "free_clinic": ["义诊", "免费看病", "量血压", "测血糖", "免费体检", "义诊活动", "免费量血压"],
    "meal_delivery": ["送饭", "助餐", "送餐", "老年餐", "送盒饭", "送午饭", "送餐上门", "助餐服务"],
    "cleaning": ["打扫卫生", "搞卫生", "擦窗户", "收拾屋子", "保洁", "扫地拖地", "打扫房间",
                 "收拾收拾家里"],
    "errand": ["跑腿", "代办", "取快递", "帮忙取个东西", "代买药", "办个事", "跑个腿", "取包裹"],
    "repair": ["修东西", "修水管", "换灯泡", "修电视", "修水龙头", "维修", "修门锁", "修马桶",
               "修理家电"],
}

# Date/time surfaces; all resolve with bot.actions.parsing.resolve_datetime.
DATES = ["明天上午", "明天下午", "明早", "明天早上八点", "后天下午三点", "下礼拜二", "下周三上午",
         "这礼拜五", "周六上午十点", "十五号", "下个月三号", "今天下午", "明儿个上午", "大后天",
         "礼拜天上午", "星期四下午两点", "后天上午九点半", "这周日", "下礼拜一早上", "20号上午",
         "明天中午", "明天晚上七点", "后天", "下周五下午", "礼拜三", "明天上午九点", "后儿个下午",
         "下星期二上午", "28号", "周一下午三点"]

# relation surface -> canonical value (used by the gift policy check).
RELATIONS = {
    "老伴": "spouse", "老伴儿": "spouse", "老头子": "spouse", "老婆子": "spouse",
    "爱人": "spouse", "儿子": "son", "大儿子": "son", "小儿子": "son", "闺女": "daughter",
    "女儿": "daughter", "大闺女": "daughter", "孙子": "grandchild", "孙女": "grandchild",
    "外孙": "grandchild", "外孙女": "grandchild", "儿媳妇": "child_in_law", "女婿": "child_in_law",
    "侄子": "other", "邻居": "other", "老姐妹": "other", "老同事": "other", "妈": "parent",
    "爸": "parent", "老妈": "parent",
}

# Amount surfaces: how many coins (or hours).
AMOUNTS = ["两个", "三个", "5个", "一个", "十个", "2个", "半个", "一个半", "三百个", "20个", "八个",
           "四个", "六个", "1个", "十二个"]
COIN_WORDS = ["时间币", "时间币", "时间币", "币", "时间必", "时间比", "钟头"]

# rating surface -> stars.
RATINGS = {"五星": "5", "五颗星": "5", "5星": "5", "四颗星": "4", "4星": "4", "三颗星": "3",
           "三星": "3", "两颗星": "2", "一颗星": "1", "好评": "5", "满分": "5", "差评": "1",
           "一般般": "3", "挺满意": "5", "不太满意": "2"}

FILLERS = ["", "", "", "", "嗯，", "那个，", "就是，", "嗯那个", "呃，", "喂，", "哎，", "那个就是",
           "哎呀，", "你听我说，", "嗯嗯，"]

# Who is speaking when a family member calls for an elder.
ON_BEHALF = ["我是她闺女，", "我替我妈问一下，", "我是他儿子，", "帮我爸问问，", "我是老李家儿媳妇，",
             "我替我家老头子问，", "我是她外孙女，"]
