"""TRAINING frames, fourth round (issue 12): turns from the seeds' situations that the third round still
left under the fallback threshold or gave the wrong task — an elder waiting for the volunteer and asking
after the booking in many ways, everyday talk that mentions food, cleaning or the doctor without asking
for anything, and requests told as a story with the need in the middle. Written from the seeds (hotline
intake, the service catalogue, check-in hours) and how elders talk on the phone, not from any evaluation
set. Drawn after every other list, from their own seed (tools/bot_data/gen.py ``add_situations``), so the
examples generated before stay the same."""

CHECK_ORDER = [
    "{f}都过点了，志愿者咋还不来", "不是说九点到吗，这都几点了", "我在楼下等着呢，人到哪了", "{ob}我妈一直在家等着，来的人呢",
    "我约的那个到底来不来啊", "上回说好的事，有人管没有", "给我派的是哪个志愿者", "来的是男的还是女的",
    "我订的那个是几点来着", "我记不清约的是哪天了", "你帮我瞅瞅我约上了没", "单子接了没，给个准话",
    "我那个事儿办下来了没", "来人之前能不能先打个电话", "那个{svc}是哪天来着", "{dt}有没有人来我家",
    "我报的那个服务批下来没", "我前天打电话约的，咋没动静", "我预约成功了吗", "派人了没有啊，我好准备准备",
    "人还来不来了，我饭都不敢做", "我约的是不是被取消了", "{ob}替我爸问一下他约的服务咋样了", "我约了几个来着，你给我念念",
]

OUT_OF_SCOPE = [
    "我中午自己下了碗面条", "今天闺女给我包了饺子", "我昨天刚把屋子收拾了一遍", "我身体还行，就是有点咳嗽",
    "早上去公园打了一套太极拳", "我血压今天量了，不高", "楼下超市今天打折", "医院新开了个门诊楼",
    "我们小区新来了个保安", "前两天社区发了米和油", "我孙子会叫奶奶了", "我昨天在电视上看到你们了",
    "老刘家装修吵了一礼拜", "今年过年孩子们都回来", "我那老花镜找不着了", "天暖和了我就出去遛弯",
    "我年轻时候也当过志愿者", "我家阳台的花都冻死了", "昨天停电了，吓我一跳", "隔壁王大妈住院了",
    "你们这个活儿挺辛苦吧", "现在的菜真不新鲜", "我今天精神头挺好",
]

REQUEST_SERVICE = [
    "{r}{need}，{a}", "{f}是这么个事，{need}，{a}", "{ob}{need}，{a}", "{r}你看能不能{svc}",
    "{need}，你们派个人过来{t}", "我想问问，{need}，你们能不能管", "{f}{need}，孩子又不在家，{a}",
    "麻烦你们个事，{need}", "有个事想请你们帮忙，{need}", "{r}想请个人{svc}", "{dt}能不能派个人{svc}{t}",
    "{ob}{dt}想{svc}，{a}", "我一个老太太，{need}，{a}", "{need}，找谁都不管用，{a}",
]

HELP = [
    "你们还能帮着干点啥", "除了送饭还有啥服务", "有没有上门的服务，都有哪些", "你们那些服务给我念念",
]
