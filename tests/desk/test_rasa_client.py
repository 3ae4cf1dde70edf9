"""What the desk posts to Rasa's callback webhook."""

import asyncio
from typing import Any, Dict, List

from aiohttp import web
from aiohttp.test_utils import TestServer

from desk.rasa_client import RasaClient


async def posted(metadata: Dict[str, Any] | None) -> List[Dict[str, Any]]:
    """The JSON bodies a webhook got from one `send_message`."""
    bodies: List[Dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.Response(text="success")

    app = web.Application()
    app.router.add_post("/webhooks/callback/webhook", webhook)
    async with TestServer(app) as server:
        client = RasaClient(str(server.make_url("")))
        await client.open()
        try:
            await client.send_message("c1", "你好", metadata)
        finally:
            await client.close()
    return bodies


def test_the_visitors_address_goes_as_message_metadata() -> None:
    assert asyncio.run(posted({"client_ip": "203.0.113.7"})) == [
        {"sender": "c1", "message": "你好", "metadata": {"client_ip": "203.0.113.7"}}
    ]


def test_without_metadata_the_body_is_as_before() -> None:
    assert asyncio.run(posted(None)) == [{"sender": "c1", "message": "你好"}]
