"""The handoff signal: what the bot tells the channel when a human must take over.

The wire format is documented in docs/handoff.md; the desk consumes it. Everything here is a
plain function over rasa-sdk tracker events (dicts), so it is tested without Rasa.
"""

from typing import Any, Dict, List, Mapping, Sequence

from common.contract import COMPLAINT_SLOT
from common.handoff import (
    HANDOFF_SIGNAL_VERSION,
    HandoffSignal,
    Reason,
    Summary,
    TranscriptLine,
    Verification,
)

REASON_BY_INTENT: Dict[str, Reason] = {
    "complain": "complaint",
    "account_lookup": "account_lookup",
}
# Slots the agent needs to see, in this order: the contact details NLU found, and what a
# complaining visitor said happened (complaint_form, actions/feedback.py). All of it is what the
# visitor said, never checked (a later message overwrites it): the console shows it as
# 访客自述,未核实. What was checked is `verification`, from the slots below.
HANDOFF_SLOTS = ("person_name", "phone", "account_number", COMPLAINT_SLOT)
# The complaint form's question and the line that records the complaint (data/rules/feedback.yml).
COMPLAINT_QUESTION = "utter_ask_complaint_description"
COMPLAINT_RECORDED = "utter_complaint_recorded"
# Slots the signal's `verification` is built from (not sent as they are): the status, and the
# record and method only action_verify_account writes, on a successful check (actions/account.py).
VERIFICATION_SLOTS = ("verification_status", "verified_account", "verified_method")
# The refusals when no check is left, one per limit (data/rules/account.yml).
LOCKED_RESPONSES = (
    "utter_verification_locked",
    "utter_verification_locked_visitor",
    "utter_verification_locked_address",
)


def _intent_name(event: Mapping[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def transcript(events: Sequence[Mapping[str, Any]]) -> List[TranscriptLine]:
    """Every visitor and bot message, in order.

    A visitor message that Rasa re-applies after a clarification (same `message_id`) is
    listed once.
    """
    lines: List[TranscriptLine] = []
    seen_message_ids = set()
    for event in events:
        kind = event.get("event")
        if kind == "user":
            message_id = event.get("message_id")
            if message_id is not None:
                if message_id in seen_message_ids:
                    continue
                seen_message_ids.add(message_id)
            lines.append(
                TranscriptLine(
                    sender="visitor",
                    text=event.get("text") or "",
                    timestamp=event.get("timestamp"),
                    intent=_intent_name(event),
                    response=None,
                )
            )
        elif kind == "bot" and event.get("text"):
            lines.append(
                TranscriptLine(
                    sender="bot",
                    text=event["text"],
                    timestamp=event.get("timestamp"),
                    intent=None,
                    response=(event.get("metadata") or {}).get("utter_action"),
                )
            )
    return lines


def current_bot_turn(events: Sequence[Mapping[str, Any]]) -> List[str]:
    """Names of the responses the bot has sent since the visitor's latest message."""
    names: List[str] = []
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "bot":
            name = (event.get("metadata") or {}).get("utter_action")
            if name:
                names.append(name)
    return list(reversed(names))


def last_bot_turn(events: Sequence[Mapping[str, Any]]) -> List[str]:
    """Names of the responses the bot sent just before the visitor's latest message."""
    latest_id: Any = None
    seen_latest = False
    names: List[str] = []
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if not seen_latest:
                seen_latest, latest_id = True, event.get("message_id")
                continue
            if latest_id is not None and event.get("message_id") == latest_id:
                continue  # the same message, re-applied after a clarification
            break
        if kind == "bot" and seen_latest:
            name = (event.get("metadata") or {}).get("utter_action")
            if name:
                names.append(name)
    return list(reversed(names))


def handoff_reason(
    intent: str | None, bot_turn: Sequence[str], current_turn: Sequence[str] = ()
) -> Reason:
    """Why the conversation goes to a human.

    A verification that just succeeded (`current_turn`: what the bot said since the visitor's
    latest message) hands over a verified visitor. A complaint is one whether it was just
    recorded (`utter_complaint_recorded`, whatever the description's intent), the visitor was
    asked to describe it and asked for a human instead (`bot_turn`: what the bot said before
    that message), or the message itself complains. An account lookup says so itself; a
    visitor accepting a human the bot offered was offered it because verification was
    exhausted, repeated misunderstanding or insults; anything else is an explicit request.
    """
    if "utter_verification_succeeded" in current_turn:
        return "account_verified"
    if COMPLAINT_RECORDED in current_turn or COMPLAINT_QUESTION in bot_turn:
        return "complaint"
    if intent in REASON_BY_INTENT:
        return REASON_BY_INTENT[intent]
    if "utter_offer_human" in bot_turn:
        if any(name in bot_turn for name in LOCKED_RESPONSES):
            return "verification_exhausted"
        if "utter_default" in bot_turn:
            return "repeated_misunderstanding"
        if "utter_calm_down" in bot_turn:
            return "insult"
    return "request_human"


def verification_from_slots(slots: Mapping[str, Any]) -> Verification | None:
    """The conversation's verification outcome from its slots, if it has one to report.

    `verified` names the record from `verified_account` alone, which only a successful check
    writes: a 户号 the visitor types afterwards changes `account_number` (visitor-stated, in
    the signal's `slots`), never this. Without it there is nothing verified to report.
    `exhausted` carries the 户号 the visitor last gave (`account_number`), which no check ever
    confirmed: the console shows it as 访客自述,未核实.
    """
    status = slots.get("verification_status")
    if status == "verified":
        account = slots.get("verified_account")
        if not account:
            return None
        return Verification(
            status="verified", account_number=account, method=slots.get("verified_method")
        )
    if status == "locked":
        return Verification(
            status="exhausted", account_number=slots.get("account_number"), method=None
        )
    return None


def summarize(lines: Sequence[TranscriptLine]) -> Summary:
    """Counts, intents in order and the last thing the visitor said."""
    visitor = [line for line in lines if line["sender"] == "visitor"]
    intents: List[str] = []
    for line in visitor:
        if line["intent"] and line["intent"] not in intents:
            intents.append(line["intent"])
    return Summary(
        visitor_messages=len(visitor),
        intents=intents,
        last_visitor_message=visitor[-1]["text"] if visitor else None,
    )


def build_handoff_signal(
    conversation_id: str,
    events: Sequence[Mapping[str, Any]],
    intent: str | None,
    slots: Mapping[str, Any],
    now: float,
) -> HandoffSignal:
    """Assembles the signal for the conversation's current state."""
    lines = transcript(events)
    return HandoffSignal(
        version=HANDOFF_SIGNAL_VERSION,
        conversation_id=conversation_id,
        reason=handoff_reason(intent, last_bot_turn(events), current_bot_turn(events)),
        intent=intent,
        slots={name: slots.get(name) for name in HANDOFF_SLOTS},
        verification=verification_from_slots(slots),
        summary=summarize(lines),
        transcript=lines,
        created_at=now,
    )
