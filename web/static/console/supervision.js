// Live supervision: fetches the changing part of the page every few seconds and swaps it in. Without
// scripts the page still works (reload it); a lost login stops the polling and says so.
(function () {
  "use strict";
  var box = document.getElementById("supervision-live");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-poll-url");
  var seconds = parseInt(box.getAttribute("data-poll-seconds"), 10) || 5;
  var busy = false;
  function stale(text) {
    var stamp = document.getElementById("supervision-updated");
    if (stamp) { stamp.textContent = text; }
  }
  function poll() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { box.innerHTML = html; })
      .catch(function () { stale("暂时无法更新，请刷新页面或重新登录。"); })
      .then(function () { busy = false; });
  }
  window.setInterval(poll, seconds * 1000);
})();
