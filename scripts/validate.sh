#!/usr/bin/env bash
# Kept for whoever calls it: `make validate` and `make check-data` run scripts/check_data.py,
# which runs Rasa's data validation quietly (the warnings Rasa 3.6 gives this project by design
# counted, any other one an error), the compliance lint and the project's own data checks.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m scripts.check_data "$@"
