// Family pages without a bundler: the elder-mode switch (same storage key and event as the chat
// widget, so both follow each other) and refreshing the elders panel after the chat books something.
(function () {
  var KEY = "yinling.elderMode", CLASS = "yl-elder", EVENT = "yinling:eldermode";
  var root = document.documentElement;

  function label() {
    var on = root.classList.contains(CLASS);
    document.querySelectorAll("[data-elder-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "大字模式：开" : "大字模式：关";
    });
  }

  document.querySelectorAll("[data-elder-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var on = !root.classList.contains(CLASS);
      try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* not remembered, still applied */ }
      root.classList.toggle(CLASS, on);
      window.dispatchEvent(new CustomEvent(EVENT, { detail: { on: on } }));
      label();
    });
  });
  window.addEventListener(EVENT, label);
  label();

  // The elders panel follows everything about the elders (orders booked, cancelled, assigned, a request
  // to staff claimed): refreshed right after each answer of the assistant and every POLL_MS while shown.
  var panel = document.getElementById("fam-elders");
  var POLL_MS = 5000;
  if (panel) {
    var refreshing = false, last = null;
    var refresh = function () {
      if (refreshing) return;
      refreshing = true;
      fetch(panel.getAttribute("data-panel-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html && html !== last) { last = html; panel.innerHTML = html; } })
        .catch(function () { /* the page still shows the old list; the next poll tries again */ })
        .then(function () { refreshing = false; });
    };
    window.addEventListener("yinling:order_created", refresh);
    window.addEventListener("yinling:answered", refresh);
    setInterval(function () { if (!document.hidden) refresh(); }, POLL_MS);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }
})();
