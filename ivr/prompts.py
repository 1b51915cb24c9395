"""Every sentence the IVR itself says (the assistant's replies come from bot/domain.yml).
Short and plain: they are heard by elders on a phone line."""
from __future__ import annotations

CONSENT = "您好，这里是银龄时间银行。为了服务质量，通话会录音。"
GREETING = "请说您要办什么事，比如约服务、查时间币。按0转人工。"
REPROMPT = "您还在吗？请说您要办的事。"
OFFER_PERSON = "没有听到您说话。转人工请按0。"
OFFER_KEYPAD = "没有听到您说话。请按键：按1用按键办理，按0转人工。"
RECOGNITION_OFF = "现在请用电话按键。"
NOT_HEARD = "对不起，我没听清，请再说一遍。"
NOT_HEARD_TWICE = "我没听清。我们改用按键吧。"
LINE_BUSY = "对不起，系统有点忙，请稍后再打。"
ASSISTANT_DOWN = "对不起，系统有点忙。按0转人工，或者稍后再打。"
TRANSFERRING = "好的，马上为您转人工，请稍等。"
TRANSFER_FAILED = "对不起，现在转不过去。请稍后再打，或者拨打社区电话。"
CALL_OPERATOR = "请拨打{number}找工作人员。"
GOODBYE = "谢谢您的来电，再见。"
SLOWER = "好的，我说慢一点。"

KEYPAD_MENU = "约服务请按1，查时间币请按2，查星级请按3，听最近的预约请按4，志愿者上门签到签退请按5，转人工请按0。"
KEYPAD_PICK_SERVICE = "请选择服务：{choices}。"
KEYPAD_PICK_DAY = "哪天？今天按1，明天按2，后天按3。"
KEYPAD_PICK_PART = "上午按1，下午按2。"
KEYPAD_CONFIRM = "您要预约{when}{service}，到您家。对请按1，不对请按2，重听请按星号。"
KEYPAD_BOOKED = "约好了：{when}{service}。有志愿者接单会给您打电话。"
KEYPAD_DROPPED = "好的，那就先不约了。"
KEYPAD_NOT_REGISTERED = "您的号码还没有登记。按0转人工帮您登记。"
KEYPAD_BALANCE = "您还有{coins}。"
KEYPAD_STARS = "您现在是{level}星。"
KEYPAD_NO_STARS = "您还没有星级。"
KEYPAD_LAST_ORDER = "您最近的预约是{when}{service}，{state}。"
KEYPAD_NO_ORDER = "您还没有预约。"
KEYPAD_INVALID = "没有这个选项。"
KEYPAD_BACKEND_DOWN = "对不起，系统有点忙，没办成。按0转人工。"

DAYS = ("今天", "明天", "后天")
PARTS = (("上午", 9), ("下午", 14))
