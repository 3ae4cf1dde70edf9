"""The 留言 keys against a real Redis server: the unhandled set, its count, the lists by state."""

import asyncio
import json
from typing import Any, Dict, List, Set, Tuple

from common.redis_connection import connect
from desk.waiting_store import WaitingStore

UNHANDLED = "desk:messages:unhandled"
BUILT = "desk:messages:unhandled:built"


def run_store(redis_url: str, scenario: Any) -> Any:
    async def main() -> Any:
        client = connect(redis_url)
        try:
            for key in await client.keys("desk:*"):
                await client.delete(key)
            return await scenario(WaitingStore(client))
        finally:
            await client.close()

    return asyncio.run(main())


def record(message_id: str, created_at: float, handled: bool = False) -> Dict[str, Any]:
    return {
        "id": message_id,
        "conversation_id": f"c-{message_id}",
        "name": "张先生",
        "phone": "13812345678",
        "message": "请回电",
        "reply_time": "上班后",
        "created_at": created_at,
        "handled": handled,
        "handled_by": "1001" if handled else None,
        "handled_at": created_at + 1 if handled else None,
    }


async def write_as_before_the_set(store: WaitingStore, *records: Dict[str, Any]) -> None:
    """Stores 留言 the way the desk did before the unhandled set: record and sorted set only."""
    for r in records:
        await store.redis.set(f"desk:message:{r['id']}", json.dumps(r, ensure_ascii=False))
        await store.redis.zadd("desk:messages", {r["id"]: r["created_at"]})


async def counted(store: WaitingStore) -> Tuple[int, Set[str]]:
    return await store.unhandled_count(), set(await store.redis.smembers(UNHANDLED))


def test_adding_and_marking_keep_the_unhandled_set(redis_url: str) -> None:
    async def scenario(store: WaitingStore) -> List[Any]:
        seen: List[Any] = [await counted(store)]  # an empty store: nothing to build from
        for message_id, created_at in (("a", 1.0), ("b", 2.0), ("c", 3.0)):
            await store.add_message(record(message_id, created_at))
        seen.append(await counted(store))
        await store.save_message(record("b", 2.0, handled=True))
        seen.append(await counted(store))
        await store.save_message(record("b", 2.0, handled=False))  # unhandled again
        seen.append(await counted(store))
        await store.add_message(record("d", 4.0, handled=True))
        seen.append(await counted(store))
        seen.append([await store.message(i) for i in ("b", "d")])
        seen.append(await store.redis.get(BUILT))
        return seen

    empty, added, handled, again, added_handled, records, built = run_store(redis_url, scenario)
    assert empty == (0, set())
    assert added == (3, {"a", "b", "c"})
    assert handled == (2, {"a", "c"})
    assert again == (3, {"a", "b", "c"})
    assert added_handled == (3, {"a", "b", "c"})
    assert records == [record("b", 2.0), record("d", 4.0, handled=True)]
    assert built == "1"


def test_a_store_older_than_the_set_is_counted_once_from_its_records(redis_url: str) -> None:
    async def scenario(store: WaitingStore) -> List[Any]:
        await write_as_before_the_set(
            store, record("a", 1.0), record("b", 2.0, handled=True), record("c", 3.0)
        )
        seen: List[Any] = [await store.redis.exists(UNHANDLED, BUILT)]
        seen.append(await counted(store))
        seen.append(await store.redis.get(BUILT))
        for message_id, created_at in (("a", 1.0), ("c", 3.0)):
            await store.save_message(record(message_id, created_at, handled=True))
        seen.append((await counted(store), await store.redis.exists(UNHANDLED)))
        # Written behind the set's back: not counted, the empty set is not rebuilt...
        await write_as_before_the_set(store, record("e", 5.0))
        seen.append(await counted(store))
        await store.redis.delete(BUILT)  # ...unless `built` is deleted
        seen.append(await counted(store))
        return seen

    before, built_count, built, all_handled, behind, rebuilt = run_store(redis_url, scenario)
    assert before == 0  # neither the set nor `built`
    assert built_count == (2, {"a", "c"})
    assert built == "1"
    assert all_handled == ((0, set()), 0)  # Redis deletes the empty set
    assert behind == (0, set())
    assert rebuilt == (1, {"e"})


def test_a_message_added_before_the_first_count_does_not_hide_the_older_ones(
    redis_url: str,
) -> None:
    async def scenario(store: WaitingStore) -> Tuple[Any, ...]:
        await write_as_before_the_set(store, record("a", 1.0), record("b", 2.0, handled=True))
        await store.add_message(record("c", 3.0))  # the set exists now, with only c
        partial = set(await store.redis.smembers(UNHANDLED))
        return partial, await counted(store)

    partial, count = run_store(redis_url, scenario)
    assert partial == {"c"}
    assert count == (2, {"a", "c"})


def test_the_unhandled_list_of_an_older_store_builds_the_set_first(redis_url: str) -> None:
    async def scenario(store: WaitingStore) -> Tuple[Any, ...]:
        await write_as_before_the_set(
            store, record("a", 1.0), record("b", 2.0, handled=True), record("c", 3.0)
        )
        listed = [r["id"] for r in await store.messages("unhandled", 10)]
        return listed, set(await store.redis.smembers(UNHANDLED))

    assert run_store(redis_url, scenario) == (["c", "a"], {"a", "c"})


def test_lists_are_newest_first_and_read_only_the_records_they_return(redis_url: str) -> None:
    async def scenario(store: WaitingStore) -> Tuple[Any, ...]:
        for n in range(1, 6):  # 1..5; 2 and 4 handled
            await store.add_message(record(f"m{n}", float(n), handled=n % 2 == 0))
        await store.add_message(record("m0", 3.0))  # the same time as m3: ZREVRANGE's order
        reads: List[List[str]] = []
        read_records = store._message_records

        async def spy(ids: List[str]) -> List[Dict[str, Any]]:
            reads.append(list(ids))
            return await read_records(ids)

        store._message_records = spy  # type: ignore[method-assign]
        listed = {}
        for state, limit in [
            ("unhandled", 2),
            ("unhandled", None),
            ("handled", 1),
            ("handled", 5),
            ("all", 3),
            ("all", None),
        ]:
            reads.clear()
            returned = await store.messages(state, limit)  # type: ignore[arg-type]
            listed[(state, limit)] = ([r["id"] for r in returned], list(reads))
        return listed, await store.messages()

    listed, everything = run_store(redis_url, scenario)
    assert listed == {
        ("unhandled", 2): (["m5", "m3"], [["m5", "m3"]]),
        ("unhandled", None): (["m5", "m3", "m0", "m1"], [["m5", "m3", "m0", "m1"]]),
        ("handled", 1): (["m4"], [["m5"], ["m4"]]),  # a page of 1 at a time
        ("handled", 5): (["m4", "m2"], [["m5", "m4", "m3", "m0", "m2"], ["m1"]]),
        ("all", 3): (["m5", "m4", "m3"], [["m5", "m4", "m3"]]),
        ("all", None): (
            ["m5", "m4", "m3", "m0", "m2", "m1"],
            [["m5", "m4", "m3", "m0", "m2", "m1"]],
        ),
    }
    assert [r["id"] for r in everything] == ["m5", "m4", "m3", "m0", "m2", "m1"]
