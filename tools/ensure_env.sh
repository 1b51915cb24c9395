#!/usr/bin/env bash
# ensure_env.sh NAME LOCKFILE LINK [PIP_EXTRA_ARGS...]
#
# Builds a Python environment from LOCKFILE once, in a cache outside the clone
# (${YINLING_CACHE:-~/.cache/yinling}/envs/NAME-<sha256 of lock>), then makes LINK
# (e.g. .venv) a small per-clone venv layered on top of it: the cached site-packages are
# added through a .pth file, so this clone's own editable installs and console scripts
# live in LINK while the 2.5 GB of dependencies are built only when the lock changes.
set -euo pipefail
# The machine's pip config names local mirror folders that may be absent; drop that noise only.
pip_q() { "$@" 2>&1 | { grep -v "^WARNING: Location .* is ignored" || true; }; return "${PIPESTATUS[0]}"; }
name=$1; lock=$2; link=$3; shift 3
py=${PYTHON:-python3.11}
cache=${YINLING_CACHE:-$HOME/.cache/yinling}
hash=$(sha256sum "$lock" | cut -c1-16)
env="$cache/envs/$name-$hash"
mkdir -p "$cache/envs"
# One builder at a time per environment (two makes in parallel must not share a half-built env).
exec 9>"$cache/envs/.$name.lock"
flock 9

if [ ! -f "$env/.complete" ]; then
  echo "[env] building $name environment from $lock into $env (first time only)"
  rm -rf "$env"
  mkdir -p "$cache/envs"
  "$py" -m venv "$env"
  pip_q "$env/bin/python" -m pip install -q --upgrade "pip==24.3.1" "setuptools==75.6.0" "wheel==0.45.1"
  pip_q "$env/bin/python" -m pip install -q --no-deps "$@" -r "$lock"
  touch "$env/.complete"
fi

site=$("$env/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
if [ ! -f "$link/.yinling-env" ] || [ "$(cat "$link/.yinling-env")" != "$env" ]; then
  rm -rf "$link"
  "$py" -m venv --without-pip "$link"
  lsite=$("$link/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "import site; site.addsitedir('$site')" > "$lsite/_yinling_cached_env.pth"
  echo "$env" > "$link/.yinling-env"
fi
