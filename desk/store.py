"""All shared state of the desk, in Redis: conversations, transcripts, queue, agents, inboxes.

Keys (prefix `desk:`):

| key | type | holds |
|---|---|---|
| `visitor:{digest}` | string | the conversation id of a visitor's session token (expires); |
| | | the key has the token's SHA-256, never the token |
| `conv:{id}` | hash | `owner` (desk/lifecycle.py), `agent_id`, `handoff_seq`, `created_at`, |
| | | `visitor_left_at` (when the visitor's last chat page closed, until one reopens), |
| | | `visitor_id` (desk/guard.py), `bucket`, `bucket_at` (the visitor's rate limit) |
| `offered:{id}` | set | payloads of the buttons the bot offered since the visitor's last line |
| `new_chats:{digest}:{minute}` | string | new conversations from one client address that minute |
| `transcript:{id}` | list | one JSON `Entry` per line, in order (its index is its `seq`) |
| `ticket:{id}` | string | the JSON ticket opened at the last handoff |
| `queue` | sorted set | queued conversation ids, scored by the time they were queued |
| `inbox:{id}` | list | JSON items waiting to go to Rasa, oldest first |
| `pending` | set | conversation ids whose inbox is not empty |
| `lease:{id}` | string | the desk instance draining that inbox (expires) |
| `sending:{id}` | string | the id of the inbox item being sent to Rasa, until Rasa confirmed it |
| `agent:{id}` | hash | `name`, `password_hash`, `capacity`, `supervisor` (`1`: sees every |
| | | agent's 质检 scorecards; `python -m desk.agents supervisor`) |
| `presence` | hash | agent id → online, busy or offline |
| `agent_convs:{id}` | set | conversation ids an agent owns |
| `session:{digest}` | string | the agent id of a console login (expires); the key has the |
| | | token's SHA-256, never the token |
| `login:agent:{digest}` | hash | failed logins to one 工号 (`n`) and its lock's end (`until`) |
| `login:address:{digest}` | hash | the same per client address (desk/login_guard.py) |
| `login:pepper` | string | the random key of those digests (HMAC), so key names give nothing away |
| `compliance:{day}` | hash | `{agent id}:warnings`, `{agent id}:forced` of a day (`YYYY-MM-DD`) |
| `compliance:forced` | list | JSON records of agent messages sent despite a warning, newest first |
| `stats:{day}` | hash | `left_queued`, `left_agent`: visitors who left while waiting or served |
| `consoles:{agent}` | sorted set | live console sockets of an agent (desk/presence.py) |
| `visitors:{id}` | sorted set | live chat sockets of a conversation (desk/presence.py) |
| `qc:*` | | 质检 scorecards and their indexes by day and agent (desk/scorecard_store.py) |

Service-language compliance (docs/compliance.md): `warnings` counts an agent's messages held for
a forbidden phrase, `forced` those sent anyway; a day's hash expires `DESK_COMPLIANCE_KEEP_DAYS`
after its last change. A forced record is `ts`, `agent_id`, `conversation_id`, `seq`, `rules`,
`matched`; the last 10,000 are kept.

`handoff_seq` is where the agent took over; desk/waiting_store.py adds fields of its own.

Every change that must not interleave with another (accepting a ticket, opening one, handing a
conversation back) is one Lua script, so two desk instances never both win.
"""

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Literal, Tuple, cast

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from common.records import Entry, Ticket
from desk.guard import token_digest
from desk.lifecycle import BOT_ANSWERS, LUA_ALLOWED, Event, lua_args

P = "desk:"
Owner = Literal["bot", "queued", "agent", "closed"]
Presence = Literal["online", "busy", "offline"]
PRESENCE_VALUES = ("online", "busy", "offline")


@dataclass(frozen=True)
class Agent:
    """An agent account with its presence and load."""

    agent_id: str
    name: str
    capacity: int
    status: str
    active: int
    supervisor: bool = False  # sees every agent's 质检 scorecards, not only their own

    def to_json(self) -> Dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "name": self.name,
            "capacity": self.capacity,
            "status": self.status,
            "active": self.active,
            "supervisor": self.supervisor,
        }


# Records a visitor's line and, unless an agent owns the conversation, queues it for Rasa and
# takes the inbox's lease if it is free, in one step (a closed conversation reopens to the bot;
# a queued visitor still talks to the bot until an agent accepts). The visitor's rate limit is a
# token bucket in the conversation's hash: a line with no token left is not recorded at all.
# The bot's offered buttons are spent by the line.
# KEYS: conv, transcript, inbox, pending, lease, offered. ARGV: entry json, inbox item json, id,
# instance id, lease ms, states answered by the bot, reopen's sources and target, now (s),
# burst (0: no limit), tokens per second.
# Returns {owner, agent id, seq (-1: refused, too fast), first inbox item if the lease was taken}.
_VISITOR_LINE = (
    LUA_ALLOWED
    + """
local owner, agent, tokens, at = unpack(
  redis.call('HMGET', KEYS[1], 'owner', 'agent_id', 'bucket', 'bucket_at'))
local now, burst, rate = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
if burst > 0 then
  local refill = math.max(0, now - (tonumber(at) or now)) * rate
  tokens = math.min(burst, (tonumber(tokens) or burst) + refill)
  if tokens < 1 then return {owner or '', agent or '', -1, ''} end
  redis.call('HSET', KEYS[1], 'bucket', tostring(tokens - 1), 'bucket_at', tostring(now))
end
redis.call('DEL', KEYS[6])
local seq = redis.call('RPUSH', KEYS[2], ARGV[1]) - 1
local head = ''
if allowed(owner or '', ARGV[6]) then
  if allowed(owner or '', ARGV[7]) then redis.call('HSET', KEYS[1], 'owner', ARGV[8]) end
  redis.call('RPUSH', KEYS[3], ARGV[2])
  redis.call('SADD', KEYS[4], ARGV[3])
  if redis.call('SET', KEYS[5], ARGV[4], 'NX', 'PX', ARGV[5]) then
    head = redis.call('LINDEX', KEYS[3], 0)
  end
end
return {owner or '', agent or '', seq, head}
"""
)

# Opens a ticket unless one is open (the handoff's sources). Returns how many wait before it,
# or -1 with the state unchanged. KEYS: conv, queue, ticket. ARGV: id, now, ticket json, sources,
# target.
_OPEN_TICKET = (
    LUA_ALLOWED
    + """
if not allowed(redis.call('HGET', KEYS[1], 'owner') or '', ARGV[4]) then return -1 end
redis.call('HSET', KEYS[1], 'owner', ARGV[5])
redis.call('HDEL', KEYS[1], 'agent_id')
redis.call('SET', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return redis.call('ZRANK', KEYS[2], ARGV[1])
"""
)

# Gives a queued conversation to one agent; the agent's stretch of the transcript starts here.
# KEYS: conv, queue, agent_convs, presence, transcript. ARGV: id, agent id, capacity, sources,
# target.
_ACCEPT = (
    LUA_ALLOWED
    + """
if not allowed(redis.call('HGET', KEYS[1], 'owner') or '', ARGV[4]) then return 'taken' end
if redis.call('HGET', KEYS[4], ARGV[2]) ~= 'online' then return 'not_online' end
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[3]) then return 'capacity' end
redis.call('HSET', KEYS[1], 'owner', ARGV[5], 'agent_id', ARGV[2],
  'handoff_seq', redis.call('LLEN', KEYS[5]))
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return 'ok'
"""
)

# Ends an agent's ownership (hand back, close). KEYS: conv, agent_convs.
# ARGV: id, agent id, sources, target. Returns the transcript index where the handoff began,
# or -1.
_RELEASE = (
    LUA_ALLOWED
    + """
if not allowed(redis.call('HGET', KEYS[1], 'owner') or '', ARGV[3]) then return -1 end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], 'owner', ARGV[4])
redis.call('HDEL', KEYS[1], 'agent_id')
redis.call('SREM', KEYS[2], ARGV[1])
return tonumber(redis.call('HGET', KEYS[1], 'handoff_seq') or '0')
"""
)

# The owning agent is gone: back to the queue, ahead of everyone waiting. KEYS: conv,
# agent_convs, queue. ARGV: id, agent id, sources, target. Returns 1, or 0 if not theirs.
_REQUEUE = (
    LUA_ALLOWED
    + """
if not allowed(redis.call('HGET', KEYS[1], 'owner') or '', ARGV[3]) then return 0 end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[4])
redis.call('HDEL', KEYS[1], 'agent_id')
redis.call('SREM', KEYS[2], ARGV[1])
local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local score = 0
if first[2] then score = tonumber(first[2]) - 1 end
redis.call('ZADD', KEYS[3], score, ARGV[1])
return 1
"""
)

# Forgets a drained inbox, unless something arrived meanwhile. KEYS: inbox, pending. ARGV: id.
_FORGET_EMPTY_INBOX = """
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) return 1 end
return 0
"""

# Releases a lease only if this instance holds it. KEYS: lease. ARGV: instance id.
_RELEASE_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


PIPELINE_ATTEMPTS = 6
COMPLIANCE_KINDS = ("warnings", "forced")
FORCED_RECORDS_KEPT = 10_000
ComplianceKind = Literal["warnings", "forced"]


@dataclass(frozen=True)
class Bucket:
    """A visitor's rate limit at `now`: `burst` lines at once, then `per_second`."""

    burst: int
    per_second: float
    now: float


def with_seq(entry: Entry, seq: int) -> Entry:
    """The line as stored: a copy with its place in the transcript."""
    stored = entry.copy()
    stored["seq"] = seq
    return stored


def _visitor_key(visitor_token: str) -> str:
    return f"{P}visitor:{token_digest(visitor_token)}"


class DeskStore:
    """Typed operations on the desk's Redis keys."""

    def __init__(self, redis: "Redis[str]", *, visitor_ttl_seconds: int) -> None:
        self.redis = redis
        self.visitor_ttl = visitor_ttl_seconds
        self._visitor_line = redis.register_script(_VISITOR_LINE)
        self._open_ticket = redis.register_script(_OPEN_TICKET)
        self._accept = redis.register_script(_ACCEPT)
        self._release = redis.register_script(_RELEASE)
        self._requeue = redis.register_script(_REQUEUE)
        self._forget_empty_inbox = redis.register_script(_FORGET_EMPTY_INBOX)
        self._release_lease = redis.register_script(_RELEASE_LEASE)

    # Visitors and conversations

    async def conversation_of(self, visitor_token: str) -> str | None:
        return await self.redis.get(_visitor_key(visitor_token))

    async def _pipelined(
        self, commands: Callable[["Pipeline[str]"], Any], *, transaction: bool
    ) -> List[Any]:
        """Runs `commands` in one round trip, again if the connection broke (Redis restarting).

        redis-py 4.6 retries single commands on connection errors but not pipelines. A
        transaction cut off during EXEC may run twice; inbox delivery is at least once anyway.
        """
        for attempt in range(PIPELINE_ATTEMPTS):
            try:
                async with self.redis.pipeline(transaction=transaction) as pipe:
                    commands(pipe)
                    return cast(List[Any], await pipe.execute())
            except (RedisConnectionError, RedisTimeoutError):
                if attempt == PIPELINE_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(min(1.0, 0.05 * 2**attempt))
        raise AssertionError("unreachable")

    async def start_conversation(
        self, visitor_token: str, conversation_id: str, visitor_id: str = ""
    ) -> None:
        def commands(pipe: "Pipeline[str]") -> None:
            pipe.set(_visitor_key(visitor_token), conversation_id, ex=self.visitor_ttl)
            pipe.hset(
                f"{P}conv:{conversation_id}",
                mapping={
                    "owner": "bot",
                    "created_at": str(time.time()),
                    "visitor_id": visitor_id,
                },
            )
            pipe.expire(f"{P}conv:{conversation_id}", self.visitor_ttl)

        await self._pipelined(commands, transaction=True)

    async def touch_visitor(self, visitor_token: str, conversation_id: str) -> None:
        """Keeps an active visitor's session from expiring."""

        def commands(pipe: "Pipeline[str]") -> None:
            pipe.expire(_visitor_key(visitor_token), self.visitor_ttl)
            pipe.expire(f"{P}conv:{conversation_id}", self.visitor_ttl)
            pipe.expire(f"{P}transcript:{conversation_id}", self.visitor_ttl)

        await self._pipelined(commands, transaction=False)

    async def visitor_id(self, conversation_id: str) -> str:
        """The visitor identity the conversation was opened with (desk/guard.py)."""
        return await self.redis.hget(f"{P}conv:{conversation_id}", "visitor_id") or ""

    async def count_new_chat(self, address_digest: str, minute: int) -> int:
        """Counts a new conversation from a client address; how many it opened that minute."""
        key = f"{P}new_chats:{address_digest}:{minute}"
        count, _ = await self._pipelined(
            lambda pipe: (pipe.incr(key), pipe.expire(key, 120)), transaction=True
        )
        return int(count)

    async def offer_payloads(self, conversation_id: str, payloads: List[str]) -> None:
        """Notes the payloads of buttons the bot just offered (until the visitor's next line)."""
        key = f"{P}offered:{conversation_id}"
        await self._pipelined(
            lambda pipe: (pipe.sadd(key, *payloads), pipe.expire(key, self.visitor_ttl)),
            transaction=True,
        )

    async def was_offered(self, conversation_id: str, payload: str) -> bool:
        return bool(await self.redis.sismember(f"{P}offered:{conversation_id}", payload))

    async def owner(self, conversation_id: str) -> Tuple[str | None, str | None]:
        """(owner, agent id) of a conversation; (None, None) if there is none."""
        owner, agent_id = await self.redis.hmget(
            f"{P}conv:{conversation_id}", ["owner", "agent_id"]
        )
        return owner, agent_id

    async def visitor_line(
        self,
        conversation_id: str,
        entry: Entry,
        item: Dict[str, Any],
        instance_id: str,
        lease_ms: int,
        bucket: "Bucket | None" = None,
    ) -> Tuple[str, str, Entry, Dict[str, Any] | None] | None:
        """Records a visitor's line; queues `item` for Rasa unless queued or with an agent.

        Returns the owner before the line (`""` for none), the owning agent, the entry with its
        `seq`, and, when this instance took the inbox's lease, the inbox's first item; or None,
        recording nothing, when the visitor has no token left in `bucket` (too fast).
        """
        owner, agent_id, seq, head = await self._visitor_line(
            keys=[
                f"{P}conv:{conversation_id}",
                f"{P}transcript:{conversation_id}",
                f"{P}inbox:{conversation_id}",
                f"{P}pending",
                f"{P}lease:{conversation_id}",
                f"{P}offered:{conversation_id}",
            ],
            args=[
                json.dumps(entry, ensure_ascii=False),
                json.dumps(item, ensure_ascii=False),
                conversation_id,
                instance_id,
                lease_ms,
                ",".join(state.value for state in BOT_ANSWERS),
                *lua_args(Event.REOPEN),
                repr(bucket.now if bucket else 0.0),
                bucket.burst if bucket else 0,
                repr(bucket.per_second if bucket else 0.0),
            ],
        )
        if int(seq) < 0:
            return None
        first = json.loads(head) if head else None
        return str(owner), str(agent_id), with_seq(entry, int(seq)), first

    async def visitor_left(self, conversation_id: str, now: float) -> str | None:
        """Notes that the visitor's last chat page closed; returns the conversation's state."""
        key = f"{P}conv:{conversation_id}"
        owner, _ = await self._pipelined(
            lambda pipe: (pipe.hget(key, "owner"), pipe.hset(key, "visitor_left_at", str(now))),
            transaction=True,
        )
        return cast(str | None, owner)

    async def visitor_back(self, conversation_id: str) -> bool:
        """Clears the note; whether the visitor had left."""
        return bool(await self.redis.hdel(f"{P}conv:{conversation_id}", "visitor_left_at"))

    async def visitors_left(self, conversation_ids: List[str]) -> set[str]:
        """Which of the conversations' visitors have left the page."""
        ids = list(conversation_ids)
        if not ids:
            return set()
        left = await self._pipelined(
            lambda pipe: [
                pipe.hexists(f"{P}conv:{c}", "visitor_left_at") for c in conversation_ids
            ],
            transaction=False,
        )
        return {c for c, gone in zip(ids, left, strict=True) if gone}

    async def count_left(self, day: str, owner: str, keep_seconds: int) -> None:
        """Counts a visitor who left while queued or with an agent, per day."""
        key = f"{P}stats:{day}"
        await self._pipelined(
            lambda pipe: (pipe.hincrby(key, f"left_{owner}", 1), pipe.expire(key, keep_seconds)),
            transaction=True,
        )

    async def left_counts(self, days: List[str]) -> Dict[str, Dict[str, int]]:
        """day → {"left_queued": n, "left_agent": n}."""
        hashes = await self._pipelined(
            lambda pipe: [pipe.hgetall(f"{P}stats:{day}") for day in days], transaction=False
        )
        return {
            day: {k: int(v) for k, v in fields.items()}
            for day, fields in zip(days, hashes, strict=True)
        }

    # Transcripts

    async def append(self, conversation_id: str, entry: Entry) -> Entry:
        """Adds a line to the transcript; returns it with its `seq`."""
        key = f"{P}transcript:{conversation_id}"
        length = await self.redis.rpush(key, json.dumps(entry, ensure_ascii=False))
        return with_seq(entry, length - 1)

    async def transcript(self, conversation_id: str, start: int = 0) -> List[Entry]:
        lines = await self.redis.lrange(f"{P}transcript:{conversation_id}", start, -1)
        return [with_seq(json.loads(line), start + i) for i, line in enumerate(lines)]

    # Tickets and the queue

    async def open_ticket(self, conversation_id: str, ticket: Ticket) -> int | None:
        """Queues the conversation; returns how many wait before it, or None if already open."""
        ahead = await self._open_ticket(
            keys=[
                f"{P}conv:{conversation_id}",
                f"{P}queue",
                f"{P}ticket:{conversation_id}",
            ],
            args=[
                conversation_id,
                ticket["queued_at"],
                json.dumps(ticket, ensure_ascii=False),
                *lua_args(Event.HANDOFF),
            ],
        )
        return None if int(ahead) < 0 else int(ahead)

    async def ticket(self, conversation_id: str) -> Ticket | None:
        raw = await self.redis.get(f"{P}ticket:{conversation_id}")
        return None if raw is None else cast(Ticket, json.loads(raw))

    async def save_ticket(self, conversation_id: str, ticket: Ticket) -> None:
        await self.redis.set(f"{P}ticket:{conversation_id}", json.dumps(ticket, ensure_ascii=False))

    async def queue(self) -> List[Ticket]:
        """Queued tickets, oldest first."""
        ids = await self.redis.zrange(f"{P}queue", 0, -1)
        if not ids:
            return []
        raws = await self.redis.mget([f"{P}ticket:{i}" for i in ids])
        return [json.loads(raw) for raw in raws if raw is not None]

    async def accept(self, conversation_id: str, agent: Agent) -> str:
        """`ok`, or why not: `taken`, `not_online`, `capacity`."""
        result = await self._accept(
            keys=[
                f"{P}conv:{conversation_id}",
                f"{P}queue",
                f"{P}agent_convs:{agent.agent_id}",
                f"{P}presence",
                f"{P}transcript:{conversation_id}",
            ],
            args=[conversation_id, agent.agent_id, agent.capacity, *lua_args(Event.ACCEPT)],
        )
        return str(result)

    async def release(self, conversation_id: str, agent_id: str, event: Event) -> int | None:
        """Ends the agent's ownership by `event` (hand back or close); returns the transcript
        index where the handoff began, or None if the agent does not own the conversation."""
        seq = await self._release(
            keys=[f"{P}conv:{conversation_id}", f"{P}agent_convs:{agent_id}"],
            args=[conversation_id, agent_id, *lua_args(event)],
        )
        return None if int(seq) < 0 else int(seq)

    async def requeue(self, conversation_id: str, agent_id: str) -> bool:
        """The agent is gone: their conversation goes back to the queue, first in line."""
        return bool(
            await self._requeue(
                keys=[
                    f"{P}conv:{conversation_id}",
                    f"{P}agent_convs:{agent_id}",
                    f"{P}queue",
                ],
                args=[conversation_id, agent_id, *lua_args(Event.AGENT_GONE)],
            )
        )

    async def conversations_of_agent(self, agent_id: str) -> List[str]:
        return sorted(await self.redis.smembers(f"{P}agent_convs:{agent_id}"))

    # Agents

    async def save_agent(
        self, agent_id: str, *, name: str, password_hash: str, capacity: int
    ) -> None:
        await self.redis.hset(
            f"{P}agent:{agent_id}",
            mapping={"name": name, "password_hash": password_hash, "capacity": str(capacity)},
        )

    async def password_hash(self, agent_id: str) -> str | None:
        return await self.redis.hget(f"{P}agent:{agent_id}", "password_hash")

    async def agent(self, agent_id: str) -> Agent | None:
        (name, capacity, supervisor), status, active = await self._pipelined(
            lambda pipe: (
                pipe.hmget(f"{P}agent:{agent_id}", ["name", "capacity", "supervisor"]),
                pipe.hget(f"{P}presence", agent_id),
                pipe.scard(f"{P}agent_convs:{agent_id}"),
            ),
            transaction=False,
        )
        if name is None:
            return None
        return Agent(
            agent_id, name, int(capacity), status or "offline", int(active), supervisor == "1"
        )

    async def set_supervisor(self, agent_id: str, on: bool) -> bool:
        """Marks the agent a supervisor or not; False if there is no such agent."""
        key = f"{P}agent:{agent_id}"
        if not await self.redis.exists(key):
            return False
        await self.redis.hset(key, "supervisor", "1" if on else "0")
        return True

    async def agent_ids(self) -> List[str]:
        """Every agent's 工号, sorted."""
        prefix = f"{P}agent:"
        return sorted(
            [key[len(prefix) :] async for key in self.redis.scan_iter(match=f"{prefix}*")]
        )

    async def set_presence(self, agent_id: str, status: Presence) -> None:
        await self.redis.hset(f"{P}presence", agent_id, status)

    async def create_session(self, token: str, agent_id: str, ttl_seconds: int) -> None:
        await self.redis.set(f"{P}session:{token_digest(token)}", agent_id, ex=ttl_seconds)

    async def session_agent(self, token: str) -> str | None:
        return await self.redis.get(f"{P}session:{token_digest(token)}")

    async def end_session(self, token: str) -> None:
        await self.redis.delete(f"{P}session:{token_digest(token)}")

    async def sessions_alive(self, digests: List[str]) -> List[bool]:
        """Whether each login (by its token's digest) still lasts: neither ended nor expired."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for digest in digests:
                pipe.exists(f"{P}session:{digest}")
            return [bool(found) for found in await pipe.execute()]

    # Service-language compliance: per-agent counts by day, and what was sent anyway

    async def count_compliance(
        self, day: str, agent_id: str, kind: ComplianceKind, keep_seconds: int
    ) -> None:
        """Adds one to an agent's count of `kind` for `day` (`YYYY-MM-DD`)."""
        key = f"{P}compliance:{day}"
        await self._pipelined(
            lambda pipe: (
                pipe.hincrby(key, f"{agent_id}:{kind}", 1),
                pipe.expire(key, keep_seconds),
            ),
            transaction=True,
        )

    async def record_forced(self, record: Dict[str, Any]) -> None:
        """Keeps the record of a message an agent sent despite a warning."""
        key = f"{P}compliance:forced"
        await self._pipelined(
            lambda pipe: (
                pipe.lpush(key, json.dumps(record, ensure_ascii=False)),
                pipe.ltrim(key, 0, FORCED_RECORDS_KEPT - 1),
            ),
            transaction=True,
        )

    async def compliance_counts(self, days: List[str]) -> Dict[str, Dict[str, Dict[str, int]]]:
        """agent id → kind (`warnings`, `forced`) → day → count, for the agents with any."""
        hashes = await self._pipelined(
            lambda pipe: [pipe.hgetall(f"{P}compliance:{day}") for day in days],
            transaction=False,
        )
        counts: Dict[str, Dict[str, Dict[str, int]]] = {}
        for day, fields in zip(days, hashes, strict=True):
            for field, value in fields.items():
                agent_id, _, kind = field.rpartition(":")
                if kind in COMPLIANCE_KINDS:
                    counts.setdefault(agent_id, {}).setdefault(kind, {})[day] = int(value)
        return counts

    # Inboxes: what waits to go to Rasa, one conversation at a time

    async def push_inbox(self, conversation_id: str, item: Dict[str, Any]) -> None:
        await self._pipelined(
            lambda pipe: (
                pipe.rpush(f"{P}inbox:{conversation_id}", json.dumps(item, ensure_ascii=False)),
                pipe.sadd(f"{P}pending", conversation_id),
            ),
            transaction=True,
        )

    async def peek_inbox(self, conversation_id: str) -> Dict[str, Any] | None:
        raw = await self.redis.lindex(f"{P}inbox:{conversation_id}", 0)
        return None if raw is None else cast(Dict[str, Any], json.loads(raw))

    async def lease_and_peek(
        self, conversation_id: str, instance_id: str, ms: int
    ) -> Tuple[bool, Dict[str, Any] | None]:
        """Takes the inbox's lease if free and reads its first item, in one round trip."""
        leased, raw = await self._pipelined(
            lambda pipe: (
                pipe.set(f"{P}lease:{conversation_id}", instance_id, nx=True, px=ms),
                pipe.lindex(f"{P}inbox:{conversation_id}", 0),
            ),
            transaction=False,
        )
        return bool(leased), None if raw is None else json.loads(raw)

    async def pop_and_peek(self, conversation_id: str) -> Dict[str, Any] | None:
        """Removes the delivered first item and reads the next, in one round trip."""
        _, _, raw = await self._pipelined(
            lambda pipe: (
                pipe.lpop(f"{P}inbox:{conversation_id}"),
                pipe.delete(f"{P}sending:{conversation_id}"),
                pipe.lindex(f"{P}inbox:{conversation_id}", 0),
            ),
            transaction=True,
        )
        return None if raw is None else cast(Dict[str, Any], json.loads(raw))

    async def forget_if_empty(self, conversation_id: str) -> bool:
        return bool(
            await self._forget_empty_inbox(
                keys=[f"{P}inbox:{conversation_id}", f"{P}pending"], args=[conversation_id]
            )
        )

    async def begin_delivery(
        self, conversation_id: str, delivery_id: str
    ) -> Tuple[str | None, bool]:
        """In one round trip before an inbox item goes to Rasa: the conversation's state, and
        whether this item was being sent already (its sender died or timed out); the item is
        noted as being sent, until `pop_and_peek` confirms it. No id: nothing noted."""
        sending = f"{P}sending:{conversation_id}"
        if not delivery_id:
            owner, _ = await self.owner(conversation_id)
            return owner, False
        owner, previous, _ = await self._pipelined(
            lambda pipe: (
                pipe.hget(f"{P}conv:{conversation_id}", "owner"),
                pipe.get(sending),
                pipe.set(sending, delivery_id, ex=self.visitor_ttl),
            ),
            transaction=True,
        )
        return owner, previous == delivery_id

    async def pending(self) -> List[str]:
        return list(await self.redis.smembers(f"{P}pending"))

    async def renew_lease(self, conversation_id: str, ms: int) -> None:
        await self.redis.pexpire(f"{P}lease:{conversation_id}", ms)

    async def drop_lease(self, conversation_id: str, instance_id: str) -> None:
        await self._release_lease(keys=[f"{P}lease:{conversation_id}"], args=[instance_id])
