"""The desk's 留言 over a real Redis server with an injected clock: stored from the bot's signal,
marked handled, and the unhandled count every console hears.

The desk, Rasa and socket.io are tests/desk/test_waiting_desk.py's (recorders of what would be
sent); tests/integration/test_waiting.py takes a 留言 through to handled in the console API.
"""

from typing import Any, Tuple

import pytest

from desk.service import Desk
from tests.desk.test_waiting_desk import Clock, RecordingRasa, run_desk


def test_a_left_message_is_stored_unhandled_and_malformed_ones_are_refused(
    redis_url: str,
) -> None:
    from desk.errors import DeskError

    async def scenario(desk: Desk, clock: Clock, rasa: RecordingRasa) -> Tuple[Any, ...]:
        signal = {
            "name": "张先生",
            "phone": "13812345678",
            "message": "请回电",
            "reply_time": "上班后",
        }
        await desk.bot_message({"recipient_id": "c1", "custom": {"leave_message": signal}})
        errors = []
        for bad in ({**signal, "phone": ""}, {**signal, "message": 5}, {"name": "x"}):
            try:
                await desk.bot_message({"recipient_id": "c1", "custom": {"leave_message": bad}})
            except DeskError as error:
                errors.append(error.code)
        return await desk.messages.store.messages(), errors

    messages, errors = run_desk(redis_url, scenario)
    [record] = messages
    assert {k: v for k, v in record.items() if k != "id"} == {
        "conversation_id": "c1",
        "name": "张先生",
        "phone": "13812345678",
        "message": "请回电",
        "reply_time": "上班后",
        "created_at": 1_000_000.0,
        "handled": False,
        "handled_by": None,
        "handled_at": None,
    }
    assert errors == ["malformed"] * 3


def test_every_console_hears_the_unhandled_count_without_a_read_of_every_message(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.store import Agent

    agent = Agent(agent_id="1001", name="王芳", capacity=3, status="online", active=0)

    async def scenario(desk: Desk, clock: Clock, rasa: RecordingRasa) -> Tuple[Any, ...]:
        async def every_message(*args: Any) -> Any:
            raise AssertionError("every 留言 read for the count")

        signal = {
            "name": "张先生",
            "phone": "13812345678",
            "message": "请回电",
            "reply_time": "上班后",
        }
        before = await desk.messages.store.unhandled_count()  # builds the (empty) set
        monkeypatch.setattr(desk.messages.store, "messages", every_message)
        for cid in ("c1", "c2"):
            await desk.bot_message({"recipient_id": cid, "custom": {"leave_message": signal}})
        [first, _] = await desk.messages.store.redis.smembers("desk:messages:unhandled")
        handled = await desk.messages.mark_message(first, agent, True)
        again = await desk.messages.mark_message(first, agent, False)
        changes = [data for event, data in desk.sio.emitted if event == "messages_changed"]
        return before, changes, handled, again

    before, changes, handled, again = run_desk(redis_url, scenario)
    assert before == 0
    assert changes == [{"unhandled": 1}, {"unhandled": 2}, {"unhandled": 1}, {"unhandled": 2}]
    assert (handled["handled"], handled["handled_by"], handled["handled_at"]) == (
        True,
        "1001",
        1_000_000.0,
    )
    assert (again["handled"], again["handled_by"], again["handled_at"]) == (False, None, None)
