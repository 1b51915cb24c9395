// Mounts the assistant widget into every element marked data-yinling-chat (the family home page, the
// embed demo). The CSRF token comes from the element's data-csrf-token or the page's csrf-token meta.
(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.querySelectorAll("[data-yinling-chat]").forEach(function (element) {
    window.YinlingChat.mount(element, {
      apiBase: element.getAttribute("data-api-base") || "/family/api",
      csrfToken: element.getAttribute("data-csrf-token") || (meta ? meta.content : "")
    });
  });
})();
