"""`python -m rasa_addons.serve run …`: `rasa` with its secret out of the command line and its
logs masked.

`rasa run --auth-token=…` shows the token to every user of the machine (`ps`). This entry point
takes it from `RASA_TOKEN` in the environment and hands it to Rasa's own argument parser inside
the process, so the command line the system shows has no secret. It also masks personal
numbers in every log record Rasa writes (compliance/logs.py): a visitor's phone number in a
"/…" message Rasa cannot parse would otherwise be logged in full.
"""

import os
import sys
from typing import List, Mapping

from compliance.logs import mask_every_record

TOKEN_VARIABLE = "RASA_TOKEN"


def rasa_arguments(argv: List[str], env: Mapping[str, str]) -> List[str]:
    """Rasa's command line: `argv` plus the HTTP API token from `env`, if one is set."""
    token = env.get(TOKEN_VARIABLE, "").strip()
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in argv):
        raise SystemExit(f"error: pass the token in {TOKEN_VARIABLE}, not on the command line")
    # One argument with "=": a token may start with "-", which argparse would read as an option.
    return [*argv, f"--auth-token={token}"] if token else list(argv)


def main() -> None:
    mask_every_record()
    from rasa.__main__ import main as rasa_main  # after the factory: Rasa logs while importing

    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:], os.environ)]
    rasa_main()


if __name__ == "__main__":
    main()
