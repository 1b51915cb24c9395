// Check-in and check-out at the door: the form is sent with the position the phone reports. The
// server measures it against the service address; this script only asks the browser for it.
(function () {
  var banner = document.querySelector("[data-geo-error]");

  function say(text) {
    if (!banner) { window.alert(text); return; }
    banner.textContent = text;
    banner.hidden = false;
    banner.scrollIntoView({ block: "center" });
  }

  var REFUSED = {
    1: "您没有允许使用位置信息。请在浏览器设置里允许本网站使用位置，然后再点一次。",
    2: "暂时拿不到您的位置。请到开阔一点的地方，或打开手机的定位，再点一次。",
    3: "定位时间太长了。请再点一次。"
  };

  document.querySelectorAll("form[data-geo-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-located") === "1") return;
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (!navigator.geolocation) { say("这个浏览器不能定位。请联系社区站点由工作人员确认。"); return; }
      if (button) { button.disabled = true; button.setAttribute("data-label", button.textContent); button.textContent = "正在定位……"; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("input[name=lat]").value = String(pos.coords.latitude);
        form.querySelector("input[name=lon]").value = String(pos.coords.longitude);
        form.setAttribute("data-located", "1");
        form.submit();
      }, function (err) {
        if (button) { button.disabled = false; button.textContent = button.getAttribute("data-label"); }
        say(REFUSED[err.code] || REFUSED[2]);
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    });
  });
})();
