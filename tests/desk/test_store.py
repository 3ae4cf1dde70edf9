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


def test_visitor_tokens_never_appear_in_key_names(redis_url: str) -> None:
    async def scenario(store: DeskStore) -> Tuple[Any, ...]:
        await store.start_conversation("visitor-secret-token", "c-tokens", "v1")
        keys = await store.redis.keys("desk:visitor:*")
        return (
            keys,
            await store.conversation_of("visitor-secret-token"),
            await store.visitor_id("c-tokens"),
        )

    keys, conversation, visitor = run_store(redis_url, scenario)
    assert not [k for k in keys if "visitor-secret-token" in k]
    assert (conversation, visitor) == ("c-tokens", "v1")


def test_a_visitor_faster_than_the_bucket_is_refused_and_nothing_is_recorded(
    redis_url: str,
) -> None:
    from desk.store import Bucket

    async def scenario(store: DeskStore) -> Tuple[Any, ...]:
        await store.start_conversation("tok-bucket", "c-bucket")
        results = []
        for i, now in enumerate([100.0, 100.1, 100.2, 100.3, 102.3, 102.4]):
            recorded = await store.visitor_line(
                "c-bucket",
                {"from": "visitor", "ts": now, "text": f"m{i}"},
                {"kind": "message", "text": f"m{i}", "id": f"i{i}"},
                "me",
                1000,
                Bucket(burst=3, per_second=0.5, now=now),
            )
            results.append(None if recorded is None else recorded[2]["text"])
        transcript = [e["text"] for e in await store.transcript("c-bucket")]
        inbox = await store.redis.lrange("desk:inbox:c-bucket", 0, -1)
        return results, transcript, [json.loads(i)["text"] for i in inbox]

    results, transcript, inbox = run_store(redis_url, scenario)
    # three at once, then one every two seconds
    assert results == ["m0", "m1", "m2", None, "m4", None]
    assert transcript == inbox == ["m0", "m1", "m2", "m4"]


def test_offered_payloads_are_spent_by_the_visitors_next_line(redis_url: str) -> None:
    async def scenario(store: DeskStore) -> Tuple[Any, ...]:
        await store.start_conversation("tok-offer", "c-offer")
        await store.offer_payloads("c-offer", ["/affirm", "/deny"])
        before = (
            await store.was_offered("c-offer", "/affirm"),
            await store.was_offered("c-offer", "/inform"),
        )
        await store.visitor_line(
            "c-offer",
            {"from": "visitor", "ts": 1.0, "text": "/affirm"},
            {"kind": "message", "text": "/affirm", "id": "x"},
            "me",
            1000,
        )
        return before, await store.was_offered("c-offer", "/deny")

    before, after = run_store(redis_url, scenario)
    assert before == (True, False)
    assert after is False
