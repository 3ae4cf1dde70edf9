"""The callback channel Rasa loads keeps the metadata the desk posts with each message."""

import asyncio
from types import SimpleNamespace
from typing import Any, Callable, List, cast

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.utils.endpoints import EndpointConfig

from desk.rasa_channel import KeepAliveCallbackInput, KeepAliveCallbackOutput

CHANNEL = KeepAliveCallbackInput(EndpointConfig("http://127.0.0.1:5080/rasa/callback"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"sender": "c1", "message": "hi", "metadata": {"client_ip": "203.0.113.7"}},
            {"client_ip": "203.0.113.7"},
        ),
        ({"sender": "c1", "message": "hi"}, None),
        ({"sender": "c1", "message": "hi", "metadata": "203.0.113.7"}, None),
        ({"sender": "c1", "message": "hi", "metadata": ["203.0.113.7"]}, None),
        (["not", "an", "object"], None),
    ],
)
def test_metadata_is_the_posted_object(body: Any, expected: Any) -> None:
    assert CHANNEL.get_metadata(SimpleNamespace(json=body)) == expected  # type: ignore[arg-type]


def test_the_webhook_hands_rasa_the_message_with_its_metadata() -> None:
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    blueprint = CHANNEL.blueprint(on_new_message)
    [webhook] = [
        cast(Callable[..., Any], r.handler) for r in blueprint._future_routes if r.uri == "/webhook"
    ]
    body = {"sender": "c1", "message": "你好", "metadata": {"client_ip": "203.0.113.7"}}
    answer = asyncio.run(webhook(SimpleNamespace(json=body)))
    assert answer.body == b"success"
    [message] = received
    assert (message.sender_id, message.text, message.input_channel, message.metadata) == (
        "c1",
        "你好",
        "callback",
        {"client_ip": "203.0.113.7"},
    )
    assert isinstance(message.output_channel, KeepAliveCallbackOutput)
