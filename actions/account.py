"""Account lookups: who may ask, the verification form, and the one check per attempt.

Dialogue in data/rules/account.yml; limits and their keys in actions/verification_limits.py;
the customer directory in actions/directory.py; the design in docs/verification.md.
"""

from typing import Any, Dict, List, Mapping, Sequence

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.identity import Outcome, check_identity, parse_fact
from actions.normalize import find_account_number
from actions.services import Services, services
from actions.verification_limits import Subject, subjects_for


def client_ip(events: Sequence[Mapping[str, Any]]) -> str | None:
    """The client IP the desk put in the latest visitor message's metadata, if any."""
    for event in reversed(events):
        if event.get("event") == "user":
            ip = (event.get("metadata") or {}).get("client_ip")
            return ip if isinstance(ip, str) and ip else None
    return None


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    """The value of `entity` in the visitor's latest message, if NLU found one."""
    for found in (tracker.latest_message or {}).get("entities") or []:
        if found.get("entity") == entity and found.get("value"):
            return str(found["value"])
    return None


class _WithServices:
    """Actions that need Redis or the directory; tests pass their own `Services`."""

    def __init__(self, given: Services | None = None) -> None:
        self._given = given

    @property
    def services(self) -> Services:
        return self._given or services()

    def subjects(self, tracker: Tracker, account_number: str | None) -> List[Subject]:
        return subjects_for(
            self.services.settings,
            account_number=account_number,
            conversation_id=tracker.sender_id,
            client_ip=client_ip(tracker.events),
        )


class ActionStartVerification(_WithServices, Action):
    """Opens a verification unless this visitor (or the record named) has no check left.

    Sets `verification_status` to `open` or `locked`; the rules branch on it. A 户号 in the
    request itself is kept, any other from earlier is dropped so the form asks for it.
    """

    def name(self) -> str:
        return "action_start_verification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        account_number = find_account_number(latest_entity(tracker, "account_number") or "")
        left = await self.services.limiter.remaining(self.subjects(tracker, account_number))
        limit = self.services.settings.account_limit
        # Only real changes: the form validates every slot event of this turn when it opens.
        events: List[EventType] = [
            SlotSet(name, value)
            for name, value in (("account_number", account_number), ("verification_fact", None))
            if tracker.get_slot(name) != value
        ]
        return events + [
            SlotSet("verification_limit", str(limit)),
            SlotSet("verification_status", "open" if left > 0 else "locked"),
        ]


class ValidateAccountVerificationForm(FormValidationAction):
    """Checks the form of each answer; a malformed answer is re-asked and never counted."""

    def name(self) -> str:
        return "validate_account_verification_form"

    async def validate_account_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        if slot_value is None:  # cleared, not answered (the form validates it on opening)
            return {"account_number": None}
        number = find_account_number(str(slot_value))
        if number is None:
            dispatcher.utter_message(response="utter_invalid_account_number")
        return {"account_number": number}

    async def validate_verification_fact(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        if slot_value is None:
            return {"verification_fact": None}
        text = str(slot_value)
        corrected = find_account_number(text)
        if corrected is not None:  # a new 户号 where the fact was asked: take it, ask again
            return {"account_number": corrected, "verification_fact": None}
        fact = parse_fact(text)
        if fact is None:
            dispatcher.utter_message(response="utter_invalid_verification_fact")
            return {"verification_fact": None}
        return {"verification_fact": fact.value}


class ActionVerifyAccount(_WithServices, Action):
    """Makes the one directory check the limits allow for the collected 户号 and fact."""

    def name(self) -> str:
        return "action_verify_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        account_number = find_account_number(str(tracker.get_slot("account_number") or ""))
        fact = parse_fact(str(tracker.get_slot("verification_fact") or ""))
        if account_number is None or fact is None:  # the form guarantees both; never count
            return [SlotSet("verification_status", "open"), SlotSet("verification_fact", None)]
        result = await check_identity(
            self.services.limiter,
            self.services.directory,
            self.subjects(tracker, account_number),
            account_number,
            fact,
        )
        events: List[EventType] = [
            SlotSet("verification_status", result.outcome.value),
            SlotSet("verification_fact", None),
            SlotSet("verification_remaining", str(result.remaining)),
        ]
        if result.outcome is Outcome.VERIFIED:
            events.append(SlotSet("verification_method", fact.method))
        return events
