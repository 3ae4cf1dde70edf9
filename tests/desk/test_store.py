"""The desk's compliance keys against a real Redis server: per-day counts, forced records."""

import asyncio
import json
from typing import Any, Dict, List, Tuple

import redis

from common.redis_connection import connect
from desk.store import DeskStore


def run_store(redis_url: str, scenario: Any) -> Any:
    async def main() -> Any:
        client = connect(redis_url)
        try:
            for key in await client.keys("desk:compliance:*"):
                await client.delete(key)
            return await scenario(DeskStore(client, visitor_ttl_seconds=60))
        finally:
            await client.close()

    return asyncio.run(main())


def test_counts_are_kept_per_day_agent_and_kind(redis_url: str) -> None:
    async def scenario(store: DeskStore) -> Tuple[Any, ...]:
        await store.count_compliance("2026-11-22", "1001", "warnings", 3600)
        await store.count_compliance("2026-11-22", "1001", "warnings", 3600)
        await store.count_compliance("2026-11-23", "1001", "forced", 3600)
        await store.count_compliance("2026-11-23", "1002", "warnings", 7200)
        counts = await store.compliance_counts(["2026-11-21", "2026-11-22", "2026-11-23"])
        ttl = await store.redis.ttl("desk:compliance:2026-11-23")
        raw = await store.redis.hgetall("desk:compliance:2026-11-22")
        return counts, ttl, raw

    counts, ttl, raw = run_store(redis_url, scenario)
    assert counts == {
        "1001": {"warnings": {"2026-11-22": 2}, "forced": {"2026-11-23": 1}},
        "1002": {"warnings": {"2026-11-23": 1}},
    }
    assert 7190 <= ttl <= 7200  # the last change sets the expiry
    assert raw == {"1001:warnings": "2"}


def test_forced_records_are_kept_newest_first(redis_url: str) -> None:
    async def scenario(store: DeskStore) -> List[Dict[str, Any]]:
        for seq in range(3):
            await store.record_forced({"agent_id": "1001", "seq": seq, "rules": ["vague_possibly"]})
        records = await store.redis.lrange("desk:compliance:forced", 0, -1)
        return [json.loads(r) for r in records]

    assert run_store(redis_url, scenario) == [
        {"agent_id": "1001", "seq": seq, "rules": ["vague_possibly"]} for seq in (2, 1, 0)
    ]


def test_the_forced_list_is_capped(redis_url: str, monkeypatch: Any) -> None:
    import desk.store

    monkeypatch.setattr(desk.store, "FORCED_RECORDS_KEPT", 2)

    async def scenario(store: DeskStore) -> int:
        for seq in range(5):
            await store.record_forced({"seq": seq})
        return int(await store.redis.llen("desk:compliance:forced"))

    assert run_store(redis_url, scenario) == 2
    assert redis.Redis.from_url(redis_url).llen("desk:compliance:forced") == 2
