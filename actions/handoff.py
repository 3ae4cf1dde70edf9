"""Handing a conversation to a human: one action, one signal, then the bot falls silent."""

import logging
import time
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff_signal import HANDOFF_SLOTS, VERIFICATION_SLOTS, build_handoff_signal
from actions.privacy import mask_personal_data

logger = logging.getLogger(__name__)


class ActionHandoff(Action):
    """Sends the handoff signal to the channel and pauses the bot for this conversation.

    The visitor has already been told (`utter_handoff`, in the rules). While paused, Rasa
    records the visitor's messages but runs no action; the desk resumes the bot with a
    `resume` event (docs/handoff.md). A paused Rasa predicts nothing more, not even
    `action_listen`, so the action records it itself: otherwise the first message after
    resuming would follow `action_handoff` directly and match no rule.
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
        logger.info(
            "handoff conversation=%s reason=%s last=%s",
            signal["conversation_id"],
            signal["reason"],
            mask_personal_data(signal["summary"]["last_visitor_message"] or ""),
        )
        dispatcher.utter_message(json_message={"handoff": signal})
        return [ConversationPaused(), ActionExecuted("action_listen")]
