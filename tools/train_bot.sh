#!/usr/bin/env bash
# train_bot.sh [--force]: train the Rasa model into var/models/bot/yinling.tar.gz, but only when
# the hash of what the model is built from changed (stored beside it in var/models/bot/inputs.sha256).
# Inputs: config.yml, bot/domain.yml, bot/data/**, bot/jieba/**, the NLU code the pipeline
# runs (bot/nlu/**, bot/actions/parsing.py, bot/actions/catalogue.py) and the service catalogue the
# service classifier trains on (backend/catalogue/services.yml). Run from anywhere; uses .venv-bot.
set -euo pipefail
cd "$(dirname "$0")/.."
out=var/models/bot
model=$out/yinling.tar.gz
py=${BOT_PYTHON:-.venv-bot/bin/python}

hash=$(find config.yml bot/domain.yml bot/data bot/jieba bot/nlu bot/actions/parsing.py bot/actions/catalogue.py \
         backend/catalogue/services.yml \
         -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.txt' -o -name '*.py' \) -print0 \
       | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)

if [ "${1:-}" != "--force" ] && [ -f "$model" ] && [ "$(cat "$out/inputs.sha256" 2>/dev/null)" = "$hash" ]; then
  echo "[bot] model up to date ($model)"
  exit 0
fi

# Models are also kept outside the clone, by the same hash, so a fresh clone (CI) does not retrain
# what another clone on this machine already trained from identical inputs.
cache=${YINLING_CACHE:-$HOME/.cache/yinling}/models
cached=$cache/bot-$hash.tar.gz
if [ "${1:-}" != "--force" ] && [ -f "$cached" ]; then
  mkdir -p "$out" && cp "$cached" "$model" && echo "$hash" > "$out/inputs.sha256"
  echo "[bot] model restored from $cached"
  exit 0
fi

mkdir -p "$out"
echo "[bot] training $model"
start=$(date +%s)
# The repository root must be importable: config.yml names bot.nlu.normalizer.TextNormalizer.
# Few TensorFlow threads: the machine has 2 cores shared with other work.
export TF_INTER_OP_PARALLELISM_THREADS=${TF_INTER_OP_PARALLELISM_THREADS:-1}
export TF_INTRA_OP_PARALLELISM_THREADS=${TF_INTRA_OP_PARALLELISM_THREADS:-2}
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "$py" -m rasa train \
  --config config.yml --domain bot/domain.yml --data bot/data \
  --out "$out" --fixed-model-name yinling
echo "$hash" > "$out/inputs.sha256"
mkdir -p "$cache" && cp "$model" "$cached.tmp" && mv "$cached.tmp" "$cached"
echo "[bot] trained in $(( $(date +%s) - start )) s"
