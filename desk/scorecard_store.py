"""Where 质检 scorecards are kept: a small interface, and its Redis implementation.

`ScorecardStore` is all the desk uses, so a later archive (PostgreSQL) is another class with
the same three methods. Keys of the Redis one (prefix `desk:qc:`):

| key | type | holds |
|---|---|---|
| `card:{id}` | string | the JSON scorecard with the agent's stretch of the transcript |
| `rows:{YYYY-MM-DD}` | hash | id → the card's list row (`row_of`: no transcript, no items) |
| `day:{YYYY-MM-DD}` | sorted set | the ids of a day's scorecards, scored by the close time |
| `agent:{agent id}:{YYYY-MM-DD}` | sorted set | the same for one agent |

Lists read the rows only, so a day's list costs no transcripts. A card expires with the closed
transcript (`DESK_VISITOR_SESSION_DAYS`); each row and index that long after the day's last
card. A card is written once (`SET NX`, in the same Lua step as its indexes),
so a listener that runs twice for one close stores one scorecard.
"""

import json
from typing import Any, Dict, List, Protocol, cast

from redis.asyncio import Redis

QC = "desk:qc:"

Card = Dict[str, Any]

# What a list row keeps of a card.
ROW_KEYS = (
    "id",
    "conversation_id",
    "agent_id",
    "agent_name",
    "closed_at",
    "day",
    "score",
    "passed",
    "total",
    "failed",
    "first_response_seconds",
    "longest_silence_seconds",
)

# KEYS: card, rows, day index, agent's day index. ARGV: card json, keep seconds, closed at, id,
# row json. Returns 1 if stored, 0 if the card was there already (nothing changed then).
_SAVE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[2])
for i = 3, 4 do
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[4])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
"""


def row_of(card: Card) -> Card:
    """The card as a list shows it."""
    return {key: card.get(key) for key in ROW_KEYS}


class ScorecardStore(Protocol):
    """What the desk needs of scorecard storage."""

    async def save(self, card: Card, keep_seconds: int) -> bool:
        """Stores a card (`id`, `day`, `agent_id`, `closed_at` required) unless one with its id
        exists; whether it was stored."""

    async def card(self, card_id: str) -> Card | None:
        """One card, or None."""

    async def rows(self, day: str, agent_id: str | None = None) -> List[Card]:
        """A day's cards as list rows (`row_of`), every agent's or one's, newest first."""


def day_key(day: str) -> str:
    return f"{QC}day:{day}"


def agent_key(agent_id: str, day: str) -> str:
    return f"{QC}agent:{agent_id}:{day}"


def card_key(card_id: str) -> str:
    return f"{QC}card:{card_id}"


def rows_key(day: str) -> str:
    return f"{QC}rows:{day}"


class RedisScorecardStore:
    """Scorecards in Redis beside the transcripts (keys above)."""

    def __init__(self, redis: "Redis[str]") -> None:
        self.redis = redis
        self._save = redis.register_script(_SAVE)

    async def save(self, card: Card, keep_seconds: int) -> bool:
        stored = await self._save(
            keys=[
                card_key(card["id"]),
                rows_key(card["day"]),
                day_key(card["day"]),
                agent_key(card["agent_id"], card["day"]),
            ],
            args=[
                json.dumps(card, ensure_ascii=False),
                keep_seconds,
                repr(float(card["closed_at"])),
                card["id"],
                json.dumps(row_of(card), ensure_ascii=False),
            ],
        )
        return bool(stored)

    async def card(self, card_id: str) -> Card | None:
        raw = await self.redis.get(card_key(card_id))
        return None if raw is None else cast(Card, json.loads(raw))

    async def rows(self, day: str, agent_id: str | None = None) -> List[Card]:
        index = day_key(day) if agent_id is None else agent_key(agent_id, day)
        ids = await self.redis.zrevrange(index, 0, -1)
        if not ids:
            return []
        raws = await self.redis.hmget(rows_key(day), ids)
        return [cast(Card, json.loads(raw)) for raw in raws if raw is not None]
