"""The verification limit: failed identity checks counted in Redis, atomically, per subject.

A *subject* is what a limit applies to: one account record (户号) or one name looked up with an
address (the reverse lookup), one visitor (the browser's durable `visitor_id`, and the
conversation), one client address. Each subject has a sorted set `verify:{kind}:{digest}` of
attempt ids scored by the time they were made; entries older than the subject's window are
pruned and the key expires with its window, so the window is rolling.

An attempt is *reserved* before the directory is asked: one Lua script prunes, checks every
subject against its limit and, only if all have room, adds the attempt to all of them. Fifty
concurrent attempts on one record therefore reach the directory at most `limit` times. A
check that succeeds *releases* its reservation (a success is not a failed check); a failed
check keeps it; an attempt that never completes (the action server died mid-way) also keeps
it, so the limit fails closed. Counters live in Redis with its append-only file, so they
survive a restart of Rasa, the action server, the desk or Redis itself.

Each kind of subject belongs to one of three limits (`LIMIT_OF_KIND`): the record's, the
visitor's and the address's; a refusal says which one is used up, and the bot says so.

Keys hold a SHA-256 digest of the value (account number, IP, name), never the value itself.
"""

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Dict, List, Literal, Sequence

from redis.asyncio import Redis

from actions.settings import Settings

PREFIX = "verify:"

# KEYS: the subjects' sorted sets. ARGV: now (ms), attempt id, then limit and window (ms) for
# each key in order. Returns {1, remaining after this attempt if it fails, index of the first
# key with that few left (1-based)} when the attempt is reserved on every key, or {0, index of
# the first full key} when none is touched.
_RESERVE = """
local now = tonumber(ARGV[1])
local remaining, tightest = nil, nil
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local left = limit - redis.call('ZCARD', key)
  if left <= 0 then return {0, i} end
  if remaining == nil or left - 1 < remaining then remaining, tightest = left - 1, i end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 + 2 * i]))
end
return {1, remaining, tightest}
"""

# KEYS: the subjects' sorted sets. ARGV: now (ms), then limit and window (ms) for each key.
# Returns {the fewest checks any subject has left (0: blocked), index of the first key with
# that few}, pruning as it goes.
_REMAINING = """
local now = tonumber(ARGV[1])
local fewest, which = nil, nil
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[1 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local left = limit - redis.call('ZCARD', key)
  if left < 0 then left = 0 end
  if fewest == nil or left < fewest then fewest, which = left, i end
end
return {fewest, which}
"""

# The three limits a refusal can name (the `verification_blocked_by` slot's values, each with
# its own response in domain.yml): the record's (a 户号, or a name in a reverse lookup), the
# visitor's (their browser or this conversation), and the client address's.
Limit = Literal["record", "visitor", "address"]
LIMIT_OF_KIND: Dict[str, Limit] = {
    "account": "record",
    "name": "record",
    "visitor": "visitor",
    "conversation": "visitor",
    "ip": "address",
}


@dataclass(frozen=True)
class Subject:
    """One thing a limit applies to, e.g. an account record or a client IP."""

    kind: str  # a key of LIMIT_OF_KIND
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
    # The kind of the first subject with no check left: the one that refused the attempt, or,
    # for a granted attempt that leaves none if it fails, the one that will refuse the next.
    blocked_by: str | None


@dataclass(frozen=True)
class Standing:
    """How many checks the subjects have left, and which one has none (if any)."""

    remaining: int
    blocked_by: str | None  # the kind of the first subject with no check left


def limit_of(kind: str | None) -> Limit | None:
    """Which of the three limits a subject's kind belongs to (None for None)."""
    return None if kind is None else LIMIT_OF_KIND[kind]


def subjects_for(
    settings: Settings,
    *,
    account_number: str | None,
    conversation_id: str,
    client_ip: str | None,
    visitor_id: str | None = None,
    name: str | None = None,
) -> List[Subject]:
    """The subjects an attempt counts against, the record first, the address last.

    The record (a 户号; for a reverse lookup, the name instead, with the record's limit: nobody
    gets more guesses at one person's address than at a 户号); the visitor: their browser's
    durable `visitor_id` when the desk sent one, and always the conversation (Rasa's sender id),
    each with the visitor's limit; the client address, with its own, higher limit. The order
    decides which limit a refusal names when several are used up.
    """
    record = (settings.account_limit, settings.account_window_seconds)
    subjects: List[Subject] = []
    if account_number:
        subjects.append(Subject("account", account_number, *record))
    if name:
        subjects.append(Subject("name", name, *record))
    visitor = (settings.visitor_limit, settings.visitor_window_seconds)
    if visitor_id:
        subjects.append(Subject("visitor", visitor_id, *visitor))
    subjects.append(Subject("conversation", conversation_id, *visitor))
    if client_ip:
        address = (settings.address_limit, settings.address_window_seconds)
        subjects.append(Subject("ip", client_ip, *address))
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

    async def standing(self, subjects: Sequence[Subject], now: float | None = None) -> Standing:
        """The fewest checks any of `subjects` has left in its window, and the first at 0."""
        now_ms = int((time.time() if now is None else now) * 1000)
        keys = [subject.key for subject in subjects]
        result = await self._remaining(keys=keys, args=[now_ms, *_limits_argv(subjects)])
        left, which = int(result[0]), int(result[1])
        return Standing(left, subjects[which - 1].kind if left == 0 else None)

    async def remaining(self, subjects: Sequence[Subject], now: float | None = None) -> int:
        """The fewest checks any of `subjects` has left in its window (0: blocked)."""
        return (await self.standing(subjects, now)).remaining

    async def reserve(self, subjects: Sequence[Subject], now: float | None = None) -> Reservation:
        """Counts one attempt against every subject, or against none if any is at its limit."""
        now_ms = int((time.time() if now is None else now) * 1000)
        attempt_id = uuid.uuid4().hex
        keys = [subject.key for subject in subjects]
        result: List[int] = await self._reserve(
            keys=keys, args=[now_ms, attempt_id, *_limits_argv(subjects)]
        )
        granted, value = int(result[0]), int(result[1])
        if granted:
            tightest = subjects[int(result[2]) - 1].kind if value == 0 else None
            return Reservation(True, attempt_id, value, tightest)
        return Reservation(False, attempt_id, 0, subjects[value - 1].kind)

    async def release(self, subjects: Sequence[Subject], reservation: Reservation) -> None:
        """Takes a granted attempt back: the check succeeded, or never reached the directory."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for subject in subjects:
                pipe.zrem(subject.key, reservation.attempt_id)
            await pipe.execute()

    async def close(self) -> None:
        await self.redis.close()
