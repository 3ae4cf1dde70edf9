"""The counters against a real Redis server: limits, windows, release, atomicity, key privacy."""

import asyncio
import uuid
from typing import List

import pytest
import redis

from actions.settings import Settings
from actions.verification_limits import AttemptLimiter, Subject, subjects_for
from common.redis_connection import connect

NOW = 1_800_000_000.0
DAY = 86400


def account(number: str = "", limit: int = 3, window: int = DAY) -> Subject:
    return Subject("account", number or uuid.uuid4().hex[:10], limit, window)


def visitor(limit: int = 3) -> Subject:
    return Subject("conversation", uuid.uuid4().hex, limit, DAY)


def run_with_limiter(redis_url: str, body):  # type: ignore[no-untyped-def]
    async def scenario():  # type: ignore[no-untyped-def]
        limiter = AttemptLimiter(connect(redis_url))
        try:
            return await body(limiter)
        finally:
            await limiter.close()

    return asyncio.run(scenario())


def test_three_failed_checks_then_refused(redis_url: str) -> None:
    subjects = [account(), visitor()]

    async def body(limiter: AttemptLimiter) -> None:
        granted = [await limiter.reserve(subjects, now=NOW + i) for i in range(3)]
        assert [(r.granted, r.remaining) for r in granted] == [(True, 2), (True, 1), (True, 0)]
        refused = await limiter.reserve(subjects, now=NOW + 3)
        assert (refused.granted, refused.remaining, refused.blocked_by) == (False, 0, "account")
        assert await limiter.remaining(subjects, now=NOW + 4) == 0

    run_with_limiter(redis_url, body)


def test_a_refused_attempt_counts_against_no_subject(redis_url: str) -> None:
    full, other = account(limit=1), visitor()

    async def body(limiter: AttemptLimiter) -> None:
        assert (await limiter.reserve([full], now=NOW)).granted
        assert not (await limiter.reserve([full, other], now=NOW)).granted
        assert await limiter.remaining([other], now=NOW) == 3

    run_with_limiter(redis_url, body)


def test_release_gives_the_attempt_back(redis_url: str) -> None:
    subjects = [account(), visitor()]

    async def body(limiter: AttemptLimiter) -> None:
        reservation = await limiter.reserve(subjects, now=NOW)
        assert await limiter.remaining(subjects, now=NOW) == 2
        await limiter.release(subjects, reservation)
        assert await limiter.remaining(subjects, now=NOW) == 3

    run_with_limiter(redis_url, body)


def test_the_window_rolls(redis_url: str) -> None:
    subjects = [account(window=60)]

    async def body(limiter: AttemptLimiter) -> List[int]:
        for offset in (0, 10, 20):
            await limiter.reserve(subjects, now=NOW + offset)
        return [await limiter.remaining(subjects, now=NOW + t) for t in (59, 60.5, 70.5, 80.5)]

    # the first attempt leaves the window at 60 s, the second at 70 s, the third at 80 s
    assert run_with_limiter(redis_url, body) == [0, 1, 2, 3]


def test_the_visitor_limit_spans_accounts(redis_url: str) -> None:
    person = visitor()

    async def body(limiter: AttemptLimiter) -> None:
        for _ in range(3):
            assert (await limiter.reserve([account(), person], now=NOW)).granted
        refused = await limiter.reserve([account(), person], now=NOW)
        assert (refused.granted, refused.blocked_by) == (False, "conversation")

    run_with_limiter(redis_url, body)


def test_fifty_concurrent_attempts_get_exactly_three(redis_url: str) -> None:
    record = account()

    async def body(limiter: AttemptLimiter) -> List[bool]:
        results = await asyncio.gather(
            *(limiter.reserve([record, visitor()], now=NOW) for _ in range(50))
        )
        return [r.granted for r in results]

    granted = run_with_limiter(redis_url, body)
    assert granted.count(True) == 3 and granted.count(False) == 47


def test_keys_expire_with_their_window_and_hide_the_number(redis_url: str) -> None:
    record = account("5108293746", window=600)
    run_with_limiter(redis_url, lambda limiter: limiter.reserve([record]))
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    assert "5108293746" not in record.key
    assert record.key.startswith("verify:account:")
    assert 0 < client.pttl(record.key) <= 600_000
    assert not [key for key in client.scan_iter("verify:*") if "5108293746" in key]


def test_subjects_for_an_attempt() -> None:
    settings = Settings(account_limit=3, visitor_limit=5, visitor_window_seconds=3600)
    subjects = subjects_for(
        settings, account_number="5108293746", conversation_id="c1", client_ip="203.0.113.7"
    )
    assert [(s.kind, s.value, s.limit, s.window_seconds) for s in subjects] == [
        ("account", "5108293746", 3, DAY),
        ("conversation", "c1", 5, 3600),
        ("ip", "203.0.113.7", 5, 3600),
    ]
    bare = subjects_for(settings, account_number=None, conversation_id="c1", client_ip=None)
    assert [s.kind for s in bare] == ["conversation"]


@pytest.mark.parametrize("kind", ["account", "conversation", "ip"])
def test_each_kind_has_its_own_key(kind: str) -> None:
    keys = {Subject(k, "same", 3, DAY).key for k in ("account", "conversation", "ip")}
    assert len(keys) == 3
    assert Subject(kind, "same", 3, DAY).key.startswith(f"verify:{kind}:")
