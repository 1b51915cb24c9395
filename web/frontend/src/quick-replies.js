// Quick replies: the common tasks always, the bot's own buttons when it offers some, and 对 / 不对
// when it is reading something back for confirmation. ``code`` is what is sent to the assistant.
export const COMMON_TASKS = [
  { name: "约服务", code: "我想预约服务" },
  { name: "查余额", code: "我还有多少时间币" },
  { name: "查星级", code: "我现在是几星了" },
  { name: "我的订单", code: "查一下我的订单" },
  { name: "取消订单", code: "我要取消订单" },
  { name: "转人工", code: "我要转人工" },
];

export const RETRY = { name: "重试", code: "__retry__", isHighlight: true };
const CONFIRM = [
  { name: "对", code: "对", isHighlight: true },
  { name: "不对", code: "不对" },
];

export function repliesFor(botMessages) {
  const buttons = botMessages.flatMap((m) => m.buttons || []);
  if (buttons.length) {
    return [...buttons.map((b) => ({ name: b.title, code: b.payload || b.title, isHighlight: true })), ...COMMON_TASKS];
  }
  const last = botMessages.length ? botMessages[botMessages.length - 1].text || "" : "";
  if (/对吗[？?]?\s*$/.test(last)) return [...CONFIRM, ...COMMON_TASKS];
  // "没有就说“没有”": the short answer the assistant suggests becomes a button too.
  const suggested = [];
  const pattern = /说“([^”]{1,8})”/g;
  for (let m = pattern.exec(last); m; m = pattern.exec(last)) suggested.push({ name: m[1], code: m[1], isHighlight: true });
  return [...suggested, ...COMMON_TASKS];
}
