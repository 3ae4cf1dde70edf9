"""While no human can answer at once (docs/waiting.md; seeds 000, 001, 004).

- A handoff is routed by the working hours and the agents' presence (`route`): queued, with
  seed 004's busy auto-reply when every online agent is at capacity, or, outside the hours or
  with nobody online, back to the bot with the after-hours reply and the 留言 form
  (`EXTERNAL_after_hours` / `EXTERNAL_no_agent`).
- A queued visitor hears their position, and again when it changes (at most every
  `DESK_QUEUE_UPDATE_SECONDS`); meanwhile the bot still answers them, and a button leaves the
  queue.
- A silent visitor: after `DESK_IDLE_SECONDS` from the bot's last line the desk raises
  `EXTERNAL_idle`; the dialogue (data/rules/waiting.yml) nudges twice, then closes.
- An agent slow to answer: after `DESK_AGENT_SLOW_SECONDS` the visitor hears 对不起,让您久等了
  once and the agent's console highlights the conversation.
- Closing: the bot's `closed` signal or an agent's close (after asking 还有什么可以帮您) asks for
  a 1-5 satisfaction rating and an optional comment (desk/ratings.py).

The 留言 the visitor leaves when nobody can come are desk/messages.py's.

Timers live in Redis (desk/timers.py), so they survive a restart of Rasa, the action server or
any desk instance.
"""

import logging
from datetime import datetime, timezone
from typing import Any, Dict, List, Literal, Sequence, Tuple

from common.contract import (
    AFTER_HOURS_INTENT,
    IDLE_INTENT,
    LEAVE_QUEUE_PAYLOAD,
    NO_AGENT_INTENT,
    REPLY_TIME_ENTITY,
    WORKING_HOURS_ENTITY,
)
from common.hours import WorkingHours
from common.records import Button, Entry, Ticket
from desk.errors import DeskError
from desk.lifecycle import Change, Event, State
from desk.ports import DeskPort
from desk.store import Agent, P
from desk.timers import Timers
from desk.waiting_store import WaitingStore

logger = logging.getLogger(__name__)

Route = Literal["after_hours", "no_agent", "available", "busy"]
LEAVE_QUEUE = LEAVE_QUEUE_PAYLOAD
OFFLINE_INTENTS = {"after_hours": AFTER_HOURS_INTENT, "no_agent": NO_AGENT_INTENT}


def route(is_open: bool, loads: Sequence[Tuple[int, int]], when_no_agent: str) -> Route:
    """Where a handoff goes.

    Args:
        is_open: whether it is within the working hours.
        loads: (capacity, active conversations) of each online agent.
        when_no_agent: `message` (the 留言 form) or `queue` while nobody is online.
    """
    if not is_open:
        return "after_hours"
    if not loads:
        return "no_agent" if when_no_agent == "message" else "busy"
    return "available" if any(active < capacity for capacity, active in loads) else "busy"


def queue_update_due(told_at: float | None, now: float, interval: float) -> float:
    """When a visitor may next hear their position: now, or `interval` after the last time."""
    return now if told_at is None else max(now, told_at + interval)


class Waiting:
    """The desk's waiting, idle and slow-agent behaviour."""

    def __init__(self, desk: DeskPort, hours: WorkingHours, timers: Timers) -> None:
        self.desk = desk
        self.settings = desk.settings
        self.store = WaitingStore(desk.store.redis)
        self.hours = hours
        self.timers = timers

    def now(self) -> float:
        return self.desk.clock()

    def moment(self) -> datetime:
        return datetime.fromtimestamp(self.now(), timezone.utc)

    # Handoffs and the queue

    async def loads(self) -> List[Tuple[int, int]]:
        """(capacity, active) of each online agent."""
        store = self.desk.store
        presence = await store.redis.hgetall(f"{P}presence")
        loads = []
        for agent_id, status in presence.items():
            if status == "online":
                agent = await store.agent(agent_id)
                if agent is not None:
                    loads.append((agent.capacity, agent.active))
        return loads

    async def handoff(self, conversation_id: str, ticket: Ticket) -> Route | None:
        """Routes a handoff: queued (busy or not), or the after-hours reply and 留言.

        Returns where it went, or None when the conversation was already queued or with an
        agent (the ticket got what the visitor added).
        """
        await self.timers.cancel("idle", conversation_id)
        owner, _ = await self.desk.store.owner(conversation_id)
        if owner in (State.QUEUED.value, State.AGENT.value):
            await self.added_to_ticket(conversation_id, ticket)
            return None
        where = route(
            self.hours.is_open(self.moment()), await self.loads(), self.settings.when_no_agent
        )
        if where in OFFLINE_INTENTS:
            await self.offline(conversation_id, OFFLINE_INTENTS[where])
            return where
        ahead = await self.desk.store.open_ticket(conversation_id, ticket)
        if ahead is None:  # queued or accepted meanwhile
            await self.added_to_ticket(conversation_id, ticket)
            return None
        logger.info(
            "ticket conversation=%s reason=%s route=%s ahead=%d",
            conversation_id,
            ticket["reason"],
            where,
            ahead,
        )
        await self.desk.broadcast_queue()
        if where == "busy":
            await self.desk.system_line(conversation_id, "busy")
        await self.tell_position(conversation_id, ahead + 1, "queued")
        await self.queue_changed()
        return where

    async def added_to_ticket(self, conversation_id: str, ticket: Ticket) -> None:
        """A handoff for a conversation already queued or with an agent: nothing new opens,
        the ticket gets what the visitor added, and a waiting visitor hears their place."""
        await self.desk.ticket_updated(conversation_id, ticket)
        position = await self.store.position(conversation_id)
        if position is not None:
            await self.desk.system_line(conversation_id, "still_queued", position=position)

    async def offline(self, conversation_id: str, intent: str) -> None:
        """Back to the bot, which gives the hours and offers the 留言 form."""
        moment = self.moment()
        entities = {
            WORKING_HOURS_ENTITY: self.hours.describe(),
            REPLY_TIME_ENTITY: self.hours.reply_time(moment),
        }
        logger.info("no agent for conversation=%s: %s", conversation_id, intent)
        await self.desk.delivery.enqueue(
            conversation_id, {"kind": "intent", "name": intent, "entities": entities}
        )

    async def offline_now(self, conversation_id: str) -> None:
        """Nobody is left to take a queued visitor: the hours or 客服不在线, and the 留言 form."""
        where = "no_agent" if self.hours.is_open(self.moment()) else "after_hours"
        await self.offline(conversation_id, OFFLINE_INTENTS[where])

    async def tell_position(self, conversation_id: str, position: int, line: str) -> None:
        buttons: List[Button] = [
            {"title": self.desk.phrases.say("leave_queue_button"), "payload": LEAVE_QUEUE}
        ]
        await self.desk.say_to_visitor(
            conversation_id,
            {
                "from": "system",
                "ts": self.now(),
                "text": self.desk.phrases.say(line, position=position),
                "buttons": buttons,
            },
        )
        await self.store.set_fields(conversation_id, queue_told=position, queue_told_at=self.now())

    async def queue_changed(self) -> None:
        """Every queued visitor may have moved: check each when they may next be told."""
        for conversation_id in await self.store.queued():
            told_at = (await self.store.fields(conversation_id, "queue_told_at"))["queue_told_at"]
            due = queue_update_due(
                None if told_at is None else float(told_at),
                self.now(),
                self.settings.queue_update_seconds,
            )
            await self.timers.schedule("queue", conversation_id, due, keep_earlier=True)

    async def queue_timer(self, conversation_id: str) -> None:
        """Tells a queued visitor their position if it changed since they were last told."""
        position = await self.store.position(conversation_id)
        if position is None:
            return
        told = (await self.store.fields(conversation_id, "queue_told"))["queue_told"]
        if told is not None and int(told) == position:
            return
        await self.tell_position(conversation_id, position, "queue_update")

    async def accepted(self, conversation_id: str) -> None:
        await self.timers.cancel("queue", conversation_id)
        await self.timers.cancel("idle", conversation_id)
        await self.queue_changed()

    async def leave_queue(self, conversation_id: str) -> None:
        if not await self.store.leave_queue(conversation_id):
            await self.desk.system_line(conversation_id, "not_queued")
            return
        logger.info("left the queue conversation=%s", conversation_id)
        await self.desk.lifecycle.changed(Change(conversation_id, Event.LEAVE_QUEUE, State.QUEUED))

    # What visitors and the bot say

    async def visitor_command(self, conversation_id: str, text: str) -> Entry | None:
        """Handles the queue's own button (leave the queue); the rating's are desk/ratings.py's.

        Returns the visitor's transcript line if the desk handled it (nothing goes to Rasa or
        the agent), else None.
        """
        if text != LEAVE_QUEUE:
            return None
        entry = await self.desk.store.append(
            conversation_id, {"from": "visitor", "ts": self.now(), "text": text}
        )
        await self.leave_queue(conversation_id)
        return entry

    async def visitor_spoke(self, conversation_id: str, owner: str, agent_id: str) -> None:
        """A visitor's line cancels the idle nudges; one to an agent may start the slow timer."""
        await self.timers.cancel("idle", conversation_id)
        if owner != "agent" or self.settings.agent_slow_seconds <= 0:
            return
        told = (await self.store.fields(conversation_id, "slow_told"))["slow_told"]
        if told is None:
            due = self.now() + self.settings.agent_slow_seconds
            await self.timers.schedule("slow", conversation_id, due, keep_earlier=True)

    async def bot_spoke(self, conversation_id: str) -> None:
        """The bot's line starts the silence the idle timer measures."""
        if self.settings.idle_seconds > 0:
            due = self.now() + self.settings.idle_seconds
            await self.timers.schedule("idle", conversation_id, due)

    async def idle_timer(self, conversation_id: str) -> None:
        owner, _ = await self.desk.store.owner(conversation_id)
        if owner != "bot":  # queued, with an agent or closed: nobody nudges
            return
        logger.info("idle conversation=%s", conversation_id)
        await self.desk.delivery.enqueue(conversation_id, {"kind": "intent", "name": IDLE_INTENT})

    async def bot_closed(self, conversation_id: str, signal: Dict[str, Any]) -> None:
        """The bot said its closing line: the conversation is closed (rated unless idle)."""
        await self.timers.cancel("idle", conversation_id)
        if await self.store.bot_closed(conversation_id):
            change = Change(conversation_id, Event.BOT_CLOSE, State.BOT, detail=signal)
            await self.desk.lifecycle.changed(change)

    # Agents

    async def agent_spoke(self, conversation_id: str) -> None:
        await self.timers.cancel("slow", conversation_id)
        await self.store.clear_fields(conversation_id, "slow_told")

    async def slow_timer(self, conversation_id: str) -> None:
        owner, agent_id = await self.desk.store.owner(conversation_id)
        if owner != "agent" or agent_id is None:
            return
        if (await self.store.fields(conversation_id, "slow_told"))["slow_told"] is not None:
            return
        await self.store.set_fields(conversation_id, slow_told=self.now())
        entry = await self.desk.system_line(conversation_id, "agent_slow")
        # The agent sees the apology in the transcript at once, and the highlight.
        await self.desk.notify_agent(
            agent_id, "message", {"conversation_id": conversation_id, "entry": entry}
        )
        await self.desk.notify_agent(
            agent_id, "visitor_waiting", {"conversation_id": conversation_id}
        )
        logger.info("agent slow conversation=%s agent=%s", conversation_id, agent_id)

    async def confirm_close(self, conversation_id: str, agent: Agent) -> Dict[str, Any]:
        """The agent's 请问还有什么可以帮您? before closing (seed 001); closing is allowed then."""
        question = self.desk.phrases.anything_else
        sent = await self.desk.agent_message(conversation_id, agent, question)
        if "entry" in sent:  # a held line was never sent: not asked
            await self.store.set_fields(conversation_id, close_asked=self.now())
        return sent

    async def visitor_waiting(self, conversation_id: str) -> bool:
        """Whether the visitor heard 让您久等了 and the agent has not answered since."""
        return (await self.store.fields(conversation_id, "slow_told"))["slow_told"] is not None

    async def check_close(self, conversation_id: str) -> None:
        if (await self.store.fields(conversation_id, "close_asked"))["close_asked"] is None:
            raise DeskError(
                "confirm_first", "请先询问客户是否还有其他需要(点击「结束会话」会先发送询问)", 409
            )

    async def ended(self, conversation_id: str) -> None:
        await self.timers.cancel("slow", conversation_id)
        await self.store.clear_fields(conversation_id, "close_asked", "slow_told")
