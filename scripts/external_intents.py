"""Prints the intents only the desk triggers (`EXTERNAL_...`), one per line.

The desk sends them through `POST /conversations/{id}/trigger_intent` (docs/handoff.md); they
have no NLU examples by design, so that nothing a visitor types is ever classified as one.
`rasa data validate` (3.6) warns "The intent ... is listed in the domain file, but is not found
in the NLU training data" for each: `EXTERNAL_` is only a naming convention in Rasa's docs, its
validator has no notion of it. scripts/check_data.py allows exactly that warning for these intents
(not "not used in any story or rule", which still fails).
"""

import sys
from pathlib import Path
from typing import List

import yaml

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "EXTERNAL_"


def external_intents(root: Path = ROOT) -> List[str]:
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    return [
        intent
        for intent in domain.get("intents") or []
        if isinstance(intent, str) and intent.startswith(PREFIX)
    ]


if __name__ == "__main__":
    sys.stdout.write("".join(f"{name}\n" for name in external_intents()))
