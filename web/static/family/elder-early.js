// Runs in <head>, before the first paint, so elder mode never flashes small text. A file, not an
// inline script: the Content-Security-Policy allows scripts from this site only.
try {
  if (localStorage.getItem("yinling.elderMode") === "1") document.documentElement.classList.add("yl-elder");
} catch (e) { /* storage blocked: normal mode */ }
