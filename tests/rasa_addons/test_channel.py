"""The callback channel Rasa loads keeps the metadata the desk posts with each message."""

import asyncio
import json
from types import SimpleNamespace
from typing import Any, Callable, List, cast

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.utils.endpoints import EndpointConfig

from rasa_addons.channel import KeepAliveCallbackInput, KeepAliveCallbackOutput

TOKEN = "channel-secret"
CHANNEL = KeepAliveCallbackInput(EndpointConfig("http://127.0.0.1:5080/rasa/callback"), TOKEN)


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


def webhook_of(received: List[UserMessage]) -> Callable[..., Any]:
    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    blueprint = CHANNEL.blueprint(on_new_message)
    [webhook] = [
        cast(Callable[..., Any], r.handler) for r in blueprint._future_routes if r.uri == "/webhook"
    ]
    return webhook


def post(body: Any, authorization: str | None) -> SimpleNamespace:
    headers = {"authorization": authorization} if authorization is not None else {}
    return SimpleNamespace(json=body, headers=headers)


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN],
)
def test_the_webhook_refuses_a_post_without_the_channel_token(authorization: str | None) -> None:
    """Anyone reaching Rasa's port could otherwise put a visitor line into any conversation."""
    received: List[UserMessage] = []
    body = {"sender": "c1", "message": "你好", "metadata": {"client_ip": "203.0.113.7"}}
    answer = asyncio.run(webhook_of(received)(post(body, authorization)))
    assert (answer.status, received) == (401, [])


def test_the_channel_will_not_start_without_a_webhook_token() -> None:
    with pytest.raises(ValueError, match="RASA_CHANNEL_TOKEN"):
        KeepAliveCallbackInput.from_credentials({"url": "http://127.0.0.1/cb", "webhook_token": ""})
    channel = KeepAliveCallbackInput.from_credentials(
        {"url": "http://127.0.0.1/cb", "token": "t", "webhook_token": "w"}
    )
    assert isinstance(channel, KeepAliveCallbackInput)
    assert (channel.webhook_token, channel.callback_endpoint.token) == ("w", "t")


def test_the_webhook_hands_rasa_the_message_with_its_metadata() -> None:
    received: List[UserMessage] = []
    body = {"sender": "c1", "message": "你好", "metadata": {"client_ip": "203.0.113.7"}}
    answer = asyncio.run(webhook_of(received)(post(body, f"Bearer {TOKEN}")))
    assert answer.body == b"success"
    [message] = received
    assert (message.sender_id, message.text, message.input_channel, message.metadata) == (
        "c1",
        "你好",
        "callback",
        {"client_ip": "203.0.113.7"},
    )
    assert isinstance(message.output_channel, KeepAliveCallbackOutput)


def test_a_line_posted_on_a_connection_the_desk_just_closed_still_arrives() -> None:
    """A kept-alive connection the desk closes as the next bot line is posted on it: the line
    goes once more, on a new connection, instead of being lost.

    The stand-in desk answers the first request of each connection and closes the connection,
    unanswered, at the second (what a keep-alive timeout racing a post looks like).
    """
    import rasa_addons.channel as channel

    async def scenario() -> List[str]:
        received: List[str] = []

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for turn in range(2):
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:  # the client closed this connection
                    break
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                body = await reader.readexactly(length)
                if turn == 1:  # the connection was "idle too long": closed, nothing answered
                    break
                received.append(json.loads(body)["text"])
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b'Content-Length: 11\r\nConnection: keep-alive\r\n\r\n{"ok":true}'
                )
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        output = KeepAliveCallbackOutput(EndpointConfig(f"http://127.0.0.1:{port}/rasa/callback"))
        channel._session = None
        try:
            await output._persist_message({"recipient_id": "c1", "text": "第一句"})
            await output._persist_message({"recipient_id": "c1", "text": "第二句"})
        finally:
            await channel._shared_session().close()
            server.close()
        return received

    assert asyncio.run(scenario()) == ["第一句", "第二句"]
