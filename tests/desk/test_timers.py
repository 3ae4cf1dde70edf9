"""Durable timers against a real Redis server, with an injected clock."""

import asyncio
from typing import Any, Awaitable, Callable, Dict, List, Tuple

import pytest

from common.redis_connection import connect
from desk.timers import KEY, TimerKind, TimerLoop, Timers, parse_member


def run_timers(redis_url: str, scenario: Callable[[Timers], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        client = connect(redis_url)
        try:
            await client.delete(KEY)
            return await scenario(Timers(client))
        finally:
            await client.close()

    return asyncio.run(main())


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_timer_fires_once_when_due_and_not_before(redis_url: str) -> None:
    async def scenario(timers: Timers) -> List[List[Tuple[str, str]]]:
        clock = Clock(1000.0)
        fired: List[Tuple[str, str]] = []
        handlers: Dict[TimerKind, Any] = {
            kind: (lambda cid, k=kind: _record(fired, k, cid)) for kind in ("idle", "queue", "slow")
        }
        loop = TimerLoop(timers, handlers, clock, tick_seconds=0.1)
        await timers.schedule("idle", "c1", 1120.0)
        await timers.schedule("slow", "c2", 1060.0)
        seen = []
        for now in (1059.9, 1060.0, 1119.0, 1120.0, 2000.0):
            clock.now = now
            await loop.fire_due()
            seen.append(list(fired))
        return seen

    assert run_timers(redis_url, scenario) == [
        [],
        [("slow", "c2")],
        [("slow", "c2")],
        [("slow", "c2"), ("idle", "c1")],
        [("slow", "c2"), ("idle", "c1")],
    ]


async def _record(fired: List[Tuple[str, str]], kind: str, conversation_id: str) -> None:
    fired.append((kind, conversation_id))


def test_rescheduling_moves_a_timer_and_cancelling_removes_it(redis_url: str) -> None:
    async def scenario(timers: Timers) -> Tuple[Any, ...]:
        await timers.schedule("idle", "c1", 100.0)
        await timers.schedule("idle", "c1", 200.0)  # the bot spoke again: later
        moved = await timers.due("idle", "c1")
        await timers.schedule("slow", "c1", 50.0, keep_earlier=True)
        await timers.schedule("slow", "c1", 80.0, keep_earlier=True)  # the first wait counts
        kept = await timers.due("slow", "c1")
        await timers.schedule("slow", "c1", 20.0, keep_earlier=True)
        earlier = await timers.due("slow", "c1")
        await timers.cancel("idle", "c1")
        return moved, kept, earlier, await timers.due("idle", "c1"), await timers.claim(10.0)

    assert run_timers(redis_url, scenario) == (200.0, 50.0, 20.0, None, [])


def test_concurrent_claims_share_the_due_timers_without_overlap(redis_url: str) -> None:
    """Several desk instances looking at once: each due timer goes to exactly one of them."""

    async def scenario(timers: Timers) -> Tuple[List[Tuple[str, str]], int]:
        for i in range(300):
            await timers.schedule("idle", f"c{i}", float(i))
        await timers.schedule("queue", "later", 10_000.0)
        claims = await asyncio.gather(*(timers.claim(500.0, limit=7) for _ in range(60)))
        taken = [item for claim in claims for item in claim]
        return taken, int(await timers.redis.zcard(KEY))

    taken, left = run_timers(redis_url, scenario)
    assert sorted(taken) == sorted(("idle", f"c{i}") for i in range(300))
    assert left == 1  # the one not due


@pytest.mark.parametrize(
    ("member", "parsed"),
    [
        ("idle:abc", ("idle", "abc")),
        ("queue:a:b", ("queue", "a:b")),
        ("slow:x", ("slow", "x")),
        ("idle:", None),
        ("nap:abc", None),
        ("", None),
    ],
)
def test_members_no_desk_wrote_are_ignored(member: str, parsed: Any) -> None:
    assert parse_member(member) == parsed


def test_a_failing_handler_does_not_stop_the_others(redis_url: str) -> None:
    async def scenario(timers: Timers) -> Tuple[int, List[str]]:
        done: List[str] = []

        async def broken(conversation_id: str) -> None:
            raise RuntimeError("boom")

        async def works(conversation_id: str) -> None:
            done.append(conversation_id)

        loop = TimerLoop(timers, {"idle": broken, "slow": works}, Clock(10.0), 0.1)
        await timers.schedule("idle", "a", 1.0)
        await timers.schedule("slow", "b", 2.0)
        return await loop.fire_due(), done

    assert run_timers(redis_url, scenario) == (2, ["b"])
