"""What the desk does, independent of how requests arrive: the socket and HTTP handlers call this.

A conversation's owner decides where a visitor's message goes (docs/desk.md): to Rasa through the
conversation's inbox (also while queued: the bot answers while the visitor waits), or straight to
the agent. Waiting, idle visitors and slow agents are in desk/waiting.py, 留言 in
desk/messages.py, ratings in desk/ratings.py.
Only the agent assigned to a conversation sees its phone, ID and account numbers in full; the
queue and a queued conversation show them masked (`masked_ticket`, `masked_transcript`).
An agent's line with a forbidden phrase (服务忌语: an inventory rule, compliance/inventory.yml, or
the learned checker, compliance/classifier.py) is held with a warning unless the agent sends it
anyway; both are counted per agent and day (the agents' report
of those counts is desk/compliance_report.py).
"""

import asyncio
import logging
import secrets
import time
from typing import Any, Callable, Dict, List, cast

import socketio

from common.contract import (
    CLIENT_IP_KEY,
    COMPLAINT_SLOT,
    OPENING_PAYLOAD,
    VISITOR_ID_KEY,
    is_desk_only,
)
from common.handoff import parse_reason, parse_verification
from common.records import Entry, Ticket
from compliance.checker import Violation
from compliance.masking import mask_personal_numbers
from compliance.screening import screen as check_service_language
from desk.compliance_report import compliance_day
from desk.delivery import LEASE_MS, RasaDelivery, with_delivery_id
from desk.errors import DeskError
from desk.guard import for_rasa, is_payload, is_valid_text, token_digest, visitor_id
from desk.lifecycle import Change, Event, Lifecycle, State
from desk.login_guard import LoginGuard
from desk.messages import Messages
from desk.phrases import Phrases
from desk.presence import RENEW_SECONDS, ConsoleRegistry, VisitorSockets, watch_logins
from desk.rasa_client import RasaClient
from desk.ratings import BOT, Ratings
from desk.scorecard_store import RedisScorecardStore
from desk.scorecards import Scorecards
from desk.settings import DeskSettings
from desk.store import Agent, Bucket, ComplianceKind, DeskStore, P
from desk.timers import TimerLoop, Timers
from desk.waiting import OFFLINE_INTENTS, Waiting

logger = logging.getLogger(__name__)

VISITORS = "/"
AGENTS = "/agent"
AGENTS_ROOM = "agents"


def visitor_room(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


def agent_room(agent_id: str) -> str:
    return f"agent:{agent_id}"


def bot_uttered(entry: Entry) -> Dict[str, Any]:
    """The socket.io `bot_uttered` payload of a transcript line (Rasa's socketio format).

    rasa-webchat shows a message only if its keys are exactly `text` (or `text` and
    `quick_replies`) once `metadata` is taken off, so the desk's extras go in `metadata`.
    """
    payload: Dict[str, Any] = {"text": entry.get("text", "")}
    if entry.get("buttons"):
        payload["quick_replies"] = [
            {"content_type": "text", "title": b.get("title", ""), "payload": b.get("payload", "")}
            for b in entry["buttons"]
        ]
    metadata: Dict[str, Any] = {"sender": entry["from"], "seq": entry["seq"]}
    if entry.get("agent_name"):
        metadata["agent_name"] = entry["agent_name"]
    payload["metadata"] = metadata
    return payload


def checked_text(text: Any, limit: int, phrases: Phrases) -> str:
    """The message text without surrounding blanks, or a `DeskError`: not valid text, empty,
    too long."""
    if not isinstance(text, str) or not is_valid_text(text):
        raise DeskError("malformed", phrases.say("malformed"))
    text = text.strip()
    if not text:
        raise DeskError("empty", phrases.say("empty"))
    if len(text) > limit:
        raise DeskError("too_long", phrases.say("too_long", limit=limit))
    return text


def inbox_message(text: str, client_ip: str | None, visitor: str = "") -> Dict[str, Any]:
    """The inbox item of a message for Rasa, with the visitor's address and identity as its
    metadata (the verification limits count by them).

    The metadata is stored with the item, so a retry, or another instance, sends the same.
    """
    item: Dict[str, Any] = {"kind": "message", "text": text}
    metadata = {CLIENT_IP_KEY: client_ip, VISITOR_ID_KEY: visitor}
    if any(metadata.values()):
        item["metadata"] = {key: value for key, value in metadata.items() if value}
    return with_delivery_id(item)


def labelled(summary: Any, phrases: Phrases) -> Dict[str, Any]:
    """The signal's summary with the visitor's intents as Chinese labels (the console shows
    them to agents)."""
    if not isinstance(summary, dict):
        return {}
    if "intents" not in summary:
        return summary
    return {**summary, "intents": phrases.intent_labels(summary["intents"])}


def new_ticket(
    conversation_id: str, signal: Dict[str, Any], phrases: Phrases, queued_at: float
) -> Ticket:
    """The ticket a handoff signal opens; `verified` is the account number the visitor proved."""
    reason = parse_reason(signal.get("reason"))
    verification = parse_verification(signal.get("verification"))
    ticket: Ticket = {
        "conversation_id": conversation_id,
        "reason": reason,
        "reason_label": phrases.reason_label(reason),
        "intent": signal.get("intent"),
        "slots": signal.get("slots") or {},
        "summary": labelled(signal.get("summary"), phrases),
        "verification": verification,
        "queued_at": queued_at,
    }
    if verification is not None and verification["status"] == "verified":
        ticket["verified"] = verification["account_number"]
    return ticket


def merged_ticket(ticket: Ticket, update: Ticket) -> Ticket:
    """The open ticket after the visitor added to it (another handoff signal while queued or
    with an agent, or a new line): its place and first reason stay, every reason given is
    listed, new slot values and the newer summary and verification count."""
    merged = ticket.copy()
    first = ticket.get("reason")
    reasons = list(ticket.get("reasons") or ([first] if first else []))
    if update.get("reason") and update["reason"] not in reasons:
        reasons.append(update["reason"])
    merged["reasons"] = reasons
    slots = {**(ticket.get("slots") or {})}
    slots.update({k: v for k, v in (update.get("slots") or {}).items() if v not in (None, "")})
    merged["slots"] = slots
    merged["summary"] = {**(ticket.get("summary") or {}), **(update.get("summary") or {})}
    if update.get("verification") is not None:
        merged["verification"] = update["verification"]
        if "verified" in update:
            merged["verified"] = update["verified"]
    return merged


def _masked(value: Any) -> Any:
    """`value` with personal numbers masked in every string in it."""
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


MASKED_TICKET_KEYS = ("slots", "summary", "verified", "verification")


def masked_ticket(ticket: Ticket) -> Ticket:
    """The ticket as agents not assigned to it see it: numbers in what the visitor gave masked."""
    return cast(
        Ticket, {k: _masked(v) if k in MASKED_TICKET_KEYS else v for k, v in ticket.items()}
    )


def masked_transcript(entries: List[Entry]) -> List[Entry]:
    """Transcript lines as agents not assigned to the conversation see them."""
    masked: List[Entry] = []
    for entry in entries:
        line = entry.copy()
        line["text"] = mask_personal_numbers(entry.get("text", ""))
        if "buttons" in entry:
            line["buttons"] = _masked(entry["buttons"])
        masked.append(line)
    return masked


def mirror_events(entries: List[Entry]) -> List[Dict[str, Any]]:
    """Rasa tracker events for the lines of an agent-handled stretch: the bot keeps the context."""
    events: List[Dict[str, Any]] = []
    for entry in entries:
        if entry["from"] == "visitor":
            # Rasa requires parse_data on a user event; these lines were never classified.
            parse_data = {"text": entry["text"], "intent": {}, "entities": []}
            events.append(
                {
                    "event": "user",
                    "text": entry["text"],
                    "timestamp": entry["ts"],
                    "parse_data": parse_data,
                }
            )
        elif entry["from"] == "agent":
            metadata = {"agent_id": entry.get("agent_id")}
            events.append(
                {
                    "event": "bot",
                    "text": entry["text"],
                    "timestamp": entry["ts"],
                    "metadata": metadata,
                }
            )
    return events


class Desk:
    """One desk instance's behaviour over the shared store, Rasa and socket.io."""

    def __init__(
        self,
        settings: DeskSettings,
        store: DeskStore,
        rasa: RasaClient,
        sio: socketio.AsyncServer,
        phrases: Phrases,
        check: Callable[[str], List[Violation]] = check_service_language,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.rasa = rasa
        self.sio = sio
        self.phrases = phrases
        self.check = check
        self.clock = clock
        self.delivery = RasaDelivery(settings, store, rasa, self.system_line)
        self.lifecycle = Lifecycle()
        self.consoles = ConsoleRegistry(store.redis, clock)
        self.visitors = VisitorSockets(store.redis, clock)
        self.logins = LoginGuard(store.redis, settings, clock)  # desk/login_guard.py
        timers = Timers(store.redis)
        self.timers = timers
        self.waiting = Waiting(self, settings.working_hours(), timers)
        self.ratings = Ratings(self, self.waiting.store)
        self.messages: Messages = Messages(self, self.waiting.store)
        self.scorecards = Scorecards(RedisScorecardStore(store.redis), store, settings, clock)
        self.timer_loop = TimerLoop(
            timers,
            {
                "idle": self.waiting.idle_timer,
                "queue": self.waiting.queue_timer,
                "slow": self.waiting.slow_timer,
                "away": self.agent_away,
                "gone": self.agent_gone,
            },
            clock,
            settings.timer_tick_seconds,
        )
        self._presence_task: asyncio.Task[None] | None = None
        self._logins_task: asyncio.Task[None] | None = None
        self._listen()

    def _listen(self) -> None:
        """The effects of each transition (desk/lifecycle.py), in the order they run."""
        on = self.lifecycle.on

        @on(Event.ACCEPT, Event.LEAVE_QUEUE, Event.NO_AGENTS, Event.AGENT_GONE)
        async def queue_moved(change: Change) -> None:
            await self.broadcast_queue()
            await self.waiting.queue_changed()

        @on(Event.ACCEPT)
        async def accepted(change: Change) -> None:
            await self.waiting.accepted(change.conversation_id)

        @on(Event.HAND_BACK, Event.CLOSE, Event.AGENT_GONE)
        async def agent_released(change: Change) -> None:
            await self.waiting.ended(change.conversation_id)
            await self.notify_agent(
                str(change.agent_id),
                "conversation_ended",
                {"conversation_id": change.conversation_id, "owner": change.target.value},
            )

        @on(Event.CLOSE)
        async def closed(change: Change) -> None:
            await self.say_to_visitor(
                change.conversation_id,
                {"from": "system", "ts": self.clock(), "text": self.phrases.closing},
            )
            await self.ratings.ask_rating(change.conversation_id, str(change.agent_id))

        @on(Event.BOT_CLOSE)
        async def bot_closed(change: Change) -> None:
            if change.detail.get("reason") != "idle":  # nobody is there to rate
                await self.ratings.ask_rating(change.conversation_id, BOT)

        @on(Event.LEAVE_QUEUE)
        async def left_queue(change: Change) -> None:
            await self.timers.cancel("queue", change.conversation_id)
            await self.system_line(change.conversation_id, "left_queue")

        @on(Event.NO_AGENTS)
        async def nobody_left(change: Change) -> None:
            await self.timers.cancel("queue", change.conversation_id)
            await self.waiting.offline_now(change.conversation_id)

        @on(Event.AGENT_GONE)
        async def requeued(change: Change) -> None:
            await self.system_line(change.conversation_id, "agent_gone")
            position = await self.waiting.store.position(change.conversation_id)
            if position is not None:
                await self.waiting.tell_position(change.conversation_id, position, "queued")

        # 质检评分 (desk/scorecards.py): after `closed`, so the card sees the closing line.
        on(Event.CLOSE)(self.scorecards.closed)

    def start(self) -> None:
        """Starts delivering inboxes, firing timers and keeping consoles counted."""
        self.delivery.start()
        self.timer_loop.start()
        self._presence_task = asyncio.create_task(self._keep_presence())
        self._logins_task = asyncio.create_task(  # consoles go when their login does
            watch_logins(
                self.consoles,
                self.store.sessions_alive,
                lambda sid: self.sio.disconnect(sid, namespace=AGENTS),
                self.settings.agent_session_check_seconds,
            )
        )

    async def stop(self) -> None:
        for task in (self._presence_task, self._logins_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self.logins.close()
        await self.timer_loop.stop()
        await self.delivery.stop()

    # Presence (desk/presence.py): an agent is online only while a console is connected

    async def console_connected(self, agent_id: str, token: str, sid: str) -> None:
        await self.consoles.console_connected(agent_id, token, sid)
        await self.timers.cancel("away", agent_id)
        await self.timers.cancel("gone", agent_id)

    async def console_disconnected(self, sid: str) -> None:
        agent_id = await self.consoles.disconnected(sid)
        if agent_id is not None:
            await self._maybe_away(agent_id, self.settings.presence_grace_seconds)

    async def logged_out(self, agent_id: str, token: str) -> None:
        """Ends a login: its sockets are disconnected on every instance; no grace period."""
        await self.store.end_session(token)
        for sid in await self.consoles.forget_login(agent_id, token):
            await self.sio.disconnect(sid, namespace=AGENTS)
        await self._maybe_away(agent_id, 0.0)

    async def _maybe_away(self, agent_id: str, after: float) -> None:
        """Starts the agent's away timer if they are present and no console of theirs counts."""
        agent = await self.store.agent(agent_id)
        if agent is None or agent.status == "offline" or await self.consoles.live(agent_id):
            return
        await self.timers.schedule("away", agent_id, self.clock() + after, keep_earlier=True)

    async def _keep_presence(self) -> None:
        """Renews this instance's consoles; finds present agents whose consoles all vanished
        (a desk instance died: no disconnect event came)."""
        while True:
            try:
                await self.consoles.renew()
                await self.visitors.renew()
                presence = await self.store.redis.hgetall(f"{P}presence")
                for agent_id, status in presence.items():
                    if status != "offline":
                        await self._maybe_away(agent_id, self.settings.presence_grace_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("presence")
            await asyncio.sleep(RENEW_SECONDS)

    async def agent_away(self, agent_id: str) -> None:
        """No console of the agent came back within the grace period: they are offline."""
        if await self.consoles.live(agent_id):
            return
        agent = await self.store.agent(agent_id)
        if agent is None or agent.status == "offline":
            return
        await self.store.set_presence(agent_id, "offline")
        logger.info("agent away agent=%s chats=%d", agent_id, agent.active)
        if agent.active:
            due = self.clock() + self.settings.agent_gone_seconds
            await self.timers.schedule("gone", agent_id, due, keep_earlier=True)
        await self.agents_changed()

    async def agent_gone(self, agent_id: str) -> None:
        """The agent stayed away: each chat of theirs goes back to the queue, first in line."""
        if await self.consoles.live(agent_id):
            return
        for conversation_id in await self.store.conversations_of_agent(agent_id):
            if await self.store.requeue(conversation_id, agent_id):
                logger.info("requeued conversation=%s agent=%s", conversation_id, agent_id)
                await self.lifecycle.changed(
                    Change(conversation_id, Event.AGENT_GONE, State.AGENT, agent_id)
                )
        await self.agents_changed()

    async def agents_changed(self) -> None:
        """Presence changed: with nobody online, queued visitors are offered 留言 instead of a
        wait for nobody (unless DESK_WHEN_NO_AGENT=queue, or it is after hours anyway)."""
        if await self.waiting.loads() or self.settings.when_no_agent == "queue":
            return
        for conversation_id in await self.waiting.store.queued():
            if await self.waiting.store.leave_queue(conversation_id, Event.NO_AGENTS):
                logger.info("nobody online: conversation=%s leaves the queue", conversation_id)
                await self.lifecycle.changed(Change(conversation_id, Event.NO_AGENTS, State.QUEUED))

    # Visitors

    async def visitor_connected(self, conversation_id: str, sid: str) -> None:
        """A chat page (re)opened: if the visitor had left, the agent learns they are back."""
        await self.visitors.connected(conversation_id, sid, sid)
        if await self.store.visitor_back(conversation_id):
            await self._visitor_presence(conversation_id, present=True)

    async def visitor_disconnected(self, sid: str) -> None:
        """A chat socket closed: when it was the visitor's last, they have left the page."""
        conversation_id = await self.visitors.disconnected(sid)
        if conversation_id is None or await self.visitors.live(conversation_id):
            return
        owner = await self.store.visitor_left(conversation_id, self.clock())
        logger.info("visitor left conversation=%s owner=%s", conversation_id, owner)
        if owner in (State.QUEUED.value, State.AGENT.value):
            day = compliance_day(self.clock(), self.settings.compliance_utc_offset_hours)
            await self.store.count_left(day, owner, self.settings.compliance_keep_days * 86400)
            await self._visitor_presence(conversation_id, present=False)

    async def _visitor_presence(self, conversation_id: str, *, present: bool) -> None:
        """Shows the queue card or the owning agent whether the visitor is on the page."""
        owner, agent_id = await self.store.owner(conversation_id)
        if owner == State.QUEUED.value:
            await self.broadcast_queue()
        elif owner == State.AGENT.value and agent_id:
            await self.notify_agent(
                agent_id,
                "visitor_presence",
                {"conversation_id": conversation_id, "present": present},
            )

    async def visitor_session(
        self, token: str | None, client_ip: str | None = None, browser_id: Any = None
    ) -> Dict[str, str]:
        """The visitor's session: the one `token` names, or a new one with a new conversation.

        A new conversation starts with the opening payload to Rasa, from `client_ip`; one
        address opens at most `DESK_NEW_CHATS_PER_MINUTE` (`too_many_chats` after that).
        `visitor_id` (desk/guard.py) comes from the chat page's `browser_id`, if valid.
        """
        if token:
            conversation_id = await self.store.conversation_of(token)
            if conversation_id is not None:
                await self.store.touch_visitor(token, conversation_id)
                return {
                    "token": token,
                    "conversation_id": conversation_id,
                    "visitor_id": await self.store.visitor_id(conversation_id),
                }
        minute = int(self.clock() // 60)
        opened = await self.store.count_new_chat(token_digest(client_ip or ""), minute)
        if opened > self.settings.new_chats_per_minute:
            logger.warning("new chats refused: %d this minute from one address", opened)
            raise DeskError("too_many_chats", self.phrases.say("too_many_chats"), 429)
        token = secrets.token_urlsafe(32)
        conversation_id = secrets.token_hex(16)
        visitor = visitor_id(browser_id, token)
        await self.store.start_conversation(token, conversation_id, visitor)
        await self.delivery.enqueue(
            conversation_id, inbox_message(OPENING_PAYLOAD, client_ip, visitor)
        )
        return {"token": token, "conversation_id": conversation_id, "visitor_id": visitor}

    async def visitor_message(
        self,
        conversation_id: str,
        text: Any,
        client_ip: str | None = None,
        visitor: str = "",
    ) -> Entry:
        """Records a visitor's message and passes it on as the conversation's owner requires.

        `client_ip` and `visitor` (the visitor's address and identity) go to Rasa with the
        message (its metadata). A slash payload the bot did not offer goes as text
        (desk/guard.py); a visitor faster than their token bucket gets `too_fast`.
        """
        text = checked_text(text, self.settings.max_message_chars, self.phrases)
        if is_desk_only(text):
            raise DeskError("malformed", self.phrases.say("malformed"))
        handled = await self.waiting.visitor_command(conversation_id, text)
        if handled is None:
            handled = await self.ratings.visitor_command(conversation_id, text)
        if handled is not None:
            return handled
        offered = (
            [text]
            if is_payload(text) and await self.store.was_offered(conversation_id, text)
            else []
        )
        to_rasa = for_rasa(text, offered)
        if not to_rasa:
            raise DeskError("empty", self.phrases.say("empty"))
        settings = self.settings
        recorded = await self.store.visitor_line(
            conversation_id,
            {"from": "visitor", "ts": self.clock(), "text": text},
            inbox_message(to_rasa, client_ip, visitor),
            settings.instance_id,
            LEASE_MS,
            Bucket(settings.visitor_burst, settings.visitor_per_second, self.clock()),
        )
        if recorded is None:
            raise DeskError("too_fast", self.phrases.say("too_fast"), 429)
        owner, agent_id, entry, first = recorded
        if owner == State.QUEUED.value:  # the queue card shows the latest line
            await self.ticket_updated(conversation_id, {"summary": {"last_visitor_message": text}})
        if owner == State.AGENT.value:
            await self.sio.emit(
                "message",
                {"conversation_id": conversation_id, "entry": entry},
                room=agent_room(agent_id),
                namespace=AGENTS,
            )
        elif first is not None:  # this instance holds the lease: deliver from `first` on
            self.delivery.spawn(conversation_id, first)
        await self.waiting.visitor_spoke(conversation_id, owner, agent_id)
        return entry

    async def say_to_visitor(self, conversation_id: str, entry: Entry) -> Entry:
        """Adds a bot, agent or system line to the transcript and shows it to the visitor."""
        entry = await self.store.append(conversation_id, entry)
        await self.sio.emit(
            "bot_uttered",
            bot_uttered(entry),
            room=visitor_room(conversation_id),
            namespace=VISITORS,
        )
        return entry

    async def system_line(self, conversation_id: str, name: str, **values: Any) -> Entry:
        """Tells the visitor a line of desk/phrases.yml; returns the transcript entry."""
        return await self.say_to_visitor(
            conversation_id,
            {"from": "system", "ts": self.clock(), "text": self.phrases.say(name, **values)},
        )

    async def notify_agents(self, event: str, data: Dict[str, Any]) -> None:
        await self.sio.emit(event, data, room=AGENTS_ROOM, namespace=AGENTS)

    async def notify_agent(self, agent_id: str, event: str, data: Dict[str, Any]) -> None:
        await self.sio.emit(event, data, room=agent_room(agent_id), namespace=AGENTS)

    # The bot (Rasa's callback channel)

    async def bot_message(self, message: Dict[str, Any]) -> None:
        """One message Rasa posted: text (with buttons) for the visitor, or a signal
        (docs/handoff.md): `handoff`, `closed` (the bot's closing line was said) or
        `leave_message` (a 留言 the visitor left)."""
        conversation_id = message.get("recipient_id")
        if not isinstance(conversation_id, str) or not conversation_id:
            raise DeskError("malformed", "recipient_id missing")
        custom = message.get("custom")
        if isinstance(custom, dict):
            if isinstance(custom.get("handoff"), dict):
                await self.open_ticket(conversation_id, custom["handoff"])
            elif isinstance(custom.get("closed"), dict):
                await self.waiting.bot_closed(conversation_id, custom["closed"])
            elif isinstance(custom.get("leave_message"), dict):
                await self.messages.leave_message(conversation_id, custom["leave_message"])
            return
        if message.get("text"):
            owner, _ = await self.store.owner(conversation_id)
            if owner == State.AGENT.value:  # answering a line sent before the agent accepted
                logger.info("bot line dropped, an agent has conversation=%s", conversation_id)
                return
            entry: Entry = {"from": "bot", "ts": self.clock(), "text": str(message["text"])}
            if message.get("buttons"):
                entry["buttons"] = [
                    {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                    for b in message["buttons"]
                ]
                await self.store.offer_payloads(
                    conversation_id, [b["payload"] for b in entry["buttons"] if b["payload"]]
                )
            await self.say_to_visitor(conversation_id, entry)
            await self.waiting.bot_spoke(conversation_id)

    async def open_ticket(self, conversation_id: str, signal: Dict[str, Any]) -> None:
        """Queues the conversation for an agent, or, if none can come, offers 留言 (waiting.py)."""
        ticket = new_ticket(conversation_id, signal, self.phrases, self.clock())
        where = await self.waiting.handoff(conversation_id, ticket)
        if where in OFFLINE_INTENTS and ticket["slots"].get(COMPLAINT_SLOT):
            # The bot said the complaint was recorded: it is, as a 留言 an agent will find.
            await self.messages.record_complaint(conversation_id, ticket)

    async def ticket_updated(self, conversation_id: str, update: Ticket) -> None:
        """Adds to the open ticket; the queue or the owning agent sees it at once."""
        ticket = await self.store.ticket(conversation_id)
        if ticket is None:
            return
        merged = merged_ticket(ticket, update)
        merged["reason_labels"] = [self.phrases.reason_label(r) for r in merged["reasons"]]
        await self.store.save_ticket(conversation_id, merged)
        owner, agent_id = await self.store.owner(conversation_id)
        if owner == State.QUEUED.value:
            await self.broadcast_queue()
        elif owner == State.AGENT.value and agent_id:
            await self.notify_agent(
                agent_id, "ticket_updated", {"conversation_id": conversation_id, "ticket": merged}
            )

    async def tickets(self) -> List[Dict[str, Any]]:
        """The queue, oldest first, as every agent sees it: masked (nobody is assigned yet)."""
        now = time.time()
        tickets = await self.store.queue()
        left = await self.store.visitors_left([t["conversation_id"] for t in tickets])
        return [
            {
                **masked_ticket(ticket),
                "waiting_seconds": round(now - ticket["queued_at"], 1),
                "visitor_left": ticket["conversation_id"] in left,
            }
            for ticket in tickets
        ]

    async def broadcast_queue(self) -> None:
        await self.sio.emit(
            "queue", {"tickets": await self.tickets()}, room=AGENTS_ROOM, namespace=AGENTS
        )

    # Agents

    async def conversation_view(self, conversation_id: str, agent: Agent) -> Dict[str, Any]:
        """A conversation as the console shows it; only for its agent or while it is queued.

        Only the agent assigned to it gets the numbers in full; a queued one comes masked.
        """
        owner, agent_id = await self.store.owner(conversation_id)
        if owner is None:
            raise DeskError("not_found", "会话不存在", 404)
        assigned = owner == "agent" and agent_id == agent.agent_id
        if not (owner == "queued" or assigned):
            raise DeskError("forbidden", "您没有权限查看该会话", 403)
        ticket = await self.store.ticket(conversation_id)
        transcript = await self.store.transcript(conversation_id)
        if not assigned:
            ticket = None if ticket is None else masked_ticket(ticket)
            transcript = masked_transcript(transcript)
        return {
            "conversation_id": conversation_id,
            "owner": owner,
            "agent_id": agent_id,
            "ticket": ticket,
            "transcript": transcript,
            "visitor_waiting": assigned and await self.waiting.visitor_waiting(conversation_id),
            "visitor_left": bool(await self.store.visitors_left([conversation_id])),
        }

    async def accept(self, conversation_id: str, agent: Agent) -> Dict[str, Any]:
        result = await self.store.accept(conversation_id, agent)
        if result == "taken":
            raise DeskError("taken", "该会话已被其他客服接入", 409)
        if result == "not_online":
            raise DeskError("not_online", "请先将状态设为在线", 403)
        if result == "capacity":
            raise DeskError("capacity", "您同时接待的会话已达上限", 403)
        logger.info("accepted conversation=%s agent=%s", conversation_id, agent.agent_id)
        await self.lifecycle.changed(
            Change(conversation_id, Event.ACCEPT, State.QUEUED, agent.agent_id)
        )
        await self.system_line(
            conversation_id, "agent_joined", agent_id=agent.agent_id, agent_name=agent.name
        )
        return await self.conversation_view(conversation_id, agent)

    async def _owned(self, conversation_id: str, agent: Agent) -> None:
        owner, agent_id = await self.store.owner(conversation_id)
        if owner is None:
            raise DeskError("not_found", "会话不存在", 404)
        if owner != "agent" or agent_id != agent.agent_id:
            raise DeskError("forbidden", "该会话不由您接待", 403)

    async def agent_message(
        self, conversation_id: str, agent: Agent, text: Any, force: bool = False
    ) -> Dict[str, Any]:
        """Sends an agent's line to the visitor, unless it uses a forbidden phrase (服务忌语).

        A line with one is held: nothing is stored or sent, the agent's warning is counted and
        the answer is `{"held": True, "violations": [...]}`. With `force` it is sent anyway,
        counted and recorded: `{"entry": Entry, "forced": True}`. Otherwise `{"entry": Entry}`.
        """
        await self._owned(conversation_id, agent)
        text = checked_text(text, self.settings.max_message_chars, self.phrases)
        violations = self.check(text)
        now = self.clock()  # the desk's clock, as on every other line (the scorecard's times)
        if violations and not force:
            await self._count(agent, "warnings", now)
            logger.info(
                "held conversation=%s agent=%s rules=%s",
                conversation_id,
                agent.agent_id,
                ",".join(v.rule for v in violations),
            )
            return {"held": True, "violations": [v.to_json() for v in violations]}
        line: Entry = {
            "from": "agent",
            "ts": now,
            "text": text,
            "agent_id": agent.agent_id,
            "agent_name": agent.name,
        }
        if violations:  # sent anyway: marked in the transcript, for the 质检 scorecard
            line["forced"] = True
        entry = await self.say_to_visitor(conversation_id, line)
        await self.waiting.agent_spoke(conversation_id)
        if not violations:
            return {"entry": entry}
        await self._count(agent, "forced", now)
        await self.store.record_forced(
            {
                "ts": now,
                "agent_id": agent.agent_id,
                "conversation_id": conversation_id,
                "seq": entry["seq"],
                "rules": [v.rule for v in violations],
                "matched": [v.matched for v in violations],
            }
        )
        logger.info("sent anyway conversation=%s agent=%s", conversation_id, agent.agent_id)
        return {"entry": entry, "forced": True}

    async def _count(self, agent: Agent, kind: ComplianceKind, now: float) -> None:
        day = compliance_day(now, self.settings.compliance_utc_offset_hours)
        keep_seconds = self.settings.compliance_keep_days * 86400
        await self.store.count_compliance(day, agent.agent_id, kind, keep_seconds)

    async def hand_back(self, conversation_id: str, agent: Agent) -> None:
        """The bot takes over again, knowing what was said while the agent had it."""
        await self._end(conversation_id, agent, Event.HAND_BACK)
        await self.system_line(conversation_id, "handed_back")

    async def confirm_close(self, conversation_id: str, agent: Agent) -> Dict[str, Any]:
        """Asks the visitor whether anything else is needed; `close` is allowed after it."""
        return await self.waiting.confirm_close(conversation_id, agent)

    async def close(self, conversation_id: str, agent: Agent) -> None:
        """Ends the conversation with the closing line and asks for a satisfaction rating.

        Only after the agent asked whether anything else is needed (`confirm_close`); a new
        visitor message reopens the conversation to the bot.
        """
        await self._owned(conversation_id, agent)
        await self.waiting.check_close(conversation_id)
        await self._end(conversation_id, agent, Event.CLOSE)

    async def _end(self, conversation_id: str, agent: Agent, event: Event) -> None:
        """Hand back or close: the bot's tracker learns what was said meanwhile."""
        await self._owned(conversation_id, agent)
        start = await self.store.release(conversation_id, agent.agent_id, event)
        if start is None:
            raise DeskError("forbidden", "该会话不由您接待", 403)
        events = mirror_events(await self.store.transcript(conversation_id, start))
        await self.delivery.enqueue(conversation_id, {"kind": "resume", "events": events})
        # Where the agent's stretch began and when it ended: the scorecard judges that stretch.
        detail = {"start": start, "at": self.clock()}
        await self.lifecycle.changed(
            Change(conversation_id, event, State.AGENT, agent.agent_id, detail)
        )
        logger.info("%s conversation=%s agent=%s", event.value, conversation_id, agent.agent_id)
