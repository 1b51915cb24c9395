// The family chat widget: Alibaba's ChatUI talking to the Yinling assistant through /family/api/chat.
// Mount it in any page:  YinlingChat.mount(element, { apiBase, csrfToken, elderMode })
import React, { useCallback, useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import Chat, { Bubble, Typing, useMessages } from "@chatui/core";
import "@chatui/core/dist/index.css";
import "./family-chat.css";
import { fetchHistory, restartChat, sendText } from "./chat-api.js";
import { applyElderMode, onElderModeChange, setElderMode, storedElderMode } from "./elder-mode.js";
import { COMMON_TASKS, RETRY, repliesFor } from "./quick-replies.js";

const GREETING = "您好，我是银龄助手。可以帮家里老人约服务、查时间币和星级、查订单。请直接打字，比如“帮我妈妈约明天上午送餐”，或点下面的按钮。";
const BOT = { name: "银龄助手" };

const greeting = () => ({ type: "text", content: { text: GREETING }, user: BOT });

function Header({ elder, onToggle, onRestart, restarting }) {
  return (
    <header className="yl-chat-header">
      <span className="yl-chat-title">银龄助手</span>
      <button type="button" className="yl-restart" onClick={onRestart} disabled={restarting}
        title="结束这次对话，助手忘掉还没办完的事">
        {restarting ? "正在重新开始…" : "重新开始"}
      </button>
      <button type="button" className="yl-elder-toggle" aria-pressed={elder} onClick={onToggle}>
        {elder ? "大字模式：开" : "大字模式：关"}
      </button>
    </header>
  );
}

function ChatWidget({ apiBase, csrfToken, initialElder }) {
  const { messages, appendMsg, deleteMsg, resetList } = useMessages([greeting()]);
  const [replies, setReplies] = useState(COMMON_TASKS);
  const [elder, setElder] = useState(initialElder);
  const [restarting, setRestarting] = useState(false);
  const lastFailed = useRef(null);
  const busy = useRef(false);
  const composerRef = useRef(null);
  // Set once the member sends or restarts: a history that arrives later must not replace what they see.
  const touched = useRef(false);
  const [historyShown, setHistoryShown] = useState(false);
  const messagesRef = useRef(null);
  // Bigger text (elder mode), a restored history or the assistant's answer must not leave the newest
  // message off screen behind a "新消息" pill: the member is waiting for it.
  const toEnd = useCallback(() => {
    requestAnimationFrame(() => {
      if (messagesRef.current) messagesRef.current.scrollToEnd({ animated: false, force: true });
    });
  }, []);

  useEffect(() => onElderModeChange(setElder), []);
  useEffect(() => { toEnd(); }, [elder, toEnd]);

  // After a reload the conversation so far comes back, so the member sees what the assistant is waiting for.
  useEffect(() => {
    let live = true;
    fetchHistory(apiBase).then((history) => {
      if (!live) return;
      setHistoryShown(true);
      if (!history.length || touched.current) return;
      resetList([greeting(), ...history.map((m) => (m.speaker === "member"
        ? { type: "text", content: { text: m.text }, position: "right" }
        : { type: "text", content: { text: m.text }, user: BOT }))]);
      const tail = [];
      for (let i = history.length - 1; i >= 0 && history[i].speaker !== "member"; i -= 1) tail.unshift(history[i]);
      setReplies(repliesFor(tail.map((m) => ({ text: m.text, buttons: [] }))));
      toEnd();
    });
    return () => { live = false; };
  }, [apiBase, resetList, toEnd]);

  const restart = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    touched.current = true;
    setRestarting(true);
    await restartChat(apiBase, csrfToken);
    resetList([greeting()]);
    setReplies(COMMON_TASKS);
    lastFailed.current = null;
    if (composerRef.current) composerRef.current.setText("");
    setRestarting(false);
    busy.current = false;
    window.dispatchEvent(new CustomEvent("yinling:answered"));
  }, [apiBase, csrfToken, resetList]);

  const ask = useCallback(async (text, label) => {
    const trimmed = (text || "").trim();
    if (!trimmed || busy.current) return;
    busy.current = true;
    touched.current = true;
    // a button's payload may be an intent ("/affirm"): the bubble shows the button's words
    appendMsg({ type: "text", content: { text: label && trimmed.startsWith("/") ? label : trimmed }, position: "right" });
    // ChatUI 3.8's isTyping draws an empty row, so the indicator is a message of our own.
    const typingId = appendMsg({ type: "typing", content: { text: "" }, user: BOT, hasTime: false });
    const result = await sendText(apiBase, csrfToken, trimmed, label);
    deleteMsg(typingId);
    busy.current = false;
    if (!result.ok) {
      lastFailed.current = result.retry ? trimmed : null;
      appendMsg({ type: "error", content: { text: result.message }, user: BOT });
      if (result.retry) {
        // nothing typed is lost: the words go back into the input box
        if (composerRef.current) composerRef.current.setText(trimmed);
        setReplies([RETRY, ...COMMON_TASKS]);
      }
      return;
    }
    lastFailed.current = null;
    result.messages.forEach((m) => appendMsg({ type: "text", content: { text: m.text }, user: BOT }));
    toEnd();
    setReplies(repliesFor(result.messages));
    result.events.forEach((e) => window.dispatchEvent(new CustomEvent("yinling:" + e.action, { detail: e })));
    window.dispatchEvent(new CustomEvent("yinling:answered"));  // the page's panel catches up at once
  }, [apiBase, csrfToken, appendMsg, deleteMsg, toEnd]);

  const onSend = useCallback((type, text) => {
    if (type === "text") ask(text);
  }, [ask]);

  const onQuickReply = useCallback((item) => {
    if (item.code === RETRY.code) {
      if (composerRef.current) composerRef.current.setText("");
      ask(lastFailed.current);
    } else {
      ask(item.code || item.name, item.name);
    }
  }, [ask]);

  const renderMessageContent = useCallback((msg) => (
    msg.type === "typing"
      ? <Typing text="正在回复" />
      : <Bubble content={msg.content.text} data-kind={msg.type} />
  ), []);

  return (
    <div className={elder ? "yl-chat-inner is-elder" : "yl-chat-inner"}
      data-history={historyShown ? "shown" : "loading"}>
      <Chat
        elderMode={elder}
        locale="zh-CN"
        renderNavbar={() => <Header elder={elder} onToggle={() => setElderMode(!elder)} onRestart={restart}
          restarting={restarting} />}
        messages={messages}
        renderMessageContent={renderMessageContent}
        quickReplies={replies}
        onQuickReplyClick={onQuickReply}
        onSend={onSend}
        composerRef={composerRef}
        messagesRef={messagesRef}
        placeholder="请输入要办的事"
      />
    </div>
  );
}

function mount(element, options = {}) {
  if (!element) throw new Error("YinlingChat.mount: no element");
  const stored = storedElderMode();
  const elder = stored === null ? Boolean(options.elderMode) : stored;
  applyElderMode(elder);
  element.classList.add("yl-chat");
  const root = createRoot(element);
  root.render(
    <ChatWidget apiBase={(options.apiBase || "/family/api").replace(/\/$/, "")}
      csrfToken={options.csrfToken || ""} initialElder={elder} />,
  );
  return { unmount: () => root.unmount(), setElderMode };
}

window.YinlingChat = { mount, setElderMode };
