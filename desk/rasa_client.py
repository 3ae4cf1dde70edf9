"""The desk's client for Rasa: the callback channel's webhook and the HTTP API.

Errors: `RasaUnavailable` (Rasa cannot be reached or timed out: it is starting or restarting, try
again later) and `RasaRejected` (Rasa answered with an HTTP error).
"""

import asyncio
from typing import Any, Dict, List, Mapping

import aiohttp

from common.contract import DELIVERY_ID_KEY


class RasaError(Exception):
    """Base of the client's errors."""


class RasaUnavailable(RasaError):
    """Rasa cannot be reached: it is down or restarting (its model takes ~45 s to load)."""


class RasaRejected(RasaError):
    """Rasa answered with an HTTP error status."""


class RasaClient:
    """Sends visitor messages and events to one Rasa server over a kept-alive session."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        channel_token: str = "",
        timeout: float = 25.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # The HTTP API's token (`--auth-token`) goes with every call; the channel's webhook
        # checks its own secret instead (rasa_addons/channel.py).
        self.params = {"token": token} if token else {}
        self.channel_headers = {"Authorization": f"Bearer {channel_token}"} if channel_token else {}
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self.timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(
        self,
        path: str,
        payload: Any,
        params: Dict[str, str] | None = None,
        headers: Dict[str, str] | None = None,
    ) -> None:
        assert self._session is not None, "RasaClient.open() was not awaited"
        try:
            async with self._session.post(
                f"{self.base_url}{path}",
                json=payload,
                params={**self.params, **(params or {})},
                headers=headers,
            ) as response:
                if response.status >= 400:
                    raise RasaRejected(f"{path}: HTTP {response.status} {await response.text()}")
                await response.read()
        except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as error:
            raise RasaUnavailable(f"{path}: {error!r}") from error

    async def _get(self, path: str, params: Dict[str, str]) -> Any:
        assert self._session is not None, "RasaClient.open() was not awaited"
        try:
            async with self._session.get(
                f"{self.base_url}{path}", params={**self.params, **params}
            ) as response:
                if response.status >= 400:
                    raise RasaRejected(f"{path}: HTTP {response.status} {await response.text()}")
                return await response.json()
        except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as error:
            raise RasaUnavailable(f"{path}: {error!r}") from error

    async def delivered(self, conversation_id: str, delivery_id: str) -> bool:
        """Whether the conversation's tracker already holds the inbox item `delivery_id`.

        Asked only for an item whose delivery may have reached Rasa before its sender died or
        timed out (docs/desk.md, "Delivery to Rasa"), so the cost of reading a whole tracker is
        paid on those rare retries, not on every turn.
        """
        tracker = await self._get(
            f"/conversations/{conversation_id}/tracker", {"include_events": "ALL"}
        )
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return any(carries_delivery_id(e, delivery_id) for e in events or [])

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
        await self._post("/webhooks/callback/webhook", payload, headers=self.channel_headers)

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        await self._post(f"/conversations/{conversation_id}/tracker/events", events)

    async def trigger_intent(
        self,
        conversation_id: str,
        intent: str,
        entities: Dict[str, str] | None = None,
        delivery_id: str | None = None,
    ) -> None:
        """Runs the bot on an intent the desk raises (e.g. `EXTERNAL_idle`), with `entities`
        for its slots; answers go to the callback channel. Rasa's trigger_intent takes no
        metadata, so `delivery_id` rides along as an entity no slot maps."""
        body: Dict[str, Any] = {"name": intent}
        marked = {**(entities or {}), **({DELIVERY_ID_KEY: delivery_id} if delivery_id else {})}
        if marked:
            body["entities"] = marked
        await self._post(
            f"/conversations/{conversation_id}/trigger_intent",
            body,
            params={"output_channel": "callback"},
        )


def carries_delivery_id(event: Mapping[str, Any], delivery_id: str) -> bool:
    """Whether a tracker event is the one an inbox item with `delivery_id` produced: a user
    message or a `resume` carries it in its metadata, a desk-raised intent as an entity."""
    metadata = event.get("metadata")
    if isinstance(metadata, dict) and metadata.get(DELIVERY_ID_KEY) == delivery_id:
        return True
    if event.get("event") != "user":
        return False
    entities = (event.get("parse_data") or {}).get("entities") or []
    return any(
        isinstance(e, dict) and e.get("entity") == DELIVERY_ID_KEY and e.get("value") == delivery_id
        for e in entities
    )
