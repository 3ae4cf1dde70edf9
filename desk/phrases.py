"""The lines the desk says itself (desk/phrases.yml) and the bot's closing line (domain.yml)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import yaml

PHRASES_PATH = Path(__file__).with_name("phrases.yml")


@dataclass(frozen=True)
class Phrases:
    """Desk wording: system lines (with `{placeholders}`), handoff reason labels, quick replies.

    Attributes:
        system: system lines by name (`queued`, `agent_joined`, `bot_unavailable`, ...).
        reasons: Chinese label of each handoff reason.
        canned: quick replies, each `{"title": ..., "text": ...}`.
        closing: the bot's closing line, company name filled in.
        anything_else: the bot's 请问还有什么可以帮您? (`utter_anything_else`), which an agent
            asks before closing.
        intents: Chinese label of each visitor intent (domain.yml's `affirmation: labels`,
            desk/phrases.yml's `intents` for the ones the bot never offers as a button).
    """

    system: Dict[str, str]
    reasons: Dict[str, str]
    canned: List[Dict[str, str]]
    closing: str
    anything_else: str
    intents: Dict[str, str]

    def say(self, name: str, **values: Any) -> str:
        """The system line `name` with its placeholders filled."""
        return self.system[name].format(**values)

    def reason_label(self, reason: str) -> str:
        return self.reasons.get(reason, reason)

    def intent_labels(self, intents: Any) -> List[str]:
        """The visitor's intents as agents read them: labels, never raw names (desk-raised
        intents and unknown ones are left out)."""
        names = intents if isinstance(intents, list) else []
        return [self.intents[str(i)] for i in names if str(i) in self.intents]


def load_phrases(domain_path: Path, company_name: str) -> Phrases:
    """Reads desk/phrases.yml and two lines of the bot's domain (`utter_closing`,
    `utter_anything_else`)."""
    data = yaml.safe_load(PHRASES_PATH.read_text(encoding="utf-8"))
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    closing_template: str = domain["responses"]["utter_closing"][0]["text"]
    return Phrases(
        system=dict(data["system"]),
        reasons=dict(data["reasons"]),
        canned=[{"title": str(c["title"]), "text": str(c["text"])} for c in data["canned"]],
        closing=closing_template.replace("{company_name}", company_name),
        anything_else=domain["responses"]["utter_anything_else"][0]["text"],
        intents={**domain["affirmation"]["labels"], **data["intents"]},
    )
