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
  a 1-5 satisfaction rating and an optional comment, stored per conversation and agent.

Timers live in Redis (desk/timers.py), so they survive a restart of Rasa, the action server or
any desk instance.
"""

import logging
import re
import secrets
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Dict, List, Literal, Sequence, Tuple

from actions.privacy import mask_personal_data
from desk.errors import DeskError
from desk.hours import WorkingHours
from desk.store import P
from desk.timers import Timers
from desk.waiting_store import WaitingStore, in_state

if TYPE_CHECKING:
    from desk.service import Desk
    from desk.store import Agent

logger = logging.getLogger(__name__)

Route = Literal["after_hours", "no_agent", "available", "busy"]
LEAVE_QUEUE = "/leave_queue"
RATING_SKIP = "/rating_skip"
RATING_PAYLOAD = re.compile(r'^/rating\{"score":\s*"?([1-5])"?\}$')
# 满意度评价: the score's label, best first (the buttons' order).
RATING_LABELS = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
OFFLINE_INTENTS = {"after_hours": "EXTERNAL_after_hours", "no_agent": "EXTERNAL_no_agent"}
IDLE_INTENT = "EXTERNAL_idle"
BOT = "bot"


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


def rating_buttons() -> List[Dict[str, str]]:
    return [
        {"title": label, "payload": f'/rating{{"score":{score}}}'}
        for score, label in RATING_LABELS.items()
    ]


def rating_score(text: str) -> int | None:
    """The score of a rating button's payload, or None."""
    match = RATING_PAYLOAD.match(text)
    return None if match is None else int(match.group(1))


def summarise_ratings(records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Per agent (the bot as `bot`): count, average, how many of each score, newest comments."""
    by_agent: Dict[str, Dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r["ts"]):
        summary = by_agent.setdefault(
            record["agent_id"],
            {
                "agent_id": record["agent_id"],
                "name": record.get("agent_name") or record["agent_id"],
                "count": 0,
                "scores": {str(s): 0 for s in range(1, 6)},
                "comments": [],
            },
        )
        summary["count"] += 1
        summary["scores"][str(record["score"])] += 1
        if record.get("comment"):
            summary["comments"].insert(
                0, {"score": record["score"], "comment": record["comment"], "ts": record["ts"]}
            )
    result = []
    for summary in by_agent.values():
        total = sum(int(s) * n for s, n in summary["scores"].items())
        summary["average"] = round(total / summary["count"], 2)
        summary["comments"] = summary["comments"][:5]
        result.append(summary)
    return sorted(result, key=lambda s: (s["agent_id"] != BOT, s["agent_id"]))


class Waiting:
    """The desk's waiting, idle, slow-agent, 留言 and rating behaviour."""

    def __init__(self, desk: "Desk", hours: WorkingHours, timers: Timers) -> None:
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

    async def handoff(self, conversation_id: str, ticket: Dict[str, Any]) -> None:
        """Routes a handoff: queued (busy or not), or the after-hours reply and 留言."""
        await self.timers.cancel("idle", conversation_id)
        where = route(
            self.hours.is_open(self.moment()), await self.loads(), self.settings.when_no_agent
        )
        if where in OFFLINE_INTENTS:
            await self.offline(conversation_id, OFFLINE_INTENTS[where])
            return
        ahead = await self.desk.store.open_ticket(conversation_id, ticket)
        # The bot keeps answering while the visitor waits (action_handoff paused it).
        await self.desk.delivery.enqueue(conversation_id, {"kind": "resume", "events": []})
        if ahead is None:  # already queued: asked again
            position = await self.store.position(conversation_id)
            if position is not None:
                await self.desk.system_line(conversation_id, "still_queued", position=position)
            return
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

    async def offline(self, conversation_id: str, intent: str) -> None:
        """Back to the bot, which gives the hours and offers the 留言 form."""
        moment = self.moment()
        entities = {
            "working_hours": self.hours.describe(),
            "reply_time": self.hours.reply_time(moment),
        }
        logger.info("no agent for conversation=%s: %s", conversation_id, intent)
        await self.desk.delivery.enqueue(conversation_id, {"kind": "resume", "events": []})
        await self.desk.delivery.enqueue(
            conversation_id, {"kind": "intent", "name": intent, "entities": entities}
        )

    async def tell_position(self, conversation_id: str, position: int, line: str) -> None:
        buttons = [{"title": self.desk.phrases.say("leave_queue_button"), "payload": LEAVE_QUEUE}]
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
        await self.timers.cancel("queue", conversation_id)
        logger.info("left the queue conversation=%s", conversation_id)
        await self.desk.broadcast_queue()
        await self.desk.system_line(conversation_id, "left_queue")
        await self.queue_changed()

    # What visitors and the bot say

    async def visitor_command(self, conversation_id: str, text: str) -> Dict[str, Any] | None:
        """Handles the desk's own buttons (leave the queue, the rating) and a rating comment.

        Returns the visitor's transcript line if the desk handled it (nothing goes to Rasa or
        the agent), else None.
        """
        stage, rating_id, rating_agent = await self.store.rating_state(conversation_id)
        score = rating_score(text)
        if text not in (LEAVE_QUEUE, RATING_SKIP) and score is None and stage != "comment":
            if stage == "score":  # the visitor moved on without rating
                await self.store.clear_fields(conversation_id, "rating_stage", "rating_id")
            return None
        entry = await self.desk.store.append(
            conversation_id, {"from": "visitor", "ts": self.now(), "text": text}
        )
        if text == LEAVE_QUEUE:
            await self.leave_queue(conversation_id)
        elif score is not None:
            await self.rated(conversation_id, stage, rating_id, rating_agent, score)
        elif text == RATING_SKIP:
            if stage == "comment":
                await self.store.clear_fields(conversation_id, "rating_stage", "rating_id")
                await self.desk.system_line(conversation_id, "rating_done")
        else:  # stage == "comment": this line is the comment
            await self.commented(conversation_id, rating_id, text)
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
        """The bot said its closing line: the conversation is closed, and rated unless idle."""
        await self.timers.cancel("idle", conversation_id)
        if not await self.store.bot_closed(conversation_id):
            return
        if signal.get("reason") != "idle":
            await self.ask_rating(conversation_id, BOT)

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

    async def confirm_close(self, conversation_id: str, agent: "Agent") -> Dict[str, Any]:
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

    # Ratings

    async def ask_rating(self, conversation_id: str, agent_id: str) -> None:
        await self.store.set_fields(
            conversation_id,
            rating_stage="score",
            rating_id=secrets.token_hex(8),
            rating_agent=agent_id,
        )
        await self.desk.say_to_visitor(
            conversation_id,
            {
                "from": "system",
                "ts": self.now(),
                "text": self.desk.phrases.say("rating_request"),
                "buttons": rating_buttons(),
            },
        )

    async def rated(
        self,
        conversation_id: str,
        stage: str | None,
        rating_id: str | None,
        rating_agent: str | None,
        score: int,
    ) -> None:
        if stage != "score" or rating_id is None:
            await self.desk.system_line(conversation_id, "rating_closed")
            return
        agent_id = rating_agent or BOT
        agent = None if agent_id == BOT else await self.desk.store.agent(agent_id)
        record = {
            "id": rating_id,
            "conversation_id": conversation_id,
            "agent_id": agent_id,
            "agent_name": self.desk.phrases.say("bot_label") if agent is None else agent.name,
            "score": score,
            "comment": "",
            "ts": self.now(),
        }
        await self.store.add_rating(record)
        await self.store.set_fields(conversation_id, rating_stage="comment")
        logger.info("rated conversation=%s agent=%s score=%d", conversation_id, agent_id, score)
        await self.desk.say_to_visitor(
            conversation_id,
            {
                "from": "system",
                "ts": self.now(),
                "text": self.desk.phrases.say("rating_thanks"),
                "buttons": [
                    {"title": self.desk.phrases.say("rating_skip_button"), "payload": RATING_SKIP}
                ],
            },
        )
        await self.desk.notify_agents("ratings_changed", {})

    async def commented(self, conversation_id: str, rating_id: str | None, text: str) -> None:
        await self.store.clear_fields(conversation_id, "rating_stage", "rating_id")
        record = None if rating_id is None else await self.store.rating(rating_id)
        if record is not None:
            await self.store.save_rating({**record, "comment": text})
        await self.desk.system_line(conversation_id, "comment_thanks")

    async def ratings(self, days: int | None) -> Dict[str, Any]:
        count = self.settings.rating_days if days is None else days
        if not 1 <= count <= 366:
            raise DeskError("malformed", "天数须在1到366之间")
        now = self.now()
        records = await self.store.ratings_between(now - count * 86400, now)
        return {"days": count, "agents": summarise_ratings(records)}

    # 留言

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
            mask_personal_data(str(fields["phone"])),
        )
        await self.messages_changed()

    async def messages_changed(self) -> None:
        await self.desk.notify_agents(
            "messages_changed",
            {"unhandled": len(in_state(await self.store.messages(), "unhandled"))},
        )

    async def mark_message(self, message_id: str, agent: "Agent", handled: bool) -> Dict[str, Any]:
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
