"""A conversation's life, written down once: its states, the events that move it, and who hears.

Every change of a conversation's state is one Redis step (desk/store.py) that checks the state
it starts from against `TRANSITIONS`, so two desk instances never both move a conversation; the
effects of a change (queue positions, timers, ratings, telling the consoles) are listeners that
`Lifecycle.changed` calls once the step succeeded. docs/desk.md's table is `describe()`'s output
(a test keeps them the same).

Where a visitor's line goes follows from the state alone: to Rasa in `BOT_ANSWERS` (the bot
answers while the visitor waits in the queue, and a closed conversation reopens), to the agent
otherwise. Rasa is never paused: the desk simply sends it nothing while an agent has the chat.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Awaitable, Callable, DefaultDict, Dict, List, Mapping, Tuple

logger = logging.getLogger(__name__)


class State(str, Enum):
    BOT = "bot"
    QUEUED = "queued"
    AGENT = "agent"
    CLOSED = "closed"


class Event(str, Enum):
    HANDOFF = "handoff"  # the bot's handoff signal opened a ticket
    ACCEPT = "accept"  # an online agent under capacity took the ticket
    LEAVE_QUEUE = "leave_queue"  # the visitor pressed 退出排队
    NO_AGENTS = "no_agents"  # the last online agent went away; the visitor is offered 留言
    AGENT_GONE = "agent_gone"  # the owning agent was away too long: back to the queue, first
    HAND_BACK = "hand_back"  # the agent gave the chat back to the bot
    CLOSE = "close"  # the agent closed the chat (after asking 还有什么可以帮您)
    BOT_CLOSE = "bot_close"  # the bot said its closing line (goodbye, or idle)
    REOPEN = "reopen"  # the visitor wrote again after the close


TRANSITIONS: Dict[Tuple[State, Event], State] = {
    (State.BOT, Event.HANDOFF): State.QUEUED,
    (State.CLOSED, Event.HANDOFF): State.QUEUED,
    (State.QUEUED, Event.ACCEPT): State.AGENT,
    (State.QUEUED, Event.LEAVE_QUEUE): State.BOT,
    (State.QUEUED, Event.NO_AGENTS): State.BOT,
    (State.AGENT, Event.AGENT_GONE): State.QUEUED,
    (State.AGENT, Event.HAND_BACK): State.BOT,
    (State.AGENT, Event.CLOSE): State.CLOSED,
    (State.BOT, Event.BOT_CLOSE): State.CLOSED,
    (State.CLOSED, Event.REOPEN): State.BOT,
}

# The states in which a visitor's line goes to Rasa and the bot's answers reach the visitor.
BOT_ANSWERS = frozenset({State.BOT, State.QUEUED, State.CLOSED})


def sources(event: Event) -> Tuple[State, ...]:
    """The states `event` may start from."""
    return tuple(state for (state, on), _ in TRANSITIONS.items() if on == event)


def target(event: Event) -> State:
    """The state `event` leads to (each event has one)."""
    targets = {to for (_, on), to in TRANSITIONS.items() if on == event}
    (only,) = targets
    return only


def lua_args(event: Event) -> Tuple[str, str]:
    """ARGV for a Lua step of `event`: the allowed sources (comma-separated) and the target."""
    return ",".join(s.value for s in sources(event)), target(event).value


# Prepended to every Lua step that moves a conversation: is `state` one of the csv `allowed`?
LUA_ALLOWED = """
local function allowed(state, csv)
  for s in string.gmatch(csv, '[^,]+') do if s == state then return true end end
  return false
end
"""


def describe() -> str:
    """The transition table as Markdown, for docs/desk.md."""
    rows = ["| from | event | to | the visitor's lines go to |", "|---|---|---|---|"]
    for (source, event), to in TRANSITIONS.items():
        where = "Rasa" if to in BOT_ANSWERS else "the agent"
        rows.append(f"| `{source.value}` | `{event.value}` | `{to.value}` | {where} |")
    return "\n".join(rows)


@dataclass(frozen=True)
class Change:
    """One transition that happened."""

    conversation_id: str
    event: Event
    source: State
    agent_id: str | None = None  # the agent concerned (accepting, releasing, gone)
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> State:
        return TRANSITIONS[(self.source, self.event)]


Listener = Callable[[Change], Awaitable[None]]


class Lifecycle:
    """Listeners of transitions: each effect registers for the events it follows."""

    def __init__(self) -> None:
        self._listeners: DefaultDict[Event, List[Listener]] = defaultdict(list)

    def on(self, *events: Event) -> Callable[[Listener], Listener]:
        def register(listener: Listener) -> Listener:
            for event in events:
                self._listeners[event].append(listener)
            return listener

        return register

    async def changed(self, change: Change) -> None:
        """Runs the listeners of the change's event, in registration order.

        A listener that fails is logged and the others still run: the state has already
        changed in Redis, and an effect lost (a position not told) must not hide the rest.
        """
        for listener in self._listeners[change.event]:
            try:
                await listener(change)
            except Exception:
                logger.exception(
                    "%s listener %s of %s", change.event.value, listener, change.conversation_id
                )
