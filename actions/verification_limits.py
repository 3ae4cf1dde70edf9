"""The verification limit: failed identity checks counted in Redis, atomically, per subject.

A *subject* is what a limit applies to: one account record (户号), one conversation, one client
IP address, or one name looked up with an address (the reverse lookup). Each subject has a
sorted set `verify:{kind}:{digest}` of attempt ids scored by the time they were made; entries
older than the subject's window are pruned and the key expires with its window, so the window
is rolling.

An attempt is *reserved* before the directory is asked: one Lua script prunes, checks every
subject against its limit and, only if all have room, adds the attempt to all of them. Fifty
concurrent attempts on one record therefore reach the directory at most `limit` times. A
check that succeeds *releases* its reservation (a success is not a failed check); a failed
check keeps it; an attempt that never completes (the action server died mid-way) also keeps
it, so the limit fails closed. Counters live in Redis with its append-only file, so they
survive a restart of Rasa, the action server, the desk or Redis itself.

Keys hold a SHA-256 digest of the value (account number, IP, name), never the value itself.
"""

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from redis.asyncio import Redis

from actions.settings import Settings

PREFIX = "verify:"

# KEYS: the subjects' sorted sets. ARGV: now (ms), attempt id, then limit and window (ms) for
# each key in order. Returns {1, remaining after this attempt if it fails} when the attempt is
# reserved on every key, or {0, index of the first full key (1-based)} when none is touched.
_RESERVE = """
local now = tonumber(ARGV[1])
local remaining = nil
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local left = limit - redis.call('ZCARD', key)
  if left <= 0 then return {0, i} end
  if remaining == nil or left - 1 < remaining then remaining = left - 1 end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 + 2 * i]))
end
return {1, remaining}
"""

# KEYS: the subjects' sorted sets. ARGV: now (ms), then limit and window (ms) for each key.
# Returns the fewest checks any subject has left (0: blocked), pruning as it goes.
_REMAINING = """
local now = tonumber(ARGV[1])
local fewest = nil
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[1 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local left = limit - redis.call('ZCARD', key)
  if left < 0 then left = 0 end
  if fewest == nil or left < fewest then fewest = left end
end
return fewest
"""


@dataclass(frozen=True)
class Subject:
    """One thing a limit applies to, e.g. an account record or a client IP."""

    kind: str
    value: str
    limit: int
    window_seconds: int

    @property
    def key(self) -> str:
        digest = hashlib.sha256(f"{self.kind}:{self.value}".encode()).hexdigest()[:24]
        return f"{PREFIX}{self.kind}:{digest}"


@dataclass(frozen=True)
class Reservation:
    """The outcome of asking for one more check."""

    granted: bool
    attempt_id: str
    remaining: int  # checks left if this one fails (granted), or 0
    blocked_by: str | None  # the kind of the first full subject (refused)


def subjects_for(
    settings: Settings,
    *,
    account_number: str | None,
    conversation_id: str,
    client_ip: str | None,
    name: str | None = None,
) -> List[Subject]:
    """The subjects an attempt counts against: the record, the conversation, the client IP.

    A reverse lookup (name and address, no 户号) counts against the name instead of a record,
    with the record's limit: nobody gets more guesses at one person's address than at a 户号.
    """
    record = (settings.account_limit, settings.account_window_seconds)
    subjects: List[Subject] = []
    if account_number:
        subjects.append(Subject("account", account_number, *record))
    if name:
        subjects.append(Subject("name", name, *record))
    visitor = (settings.visitor_limit, settings.visitor_window_seconds)
    subjects.append(Subject("conversation", conversation_id, *visitor))
    if client_ip:
        subjects.append(Subject("ip", client_ip, *visitor))
    return subjects


def _limits_argv(subjects: Sequence[Subject]) -> List[int]:
    argv: List[int] = []
    for subject in subjects:
        argv += [subject.limit, subject.window_seconds * 1000]
    return argv


class AttemptLimiter:
    """Reserves, keeps and releases verification attempts in Redis."""

    def __init__(self, redis: "Redis[str]") -> None:
        self.redis = redis
        self._reserve = redis.register_script(_RESERVE)
        self._remaining = redis.register_script(_REMAINING)

    async def remaining(self, subjects: Sequence[Subject], now: float | None = None) -> int:
        """The fewest checks any of `subjects` has left in its window (0: blocked)."""
        now_ms = int((time.time() if now is None else now) * 1000)
        keys = [subject.key for subject in subjects]
        left = await self._remaining(keys=keys, args=[now_ms, *_limits_argv(subjects)])
        return int(left)

    async def reserve(self, subjects: Sequence[Subject], now: float | None = None) -> Reservation:
        """Counts one attempt against every subject, or against none if any is at its limit."""
        now_ms = int((time.time() if now is None else now) * 1000)
        attempt_id = uuid.uuid4().hex
        keys = [subject.key for subject in subjects]
        result: Tuple[int, int] = await self._reserve(
            keys=keys, args=[now_ms, attempt_id, *_limits_argv(subjects)]
        )
        granted, value = int(result[0]), int(result[1])
        if granted:
            return Reservation(True, attempt_id, value, None)
        return Reservation(False, attempt_id, 0, subjects[value - 1].kind)

    async def release(self, subjects: Sequence[Subject], reservation: Reservation) -> None:
        """Takes a granted attempt back: the check succeeded, or never reached the directory."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for subject in subjects:
                pipe.zrem(subject.key, reservation.attempt_id)
            await pipe.execute()

    async def close(self) -> None:
        await self.redis.close()
