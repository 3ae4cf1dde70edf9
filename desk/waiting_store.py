"""Redis keys of waiting, 留言 and ratings (docs/waiting.md); the rest is in desk/store.py.

Keys (prefix `desk:`):
- `conv:{id}` (hash, beside desk/store.py's fields): `queue_told`, `queue_told_at` (the last
  position the visitor was told, and when), `slow_told` (they heard 让您久等了), `close_asked`
  (the agent asked 还有什么可以帮您), `rating_stage` (`score` or `comment`), `rating_id`,
  `rating_agent`.
- `message:{id}` (string): a JSON 留言: `id`, `conversation_id`, `name`, `phone`, `message`,
  `reply_time`, `created_at`, `handled`, `handled_by`, `handled_at`; `messages` (sorted set):
  their ids by `created_at`; `messages:unhandled` (set): the ids of the unhandled ones, changed
  in the transaction that writes the record; `messages:unhandled:built` (string `1`): the set is
  complete. A store older than the set has no `built`: the first count (or unhandled list)
  builds the set from every record in one Lua script, then sets `built`, so an empty set (all
  handled) is not rebuilt. Deleting `built` has the set rebuilt (say, after desks older than
  the set wrote 留言).
- `rating:{id}` (string): a JSON rating: `id`, `conversation_id`, `agent_id` (`bot` for the
  bot), `agent_name`, `score` (1-5), `comment`, `ts`; `ratings` (sorted set): their ids by `ts`.
"""

import json
from typing import Any, Dict, List, Literal, Tuple, cast

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from desk.lifecycle import LUA_ALLOWED, Event, lua_args
from desk.store import P

MessageState = Literal["unhandled", "handled", "all"]
MESSAGE_STATES = ("unhandled", "handled", "all")


def in_state(records: List[Dict[str, Any]], state: MessageState) -> List[Dict[str, Any]]:
    """The 留言 of `records` that are `unhandled`, `handled`, or `all` of them."""
    if state == "all":
        return records
    return [r for r in records if bool(r.get("handled")) == (state == "handled")]


# Takes a conversation out of the queue, back to the bot (the visitor left, or no agent is
# left). KEYS: conv, queue. ARGV: id, sources, target.
_LEAVE_QUEUE = (
    LUA_ALLOWED
    + """
if not allowed(redis.call('HGET', KEYS[1], 'owner') or '', ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""
)

# The bot closed the conversation. KEYS: conv. ARGV: sources, target.
_BOT_CLOSED = (
    LUA_ALLOWED
    + """
if not allowed(redis.call('HGET', KEYS[1], 'owner') or '', ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
return 1
"""
)

# Counts the unhandled 留言, first building their set from every record if it was not built (a
# store older than it). KEYS: unhandled, built, messages. ARGV: the records' key prefix (their
# keys are not in KEYS: one Redis, no cluster).
_UNHANDLED_COUNT = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1])
  for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    local raw = redis.call('GET', ARGV[1] .. id)
    if raw and cjson.decode(raw)['handled'] ~= true then redis.call('SADD', KEYS[1], id) end
  end
  redis.call('SET', KEYS[2], '1')
end
return redis.call('SCARD', KEYS[1])
"""

RATING_FIELDS = ("rating_stage", "rating_id", "rating_agent")
UNHANDLED = f"{P}messages:unhandled"
UNHANDLED_BUILT = f"{P}messages:unhandled:built"


def _file_by_state(pipe: "Pipeline[str]", record: Dict[str, Any]) -> None:
    """Queues the SADD (unhandled) or SREM (handled) of the record's id in the unhandled set."""
    if record["handled"]:
        pipe.srem(UNHANDLED, record["id"])
    else:
        pipe.sadd(UNHANDLED, record["id"])


class WaitingStore:
    """Typed operations on the waiting, 留言 and rating keys."""

    def __init__(self, redis: "Redis[str]") -> None:
        self.redis = redis
        self._leave_queue = redis.register_script(_LEAVE_QUEUE)
        self._bot_closed = redis.register_script(_BOT_CLOSED)
        self._unhandled_count = redis.register_script(_UNHANDLED_COUNT)

    # Conversation state

    async def position(self, conversation_id: str) -> int | None:
        """1 for the first in the queue; None if not queued."""
        rank = await self.redis.zrank(f"{P}queue", conversation_id)
        return None if rank is None else int(rank) + 1

    async def queued(self) -> List[str]:
        return list(await self.redis.zrange(f"{P}queue", 0, -1))

    async def fields(self, conversation_id: str, *names: str) -> Dict[str, str | None]:
        values = await self.redis.hmget(f"{P}conv:{conversation_id}", list(names))
        return dict(zip(names, values, strict=True))

    async def set_fields(self, conversation_id: str, **values: str | float) -> None:
        await self.redis.hset(
            f"{P}conv:{conversation_id}", mapping={k: str(v) for k, v in values.items()}
        )

    async def clear_fields(self, conversation_id: str, *names: str) -> None:
        await self.redis.hdel(f"{P}conv:{conversation_id}", *names)

    async def leave_queue(self, conversation_id: str, event: Event = Event.LEAVE_QUEUE) -> bool:
        """queued → bot (`leave_queue` or `no_agents`); False if it was not queued."""
        return bool(
            await self._leave_queue(
                keys=[f"{P}conv:{conversation_id}", f"{P}queue"],
                args=[conversation_id, *lua_args(event)],
            )
        )

    async def bot_closed(self, conversation_id: str) -> bool:
        """bot → closed; False if someone else owns the conversation."""
        return bool(
            await self._bot_closed(
                keys=[f"{P}conv:{conversation_id}"], args=[*lua_args(Event.BOT_CLOSE)]
            )
        )

    # 留言

    async def add_message(self, record: Dict[str, Any]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{P}message:{record['id']}", json.dumps(record, ensure_ascii=False))
            pipe.zadd(f"{P}messages", {record["id"]: record["created_at"]})
            _file_by_state(pipe, record)
            await pipe.execute()

    async def message(self, message_id: str) -> Dict[str, Any] | None:
        raw = await self.redis.get(f"{P}message:{message_id}")
        return None if raw is None else cast(Dict[str, Any], json.loads(raw))

    async def save_message(self, record: Dict[str, Any]) -> None:
        """Writes the record and, in the same transaction, files its id by `handled`."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{P}message:{record['id']}", json.dumps(record, ensure_ascii=False))
            _file_by_state(pipe, record)
            await pipe.execute()

    async def unhandled_count(self) -> int:
        """SCARD of the unhandled set (built first in a store older than it)."""
        keys = [UNHANDLED, UNHANDLED_BUILT, f"{P}messages"]
        return int(await self._unhandled_count(keys=keys, args=[f"{P}message:"]))

    async def messages(
        self, state: MessageState = "all", limit: int | None = None
    ) -> List[Dict[str, Any]]:
        """The newest `limit` 留言 in `state` (all of them without a limit), newest first.

        Only the records returned are read, except for `handled`: pages of `limit` records,
        newest first, until enough are found.
        """
        if state == "unhandled":
            await self.unhandled_count()  # builds the set in a store older than it
            ids = await self._newest_first(list(await self.redis.smembers(UNHANDLED)))
            return await self._message_records(ids[:limit])
        found: List[Dict[str, Any]] = []
        start = 0
        while True:
            stop = -1 if limit is None else start + limit - 1
            ids = await self.redis.zrevrange(f"{P}messages", start, stop)
            found += in_state(await self._message_records(ids), state)
            if limit is None or len(found) >= limit or len(ids) < limit:
                return found[:limit]
            start += limit

    async def _newest_first(self, ids: List[str]) -> List[str]:
        """`ids` by `created_at`, newest first (ties in ZREVRANGE's order)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for message_id in ids:
                pipe.zscore(f"{P}messages", message_id)
            scores = await pipe.execute()
        ranked = sorted(zip(scores, ids, strict=True), key=lambda pair: (pair[0] or 0.0, pair[1]))
        return [message_id for _, message_id in reversed(ranked)]

    async def _message_records(self, ids: List[str]) -> List[Dict[str, Any]]:
        if not ids:
            return []
        raws = await self.redis.mget([f"{P}message:{i}" for i in ids])
        return [json.loads(raw) for raw in raws if raw is not None]

    # Ratings

    async def add_rating(self, record: Dict[str, Any]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{P}rating:{record['id']}", json.dumps(record, ensure_ascii=False))
            pipe.zadd(f"{P}ratings", {record["id"]: record["ts"]})
            await pipe.execute()

    async def rating(self, rating_id: str) -> Dict[str, Any] | None:
        raw = await self.redis.get(f"{P}rating:{rating_id}")
        return None if raw is None else cast(Dict[str, Any], json.loads(raw))

    async def save_rating(self, record: Dict[str, Any]) -> None:
        await self.redis.set(f"{P}rating:{record['id']}", json.dumps(record, ensure_ascii=False))

    async def ratings_between(self, start: float, end: float) -> List[Dict[str, Any]]:
        ids = await self.redis.zrangebyscore(f"{P}ratings", start, end)
        if not ids:
            return []
        raws = await self.redis.mget([f"{P}rating:{i}" for i in ids])
        return [json.loads(raw) for raw in raws if raw is not None]

    async def rating_state(self, conversation_id: str) -> Tuple[str | None, str | None, str | None]:
        """(stage, rating id, agent id) of a rating the visitor is asked for, or Nones."""
        stage, rating_id, agent = (await self.fields(conversation_id, *RATING_FIELDS)).values()
        return stage, rating_id, agent
