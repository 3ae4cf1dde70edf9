#!/usr/bin/env bash
# Trains models/bot.tar.gz and prints how long it took. Rasa's cache (.rasa/) makes a run with
# unchanged data reuse every trained component.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# --skip-validation: `make validate` checks the data and domain, and `make test` runs it before it
# trains; checking them again here took 16 s of every training (docs/nlu-evaluation.md).
.venv/bin/rasa train --skip-validation --fixed-model-name bot --out models
echo "training took $(( $(date +%s) - start )) s"
