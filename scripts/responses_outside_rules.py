"""Prints the responses Rasa's validator cannot see being used, one per line.

`rasa data validate` (3.6) warns "The utterance ... is not used in any story or rule" for a
form's questions (`utter_ask_<slot>`, asked by the form itself) and for responses a custom
action sends (`dispatcher.utter_message(response="utter_...")`, or a name a plain function
chooses, like actions/handoff.py's `handoff_response`). scripts/check_data.py allows exactly
these, found here from domain.yml and the response names quoted in actions/, and fails on every
other warning.
"""

import re
import sys
from pathlib import Path
from typing import Set

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Every quoted response name in actions/: sent directly or chosen by a function, then sent.
DISPATCHED = re.compile(r"""["'](utter_[\w/]+)["']""")


def responses_outside_rules(root: Path = ROOT) -> Set[str]:
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    responses = set(domain.get("responses") or {})
    found = {
        f"utter_ask_{slot}"
        for form in (domain.get("forms") or {}).values()
        for slot in form.get("required_slots") or []
    }
    for module in (root / "actions").glob("*.py"):
        found |= set(DISPATCHED.findall(module.read_text(encoding="utf-8")))
    return found & responses


if __name__ == "__main__":
    sys.stdout.write("".join(f"{name}\n" for name in sorted(responses_outside_rules())))
