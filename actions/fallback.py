"""The two-stage fallback's custom steps (see data/rules/fallback.yml)."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.suggestions import AffirmationTexts, affirmation_message, choose_candidates


class ActionDefaultAskAffirmation(Action):
    """Asks "您是不是说「…」?" with the one or two likeliest intents as labelled buttons."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[EventType]:
        texts = AffirmationTexts.from_domain(domain)
        message = tracker.latest_message or {}
        keys = choose_candidates(
            message.get("intent_ranking") or [],
            message.get("response_selector") or {},
            texts.labels,
        )
        if not keys:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(**affirmation_message(texts, keys))
        return []


class ActionDefaultFallback(Action):
    """Ends the two-stage fallback without a word of its own.

    Rasa's default would revert the visitor's message and say `utter_default`; we keep the
    message in the transcript and let the rule "the two-stage fallback gave up" apologise and
    offer a human, so bot authors can change that reply in data/rules/fallback.yml.
    """

    def name(self) -> str:
        return "action_default_fallback"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[EventType]:
        return []
