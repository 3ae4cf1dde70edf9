"""The counters against a real Redis server: limits, windows, release, atomicity, key privacy."""

import asyncio
import uuid
from typing import List

import pytest
import redis

from actions.settings import Settings
from actions.verification_limits import (
    LIMIT_OF_KIND,
    AttemptLimiter,
    Standing,
    Subject,
    limit_of,
    subjects_for,
)
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
    settings = Settings(
        account_limit=3,
        visitor_limit=5,
        visitor_window_seconds=3600,
        address_limit=40,
        address_window_seconds=7200,
    )
    subjects = subjects_for(
        settings,
        account_number="5108293746",
        conversation_id="c1",
        client_ip="203.0.113.7",
        visitor_id="v-7f3a",
    )
    assert [(s.kind, s.value, s.limit, s.window_seconds) for s in subjects] == [
        ("account", "5108293746", 3, DAY),
        ("visitor", "v-7f3a", 5, 3600),
        ("conversation", "c1", 5, 3600),
        ("ip", "203.0.113.7", 40, 7200),  # its own, higher limit: many visitors share one
    ]
    # without the desk's visitor_id, the conversation alone is the visitor
    bare = subjects_for(settings, account_number=None, conversation_id="c1", client_ip=None)
    assert [s.kind for s in bare] == ["conversation"]


def test_a_shared_address_allows_more_failed_checks_than_a_visitor_by_default() -> None:
    subjects = subjects_for(
        Settings(), account_number=None, conversation_id="c1", client_ip="203.0.113.7"
    )
    assert [(s.kind, s.limit, s.window_seconds) for s in subjects] == [
        ("conversation", 3, DAY),
        ("ip", 20, DAY),
    ]


KINDS = ("account", "name", "visitor", "conversation", "ip")


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_its_own_key(kind: str) -> None:
    keys = {Subject(k, "same", 3, DAY).key for k in KINDS}
    assert len(keys) == len(KINDS)
    assert Subject(kind, "same", 3, DAY).key.startswith(f"verify:{kind}:")


def test_each_kind_belongs_to_one_of_three_limits() -> None:
    assert {kind: limit_of(kind) for kind in KINDS} == {
        "account": "record",
        "name": "record",
        "visitor": "visitor",
        "conversation": "visitor",
        "ip": "address",
    }
    assert set(LIMIT_OF_KIND) == set(KINDS) and limit_of(None) is None


def test_the_attempt_that_uses_up_a_limit_names_it(redis_url: str) -> None:
    record, person = account(), visitor(limit=2)

    async def body(limiter: AttemptLimiter) -> None:
        first = await limiter.reserve([record, person], now=NOW)
        assert (first.granted, first.remaining, first.blocked_by) == (True, 1, None)
        last = await limiter.reserve([record, person], now=NOW)
        # the record has a check left; this visitor has none if this one fails
        assert (last.granted, last.remaining, last.blocked_by) == (True, 0, "conversation")

    run_with_limiter(redis_url, body)


def test_when_several_limits_are_used_up_the_first_subject_is_named(redis_url: str) -> None:
    record, person = account(), visitor()

    async def body(limiter: AttemptLimiter) -> None:
        results = [await limiter.reserve([record, person], now=NOW) for _ in range(3)]
        assert (results[-1].remaining, results[-1].blocked_by) == (0, "account")
        refused = await limiter.reserve([record, person], now=NOW)
        assert (refused.granted, refused.blocked_by) == (False, "account")

    run_with_limiter(redis_url, body)


def test_standing_names_the_first_subject_with_no_check_left(redis_url: str) -> None:
    record, person = account(), visitor(limit=1)
    address = Subject("ip", uuid.uuid4().hex, 20, DAY)

    async def body(limiter: AttemptLimiter) -> List[Standing]:
        before = await limiter.standing([person, address], now=NOW)
        await limiter.reserve([record, person, address], now=NOW)
        return [
            before,
            await limiter.standing([person, address], now=NOW),
            await limiter.standing([address], now=NOW),
            await limiter.standing([record], now=NOW),
        ]

    assert run_with_limiter(redis_url, body) == [
        Standing(1, None),
        Standing(0, "conversation"),
        Standing(19, None),
        Standing(2, None),
    ]
