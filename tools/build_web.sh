#!/usr/bin/env bash
# build_web.sh — the front-end bundles (family chat widget, console charts) into web/static/dist.
#
# Reproducible from web/frontend/package-lock.json and idempotent:
#   key = sha256 of package-lock.json + package.json + build.mjs + src/**
#   ${YINLING_CACHE:-~/.cache/yinling}/web/deps-<lock hash>/node_modules   `npm ci` output, per lock file
#   ${YINLING_CACHE:-~/.cache/yinling}/web/<key>/dist                      the built bundles, per key
# An unchanged tree does nothing; a clean clone with a warm cache only copies; a fresh machine runs
# `npm ci` (packages from the npm registry only, no install scripts) and esbuild once.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
frontend="$repo/web/frontend"
out="$repo/web/static/dist"
cache="${YINLING_CACHE:-$HOME/.cache/yinling}/web"

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "[web] $tool is missing: run 'make sysdeps' (Debian's nodejs and npm)" >&2; exit 1; }
done

lock_hash=$(sha256sum "$frontend/package-lock.json" | cut -c1-16)
key=$(cd "$frontend" && { echo "node-major $(node -p 'process.versions.node.split(".")[0]')";
  find package-lock.json package.json build.mjs src -type f | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -c1-16)

if [ -f "$out/.build-key" ] && [ "$(cat "$out/.build-key")" = "$key" ]; then
  exit 0  # already built from exactly these inputs
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9  # two builds at once (make run and make test) must not share a half-written cache entry

deps="$cache/deps-$lock_hash"
if [ ! -f "$deps/.complete" ]; then
  echo "[web] installing front-end packages from package-lock.json into $deps (first time only)"
  rm -rf "$deps" "$deps.tmp"
  mkdir -p "$deps.tmp"
  cp "$frontend/package.json" "$frontend/package-lock.json" "$deps.tmp/"
  (cd "$deps.tmp" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  mv "$deps.tmp" "$deps"
  touch "$deps/.complete"
fi
# Module resolution starts from the sources, so web/frontend/node_modules points at the cached packages.
if [ "$(readlink "$frontend/node_modules" 2>/dev/null)" != "$deps/node_modules" ]; then
  rm -rf "$frontend/node_modules"
  ln -s "$deps/node_modules" "$frontend/node_modules"
fi

built="$cache/$key/dist"
if [ ! -f "$built/.complete" ]; then
  echo "[web] bundling web/frontend into $built"
  rm -rf "$built" "$built.tmp"
  mkdir -p "$built.tmp"
  (cd "$frontend" && node build.mjs "$built.tmp")
  mv "$built.tmp" "$built"
  touch "$built/.complete"
fi

rm -rf "$out.tmp"
cp -a "$built" "$out.tmp"
rm -f "$out.tmp/.complete"
echo "$key" > "$out.tmp/.build-key"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "[web] front-end bundles ready in web/static/dist ($key)"
