"""The handoff signal's wire format (docs/handoff.md): the bot builds it (actions/
handoff_signal.py), the desk reads it (`parse_reason`, `parse_verification`), both from here.

The desk trusts nothing in a signal it did not check: a reason it does not know is a plain
request for a human, and a verification that is not exactly this shape counts as none.
"""

from typing import Any, Dict, List, Literal, Tuple, TypedDict, get_args

HANDOFF_SIGNAL_VERSION = 1

Reason = Literal[
    "request_human",
    "complaint",
    "account_lookup",
    "repeated_misunderstanding",
    "insult",
    "account_verified",
    "verification_exhausted",
]


class TranscriptLine(TypedDict):
    """One message of the conversation, as the agent will read it."""

    sender: Literal["visitor", "bot"]
    text: str
    timestamp: float | None
    intent: str | None  # the visitor's intent, for visitor lines
    response: str | None  # the response name, for bot lines


class Summary(TypedDict):
    """What the agent reads first."""

    visitor_messages: int
    intents: List[str]  # distinct visitor intents, in order of first appearance
    last_visitor_message: str | None


class Verification(TypedDict):
    """What the account verification came to in this conversation (docs/verification.md)."""

    status: Literal["verified", "exhausted"]
    # "verified": the record the visitor proved they hold (only a successful check sets it).
    # "exhausted": the 户号 the visitor last gave, never confirmed: visitor-stated, not a fact.
    account_number: str | None
    method: str | None  # "name", "phone_last4" or "address" (reverse lookup) when verified


class HandoffSignal(TypedDict):
    """The `handoff` object of the custom message the channel receives."""

    version: int
    conversation_id: str
    reason: Reason
    intent: str | None
    # What the visitor said (person_name, phone, account_number, complaint_description), as
    # NLU or a form took it: visitor-stated, never checked; the latest value wins.
    slots: Dict[str, Any]
    verification: Verification | None  # what was checked: the only verified facts
    summary: Summary
    transcript: List[TranscriptLine]
    created_at: float


REASONS: Tuple[Reason, ...] = get_args(Reason)
VERIFICATION_STATUSES = ("verified", "exhausted")


def parse_reason(value: Any) -> Reason:
    """The signal's reason, or `request_human` for anything the desk does not know."""
    for reason in REASONS:
        if value == reason:
            return reason
    return "request_human"


def parse_verification(value: Any) -> Verification | None:
    """The signal's `verification` (its known keys only), or None if absent or malformed."""
    if not isinstance(value, dict) or not set(Verification.__annotations__) <= set(value):
        return None
    status, account, method = value["status"], value["account_number"], value["method"]
    if status not in VERIFICATION_STATUSES:
        return None
    if not (account is None or isinstance(account, str)):
        return None
    if not (method is None or isinstance(method, str)):
        return None
    return Verification(status=status, account_number=account, method=method)
