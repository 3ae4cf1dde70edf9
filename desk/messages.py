"""留言: what a visitor leaves for an agent to call back about (docs/waiting.md).

Outside the working hours, or with nobody online, the bot offers the 留言 form; its
`leave_message` signal is stored (desk/waiting_store.py) for the console's 留言 list, where an
agent marks it handled. Every console hears how many are unhandled (`messages_changed`).
"""

import logging
import secrets
from typing import Any, Dict

from common.contract import COMPLAINT_SLOT
from common.records import Ticket
from compliance.masking import mask_personal_numbers
from desk.errors import DeskError
from desk.ports import DeskPort
from desk.store import Agent
from desk.waiting_store import WaitingStore

logger = logging.getLogger(__name__)


class Messages:
    """The desk's 留言: storing the bot's signal, the unhandled count, marking them handled."""

    def __init__(self, desk: DeskPort, store: WaitingStore) -> None:
        self.desk = desk
        self.store = store

    def now(self) -> float:
        return self.desk.clock()

    async def leave_message(self, conversation_id: str, signal: Dict[str, Any]) -> None:
        """Stores the bot's 留言 signal as a ticket the console lists under 留言."""
        fields = {k: signal.get(k) for k in ("name", "phone", "message", "reply_time")}
        if not all(isinstance(v, str) and v for v in fields.values()):
            raise DeskError("malformed", "leave_message needs name, phone, message, reply_time")
        record = {
            "id": secrets.token_hex(8),
            "conversation_id": conversation_id,
            **fields,
            "created_at": self.now(),
            "handled": False,
            "handled_by": None,
            "handled_at": None,
        }
        await self.store.add_message(record)
        logger.info(
            "留言 %s conversation=%s phone=%s",
            record["id"],
            conversation_id,
            mask_personal_numbers(str(fields["phone"])),
        )
        await self.messages_changed()

    async def record_complaint(self, conversation_id: str, ticket: Ticket) -> None:
        """Keeps a complaint no agent could take now as a 留言 (`kind: complaint`), with
        whatever contact the visitor gave; the 留言 form the bot offers next may add one."""
        slots = ticket.get("slots") or {}
        record = {
            "id": secrets.token_hex(8),
            "kind": "complaint",
            "conversation_id": conversation_id,
            "name": str(slots.get("person_name") or ""),
            "phone": str(slots.get("phone") or ""),
            "message": str(slots.get(COMPLAINT_SLOT) or ""),
            "reply_time": None,
            "created_at": self.now(),
            "handled": False,
            "handled_by": None,
            "handled_at": None,
        }
        await self.store.add_message(record)
        logger.info("complaint kept as 留言 %s conversation=%s", record["id"], conversation_id)
        await self.messages_changed()

    async def messages_changed(self) -> None:
        """Tells every console how many are unhandled (a SCARD, not a read of every 留言)."""
        await self.desk.notify_agents(
            "messages_changed", {"unhandled": await self.store.unhandled_count()}
        )

    async def mark_message(self, message_id: str, agent: Agent, handled: bool) -> Dict[str, Any]:
        record = await self.store.message(message_id)
        if record is None:
            raise DeskError("not_found", "留言不存在", 404)
        record = {
            **record,
            "handled": handled,
            "handled_by": agent.agent_id if handled else None,
            "handled_at": self.now() if handled else None,
        }
        await self.store.save_message(record)
        await self.messages_changed()
        return record
