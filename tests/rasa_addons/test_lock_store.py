"""The atomic lock store against a real Redis, and Rasa's own losing the same race."""

import asyncio
import uuid
from typing import Any, Iterator
from urllib.parse import urlparse

import pytest
import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_addons.lock_store import AtomicRedisLockStore

PREFIX = "testlocks"


def settings(redis_url: str) -> dict[str, Any]:
    parsed = urlparse(redis_url)
    return {"host": parsed.hostname, "port": parsed.port, "db": 0, "key_prefix": PREFIX}


@pytest.fixture
def conversation() -> str:
    return f"conv-{uuid.uuid4().hex}"


@pytest.fixture
def raw(redis_url: str) -> Iterator["redis.Redis[bytes]"]:
    client: redis.Redis[bytes] = redis.Redis.from_url(redis_url)
    yield client
    for key in client.scan_iter(f"{PREFIX}:*"):
        client.delete(key)


def race(first: LockStore, second: LockStore, conversation: str, monkeypatch: Any) -> list[int]:
    """`first` issues a ticket; between its read of the lock and its write, `second` issues one.

    Returns both tickets. TicketLock.issue_ticket runs after the read and before the write in
    both stores, so that is where the other process's ticket is slipped in, once.
    """
    original = TicketLock.issue_ticket
    slipped: list[int] = []

    def issue_with_a_rival(self: TicketLock, lifetime: float) -> int:
        if not slipped:
            slipped.append(-1)
            slipped[0] = second.issue_ticket(conversation)
        return original(self, lifetime)

    monkeypatch.setattr(TicketLock, "issue_ticket", issue_with_a_rival)
    mine = first.issue_ticket(conversation)
    monkeypatch.setattr(TicketLock, "issue_ticket", original)
    return [slipped[0], mine]


def test_rasas_own_store_gives_two_processes_the_same_ticket(
    redis_url: str, raw: Any, conversation: str, monkeypatch: Any
) -> None:
    """Why the atomic store exists: both processes would serve the conversation at once."""
    first, second = RedisLockStore(**settings(redis_url)), RedisLockStore(**settings(redis_url))
    assert race(first, second, conversation, monkeypatch) == [0, 0]


def test_the_atomic_store_retries_and_issues_distinct_tickets(
    redis_url: str, raw: Any, conversation: str, monkeypatch: Any
) -> None:
    first = AtomicRedisLockStore(**settings(redis_url))
    second = AtomicRedisLockStore(**settings(redis_url))
    assert race(first, second, conversation, monkeypatch) == [0, 1]
    lock = first.get_lock(conversation)
    assert lock is not None
    assert [ticket.number for ticket in lock.tickets] == [0, 1]
    # the second ticket waits for the first
    assert lock.is_locked(1) and not lock.is_locked(0)


def test_the_lock_is_deleted_with_its_last_ticket_only(
    redis_url: str, raw: Any, conversation: str
) -> None:
    store = AtomicRedisLockStore(**settings(redis_url))
    first, second = store.issue_ticket(conversation), store.issue_ticket(conversation)
    store.cleanup(conversation, first)
    lock = store.get_lock(conversation)
    assert lock is not None and [t.number for t in lock.tickets] == [second]
    store.cleanup(conversation, second)
    assert store.get_lock(conversation) is None
    assert list(raw.scan_iter(f"{PREFIX}:*")) == []


def test_expired_tickets_are_dropped(redis_url: str, raw: Any, conversation: str) -> None:
    store = AtomicRedisLockStore(**settings(redis_url))
    store.issue_ticket(conversation, lock_lifetime=-1)  # already expired
    live = store.issue_ticket(conversation)
    store.update_lock(conversation)
    lock = store.get_lock(conversation)
    assert lock is not None and [t.number for t in lock.tickets] == [live]


def test_two_holders_of_one_conversation_take_turns(
    redis_url: str, raw: Any, conversation: str
) -> None:
    first = AtomicRedisLockStore(**settings(redis_url))
    second = AtomicRedisLockStore(**settings(redis_url))

    async def scenario() -> None:
        async with first.lock(conversation, wait_time_in_seconds=0.01):
            waiting = second.issue_ticket(conversation)
            lock = second.get_lock(conversation)
            assert lock is not None and lock.is_locked(waiting)
        lock = second.get_lock(conversation)
        assert lock is not None and not lock.is_locked(waiting)
        second.cleanup(conversation, waiting)

    asyncio.run(scenario())


def test_rasa_builds_it_from_endpoints_yml(redis_url: str, raw: Any, conversation: str) -> None:
    """endpoints.yml names the class; Rasa passes only `endpoint_config`."""
    config = EndpointConfig.from_dict(
        {"type": "rasa_addons.lock_store.AtomicRedisLockStore", "url": urlparse(redis_url).hostname,
         "port": urlparse(redis_url).port, "db": 0, "key_prefix": PREFIX}
    )  # fmt: skip
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    store.issue_ticket(conversation)
    assert raw.exists(f"{PREFIX}:lock:{conversation}") == 1
