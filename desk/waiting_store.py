"""Redis keys of waiting, 留言 and ratings (docs/waiting.md); the rest is in desk/store.py.

Keys (prefix `desk:`):
- `conv:{id}` (hash, beside desk/store.py's fields): `queue_told`, `queue_told_at` (the last
  position the visitor was told, and when), `slow_told` (they heard 让您久等了), `close_asked`
  (the agent asked 还有什么可以帮您), `rating_stage` (`score` or `comment`), `rating_id`,
  `rating_agent`.
- `message:{id}` (string): a JSON 留言: `id`, `conversation_id`, `name`, `phone`, `message`,
  `reply_time`, `created_at`, `handled`, `handled_by`, `handled_at`; `messages` (sorted set):
  their ids by `created_at`.
- `rating:{id}` (string): a JSON rating: `id`, `conversation_id`, `agent_id` (`bot` for the
  bot), `agent_name`, `score` (1-5), `comment`, `ts`; `ratings` (sorted set): their ids by `ts`.
"""

import json
from typing import Any, Dict, List, Literal, Tuple, cast

from redis.asyncio import Redis

from desk.store import P

MessageState = Literal["unhandled", "handled", "all"]
MESSAGE_STATES = ("unhandled", "handled", "all")


def in_state(records: List[Dict[str, Any]], state: MessageState) -> List[Dict[str, Any]]:
    """The 留言 of `records` that are `unhandled`, `handled`, or `all` of them."""
    if state == "all":
        return records
    return [r for r in records if bool(r.get("handled")) == (state == "handled")]


# Takes a conversation out of the queue, back to the bot. KEYS: conv, queue. ARGV: id.
_LEAVE_QUEUE = """
if redis.call('HGET', KEYS[1], 'owner') ~= 'queued' then return 0 end
redis.call('HSET', KEYS[1], 'owner', 'bot')
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""

# The bot closed the conversation: bot → closed. KEYS: conv.
_BOT_CLOSED = """
if redis.call('HGET', KEYS[1], 'owner') ~= 'bot' then return 0 end
redis.call('HSET', KEYS[1], 'owner', 'closed')
return 1
"""

RATING_FIELDS = ("rating_stage", "rating_id", "rating_agent")


class WaitingStore:
    """Typed operations on the waiting, 留言 and rating keys."""

    def __init__(self, redis: "Redis[str]") -> None:
        self.redis = redis
        self._leave_queue = redis.register_script(_LEAVE_QUEUE)
        self._bot_closed = redis.register_script(_BOT_CLOSED)

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

    async def leave_queue(self, conversation_id: str) -> bool:
        """queued → bot; False if the conversation was not queued."""
        return bool(
            await self._leave_queue(
                keys=[f"{P}conv:{conversation_id}", f"{P}queue"], args=[conversation_id]
            )
        )

    async def bot_closed(self, conversation_id: str) -> bool:
        """bot → closed; False if someone else owns the conversation."""
        return bool(await self._bot_closed(keys=[f"{P}conv:{conversation_id}"]))

    # 留言

    async def add_message(self, record: Dict[str, Any]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{P}message:{record['id']}", json.dumps(record, ensure_ascii=False))
            pipe.zadd(f"{P}messages", {record["id"]: record["created_at"]})
            await pipe.execute()

    async def message(self, message_id: str) -> Dict[str, Any] | None:
        raw = await self.redis.get(f"{P}message:{message_id}")
        return None if raw is None else cast(Dict[str, Any], json.loads(raw))

    async def save_message(self, record: Dict[str, Any]) -> None:
        await self.redis.set(f"{P}message:{record['id']}", json.dumps(record, ensure_ascii=False))

    async def messages(self) -> List[Dict[str, Any]]:
        """Every 留言, newest first."""
        ids = await self.redis.zrevrange(f"{P}messages", 0, -1)
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
