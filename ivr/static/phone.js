// The browser phone: microphone → 8 kHz μ-law frames in Twilio Media Streams messages → the
// same /ivr/stream gateway a phone call uses; replies (media) are played, marks are echoed
// once the audio before them has played, and clear stops playback (barge-in).
// Without a microphone (none, or permission refused) the call still connects, keypad only: it
// sends μ-law silence every 20 ms, as a muted phone does. On a browser-phone stream the gateway
// also sends {"event": "yinling.text"} with each thing it says, shown in the transcript.
"use strict";
(function () {
  const RATE = 8000, FRAME = 160;  // 20 ms of 8 kHz μ-law
  const SILENCE = 0xff;  // μ-law zero
  const statusEl = document.getElementById("status");
  const transcript = document.getElementById("transcript");
  const callButton = document.getElementById("call"), hangupButton = document.getElementById("hangup");
  const keyButtons = [];
  let ws = null, ctx = null, source = null, processor = null, stream = null, silenceTimer = null;
  let streamSid = "", playAt = 0, playing = [], pendingMarks = [], outbox = [];

  function say(text) { statusEl.textContent = text; }

  // idle 未接通 → connecting 正在接通… → connected 通话中 → ended 已挂断; the buttons follow.
  const STATUS = { idle: "未接通", connecting: "正在接通…", connected: "通话中", ended: "已挂断" };
  function setState(state, text) {
    document.body.dataset.state = state;
    say(text || STATUS[state]);
    callButton.disabled = state === "connecting" || state === "connected";
    hangupButton.disabled = state !== "connecting" && state !== "connected";
    keyButtons.forEach(b => { b.disabled = state !== "connected"; });
  }

  function showText(text) {
    const item = document.createElement("li");
    item.textContent = text;
    transcript.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
  }

  async function openMicrophone() {
    // null when there is none or it is refused: the call goes on, keypad only
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null;
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch (err) {
      return null;
    }
  }

  function sendSilence() {
    send({ event: "media", streamSid, media: { track: "inbound", payload: toBase64(new Array(FRAME).fill(SILENCE)) } });
  }

  // G.711 μ-law, as in speech/mulaw.py
  function encodeSample(s) {
    const BIAS = 0x84, CLIP = 32635;
    let sign = (s >> 8) & 0x80;
    if (sign) s = -s;
    if (s > CLIP) s = CLIP;
    s += BIAS;
    let exponent = 7;
    for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent--, mask >>= 1) {}
    const mantissa = (s >> (exponent + 3)) & 0x0f;
    return ~(sign | (exponent << 4) | mantissa) & 0xff;
  }
  function decodeByte(u) {
    u = ~u & 0xff;
    const sign = u & 0x80, exponent = (u >> 4) & 0x07, mantissa = u & 0x0f;
    const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    return (sign ? -magnitude : magnitude) / 32768;
  }
  function toBase64(bytes) { let s = ""; bytes.forEach(b => s += String.fromCharCode(b)); return btoa(s); }
  function fromBase64(text) { const s = atob(text); const out = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; }
  function send(message) { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message)); }

  function onMicrophone(event) {
    const input = event.inputBuffer.getChannelData(0);
    const step = ctx.sampleRate / RATE;
    for (let t = 0; t < input.length; t += step) {
      const v = Math.max(-1, Math.min(1, input[Math.floor(t)]));
      outbox.push(encodeSample(Math.round(v * 32767)));
    }
    while (outbox.length >= FRAME) {
      const frame = outbox.splice(0, FRAME);
      send({ event: "media", streamSid, media: { track: "inbound", payload: toBase64(frame) } });
    }
  }

  function play(bytes) {
    const buffer = ctx.createBuffer(1, bytes.length, RATE);
    const data = buffer.getChannelData(0);
    for (let i = 0; i < bytes.length; i++) data[i] = decodeByte(bytes[i]);
    const node = ctx.createBufferSource();
    node.buffer = buffer;
    node.connect(ctx.destination);
    playAt = Math.max(playAt, ctx.currentTime);
    node.start(playAt);
    playAt += buffer.duration;
    playing.push(node);
    node.onended = () => { playing = playing.filter(n => n !== node); };
  }

  function markWhenPlayed(name) {
    const delay = Math.max(0, playAt - ctx.currentTime) * 1000;
    const timer = setTimeout(() => {
      pendingMarks = pendingMarks.filter(m => m.timer !== timer);
      send({ event: "mark", streamSid, mark: { name } });
    }, delay);
    pendingMarks.push({ name, timer });
  }

  function clearPlayback() {
    playing.forEach(n => { try { n.stop(); } catch (e) {} });
    playing = [];
    playAt = ctx.currentTime;
    pendingMarks.forEach(m => { clearTimeout(m.timer); send({ event: "mark", streamSid, mark: { name: m.name } }); });
    pendingMarks = [];
  }

  async function call() {
    const caller = document.getElementById("caller").value.trim();
    setState("connecting");
    transcript.textContent = "";
    // The page names where sessions come from (/ivr/phone/session for the local demo,
    // /console/phone/session behind the console login, which also wants the CSRF token).
    const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";
    const answer = await fetch(meta("yinling-phone-session") || "/ivr/phone/session", {
      method: "POST", credentials: "same-origin", body: JSON.stringify({ caller }),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": meta("csrf-token") },
    });
    if (!answer.ok) {
      const problem = await answer.json().catch(() => ({}));
      setState("idle", problem.message || "不能用这个号码拨打。");
      return;
    }
    const session = await answer.json();
    ctx = new AudioContext();
    stream = await openMicrophone();
    if (stream) {
      source = ctx.createMediaStreamSource(stream);
      processor = ctx.createScriptProcessor(2048, 1, 1);
      processor.onaudioprocess = onMicrophone;
      source.connect(processor);
      processor.connect(ctx.destination);
    }
    streamSid = "MZbrowser" + Date.now();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${scheme}//${location.host}${session.stream_path}`);
    ws.onopen = () => {
      send({ event: "connected", protocol: "Call", version: "1.0.0" });
      send({ event: "start", streamSid, start: {
        streamSid, callSid: session.call_sid, tracks: ["inbound"],
        customParameters: { token: session.token, callSid: session.call_sid, caller },
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: RATE, channels: 1 } } });
      setState("connected", stream ? "通话中" : "通话中：没有麦克风，可以按键");
      if (!stream) silenceTimer = setInterval(sendSilence, 20);
    };
    ws.onmessage = (event) => {
      if (!ctx) return;  // hung up: what was still on the way is dropped
      const message = JSON.parse(event.data);
      if (message.event === "media") play(fromBase64(message.media.payload));
      else if (message.event === "mark") markWhenPlayed(message.mark.name);
      else if (message.event === "clear") clearPlayback();
      else if (message.event === "yinling.text" && typeof message.text === "string") showText(message.text);
    };
    ws.onclose = () => { hangUp(false); };
  }

  function hangUp(sendStop) {
    if (sendStop) send({ event: "stop", streamSid, stop: {} });
    if (ws) { ws.onclose = null; ws.close(); ws = null; }
    if (processor) processor.disconnect();
    if (source) source.disconnect();
    if (stream) stream.getTracks().forEach(t => t.stop());
    if (silenceTimer) clearInterval(silenceTimer);
    if (ctx) ctx.close().catch(() => {});
    ws = ctx = source = processor = stream = silenceTimer = null;
    pendingMarks.forEach(m => clearTimeout(m.timer));
    playing = [], pendingMarks = [], outbox = [], playAt = 0;
    setState("ended");
  }

  const keys = document.getElementById("keys");
  "123456789*0#".split("").forEach(digit => {
    const button = document.createElement("button");
    button.textContent = digit;
    button.onclick = () => {
      send({ event: "dtmf", streamSid, dtmf: { track: "inbound_track", digit } });
      button.classList.add("pressed");  // shown briefly, as a key gives way under a finger
      setTimeout(() => button.classList.remove("pressed"), 400);
    };
    keys.appendChild(button);
    keyButtons.push(button);
  });
  callButton.onclick = () => call().catch(err => { hangUp(false); say("接不通：" + err); });
  hangupButton.onclick = () => hangUp(true);
  setState("idle");
})();
