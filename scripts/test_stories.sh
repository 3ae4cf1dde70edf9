#!/usr/bin/env bash
# End-to-end test stories (tests/e2e/test_*.yml) against the trained model. With --e2e Rasa
# parses each `user:` text with the model's NLU, so a wrong intent or entity fails the story;
# --fail-on-prediction-errors stops at the first wrong prediction. Rasa exits 0 when it finds
# no story at all, so this script also checks how many conversations were evaluated.
set -euo pipefail
cd "$(dirname "$0")/.."
expected=$(cat tests/e2e/test_*.yml | grep -c '^- story:')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
.venv/bin/rasa test core --e2e --model models/bot.tar.gz --stories tests/e2e \
  --fail-on-prediction-errors --out results/e2e 2>&1 | tee "$log"
summary=$(grep -m1 -oE 'Correct: +[0-9]+ / [0-9]+' "$log" || true)
echo "test stories: ${summary:-no summary} (expected ${expected} of ${expected})"
[[ "$summary" =~ Correct:\ +([0-9]+)\ /\ ([0-9]+) ]] || { echo "FAILED: no evaluation ran"; exit 1; }
if [[ ${BASH_REMATCH[1]} -ne $expected || ${BASH_REMATCH[2]} -ne $expected ]]; then
  echo "FAILED: ${BASH_REMATCH[1]} of ${BASH_REMATCH[2]} correct, ${expected} stories in tests/e2e"
  exit 1
fi
