"""Durable timers in Redis: idle visitors, queue-position updates, agents slow to answer.

A timer is a member `{kind}:{conversation id}` of the sorted set `desk:timers`, scored by the
moment it is due. Any desk instance may fire it: each one looks for due timers every
`DESK_TIMER_TICK_SECONDS` and takes them with one Lua script (ZREM decides who has it), so a
timer fires once even with several instances, and survives a restart of any of them (Rasa's own
reminders live in one process's memory; ../shared/notes/rasa-facts.md).
"""

import asyncio
import logging
from typing import Awaitable, Callable, Dict, List, Literal, Tuple

from redis.asyncio import Redis

logger = logging.getLogger(__name__)

KEY = "desk:timers"
# idle, queue and slow are a conversation's; away and gone an agent's (desk/presence.py).
TimerKind = Literal["idle", "queue", "slow", "away", "gone"]
TIMER_KINDS: Tuple[TimerKind, ...] = ("idle", "queue", "slow", "away", "gone")
Handler = Callable[[str], Awaitable[None]]
CLAIM_BATCH = 100

# Takes up to ARGV[2] timers due at ARGV[1]: each is removed before it is returned, so one
# instance alone fires it. KEYS: timers.
_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(due) do redis.call('ZREM', KEYS[1], member) end
return due
"""


def member(kind: TimerKind, conversation_id: str) -> str:
    return f"{kind}:{conversation_id}"


def parse_member(value: str) -> Tuple[TimerKind, str] | None:
    """(kind, conversation id) of a timer, or None for a member no desk wrote."""
    kind, _, conversation_id = value.partition(":")
    for known in TIMER_KINDS:
        if kind == known and conversation_id:
            return known, conversation_id
    return None


class Timers:
    """Schedules, cancels and takes due timers."""

    def __init__(self, redis: "Redis[str]") -> None:
        self.redis = redis
        self._claim = redis.register_script(_CLAIM)

    async def schedule(
        self, kind: TimerKind, conversation_id: str, due: float, *, keep_earlier: bool = False
    ) -> None:
        """Sets the timer to `due`; with `keep_earlier` an earlier due time already set stays."""
        name = member(kind, conversation_id)
        if keep_earlier:
            await self.redis.zadd(KEY, {name: due}, lt=True)
        else:
            await self.redis.zadd(KEY, {name: due})

    async def cancel(self, kind: TimerKind, conversation_id: str) -> None:
        await self.redis.zrem(KEY, member(kind, conversation_id))

    async def due(self, kind: TimerKind, conversation_id: str) -> float | None:
        """When the timer is due, or None if it is not set."""
        score = await self.redis.zscore(KEY, member(kind, conversation_id))
        return None if score is None else float(score)

    async def claim(self, now: float, limit: int = CLAIM_BATCH) -> List[Tuple[TimerKind, str]]:
        """Takes the timers due at `now` (at most `limit`); nobody else gets them."""
        members = await self._claim(keys=[KEY], args=[now, limit])
        claimed = [parse_member(str(m)) for m in members]
        return [c for c in claimed if c is not None]


class TimerLoop:
    """One instance's loop: takes due timers and runs the handler of each timer's kind.

    A handler that fails is logged; its timer is not retried (each handler reads the current
    state anyway, and the next visitor or bot line sets a new one).
    """

    def __init__(
        self,
        timers: Timers,
        handlers: Dict[TimerKind, Handler],
        clock: Callable[[], float],
        tick_seconds: float,
    ) -> None:
        self.timers = timers
        self.handlers = handlers
        self.clock = clock
        self.tick_seconds = tick_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def fire_due(self) -> int:
        """Runs every timer due now; returns how many ran."""
        fired = 0
        while claimed := await self.timers.claim(self.clock()):
            for kind, conversation_id in claimed:
                try:
                    await self.handlers[kind](conversation_id)
                except Exception:
                    logger.exception("%s timer of conversation %s", kind, conversation_id)
                fired += 1
            if len(claimed) < CLAIM_BATCH:
                break
        return fired

    async def _run(self) -> None:
        while True:
            try:
                await self.fire_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("timer loop")
            await asyncio.sleep(self.tick_seconds)
