"""Complaints are heard before they are recorded (seed 000: 您是否能将详细情况告诉我?).

`complain` starts `complaint_form` with its one slot, `complaint_description`: prefilled when
the complaint itself says what happened ("我要投诉,快递三天都没送到"), asked otherwise
(`utter_ask_complaint_description`). Then `utter_complaint_recorded` (seed 004) and the handoff,
whose signal carries the description (docs/handoff.md). Dialogue in data/rules/feedback.yml.
"""

import re
import unicodedata
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account import validated
from actions.waiting import visible_text
from common.contract import COMPLAINT_SLOT

COMPLAINT_FORM = "complaint_form"
DESCRIPTION_SLOT = COMPLAINT_SLOT  # "complaint_description", also read by the desk
# Fewer letters or digits than this, once the bare complaint words are gone, is no description.
MIN_DESCRIPTION_CHARS = 4

# Clauses are what lies between punctuation or spaces (full-width or not).
_SEPARATORS = re.compile(r"([\s,.!?;:~、，。！？；：…]+)")
# A clause that only says "I complain": who, how much they want to, the complaint word, whom.
_BARE_COMPLAINT = re.compile(
    r"(?:我|我们|本人)?"
    r"(?:现在|今天|一定|必须|坚决|强烈)?(?:要|想|想要|需要|得|就要|申请)?"
    r"(?:投诉|举报|差评|给(?:你们|个)?差评|要个说法)"
    r"(?:一下|下)?"
    r"(?:你们|贵公司|贵司|你们公司|你们网站|你们平台|你们家|他们|他|她)?的?"
    r"(?:那个|这个|那位|这位)?"
    r"(?:客服人员|客服|售后|工作人员|员工|快递员|服务)?"
    r"(?:了|啊|吧|呀|哦)?"
)
# A clause that says nothing about what happened: a greeting, a call, a bare "whom".
_NO_CONTENT = re.compile(
    r"(?:你好|您好|喂|在吗|在不在|客服|人工|哎|唉|真是的?)"
    r"|(?:你们|贵公司的?)?(?:那个|这个|那位|这位)?"
    r"(?:客服人员|客服|售后|工作人员|员工|快递员|服务)"
)


def _content_chars(text: str) -> int:
    """Letters and digits of `text` outside markup."""
    return sum(1 for char in visible_text(text) if unicodedata.category(char)[0] in "LN")


def complaint_description(text: str) -> str | None:
    """What happened, if the complaint message says it; None if it only complains.

    Clauses that only complain ("我要投诉", "投诉你们客服!") or greet are dropped with their
    punctuation; what is left is the description, as written, if it has at least
    `MIN_DESCRIPTION_CHARS` letters or digits ("我要投诉,快递三天都没送到" →
    "快递三天都没送到"). A button payload (`/complain`) is no description.
    """
    if text.strip().startswith("/"):
        return None
    parts = _SEPARATORS.split(text.strip())
    clauses = parts[0::2]
    separators = parts[1::2] + [""]
    kept = "".join(
        clause + separator
        for clause, separator in zip(clauses, separators, strict=True)
        if clause and not _BARE_COMPLAINT.fullmatch(clause) and not _NO_CONTENT.fullmatch(clause)
    )
    description = kept.strip().rstrip(",.;:~、，；：…").strip()
    if _content_chars(description) < MIN_DESCRIPTION_CHARS:
        return None
    return description


def normalize_complaint(text: str) -> str | None:
    """An answer to "what happened?", surrounding whitespace removed; None without any letter or
    digit outside markup (emoji, punctuation or bare tags alone). The desk caps its length."""
    description = text.strip()
    return description if _content_chars(description) >= 1 else None


class ActionStartComplaint(Action):
    """Fills `complaint_description` from the complaint itself, or clears it so the form asks.

    Clearing matters too: a second complaint must not reuse the first one's description.
    """

    def name(self) -> str:
        return "action_start_complaint"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        return [SlotSet(DESCRIPTION_SLOT, complaint_description(text))]


class ValidateComplaintForm(FormValidationAction):
    """An answer without any letter or digit gets a hint and the question again."""

    def name(self) -> str:
        return "validate_complaint_form"

    async def validate_complaint_description(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        return validated(
            DESCRIPTION_SLOT,
            slot_value,
            normalize_complaint,
            dispatcher,
            tracker,
            response="utter_invalid_complaint_description",
        )
