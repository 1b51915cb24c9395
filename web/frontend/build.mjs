// Bundles the front-end into web/static/dist with esbuild (called by tools/build_web.sh).
//   src/family-chat.jsx   -> family-chat.js + family-chat.css  (window.YinlingChat.mount)
//   src/console-charts.js -> console-charts.js                 (window.Chart)
import { build } from "esbuild";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = process.argv[2] || path.resolve(here, "../static/dist");

// ChatUI's stylesheet assumes it owns the whole page (html{height:100vh}, body{overflow:hidden}).
// The widget is embedded in other pages, so those page-wide rules are dropped. If an upgrade
// changes them, the build fails here rather than silently freezing host pages' scrolling.
// Each pattern matches a whole top-level rule (after "}" or at the start), as esbuild minifies it.
const PAGE_WIDE_RULES = [
  /(^|\})html\{height:100vh\}/g,
  /(^|\})html\[data-safari\]\{height:calc\([^}]*\)\}/g,
  /(^|\})body\{margin:0;overflow:hidden\}/g,
];

// ChatUI's @font-face rules load Alibaba Sans from Alipay's CDN: a request to a third party from
// every family page, which the site's Content-Security-Policy (fonts from this site only) refuses.
// They are dropped; the widget uses the page's own fonts. Nothing else may load from elsewhere.
const REMOTE_FONT_FACES = /@font-face\{[^}]*url\(https?:[^}]*\}/g;

async function stripPageWideRules(file) {
  let css = await readFile(file, "utf8");
  for (const rule of PAGE_WIDE_RULES) {
    if (css.search(rule) < 0) throw new Error(`expected ChatUI rule not found in ${file}: ${rule}`);
    css = css.replace(rule, "$1");
  }
  css = css.replace(REMOTE_FONT_FACES, "");
  const remote = css.match(/url\(\s*["']?(https?:)?\/\/[^)]*\)/);
  if (remote) throw new Error(`${file} still loads from another site: ${remote[0]}`);
  await writeFile(file, css);
}

const common = {
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2018", "chrome70", "safari12"],
  // ChatUI's "browser" field points at its UMD build (which expects a global React); take the ES build.
  mainFields: ["module", "main"],
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "linked",
  logLevel: "warning",
};

await build({
  ...common,
  entryPoints: { "family-chat": path.join(here, "src/family-chat.jsx") },
  outdir,
  jsx: "automatic",
  loader: { ".js": "jsx" },
});
await stripPageWideRules(path.join(outdir, "family-chat.css"));

await build({
  ...common,
  entryPoints: { "console-charts": path.join(here, "src/console-charts.js") },
  outdir,
});
console.log(`[build_web] bundles written to ${outdir}`);
