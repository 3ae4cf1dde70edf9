"""The scorecards' Redis store against a real Redis server (only `desk:qc:*` keys): a card is
written once with its row and indexes, lists come newest first by day and agent, and all of it
expires with the closed transcript."""

import asyncio
from typing import Any, Awaitable, Callable, Dict

from common.redis_connection import connect
from desk.scorecard_store import ROW_KEYS, RedisScorecardStore, row_of

KEEP = 30 * 86400


def card(card_id: str, agent_id: str, closed_at: float, day: str = "2026-11-23") -> Dict[str, Any]:
    return {
        "id": card_id,
        "conversation_id": card_id.rsplit("-", 1)[0],
        "agent_id": agent_id,
        "agent_name": {"9101": "王芳", "9102": "李强"}[agent_id],
        "start": int(card_id.rsplit("-", 1)[1]),
        "closed_at": closed_at,
        "day": day,
        "passed": 7,
        "total": 8,
        "score": 88,
        "failed": ["honorific"],
        "first_response_seconds": 10.0,
        "longest_silence_seconds": 4.0,
        "items": [{"id": "honorific", "passed": False}],
        "transcript": [{"seq": 3, "from": "agent", "ts": closed_at, "text": "你好"}],
    }


def run_store(redis_url: str, scenario: Callable[[RedisScorecardStore], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        client = connect(redis_url)
        try:
            for key in await client.keys("desk:qc:*"):
                await client.delete(key)
            return await scenario(RedisScorecardStore(client))
        finally:
            await client.close()

    return asyncio.run(main())


def test_a_card_is_stored_once_with_its_row_and_indexes(redis_url: str) -> None:
    first, again = card("c1-3", "9101", 100.0), {**card("c1-3", "9101", 200.0), "score": 0}

    async def scenario(store: RedisScorecardStore) -> Any:
        stored = [await store.save(first, KEEP), await store.save(again, KEEP)]
        keys = sorted(await store.redis.keys("desk:qc:*"))
        ttls = [await store.redis.ttl(key) for key in keys]
        return stored, await store.card("c1-3"), await store.rows("2026-11-23"), keys, ttls

    stored, kept, rows, keys, ttls = run_store(redis_url, scenario)
    assert stored == [True, False]
    assert kept == first
    assert rows == [row_of(first)]
    assert set(rows[0]) == set(ROW_KEYS) and "transcript" not in rows[0]
    assert keys == [
        "desk:qc:agent:9101:2026-11-23",
        "desk:qc:card:c1-3",
        "desk:qc:day:2026-11-23",
        "desk:qc:rows:2026-11-23",
    ]
    assert all(KEEP - 5 <= ttl <= KEEP for ttl in ttls)


def test_lists_are_by_day_and_agent_newest_first(redis_url: str) -> None:
    async def scenario(store: RedisScorecardStore) -> Any:
        await store.save(card("c1-3", "9101", 100.0), KEEP)
        await store.save(card("c2-5", "9102", 300.0), KEEP)
        await store.save(card("c3-0", "9101", 200.0), KEEP)
        await store.save(card("c4-2", "9101", 150.0, day="2026-11-24"), KEEP)
        return (
            [r["id"] for r in await store.rows("2026-11-23")],
            [r["id"] for r in await store.rows("2026-11-23", "9101")],
            [r["id"] for r in await store.rows("2026-11-24", "9101")],
            await store.rows("2026-11-24", "9102"),
            await store.rows("2026-11-25"),
            await store.card("c9-0"),
        )

    every, mine, next_day, nobody, empty_day, missing = run_store(redis_url, scenario)
    assert every == ["c2-5", "c3-0", "c1-3"]
    assert mine == ["c3-0", "c1-3"]
    assert (next_day, nobody, empty_day, missing) == (["c4-2"], [], [], None)
