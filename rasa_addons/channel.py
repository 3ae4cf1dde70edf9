"""Rasa's callback channel with one kept-alive HTTP session, loaded by `rasa run` itself.

Stock `CallbackOutput` opens a new aiohttp session, and so a new TCP connection to the desk, for
every bot message; measured by `make bench`, that costs Rasa about 6 ms of CPU per turn. This
subclass posts the same JSON to the same URL with the same token over one shared session.
credentials.yml names it `rasa_addons.channel.KeepAliveCallbackInput`; its name stays `callback`,
so the webhook (`/webhooks/callback/webhook`) and `output_channel=callback` are unchanged.

The input side accepts a message only from the desk: the webhook needs `webhook_token`
(credentials.yml, `RASA_CHANNEL_TOKEN`) as `Authorization: Bearer …`. Rasa's `--auth-token`
guards its HTTP API only, never a channel's webhook, so without this anyone who reaches Rasa's
port could post a "visitor" message into any conversation, with invented metadata.

The input side also keeps the `metadata` object the desk posts with a message (the visitor's
`client_ip`): Rasa 3.6's `RestInput.receive` passes `get_metadata(request)` to `UserMessage`, and
the processor stores it in the tracker's `user` event, but the stock `CallbackInput` webhook builds
its `UserMessage` without metadata, so this subclass replaces that webhook.
"""

import hmac
import logging
from typing import Any, Awaitable, Callable, Dict

import aiohttp
from rasa.core.channels.callback import CallbackInput, CallbackOutput
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import EndpointConfig
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


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer …` header, or "" without one."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def required_webhook_token(value: Any) -> str:
    """credentials.yml's `webhook_token`; a channel without one does not start."""
    if not value or not str(value).strip():
        raise ValueError("webhook_token (RASA_CHANNEL_TOKEN) is not set in credentials.yml")
    return str(value).strip()


def authorized(request: Request, webhook_token: str) -> bool:
    """Whether a post carries the webhook's secret (constant-time comparison)."""
    given = bearer_token(request.headers.get("authorization"))
    return hmac.compare_digest(given.encode(), webhook_token.encode())


def refused() -> HTTPResponse:
    logger.warning("a channel webhook refused a post without the token")
    return response.json({"error": "unauthorized"}, status=401)


class KeepAliveCallbackInput(CallbackInput):
    """Rasa's callback input channel: only the desk may post; keeps message metadata; replies
    share one session."""

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        """The channel of credentials.yml: the callback endpoint plus its `webhook_token`."""
        settings = dict(credentials or {})
        webhook_token = required_webhook_token(settings.pop("webhook_token", None))
        return cls(EndpointConfig.from_dict(settings), webhook_token)

    def __init__(self, endpoint: EndpointConfig, webhook_token: str) -> None:
        super().__init__(endpoint)
        self.webhook_token = webhook_token

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
            if not authorized(request, self.webhook_token):
                return refused()
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


class GuardedRestInput(RestInput):
    """Rasa's REST channel (replies in the HTTP response: tests, benchmarks, integrations),
    answering only posts with `webhook_token`; its name and URL stay `rest`."""

    webhook_token = ""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        channel = cls()
        channel.webhook_token = required_webhook_token((credentials or {}).get("webhook_token"))
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook: Blueprint = super().blueprint(on_new_message)

        @webhook.middleware("request")  # type: ignore[misc]
        async def require_token(request: Request) -> HTTPResponse | None:
            if request.method == "POST" and not authorized(request, self.webhook_token):
                return refused()
            return None

        return webhook
