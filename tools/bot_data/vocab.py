"""Domain vocabulary for the bot's training data: service synonyms, dates, relations, amounts.

Everything here is domain knowledge (what elders call each service, how they say dates), so
both the training and the held-out test generator draw values from it; the test split differs
in its sentence frames, not in the dictionary. ``SERVICES`` is also the source of the NLU
synonyms, the lookup table and the Jieba user dictionary.
"""
from bot.actions.catalogue import services as _catalogue

# slug -> surface forms naming or asking for the service (backend/catalogue/services.yml: the Chinese
# name, synonyms, asks); slug -> descriptions of the need that name no service (its needs).
SERVICES = {slug: list(service.words) for slug, service in _catalogue().items()}
NEEDS = {slug: list(service.needs) for slug, service in _catalogue().items()}

# Date/time surfaces; all resolve with bot.actions.parsing.resolve_datetime.
DATES = ["明天上午", "明天下午", "明早", "明天早上八点", "后天下午三点", "下礼拜二", "下周三上午",
         "这礼拜五", "周六上午十点", "十五号", "下个月三号", "今天下午", "明儿个上午", "大后天",
         "礼拜天上午", "星期四下午两点", "后天上午九点半", "这周日", "下礼拜一早上", "20号上午",
         "明天中午", "明天晚上七点", "后天", "下周五下午", "礼拜三", "明天上午九点", "后儿个下午",
         "下星期二上午", "28号", "周一下午三点"]

# relation surface -> the backend's relation values (spouse|child|parent|grandchild|sibling|other).
RELATIONS = {
    "老伴": "spouse", "老伴儿": "spouse", "老头子": "spouse", "老婆子": "spouse",
    "爱人": "spouse", "儿子": "child", "大儿子": "child", "小儿子": "child", "闺女": "child",
    "女儿": "child", "大闺女": "child", "孙子": "grandchild", "孙女": "grandchild",
    "外孙": "grandchild", "外孙女": "grandchild", "儿媳妇": "other", "女婿": "other",
    "侄子": "other", "邻居": "other", "老姐妹": "other", "老同事": "other", "妈": "parent",
    "爸": "parent", "老妈": "parent",
}

# Relatives who ask to act for an elder (a family link the elder consents to or revokes); a subset
# of RELATIONS, so each surface maps to the same backend value.
KIN = ["女儿", "儿子", "闺女", "大儿子", "小儿子", "大闺女", "孙子", "孙女", "外孙", "外孙女", "儿媳妇",
       "女婿", "老伴", "侄子"]

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

# Long preambles before the point, as elders tell it on the phone.
RAMBLES = ["我跟你说啊，我今年都八十二了，", "唉，人老了不中用了，", "我儿子在外地打工，一年才回来一趟，",
           "我老伴前年走了，现在就我一个人，", "社区的小张上回给了我这个电话，", "我这腿去年摔过一回，",
           "你别嫌我啰嗦啊，", "我耳朵不太好使，你听我说，", "闺女给我说打这个电话就行，", "我住六楼没电梯，",
           "哎哟，这两天天冷，", "我也不晓得该找谁，", "孩子们都忙，不好老麻烦他们，", "我记性不好，刚才想说啥来着，哦对，",
           "我血压高，医生不让我累着，", "我们家那口子身体不好，"]
# Endings people tack on.
TAILS = ["", "", "", "", "", "，谢谢啊", "，麻烦你们了", "，行不行啊", "，中不中", "，好吧", "，能行不", "，拜托了",
         "，谢谢你啊姑娘", "啊", "呗", "，你看咋样", "，成不"]
# Family members speaking for a parent in the chat or on the phone.
ON_BEHALF += ["我是他闺女，帮我爸问一下，", "我是她孙子，替我奶奶说，", "我帮我姥姥问问，", "我是住对门的邻居，替王奶奶问，",
              "我在外地上班，帮我妈弄一下，", "我爸耳朵背，我替他说，"]
# More preambles (issue 12): the situation first, as callers tell it before they get to the point.
RAMBLES += ["喂，姑娘啊，我是五号楼的，", "我这个人不爱麻烦别人，可是没办法了，", "我今年八十五了，眼睛也不好，",
            "老头子走了三年了，家里就剩我，", "儿子在深圳，闺女在北京，都离得远，", "上礼拜我还去社区开会来着，",
            "你们上次来的那个小伙子挺好的，", "我打了好几遍才打通，", "我刚从医院回来，", "俺们这楼是老楼，没有电梯，",
            "我一个老婆子，也不会用那些手机啥的，", "说起来不好意思，", "我先跟你说说我家的情况，",
            "我本来不想打电话的，", "我女儿让我打这个号，说你们能帮忙，", "我是替我们家老太太打的，她耳朵不好，",
            "前两天下雪路滑，我不敢出门，", "我这手有点抖，拿电话都费劲，", "我腰椎间盘突出，弯不下腰，",
            "邻居老刘说你们这儿挺好的，", "那个啥，我想想怎么说啊，", "我们老两口都快九十了，"]
# What people add after the need: more situation, a worry, a request to hurry, thanks.
AFTERS = ["你们看着安排吧", "我在家等着", "越快越好", "不着急，哪天都行", "我也不晓得找谁好",
          "孩子们都上班顾不上", "我自己实在是弄不了", "麻烦你们了啊", "能来个人就行", "我这心里着急啊",
          "你们能管这个事不", "上回也是你们帮的忙", "我一个人真没办法", "给你们添麻烦了", "你看这事咋弄",
          "要多少时间币都行", "我就在家不出门", "要不是实在没法子我也不打这个电话", "谢谢你们了", "这事能办不"]
