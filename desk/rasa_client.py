"""The desk's client for Rasa: the callback channel's webhook and the HTTP API.

Errors: `RasaUnavailable` (Rasa cannot be reached or timed out: it is starting or restarting, try
again later) and `RasaRejected` (Rasa answered with an HTTP error).
"""

import asyncio
from typing import Any, Dict, List

import aiohttp


class RasaError(Exception):
    """Base of the client's errors."""


class RasaUnavailable(RasaError):
    """Rasa cannot be reached: it is down or restarting (its model takes ~45 s to load)."""


class RasaRejected(RasaError):
    """Rasa answered with an HTTP error status."""


class RasaClient:
    """Sends visitor messages and events to one Rasa server over a kept-alive session."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 25.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.params = {"token": token} if token else {}
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self.timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, path: str, payload: Any, params: Dict[str, str] | None = None) -> None:
        assert self._session is not None, "RasaClient.open() was not awaited"
        try:
            async with self._session.post(
                f"{self.base_url}{path}", json=payload, params={**self.params, **(params or {})}
            ) as response:
                if response.status >= 400:
                    raise RasaRejected(f"{path}: HTTP {response.status} {await response.text()}")
                await response.read()
        except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as error:
            raise RasaUnavailable(f"{path}: {error!r}") from error

    async def send_message(
        self, conversation_id: str, text: str, metadata: Dict[str, Any] | None = None
    ) -> None:
        """Hands a visitor message to the callback channel; returns when Rasa has answered.

        `metadata` (e.g. `{"client_ip": "203.0.113.7"}`) ends up in the `metadata` of the
        tracker's `user` event. The answers themselves arrive separately, posted to the desk's
        `/rasa/callback`.
        """
        payload: Dict[str, Any] = {"sender": conversation_id, "message": text}
        if metadata:
            payload["metadata"] = metadata
        await self._post("/webhooks/callback/webhook", payload)

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        await self._post(f"/conversations/{conversation_id}/tracker/events", events)

    async def trigger_intent(
        self, conversation_id: str, intent: str, entities: Dict[str, str] | None = None
    ) -> None:
        """Runs the bot on an intent the desk raises (e.g. `EXTERNAL_idle`), with `entities`
        for its slots; answers go to the callback channel."""
        body: Dict[str, Any] = {"name": intent}
        if entities:
            body["entities"] = entities
        await self._post(
            f"/conversations/{conversation_id}/trigger_intent",
            body,
            params={"output_channel": "callback"},
        )
