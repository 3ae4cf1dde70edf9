"""The desk's records as the console, the chat page and tests read them (docs/desk.md): a
transcript line and a ticket. The handoff signal a ticket is built from is in common/handoff.py.
"""

from typing import Any, Dict, List, Literal, TypedDict

from common.handoff import Reason, Verification

Sender = Literal["visitor", "bot", "agent", "system"]


class Button(TypedDict):
    """A quick reply under a bot or desk line: what it shows and what it sends."""

    title: str
    payload: str


# `from` is a Python keyword, so the required keys are declared the functional way.
_EntryKeys = TypedDict("_EntryKeys", {"from": Sender, "ts": float, "text": str})


class Entry(_EntryKeys, total=False):
    """One line of a transcript; `seq` is its place, given when it is stored."""

    seq: int
    buttons: List[Button]
    agent_id: str
    agent_name: str
    forced: bool  # an agent's line sent despite a service-language warning


class Ticket(TypedDict, total=False):
    """What the console shows of a conversation handed over (desk/service.py `new_ticket`)."""

    conversation_id: str
    reason: Reason
    reason_label: str
    reasons: List[Reason]  # every reason given while it waited, the first first
    reason_labels: List[str]
    intent: str | None
    slots: Dict[str, Any]  # what the visitor said (访客自述,未核实)
    summary: Dict[str, Any]
    verification: Verification | None
    verified: str | None  # the account number a check proved
    queued_at: float
