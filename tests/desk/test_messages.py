"""The desk's 留言 over a real Redis server with an injected clock: stored from the bot's signal.

The desk, Rasa and socket.io are tests/desk/test_waiting_desk.py's (recorders of what would be
sent); tests/integration/test_waiting.py takes a 留言 through to handled in the console API.
"""

from typing import Any, Tuple

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
