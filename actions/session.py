"""Session start: fills the company's configured names into slots for the responses."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import load_settings

# What the visitor told us stays known when a session expires and a new one starts.
CARRIED_OVER_SLOTS = ("person_name", "phone", "account_number")


class ActionSessionStart(Action):
    """Starts a session with the configured company name, bot name and 工号 as slots."""

    def name(self) -> str:
        return "action_session_start"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[EventType]:
        settings = load_settings()
        events: List[EventType] = [SessionStarted()]
        events += [
            SlotSet(slot, tracker.get_slot(slot))
            for slot in CARRIED_OVER_SLOTS
            if tracker.get_slot(slot) is not None
        ]
        events += [
            SlotSet("company_name", settings.company_name),
            SlotSet("bot_name", settings.bot_name),
            SlotSet("agent_id", settings.agent_id),
            ActionExecuted("action_listen"),
        ]
        return events
