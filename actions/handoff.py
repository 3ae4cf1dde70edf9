"""Handing a conversation to a human: one action tells the visitor and sends one signal.

The bot is never paused: the desk alone decides whether a visitor's message reaches Rasa (with
an agent it never does), so nothing a fallback or a form reverts can leave the bot silent.
"""

import logging
import time
from typing import Any, Dict, List, Literal, Mapping, Sequence

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff_signal import HANDOFF_SLOTS, VERIFICATION_SLOTS, build_handoff_signal
from common.contract import DESK_STATE_KEY, HANDOFF_SIGNAL
from compliance.masking import mask_personal_numbers

logger = logging.getLogger(__name__)

HandoffResponse = Literal["utter_handoff", "utter_handoff_update"]


def desk_state(events: Sequence[Mapping[str, Any]]) -> str | None:
    """The conversation's state the desk put in the latest visitor message's metadata, if any.

    `queued` while the visitor waits for an agent; `bot` or `closed` otherwise
    (common/contract.py: `DeskState`).
    """
    for event in reversed(events):
        if event.get("event") == "user":
            state = (event.get("metadata") or {}).get(DESK_STATE_KEY)
            return state if isinstance(state, str) and state else None
    return None


def handoff_response(state: str | None) -> HandoffResponse:
    """What the visitor is told with the handoff signal.

    `utter_handoff` (正在为您转接人工客服) for a new handoff; `utter_handoff_update` when the
    visitor already waits for an agent (`queued`): what they added goes to the ticket the agent
    will take, and they keep their place.
    """
    return "utter_handoff_update" if state == "queued" else "utter_handoff"


class ActionHandoff(Action):
    """Tells the visitor, then sends the handoff signal; the bot stays ready to answer.

    No `ConversationPaused` and no manual `action_listen`: the rules predict `action_listen`
    next, and the desk does not send Rasa what the visitor writes to an agent. A visitor still
    queued gets the queue's auto-replies from the desk and the bot's answers from Rasa; a second
    handoff while queued updates their ticket (docs/handoff.md).
    """

    def name(self) -> str:
        return "action_handoff"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[EventType]:
        signal = build_handoff_signal(
            conversation_id=tracker.sender_id,
            events=tracker.events,
            intent=((tracker.latest_message or {}).get("intent") or {}).get("name"),
            slots={name: tracker.get_slot(name) for name in HANDOFF_SLOTS + VERIFICATION_SLOTS},
            now=time.time(),
        )
        response = handoff_response(desk_state(tracker.events))
        logger.info(
            "handoff conversation=%s reason=%s response=%s last=%s",
            signal["conversation_id"],
            signal["reason"],
            response,
            mask_personal_numbers(signal["summary"]["last_visitor_message"] or ""),
        )
        dispatcher.utter_message(response=response)
        dispatcher.utter_message(json_message={HANDOFF_SIGNAL: signal})
        return []
