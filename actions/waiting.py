"""Waiting and working hours: a silent visitor, the end of a conversation, a message left.

The desk owns every timer and every agent's presence. It triggers `EXTERNAL_idle` when the
visitor stays silent after the bot's last line, and `EXTERNAL_after_hours` or
`EXTERNAL_no_agent` (entities `working_hours`, `reply_time`) when a handoff finds nobody to take
it; the bot answers with the rules of data/rules/waiting.yml and tells the desk what happened
with two custom messages, `closed` and `leave_message`. Contract: docs/handoff.md, "Waiting and
working hours". The plain functions below are tested without Rasa.

A visitor who gives a phone number without a request (`inform`, typically after the advertising
FAQ asked for a name and a phone) leaves a 留言 the same way: `action_start_leave_message`
prefills the form from the message and works out when to expect the call (data/rules/general.yml).
"""

import logging
import re
import unicodedata
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Literal, Mapping, Sequence, TypedDict

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account import latest_entity, validated
from actions.normalize import halfwidth
from actions.settings import Settings
from actions.surnames import NOT_NAMES
from common.contract import CLOSED_SIGNAL, IDLE_INTENT, LEAVE_MESSAGE_SIGNAL
from compliance.masking import mask_personal_numbers

logger = logging.getLogger(__name__)
# Seed 000 (无声电话): the greeting is repeated twice, then the call is closed.
IDLE_NUDGES = 2

IdleStage = Literal["nudge", "close"]
CloseReason = Literal["goodbye", "idle"]

LEAVE_MESSAGE_FORM = "leave_message_form"
MESSAGE_SLOTS = ("message_name", "message_phone", "message_text")

NAME_MAX_CHARS = 20
MESSAGE_MAX_CHARS = 500
# Longer input is not looked at: no name or phone number, whatever it holds, is that long.
_NAME_MAX_INPUT = 200
_PHONE_MAX_INPUT = 64


class Closed(TypedDict):
    """The `closed` object: the bot ended the conversation (the desk asks for a rating)."""

    by: Literal["bot"]
    reason: CloseReason


class LeftMessage(TypedDict):
    """The `leave_message` object: what the visitor left for an agent to call back about."""

    name: str
    phone: str  # normalised: 11-digit mobile or landline with area code, digits only
    message: str  # as the visitor wrote it (surrounding whitespace removed)
    reply_time: str | None  # when the visitor was told to expect the call


# ---- Silence ------------------------------------------------------------------------------


def _intent_name(event: Mapping[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def consecutive_idle_events(events: Sequence[Mapping[str, Any]]) -> int:
    """How many `EXTERNAL_idle` events follow the latest other user event.

    Any other user event (a visitor message, another external intent) or the start of a
    session ends the run. Pass applied events (`Tracker.applied_events()`), so that a message
    Rasa reverted and re-applied (after the two-stage fallback) is counted once.
    """
    count = 0
    for event in reversed(events):
        kind = event.get("event")
        if kind == "session_started":
            break
        if kind == "user":
            if _intent_name(event) != IDLE_INTENT:
                break
            count += 1
    return count


def idle_stage(count: int) -> IdleStage:
    """`nudge` for the first `IDLE_NUDGES` silences, `close` from the next one."""
    return "nudge" if count <= IDLE_NUDGES else "close"


def close_reason(latest_intent: str | None) -> CloseReason:
    """`idle` when the visitor's silence closes the conversation, else `goodbye`."""
    return "idle" if latest_intent == IDLE_INTENT else "goodbye"


def closed_signal(reason: CloseReason) -> Dict[str, Closed]:
    """The custom message that tells the desk the bot closed the conversation."""
    return {CLOSED_SIGNAL: Closed(by="bot", reason=reason)}


# ---- Leaving a message --------------------------------------------------------------------

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"  # after NFKC, full-width － is "-"
_PHONE_JOINERS = re.compile(rf"[\s{re.escape(_DASHES)}.()]")
_PHONE_LEAD_IN = re.compile(
    r"^(?:我的|本人的?|我)?"
    r"(?:手机号码|手机号|手机|移动电话|联系电话|联系方式|电话号码|电话|固定电话|座机号码|座机|固话|号码)?"
    r"(?:是|为)?[:\s]*"
)
_PHONE_TRAILING = "。.,;!~ \t"
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# 0, a 2-3 digit area code (010, 0571), a 7-8 digit local number.
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}[0-9]{7,8}")
_COUNTRY_CODES = ("+86", "0086")

_NAME_LEAD_IN = re.compile(
    r"^(?:我的名字叫|我的名字是|名字叫|名字是|姓名是|姓名|叫我|我叫|我是|本人)[:\s]*"
)
_NAME_PUNCTUATION = "·.-'’"  # inside names: 买买提·艾力, J.R., Jean-Luc, O'Brien
_NAME_TRAILING = "。.,!~、 "  # ends a sentence, not a name (after NFKC)
# Replies to some other question, never a name ("在的" after "请问还在吗?").
_EVERYDAY_REPLIES = NOT_NAMES | frozenset(
    (
        "好 好的 好吧 嗯 嗯嗯 是 是的 对 对的 在 在的 在呢 "
        "可以 行 哦 啊 没有 不知道 你好 您好 喂"
    ).split()
)
_URL = re.compile(r"(?i)https?|www\.|://|\.(?:com|cn|net|org|top|xyz|cc|io|me|vip|info)\b")

_SCRIPT = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")
_TAG = re.compile(r"<[^<>]*>")


def _name_char(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd" or char == " " or char in _NAME_PUNCTUATION


def normalize_contact_name(text: str) -> str | None:
    """The name or form of address a visitor leaves ("我叫 王先生。" → "王先生"), or None.

    1-20 characters after a lead-in and a full stop or the like are removed, with at least one
    letter (any script); only letters, digits, spaces and the punctuation of names (·.-') are
    allowed, so markup, URLs, emoji and bare numbers are rejected, and so are everyday replies
    ("好的", "谢谢").
    """
    if len(text) > _NAME_MAX_INPUT:
        return None
    name = " ".join(halfwidth(text).split())
    name = _NAME_LEAD_IN.sub("", name, count=1).rstrip(_NAME_TRAILING)
    if not 1 <= len(name) <= NAME_MAX_CHARS or _URL.search(name) or name in _EVERYDAY_REPLIES:
        return None
    if not all(_name_char(char) for char in name):
        return None
    return name if any(unicodedata.category(char)[0] == "L" for char in name) else None


def normalize_contact_phone(text: str) -> str | None:
    """A mainland phone number as digits only, or None.

    A mobile (1[3-9] and 9 more digits) or a landline (0, a 2-3 digit area code, 7-8 digits).
    Full-width digits, spaces, dashes, dots, brackets around the area code, a lead-in
    ("我的手机号是") and the country code (+86, 0086) are allowed around the digits; anything
    else (an extension, a second number, letters) is not.
    """
    if len(text) > _PHONE_MAX_INPUT:
        return None
    rest = _PHONE_LEAD_IN.sub("", halfwidth(text).strip(), count=1).rstrip(_PHONE_TRAILING)
    digits = _PHONE_JOINERS.sub("", rest)
    for code in _COUNTRY_CODES:
        if digits.startswith(code):
            digits = digits[len(code) :]
            break
    else:
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    return None


def visible_text(text: str) -> str:
    """`text` without HTML: script and style blocks and every tag removed."""
    return _TAG.sub("", _SCRIPT.sub("", text))


def normalize_message_text(text: str) -> str | None:
    """The message as the visitor wrote it (surrounding whitespace removed), or None.

    1-500 characters, and some letter or digit outside markup: an empty message, bare tags, a
    `<script>` block, emoji or punctuation alone are rejected.
    """
    message = text.strip()
    if not 1 <= len(message) <= MESSAGE_MAX_CHARS:
        return None
    visible = visible_text(message)
    if not any(unicodedata.category(char)[0] in "LN" for char in visible):
        return None
    return message


def build_left_message(
    name: Any, phone: Any, message: Any, reply_time: Any
) -> tuple[LeftMessage | None, List[str]]:
    """The `leave_message` object from the form's slots, and the slots that are not valid.

    The form only completes with valid answers; every value is checked again all the same.
    """
    checked = {
        "message_name": normalize_contact_name(str(name)) if name is not None else None,
        "message_phone": normalize_contact_phone(str(phone)) if phone is not None else None,
        "message_text": normalize_message_text(str(message)) if message is not None else None,
    }
    invalid = [slot for slot, value in checked.items() if value is None]
    if invalid:
        return None, invalid
    left = LeftMessage(
        name=str(checked["message_name"]),
        phone=str(checked["message_phone"]),
        message=str(checked["message_text"]),
        reply_time=str(reply_time) if reply_time is not None else None,
    )
    return left, []


def prefilled_message(person_name: str | None, phone: str | None) -> Dict[str, str]:
    """The leave-message form's answers a message already gives (NLU's `person_name` and
    `phone` entities), normalised; a value the form would refuse is left for it to ask."""
    found = {
        "message_name": normalize_contact_name(person_name) if person_name else None,
        "message_phone": normalize_contact_phone(phone) if phone else None,
    }
    return {slot: value for slot, value in found.items() if value is not None}


def reply_time_at(settings: Settings, moment: datetime) -> str | None:
    """When a visitor who leaves a message at `moment` can expect the call, as the desk says it
    in `EXTERNAL_after_hours` (common/hours.py); None, logged, if the hours are misconfigured."""
    try:
        return settings.working_hours().reply_time(moment)
    except ValueError as error:
        logger.error("DESK_HOURS, DESK_HOLIDAYS or DESK_TIMEZONE is invalid: %s", error)
        return None


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


# ---- Actions ------------------------------------------------------------------------------


class ActionCountIdle(Action):
    """Counts the visitor's consecutive silences and sets `idle_stage` for the rules."""

    def name(self) -> str:
        return "action_count_idle"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        count = consecutive_idle_events(tracker.applied_events())
        return [SlotSet("idle_stage", idle_stage(count))]


class ActionEndConversation(Action):
    """Tells the desk that the bot closed the conversation; says nothing itself.

    The rules send the closing line first (`utter_closing` or `utter_idle_close`). The bot is
    not paused: the desk ends the chat and asks the visitor for a satisfaction rating.
    """

    def name(self) -> str:
        return "action_end_conversation"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        reason = close_reason(intent)
        logger.info("closed conversation=%s by=bot reason=%s", tracker.sender_id, reason)
        dispatcher.utter_message(json_message=closed_signal(reason))
        return []


class ValidateLeaveMessageForm(FormValidationAction):
    """Checks each answer of the leave-message form; a malformed one gets a hint and is re-asked."""

    def name(self) -> str:
        return "validate_leave_message_form"

    async def validate_message_name(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        return validated(
            "message_name",
            slot_value,
            normalize_contact_name,
            dispatcher,
            tracker,
            response="utter_invalid_message_name",
        )

    async def validate_message_phone(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        return validated(
            "message_phone",
            slot_value,
            normalize_contact_phone,
            dispatcher,
            tracker,
            response="utter_invalid_message_phone",
        )

    async def validate_message_text(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        return validated(
            "message_text",
            slot_value,
            normalize_message_text,
            dispatcher,
            tracker,
            response="utter_invalid_message_text",
        )


class ActionLeaveMessage(Action):
    """Passes the completed message to the desk, confirms it and clears the form's slots.

    Should a slot not hold a valid answer after all, it is cleared and the form asks again.
    """

    def name(self) -> str:
        return "action_leave_message"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        left, invalid = build_left_message(
            name=tracker.get_slot("message_name"),
            phone=tracker.get_slot("message_phone"),
            message=tracker.get_slot("message_text"),
            reply_time=tracker.get_slot("reply_time"),
        )
        if left is None:
            logger.warning(
                "leave_message conversation=%s incomplete=%s", tracker.sender_id, invalid
            )
            return [SlotSet(slot, None) for slot in invalid] + [FollowupAction(LEAVE_MESSAGE_FORM)]
        logger.info(
            "leave_message conversation=%s phone=%s chars=%d",
            tracker.sender_id,
            mask_personal_numbers(left["phone"]),
            len(left["message"]),
        )
        dispatcher.utter_message(json_message={LEAVE_MESSAGE_SIGNAL: left})
        dispatcher.utter_message(response="utter_message_left")
        return [SlotSet(slot, None) for slot in MESSAGE_SLOTS]


class ActionStartLeaveMessage(Action):
    """Starts a 留言 from a message that gives a phone number without a request.

    Why a 留言 rather than "您的信息已收到": nothing else keeps a contact. Slots die with the
    conversation and reach a human only in a handoff; a 留言 is stored by the desk and listed in
    the console, so the promise "专员会与您联系" (seed 004, advertising enquiries) is kept.
    Prefills `message_name` and `message_phone` from the message's entities (the form asks for
    the rest) and sets `reply_time` for now: the desk only sends one with its after-hours
    intents, and `utter_message_left` must not repeat a stale one or the domain's 上班后.
    """

    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self.clock = clock

    def name(self) -> str:
        return "action_start_leave_message"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        found = prefilled_message(
            latest_entity(tracker, "person_name"), latest_entity(tracker, "phone")
        )
        events: List[EventType] = [SlotSet(slot, value) for slot, value in found.items()]
        reply_time = reply_time_at(Settings.from_env(), self.clock())
        if reply_time is not None:
            events.append(SlotSet("reply_time", reply_time))
        return events
