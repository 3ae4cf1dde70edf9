"""Insults: count them per conversation so the dialogue can offer a human on the second."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher


def insult_level(count: int) -> str:
    """The `insult_level` slot value after `count` insults in a conversation."""
    return "first" if count <= 1 else "repeated"


class ActionRegisterInsult(Action):
    """Counts an insult; the rules in data/rules/insult.yml branch on `insult_level`."""

    def name(self) -> str:
        return "action_register_insult"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[EventType]:
        count = int(tracker.get_slot("insult_count") or 0) + 1
        return [
            SlotSet("insult_count", float(count)),
            SlotSet("insult_level", insult_level(count)),
        ]
