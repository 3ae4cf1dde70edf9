"""Account lookups: who may ask, the verification form, and the one check per attempt.

Dialogue in data/rules/account.yml; limits and their keys in actions/verification_limits.py;
the customer directory in actions/directory.py; the design in docs/verification.md.
"""

from typing import Any, Callable, Dict, List, Mapping, Sequence

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.identity import (
    CheckResult,
    Outcome,
    check_by_name_and_address,
    check_identity,
    parse_fact,
)
from actions.normalize import find_account_number, normalize_address, normalize_name
from actions.services import Services, services
from actions.verification_limits import Subject, limit_of, subjects_for
from common.contract import CLIENT_IP_KEY, VISITOR_ID_KEY

# Written by action_verify_account alone, on a successful check (custom mappings in domain.yml):
# the record the visitor proved they hold, and how. Nothing the visitor types can set them; the
# handoff signal's `verification` is read from them (actions/handoff_signal.py).
VERIFIED_ACCOUNT = "verified_account"
VERIFIED_METHOD = "verified_method"
# Which limit refused the visitor (`record`, `visitor`, `address`; actions/verification_limits.py
# LIMIT_OF_KIND) once `verification_status` is `locked`: the rules pick the refusal by it.
BLOCKED_BY = "verification_blocked_by"


def latest_metadata(events: Sequence[Mapping[str, Any]], key: str) -> str | None:
    """A non-empty string the desk put under `key` in the latest visitor message's metadata."""
    for event in reversed(events):
        if event.get("event") == "user":
            value = (event.get("metadata") or {}).get(key)
            return value if isinstance(value, str) and value else None
    return None


def client_ip(events: Sequence[Mapping[str, Any]]) -> str | None:
    """The client IP the desk put in the latest visitor message's metadata, if any."""
    return latest_metadata(events, CLIENT_IP_KEY)


def visitor_id(events: Sequence[Mapping[str, Any]]) -> str | None:
    """The visitor's durable browser identity from the latest visitor message, if the desk
    sent one (without it the conversation alone is the visitor)."""
    return latest_metadata(events, VISITOR_ID_KEY)


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

    def subjects(
        self, tracker: Tracker, account_number: str | None, name: str | None = None
    ) -> List[Subject]:
        return subjects_for(
            self.services.settings,
            account_number=account_number,
            conversation_id=tracker.sender_id,
            client_ip=client_ip(tracker.events),
            visitor_id=visitor_id(tracker.events),
            name=name,
        )


class ActionStartVerification(_WithServices, Action):
    """Opens a verification unless this visitor (or the record named) has no check left.

    Sets `verification_status` to `open` or `locked`, and for `locked` which limit
    (`verification_blocked_by`); the rules branch on them. A 户号 in the request itself is
    kept, any other from earlier is dropped so the form asks for it. An earlier verification's
    outcome (`verified_account`) is cleared: it no longer describes this conversation.
    """

    def name(self) -> str:
        return "action_start_verification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        account_number = find_account_number(latest_entity(tracker, "account_number") or "")
        standing = await self.services.limiter.standing(self.subjects(tracker, account_number))
        limit = self.services.settings.account_limit
        # Only real changes: the form validates every slot event of this turn when it opens.
        fresh = {
            "account_number": account_number,
            "verification_fact": None,
            "verification_method": None,
            "lookup_name": None,
            "lookup_address": None,
            VERIFIED_ACCOUNT: None,
            VERIFIED_METHOD: None,
        }
        events: List[EventType] = [
            SlotSet(name, value) for name, value in fresh.items() if tracker.get_slot(name) != value
        ]
        events.append(SlotSet("verification_limit", str(limit)))
        blocked_by = limit_of(standing.blocked_by)
        if tracker.get_slot(BLOCKED_BY) != blocked_by:
            events.append(SlotSet(BLOCKED_BY, blocked_by))
        return events + [
            SlotSet("verification_status", "open" if standing.remaining > 0 else "locked"),
        ]


REVERSE_LOOKUP = "address"  # the `verification_method` the reverse-lookup button sets
STANDARD_SLOTS = ["account_number", "verification_fact"]
REVERSE_LOOKUP_SLOTS = ["lookup_name", "lookup_address"]


def reverse_lookup_chosen(tracker: Tracker) -> bool:
    return bool(tracker.get_slot("verification_method") == REVERSE_LOOKUP)


def answering(tracker: Tracker, slot: str) -> bool:
    """Whether the visitor's message answers the form's question for `slot`.

    Only then does a malformed value get the format hint; a value NLU picked up from some other
    message (a digit in an address taken for a 户号) is dropped without a word.
    """
    return bool(tracker.get_slot("requested_slot") == slot)


def validated(
    slot: str,
    value: Any,
    normalize: Callable[[str], str | None],
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    response: str,
) -> Dict[str, Any]:
    """`slot` set to the normalised `value`, or None and the format hint `response` if asked.

    A cleared slot (None) is no answer and gets no hint.
    """
    if value is None:
        return {slot: None}
    normalised = normalize(str(value))
    if normalised is None and answering(tracker, slot):
        dispatcher.utter_message(response=response)
    return {slot: normalised}


class ValidateAccountVerificationForm(FormValidationAction):
    """Checks the form of each answer; a malformed answer is re-asked and never counted.

    The form asks the 户号 and a fact, or, once the visitor chose the reverse lookup, the name
    and the address. A slot cleared by an action, the button's payload that chose the reverse
    lookup, or a value for a question not asked is not an answer and gets no hint.
    """

    def name(self) -> str:
        return "validate_account_verification_form"

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        return REVERSE_LOOKUP_SLOTS if reverse_lookup_chosen(tracker) else STANDARD_SLOTS

    async def validate_account_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        if reverse_lookup_chosen(tracker):
            return {"account_number": None}  # left for the reverse lookup
        return validated(
            "account_number",
            slot_value,
            find_account_number,
            dispatcher,
            tracker,
            response="utter_invalid_account_number",
        )

    async def validate_verification_fact(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        if slot_value is None or reverse_lookup_chosen(tracker):
            return {"verification_fact": None}
        text = str(slot_value)
        corrected = find_account_number(text)
        if corrected is not None:  # a new 户号 where the fact was asked: take it, ask again
            return {"account_number": corrected, "verification_fact": None}
        fact = parse_fact(text)
        if fact is None:
            if answering(tracker, "verification_fact"):
                dispatcher.utter_message(response="utter_invalid_verification_fact")
            return {"verification_fact": None}
        return {"verification_fact": fact.value}

    async def validate_lookup_name(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        return validated(
            "lookup_name",
            slot_value,
            normalize_name,
            dispatcher,
            tracker,
            response="utter_invalid_lookup_name",
        )

    async def validate_lookup_address(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        return validated(
            "lookup_address",
            slot_value,
            normalize_address,
            dispatcher,
            tracker,
            response="utter_invalid_lookup_address",
        )


class ActionVerifyAccount(_WithServices, Action):
    """Makes the one directory check the limits allow for what the form collected.

    Afterwards the answers are cleared; a failed reverse lookup goes back to the 户号 route. A
    match is the only thing that sets `verified_account` and `verified_method`; a refusal says
    which limit is used up (`verification_blocked_by`).
    """

    def name(self) -> str:
        return "action_verify_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if reverse_lookup_chosen(tracker):
            return await self._reverse_lookup(tracker)
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
        events = self._outcome(result)
        if result.outcome is Outcome.VERIFIED:
            events += [
                SlotSet("verification_method", fact.method),
                SlotSet(VERIFIED_ACCOUNT, account_number),
                SlotSet(VERIFIED_METHOD, fact.method),
            ]
        return events

    async def _reverse_lookup(self, tracker: Tracker) -> List[EventType]:
        name = normalize_name(str(tracker.get_slot("lookup_name") or ""))
        address = normalize_address(str(tracker.get_slot("lookup_address") or ""))
        cleared: List[EventType] = [
            SlotSet("lookup_name", None),
            SlotSet("lookup_address", None),
            SlotSet("verification_method", None),
        ]
        if name is None or address is None:  # the form guarantees both; never count
            return [SlotSet("verification_status", "open"), *cleared]
        result = await check_by_name_and_address(
            self.services.limiter,
            self.services.directory,
            self.subjects(tracker, None, name=name),
            name,
            address,
        )
        if result.outcome is Outcome.VERIFIED:
            # The record found is for the agent only: never put where the visitor's own
            # statements go (`account_number`).
            return [
                *self._outcome(result),
                SlotSet("lookup_name", None),
                SlotSet("lookup_address", None),
                SlotSet("verification_method", REVERSE_LOOKUP),
                SlotSet(VERIFIED_ACCOUNT, result.account_number),
                SlotSet(VERIFIED_METHOD, REVERSE_LOOKUP),
            ]
        return [*self._outcome(result), *cleared]

    @staticmethod
    def _outcome(result: CheckResult) -> List[EventType]:
        events: List[EventType] = [
            SlotSet("verification_status", result.outcome.value),
            SlotSet("verification_fact", None),
            SlotSet("verification_remaining", str(result.remaining)),
        ]
        if result.outcome is Outcome.LOCKED:
            # the record's refusal if the limiter could not say (it always can): fail closed
            events.append(SlotSet(BLOCKED_BY, limit_of(result.blocked_by) or "record"))
        return events
