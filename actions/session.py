"""Session start: fills the company's configured names and working hours into slots."""

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import Settings

logger = logging.getLogger(__name__)

# What the visitor told us stays known when a session expires and a new one starts.
CARRIED_OVER_SLOTS = ("person_name", "phone", "account_number")


def describe_working_hours(settings: Settings) -> str | None:
    """The agents' hours in Chinese (`周一至周五 8:30-17:00,周六、周日 8:30-16:00`), as the
    desk describes them in `EXTERNAL_after_hours`; None, logged, if the settings are invalid
    (the desk refuses to start with them, so the domain's initial value is never shown wrongly
    for long)."""
    try:
        return settings.working_hours().describe()
    except ValueError as error:
        logger.error("DESK_HOURS, DESK_HOLIDAYS or DESK_TIMEZONE is invalid: %s", error)
        return None


class ActionSessionStart(Action):
    """Starts a session with the configured company name, bot name, 工号 and working hours."""

    def name(self) -> str:
        return "action_session_start"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[EventType]:
        settings = Settings.from_env()
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
        ]
        # utter_faq/business_hours says {working_hours}: the hours the desk routes handoffs by.
        working_hours = describe_working_hours(settings)
        if working_hours is not None:
            events.append(SlotSet("working_hours", working_hours))
        events.append(ActionExecuted("action_listen"))
        return events
