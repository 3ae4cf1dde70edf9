"""Rasa's RedisLockStore with every change of a lock made atomically.

Rasa 3.6's RedisLockStore changes a conversation's ticket lock by reading it, changing it in
the process and writing it back: two Rasa processes issuing a ticket for one conversation at
the same moment both read "no tickets", both write a lock holding only their own ticket and
both go ahead, so one turn of the conversation is lost (seen with two Sanic workers:
tests/integration/test_rasa_workers.py). Here each read-change-write runs in a Redis
transaction that is retried when another process changed the lock in between (WATCH/MULTI).
endpoints.yml names this class as the lock store (docs/scaling.md).
"""

from __future__ import annotations

import json
from typing import Any, Callable, TypeVar, cast

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.client import Pipeline

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """Ticket locks in Redis, each change a transaction; configured like `type: redis`."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path with `endpoint_config=` only.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _change(self, conversation_id: str, change: Callable[[Pipeline[bytes], str], T]) -> T:
        """Runs `change(pipeline, key)` under WATCH of the lock's key, retrying on a conflict."""
        key = self.key_prefix + conversation_id
        result: T = self.red.transaction(
            lambda pipe: change(pipe, key), key, value_from_callable=True
        )
        return result

    @staticmethod
    def _read(pipe: Pipeline[bytes], key: str, conversation_id: str) -> TicketLock | None:
        # under WATCH, before MULTI, a pipeline's commands run at once and return values
        raw = cast(bytes | None, pipe.get(key))
        if not raw:
            return None
        lock: TicketLock = TicketLock.from_dict(json.loads(raw))
        return lock if lock.conversation_id == conversation_id else None

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket on the conversation's lock (made if missing), in one transaction."""

        def issue(pipe: Pipeline[bytes], key: str) -> int:
            lock = self._read(pipe, key, conversation_id) or TicketLock(conversation_id)
            ticket: int = lock.issue_ticket(lock_lifetime)
            pipe.multi()
            pipe.set(key, lock.dumps())
            return ticket

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # as Rasa's own: any failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Drops the lock's expired tickets, in one transaction."""

        def drop_expired(pipe: Pipeline[bytes], key: str) -> None:
            lock = self._read(pipe, key, conversation_id)
            if lock is None:
                return
            lock.remove_expired_tickets()
            pipe.multi()
            pipe.set(key, lock.dumps())

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Removes the ticket; deletes the lock when nobody else waits, in one transaction."""

        def finish(pipe: Pipeline[bytes], key: str) -> None:
            lock = self._read(pipe, key, conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            pipe.multi()
            if lock.is_someone_waiting():
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """As Rasa's, but the "delete if nobody waits" is part of the same transaction:
        Rasa's reads the lock again and may delete a ticket issued in between."""
        self.finish_serving(conversation_id, ticket_number)
