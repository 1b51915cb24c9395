// Elder mode (大字模式): large text, high contrast, big touch targets. Remembered in localStorage and
// shown as the class "yl-elder" on <html>, so the host page and the widget switch together.
export const STORAGE_KEY = "yinling.elderMode";
export const HTML_CLASS = "yl-elder";
export const EVENT = "yinling:eldermode";

export function storedElderMode() {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return value === null ? null : value === "1";
  } catch (_err) {
    return null; // storage blocked (private mode): fall back to the page's choice
  }
}

export function applyElderMode(on) {
  document.documentElement.classList.toggle(HTML_CLASS, on);
}

export function setElderMode(on) {
  try {
    window.localStorage.setItem(STORAGE_KEY, on ? "1" : "0");
  } catch (_err) {
    // not remembered, still applied
  }
  applyElderMode(on);
  window.dispatchEvent(new CustomEvent(EVENT, { detail: { on } }));
}

export function onElderModeChange(listener) {
  const handler = (event) => listener(Boolean(event.detail && event.detail.on));
  window.addEventListener(EVENT, handler);
  return () => window.removeEventListener(EVENT, handler);
}
