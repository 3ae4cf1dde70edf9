"""Rasa's callback channel with one kept-alive HTTP session, loaded by `rasa run` itself.

Stock `CallbackOutput` opens a new aiohttp session, and so a new TCP connection to the desk, for
every bot message; measured by `make bench`, that costs Rasa about 6 ms of CPU per turn. This
subclass posts the same JSON to the same URL with the same token over one shared session.
credentials.yml names it `rasa_addons.channel.KeepAliveCallbackInput`; its name stays `callback`,
so the webhook (`/webhooks/callback/webhook`) and `output_channel=callback` are unchanged.

The input side also keeps the `metadata` object the desk posts with a message (the visitor's
`client_ip`): Rasa 3.6's `RestInput.receive` passes `get_metadata(request)` to `UserMessage`, and
the processor stores it in the tracker's `user` event, but the stock `CallbackInput` webhook builds
its `UserMessage` without metadata, so this subclass replaces that webhook.
"""

import logging
from typing import Any, Awaitable, Callable, Dict

import aiohttp
from rasa.core.channels.callback import CallbackInput, CallbackOutput
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

_TIMEOUT = aiohttp.ClientTimeout(total=10)
# An idle kept-alive connection is dropped after this long, well before the desk closes its end
# (desk/app.py KEEP_ALIVE_SECONDS): a post on a connection the server already closed is lost.
IDLE_CONNECTION_SECONDS = 30.0
# A post that failed on a stale connection before the desk read it goes once more, on a new one.
STALE_CONNECTION_ERRORS = (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError)
_session: aiohttp.ClientSession | None = None


def _shared_session() -> aiohttp.ClientSession:
    """One session per process, created in Rasa's running event loop on first use."""
    global _session
    if _session is None or _session.closed:
        connector = aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS)
        _session = aiohttp.ClientSession(timeout=_TIMEOUT, connector=connector)
    return _session


class KeepAliveCallbackOutput(CallbackOutput):
    """Posts each bot message to the callback URL over the shared session."""

    async def _persist_message(self, message: Dict[str, Any]) -> None:
        await CollectingOutputChannel._persist_message(self, message)
        try:
            try:
                await self._post(message)
            except STALE_CONNECTION_ERRORS as error:
                logger.warning("callback connection lost (%r), posting again", error)
                await self._post(message)
        except aiohttp.ClientError as error:
            logger.error("Failed to send output message to callback: %r", error)

    async def _post(self, message: Dict[str, Any]) -> None:
        endpoint = self.callback_endpoint
        async with _shared_session().post(
            endpoint.url,
            json=message,
            params=endpoint.combine_parameters(),
            headers=endpoint.headers,
        ) as response:
            if response.status >= 400:
                logger.error(
                    "Failed to send output message to callback. Status: %s Response: %s",
                    response.status,
                    await response.text(),
                )


class KeepAliveCallbackInput(CallbackInput):
    """Rasa's callback input channel: keeps message metadata; replies share one session."""

    def get_metadata(self, request: Request) -> Dict[str, Any] | None:
        """The `metadata` object of the posted JSON (None when absent or not an object)."""
        body = request.json
        metadata = body.get("metadata") if isinstance(body, dict) else None
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The stock callback webhook, with the request's metadata passed to `UserMessage`."""
        callback_webhook = Blueprint("callback_webhook", __name__)

        @callback_webhook.route("/", methods=["GET"])  # type: ignore[misc]
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @callback_webhook.route("/webhook", methods=["POST"])  # type: ignore[misc]
        async def webhook(request: Request) -> HTTPResponse:
            message = UserMessage(
                self._extract_message(request),
                self.get_output_channel(),
                await self._extract_sender(request),
                input_channel=self.name(),
                metadata=self.get_metadata(request),
            )
            await on_new_message(message)
            return response.text("success")

        return callback_webhook

    def get_output_channel(self) -> CollectingOutputChannel:
        return KeepAliveCallbackOutput(self.callback_endpoint)
