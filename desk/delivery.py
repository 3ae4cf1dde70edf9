"""Delivery to Rasa: each conversation's inbox, one item at a time, by the lease holder.

An instance holds a conversation's inbox for LEASE_MS and renews it every HEARTBEAT_SECONDS while
it works; when an instance dies, another takes over within LEASE_MS + SWEEP_SECONDS. Rasa being
unreachable is waited out (the visitor is told once); an HTTP error is retried, then given up.
"""

import asyncio
import logging
import secrets
from typing import Any, Awaitable, Callable, Dict, Set

from common.contract import BOT_STATES, DELIVERY_ID_KEY, DESK_STATE_KEY
from compliance.masking import mask_personal_numbers
from desk.lifecycle import State
from desk.rasa_client import RasaClient, RasaRejected, RasaUnavailable
from desk.settings import DeskSettings
from desk.store import DeskStore

logger = logging.getLogger(__name__)

LEASE_MS = 10_000
HEARTBEAT_SECONDS = 3.0
SWEEP_SECONDS = 1.0
REJECTED_ATTEMPTS = 3


def with_delivery_id(item: Dict[str, Any]) -> Dict[str, Any]:
    """The inbox item with an `id`: Rasa's tracker gets it, so a retry can tell it arrived."""
    return item if item.get("id") else {**item, "id": secrets.token_hex(8)}


# Tells the visitor something by the name of a system line in desk/phrases.yml.
Notify = Callable[[str, str], Awaitable[Any]]


class RasaDelivery:
    """Drains inboxes to Rasa for one desk instance; `start` also sweeps for orphaned ones."""

    def __init__(
        self, settings: DeskSettings, store: DeskStore, rasa: RasaClient, notify: Notify
    ) -> None:
        self.instance_id = settings.instance_id
        self.store = store
        self.rasa = rasa
        self.notify = notify
        self.retry_seconds = settings.rasa_retry_seconds
        self._draining: Set[str] = set()
        self._tasks: Set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep())

    async def stop(self) -> None:
        tasks = [t for t in (self._sweeper, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def enqueue(self, conversation_id: str, item: Dict[str, Any]) -> None:
        """Queues `item` for Rasa behind what is already waiting, with an id of its own."""
        await self.store.push_inbox(conversation_id, with_delivery_id(item))
        self.spawn(conversation_id)

    def spawn(self, conversation_id: str, leased_first: Dict[str, Any] | None = None) -> None:
        if conversation_id in self._draining and leased_first is None:
            return
        self._draining.add(conversation_id)
        task = asyncio.create_task(self._drain(conversation_id, leased_first))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(
        self, conversation_id: str, leased_first: Dict[str, Any] | None = None
    ) -> None:
        """Delivers the inbox while holding its lease; `leased_first`: already held, first item."""
        store, me = self.store, self.instance_id
        try:
            while True:
                item: Dict[str, Any] | None
                if leased_first is not None:
                    leased, item, leased_first = True, leased_first, None
                else:
                    leased, item = await store.lease_and_peek(conversation_id, me, LEASE_MS)
                if not leased:
                    break
                heartbeat = asyncio.create_task(self._heartbeat(conversation_id))
                try:
                    while item is not None:
                        await self._deliver(conversation_id, item)
                        item = await store.pop_and_peek(conversation_id)
                    await store.forget_if_empty(conversation_id)
                finally:
                    heartbeat.cancel()
                    await store.drop_lease(conversation_id, me)
                # Something may have arrived after the last look and before the lease went.
                if await store.peek_inbox(conversation_id) is None:
                    break
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("inbox of conversation %s", conversation_id)
        finally:
            self._draining.discard(conversation_id)

    async def _heartbeat(self, conversation_id: str) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await self.store.renew_lease(conversation_id, LEASE_MS)

    async def _deliver(self, conversation_id: str, item: Dict[str, Any]) -> None:
        """Sends one inbox item to Rasa once, waiting out restarts; gives up only on rejections.

        Before the first attempt the item's id is written down as being sent (in the same round
        trip that reads the conversation's state); an item found written down already (a dead
        instance's item taken over), or an attempt that failed without an answer, is first
        looked for in Rasa's tracker and not sent again if Rasa already has it.
        """
        told, rejected = False, 0
        delivery_id = str(item.get("id") or "")  # none: queued by an older desk; at least once
        owner, attempted = await self.store.begin_delivery(conversation_id, delivery_id)
        if item["kind"] != "resume" and owner == State.AGENT.value:
            # An agent accepted while this waited: they see the line in the transcript, and
            # the bot does not speak over them (desk/lifecycle.py).
            logger.info("not sent, an agent has %s: %s", conversation_id, item["kind"])
            return
        while True:
            try:
                if attempted and await self.rasa.delivered(conversation_id, delivery_id):
                    logger.info("already delivered %s of %s", delivery_id, conversation_id)
                    return
                attempted = bool(delivery_id)
                await self._send(conversation_id, item, delivery_id, owner)
                return
            except RasaUnavailable as error:
                logger.warning("rasa unavailable for %s: %s", conversation_id, error)
                if not told and item["kind"] == "message":
                    await self.notify(conversation_id, "bot_unavailable")
                    told = True
            except RasaRejected as error:
                rejected += 1
                logger.error(
                    "rasa rejected %s (%d): %s",
                    conversation_id,
                    rejected,
                    mask_personal_numbers(str(error)),
                )
                if rejected >= REJECTED_ATTEMPTS:
                    if item["kind"] == "message":
                        await self.notify(conversation_id, "not_delivered")
                    return
            await asyncio.sleep(self.retry_seconds)

    async def _send(
        self, conversation_id: str, item: Dict[str, Any], delivery_id: str, owner: str | None
    ) -> None:
        """One attempt at an item; a visitor message carries the conversation's state."""
        marker = {DELIVERY_ID_KEY: delivery_id} if delivery_id else {}
        if item["kind"] == "message":
            metadata = {**(item.get("metadata") or {}), **marker}
            if owner in BOT_STATES:
                metadata[DESK_STATE_KEY] = owner
            await self.rasa.send_message(conversation_id, item["text"], metadata)
        elif item["kind"] == "intent":
            await self.rasa.trigger_intent(
                conversation_id, item["name"], item.get("entities"), delivery_id or None
            )
        else:
            resume: Dict[str, Any] = {"event": "resume"}
            if marker:
                resume["metadata"] = marker
            await self.rasa.append_events(conversation_id, [*item["events"], resume])

    async def _sweep(self) -> None:
        """Picks up inboxes no instance is draining (after a restart or a dead instance)."""
        while True:
            try:
                for conversation_id in await self.store.pending():
                    self.spawn(conversation_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("inbox sweep")
            await asyncio.sleep(SWEEP_SECONDS)
