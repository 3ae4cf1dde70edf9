#!/usr/bin/env bash
# Starts the action server, waits until it answers, then opens a chat with the bot in this
# terminal (rasa shell). Ctrl-C or /stop ends both. Called by `make run` after training.
set -euo pipefail
cd "$(dirname "$0")/.."

ACTION_PORT=${ACTION_PORT:-5055}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}
export RASA_TELEMETRY_ENABLED=false
mkdir -p results
log=results/actions.log

.venv/bin/rasa run actions --port "$ACTION_PORT" >"$log" 2>&1 &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null || true; wait "$actions_pid" 2>/dev/null || true' EXIT

for _ in $(seq 1 60); do
  if curl -fs "http://127.0.0.1:${ACTION_PORT}/health" >/dev/null; then break; fi
  if ! kill -0 "$actions_pid" 2>/dev/null; then echo "action server failed:"; cat "$log"; exit 1; fi
  sleep 1
done
echo "action server up on port ${ACTION_PORT} (log: $log)"
echo "company: ${COMPANY_NAME:-示例网}   bot: ${BOT_NAME:-小智}   工号: ${AGENT_ID:-0001}"
echo "loading the model takes about a minute; then type 你好 (/stop to quit)"
.venv/bin/rasa shell --model models/bot.tar.gz --endpoints endpoints.yml
