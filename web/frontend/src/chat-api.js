// The widget's one call: POST {apiBase}/chat with the session's CSRF token. The server adds who is
// asking; the browser only sends the text. Failures come back as {ok: false, message} in Chinese.
const TIMEOUT_MS = 45000; // longer than the server's own 30 s wait for the assistant

export const MESSAGES = {
  down: "抱歉，助手现在没有回应。您的话还在输入框里，请点“重试”再发一次。",
  expired: "登录已过期，请刷新页面后重新登录。",
};

export async function sendText(apiBase, csrfToken, text, label) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(`${apiBase}/chat`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(label ? { text, label } : { text }),
      signal: controller.signal,
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) return { ok: false, retry: false, message: MESSAGES.expired };
    if (!response.ok) {
      return { ok: false, retry: response.status >= 500, message: body.message || MESSAGES.down };
    }
    return { ok: true, messages: body.messages || [], events: body.events || [] };
  } catch (_err) {
    return { ok: false, retry: true, message: MESSAGES.down };
  } finally {
    clearTimeout(timer);
  }
}

// The member's open conversation, to show again after a reload: [{speaker: "member"|"assistant", text}].
export async function fetchHistory(apiBase) {
  try {
    const response = await fetch(`${apiBase}/chat/history`, {
      credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (!response.ok) return [];
    const body = await response.json();
    return Array.isArray(body.messages) ? body.messages : [];
  } catch (_err) {
    return [];
  }
}

// 重新开始: the server ends the conversation and the assistant forgets any half-finished question.
export async function restartChat(apiBase, csrfToken) {
  try {
    const response = await fetch(`${apiBase}/chat/restart`, {
      method: "POST", credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrfToken },
    });
    return response.ok;
  } catch (_err) {
    return false;
  }
}
