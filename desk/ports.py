"""What the desk's parts (waiting, ratings, 留言) may use of the desk: a narrow interface.

`desk/service.py`'s `Desk` is the one implementation. The parts depend on this protocol, not on
`Desk`, so nothing imports desk/service.py but the app and the socket handlers: no import cycle.
"""

from typing import Any, Callable, Dict, Protocol

from common.records import Entry, Ticket
from desk.delivery import RasaDelivery
from desk.lifecycle import Lifecycle
from desk.phrases import Phrases
from desk.settings import DeskSettings
from desk.store import Agent, DeskStore


class DeskPort(Protocol):
    settings: DeskSettings
    store: DeskStore
    phrases: Phrases
    lifecycle: Lifecycle
    delivery: RasaDelivery
    clock: Callable[[], float]

    async def say_to_visitor(self, conversation_id: str, entry: Entry) -> Entry:
        """Adds a line to the transcript and shows it to the visitor."""

    async def system_line(self, conversation_id: str, name: str, **values: Any) -> Entry:
        """Tells the visitor a line of desk/phrases.yml."""

    async def notify_agents(self, event: str, data: Dict[str, Any]) -> None:
        """Sends a console event to every agent."""

    async def notify_agent(self, agent_id: str, event: str, data: Dict[str, Any]) -> None:
        """Sends a console event to one agent's consoles."""

    async def broadcast_queue(self) -> None:
        """Sends the queue to every console."""

    async def ticket_updated(self, conversation_id: str, update: Ticket) -> None:
        """Adds to an open ticket; its viewers see it."""

    async def agent_message(
        self, conversation_id: str, agent: Agent, text: Any, force: bool = False
    ) -> Dict[str, Any]:
        """Sends an agent's line (held if it uses a forbidden phrase)."""
