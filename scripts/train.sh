#!/usr/bin/env bash
# Trains models/bot.tar.gz and prints how long it took and what was retrained. Rasa's cache
# (.rasa/) reuses a component when everything it is trained on is unchanged: an NLU edit retrains
# the NLU pipeline and reuses the dialogue policies; a story or rule edit the other way round.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --skip-validation: `make validate` checks the data and domain, and `make test` runs it before it
# trains; checking them again here took 16 s of every training (docs/nlu-evaluation.md).
.venv/bin/rasa train --skip-validation --fixed-model-name bot --out models 2>&1 | tee "$log"
echo "training took $(( $(date +%s) - start )) s"
.venv/bin/python -m scripts.training_summary "$log"
