"""Delivery sends each inbox item to Rasa as it was stored, and once: an item whose delivery may
have reached Rasa (a timeout, a desk that died mid-way) is looked for in the tracker first."""

import asyncio
from typing import Any, Awaitable, Callable, Dict, List, Tuple, TypeVar

from redis.asyncio import Redis

from common.contract import CLIENT_IP_KEY, DELIVERY_ID_KEY, DESK_STATE_KEY
from desk.delivery import RasaDelivery, with_delivery_id
from desk.rasa_client import RasaUnavailable, carries_delivery_id
from desk.service import inbox_message
from desk.settings import DeskSettings
from desk.store import DeskStore

T = TypeVar("T")


class FakeRasa:
    """Rasa's tracker as a list of events; `lose_answers` sends that many answers astray
    after Rasa has handled the request (a timeout on the desk's side)."""

    def __init__(self, lose_answers: int = 0) -> None:
        self.events: List[Dict[str, Any]] = []
        self.sent: List[Tuple[str, Dict[str, Any] | None]] = []
        self.lose_answers = lose_answers
        self.lookups = 0

    def _answer(self) -> None:
        if self.lose_answers:
            self.lose_answers -= 1
            raise RasaUnavailable("timed out after Rasa handled it")

    async def send_message(
        self, conversation_id: str, text: str, metadata: Dict[str, Any] | None = None
    ) -> None:
        self.sent.append((text, metadata))
        self.events.append({"event": "user", "text": text, "metadata": metadata or {}})
        self._answer()

    async def trigger_intent(
        self,
        conversation_id: str,
        intent: str,
        entities: Dict[str, str] | None = None,
        delivery_id: str | None = None,
    ) -> None:
        self.sent.append((intent, None))
        marks = [{"entity": DELIVERY_ID_KEY, "value": delivery_id}] if delivery_id else []
        self.events.append({"event": "user", "parse_data": {"entities": marks}})
        self._answer()

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        self.sent.append(("resume", None))
        self.events.extend(events)
        self._answer()

    async def delivered(self, conversation_id: str, delivery_id: str) -> bool:
        self.lookups += 1
        return any(carries_delivery_id(e, delivery_id) for e in self.events)


async def notify(conversation_id: str, name: str) -> None:
    raise AssertionError(f"nothing to tell {conversation_id}: {name}")


def with_store(redis_url: str, scenario: Callable[[DeskStore], Awaitable[T]]) -> T:
    async def run() -> T:
        redis: Redis[str] = Redis.from_url(redis_url, decode_responses=True)
        await redis.flushdb()
        try:
            return await scenario(DeskStore(redis, visitor_ttl_seconds=600))
        finally:
            await redis.close()

    return asyncio.run(run())


def delivery(store: DeskStore, rasa: FakeRasa, told: List[str] | None = None) -> RasaDelivery:
    async def tell(conversation_id: str, name: str) -> None:
        if told is None:
            await notify(conversation_id, name)
        else:
            told.append(name)

    settings = DeskSettings(rasa_retry_seconds=0.01)
    return RasaDelivery(settings, store, rasa, tell)  # type: ignore[arg-type]


def test_a_message_goes_with_its_metadata_its_id_and_the_conversation_state(
    redis_url: str,
) -> None:
    rasa = FakeRasa()

    async def scenario(store: DeskStore) -> Dict[str, Any]:
        await store.start_conversation("token", "c1")
        item = inbox_message("你好", "203.0.113.7")
        await delivery(store, rasa)._deliver("c1", item)
        return item

    item = with_store(redis_url, scenario)
    assert rasa.sent == [
        (
            "你好",
            {CLIENT_IP_KEY: "203.0.113.7", DELIVERY_ID_KEY: item["id"], DESK_STATE_KEY: "bot"},
        )
    ]
    assert rasa.lookups == 0  # a first attempt reads no tracker


def test_an_answer_lost_after_rasa_handled_the_message_is_not_sent_again(
    redis_url: str,
) -> None:
    rasa = FakeRasa(lose_answers=1)
    told: List[str] = []

    async def scenario(store: DeskStore) -> None:
        await store.start_conversation("token", "c1")
        await delivery(store, rasa, told)._deliver("c1", inbox_message("我要投诉", None))

    with_store(redis_url, scenario)
    assert [text for text, _ in rasa.sent] == ["我要投诉"]
    assert told == ["bot_unavailable"]
    assert rasa.lookups == 1


def test_an_item_a_dead_desk_was_sending_is_looked_up_then_skipped_or_sent(
    redis_url: str,
) -> None:
    """The first item reached Rasa before its desk died; the second never left the desk."""
    rasa = FakeRasa()

    async def scenario(store: DeskStore) -> List[str]:
        await store.start_conversation("token", "c1")
        greet = with_delivery_id({"kind": "message", "text": "/greet"})
        idle = with_delivery_id({"kind": "intent", "name": "EXTERNAL_idle"})
        for item in (greet, idle):
            await store.push_inbox("c1", item)
        rasa.events.append({"event": "user", "metadata": {DELIVERY_ID_KEY: greet["id"]}})
        await store.begin_delivery("c1", greet["id"])  # the dead desk's mark
        survivor = delivery(store, rasa)
        await survivor._drain("c1")
        later = with_delivery_id({"kind": "intent", "name": "EXTERNAL_idle"})
        await store.push_inbox("c1", later)
        await store.begin_delivery("c1", later["id"])  # died again, before Rasa got this one
        await survivor._drain("c1")
        return [greet["id"], idle["id"]]

    with_store(redis_url, scenario)
    assert [text for text, _ in rasa.sent] == ["EXTERNAL_idle", "EXTERNAL_idle"]
    assert rasa.lookups == 2


def test_a_resume_carries_its_id_in_the_resume_event(redis_url: str) -> None:
    rasa = FakeRasa()

    async def scenario(store: DeskStore) -> str:
        item = with_delivery_id({"kind": "resume", "events": []})
        await delivery(store, rasa)._deliver("c1", item)
        return str(item["id"])

    delivery_id = with_store(redis_url, scenario)
    assert rasa.events == [{"event": "resume", "metadata": {DELIVERY_ID_KEY: delivery_id}}]
