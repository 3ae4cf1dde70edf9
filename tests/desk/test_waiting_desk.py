"""The desk's idle and queue behaviour over a real Redis server with an injected clock.

Rasa and socket.io are recorders here (what would be sent); tests/integration/test_waiting.py
runs the same against the real product.
"""

import asyncio
from typing import Any, Awaitable, Callable, Dict, List, Tuple

import pytest

from common.redis_connection import connect
from desk.phrases import load_phrases
from desk.service import Desk
from desk.settings import ROOT, DeskSettings
from desk.store import DeskStore


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordingRasa:
    """Records what the desk sends to Rasa."""

    def __init__(self) -> None:
        self.sent: List[Tuple[str, ...]] = []

    async def send_message(self, conversation_id: str, text: str, metadata: Any = None) -> None:
        self.sent.append(("message", conversation_id, text))

    async def trigger_intent(
        self, conversation_id: str, intent: str, entities: Any = None, delivery_id: Any = None
    ) -> None:
        self.sent.append(("intent", conversation_id, intent, repr(entities)))

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        # Without the delivery ids (random; tests/desk/test_delivery.py checks them).
        plain = [{k: v for k, v in e.items() if k != "metadata"} for e in events]
        self.sent.append(("events", conversation_id, repr(plain)))


class RecordingSio:
    def __init__(self) -> None:
        self.emitted: List[Tuple[str, Any]] = []

    async def emit(self, event: str, data: Any, **_: Any) -> None:
        self.emitted.append((event, data))


Scenario = Callable[[Desk, Clock, RecordingRasa], Awaitable[Any]]


def run_desk(redis_url: str, scenario: Scenario, **settings: Any) -> Any:
    async def main() -> Any:
        client = connect(redis_url)
        for key in await client.keys("desk:*"):
            await client.delete(key)
        clock, rasa = Clock(1_000_000.0), RecordingRasa()
        desk = Desk(
            DeskSettings(**{"idle_seconds": 120.0, "instance_id": "t", **settings}),
            DeskStore(client, visitor_ttl_seconds=3600),
            rasa,  # type: ignore[arg-type]
            RecordingSio(),  # type: ignore[arg-type]
            load_phrases(ROOT / "domain.yml", "测试网"),
            clock=clock,
        )
        try:
            return await scenario(desk, clock, rasa)
        finally:
            await desk.delivery.stop()
            await client.close()

    return asyncio.run(main())


async def settle(desk: Desk) -> None:
    """Lets the inbox deliveries the desk spawned finish."""
    for _ in range(50):
        await asyncio.sleep(0.01)
        if not desk.delivery._tasks:
            return


async def bot_said(desk: Desk, cid: str, text: str) -> None:
    await desk.bot_message({"recipient_id": cid, "text": text})


def test_idle_is_measured_from_the_bot_line_and_a_visitor_line_cancels_it(redis_url: str) -> None:
    async def scenario(desk: Desk, clock: Clock, rasa: RecordingRasa) -> Tuple[Any, ...]:
        await desk.store.start_conversation("tok", "c1")
        await bot_said(desk, "c1", "您好!这里是测试网")
        first_due = await desk.waiting.timers.due("idle", "c1")
        clock.now += 119.9
        early = await desk.timer_loop.fire_due()
        await desk.visitor_message("c1", "你好")  # cancels
        cancelled = await desk.waiting.timers.due("idle", "c1")
        await settle(desk)
        clock.now += 1.0
        await bot_said(desk, "c1", "您好,请问有什么可以帮您?")
        clock.now += 120.0
        fired = await desk.timer_loop.fire_due()
        await settle(desk)
        return first_due, early, cancelled, fired, rasa.sent

    first_due, early, cancelled, fired, sent = run_desk(redis_url, scenario)
    assert first_due == 1_000_000.0 + 120.0
    assert (early, cancelled, fired) == (0, None, 1)
    assert sent == [("message", "c1", "你好"), ("intent", "c1", "EXTERNAL_idle", "None")]


@pytest.mark.parametrize("owner", ["queued", "agent", "closed"])
def test_nobody_is_nudged_unless_the_bot_has_the_conversation(redis_url: str, owner: str) -> None:
    async def scenario(desk: Desk, clock: Clock, rasa: RecordingRasa) -> List[Tuple[str, ...]]:
        await desk.store.start_conversation("tok", "c1")
        await bot_said(desk, "c1", "正在为您转接人工客服")
        await desk.store.redis.hset("desk:conv:c1", "owner", owner)
        clock.now += 121.0
        await desk.timer_loop.fire_due()
        await settle(desk)
        return rasa.sent

    assert run_desk(redis_url, scenario) == []


def test_idle_nudges_can_be_turned_off(redis_url: str) -> None:
    async def scenario(desk: Desk, clock: Clock, rasa: RecordingRasa) -> Any:
        await desk.store.start_conversation("tok", "c1")
        await bot_said(desk, "c1", "您好")
        return await desk.waiting.timers.due("idle", "c1")

    assert run_desk(redis_url, scenario, idle_seconds=0.0) is None


def test_outside_hours_the_bot_gets_the_hours_and_when_to_expect_a_reply(redis_url: str) -> None:
    async def scenario(desk: Desk, clock: Clock, rasa: RecordingRasa) -> Tuple[Any, ...]:
        await desk.store.start_conversation("tok", "c1")
        clock.now = 1_795_428_000.0  # 2026-11-23 (Monday) 18:00 in Shanghai
        await desk.bot_message(
            {"recipient_id": "c1", "custom": {"handoff": {"reason": "request_human"}}}
        )
        await settle(desk)
        owner, _ = await desk.store.owner("c1")
        return owner, rasa.sent, await desk.store.queue()

    owner, sent, queue = run_desk(redis_url, scenario)
    assert owner == "bot" and queue == []
    entities = {
        "working_hours": "周一至周五 8:30-17:00,周六、周日 8:30-16:00,法定节假日休息",
        "reply_time": "明天(11月24日 周二)8:30以后",
    }
    # Rasa was never paused (the desk decides who answers): no resume before the intent.
    assert sent == [("intent", "c1", "EXTERNAL_after_hours", repr(entities))]


COMPLAINT = {
    "reason": "complaint",
    "slots": {"complaint_description": "快递三天都没送到", "phone": "13812345678"},
}


def test_a_complaint_nobody_can_take_now_is_kept_as_a_message(redis_url: str) -> None:
    """The bot said the complaint was recorded: outside the hours it is, as a 留言."""

    async def scenario(desk: Desk, clock: Clock, rasa: RecordingRasa) -> Tuple[Any, ...]:
        await desk.store.start_conversation("tok", "c1")
        clock.now = 1_795_428_000.0  # 2026-11-23 (Monday) 18:00 in Shanghai
        await desk.bot_message({"recipient_id": "c1", "custom": {"handoff": COMPLAINT}})
        await settle(desk)
        return await desk.waiting.store.messages("unhandled"), [s[2] for s in rasa.sent]

    kept, sent = run_desk(redis_url, scenario)
    assert [(m["kind"], m["message"], m["phone"], m["conversation_id"]) for m in kept] == [
        ("complaint", "快递三天都没送到", "13812345678", "c1")
    ]
    assert sent == ["EXTERNAL_after_hours"]


def test_a_handoff_while_queued_adds_to_the_ticket_and_opens_nothing(redis_url: str) -> None:
    async def scenario(desk: Desk, clock: Clock, rasa: RecordingRasa) -> Tuple[Any, ...]:
        await desk.store.start_conversation("tok", "c1")
        clock.now = 1_795_400_000.0  # 2026-11-23 (Monday) 10:13 in Shanghai: open
        signal = {"reason": "request_human", "slots": {}}
        await desk.bot_message({"recipient_id": "c1", "custom": {"handoff": signal}})
        first = await desk.store.ticket("c1")
        await desk.bot_message({"recipient_id": "c1", "custom": {"handoff": COMPLAINT}})
        await settle(desk)
        lines = [e["text"] for e in await desk.store.transcript("c1")]
        return first, await desk.store.ticket("c1"), await desk.store.queue(), lines

    first, ticket, queue, lines = run_desk(redis_url, scenario, when_no_agent="queue")
    assert ticket["queued_at"] == first["queued_at"] and len(queue) == 1
    assert ticket["reasons"] == ["request_human", "complaint"]
    assert ticket["reason_labels"] == ["要求人工", "投诉"]
    assert ticket["slots"]["complaint_description"] == "快递三天都没送到"
    phrases = load_phrases(ROOT / "domain.yml", "测试网")
    assert lines[-1] == phrases.say("still_queued", position=1)
