#!/usr/bin/env bash
# Trains models/bot.tar.gz and prints how long it took. Rasa's cache (.rasa/) makes a run with
# unchanged data reuse every trained component.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
.venv/bin/rasa train --fixed-model-name bot --out models
echo "training took $(( $(date +%s) - start )) s"
