"""Python clients of the desk's protocol (docs/desk.md): a visitor and an agent.

The integration tests and the benchmark drive the desk through these, over real socket.io and
HTTP, exactly as the chat page and the console do.
"""

import asyncio
import time
from typing import Any, Callable, Dict, List, Tuple, TypeVar

import aiohttp
import socketio

Message = Dict[str, Any]
# Console socket events that tell an agent something changed (docs/waiting.md).
NOTICES = (
    "messages_changed",
    "ratings_changed",
    "visitor_waiting",
    "ticket_updated",
    "visitor_presence",
)
R = TypeVar("R")


class _Inbox:
    """Received events in arrival order, with waiting for the next ones."""

    def __init__(self) -> None:
        self.items: List[Message] = []
        self._changed = asyncio.Event()

    def put(self, item: Message) -> None:
        item["received_at"] = time.perf_counter()
        self.items.append(item)
        self._changed.set()

    async def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float, start: int = 0
    ) -> Message:
        """The first item from index `start` on that satisfies `predicate`."""
        return await self._wait(
            lambda: next((item for item in self.items[start:] if predicate(item)), None),
            timeout,
            lambda: f"nothing matching within {timeout} s; got {self.items[start:]}",
        )

    async def wait_count(self, count: int, timeout: float, start: int = 0) -> List[Message]:
        """Waits until `count` items have arrived after index `start`; returns them."""
        return await self._wait(
            lambda: self.items[start : start + count] if len(self.items) - start >= count else None,
            timeout,
            lambda: f"{len(self.items) - start} of {count}: {self.items[start:]}",
        )

    async def _wait(
        self, check: Callable[[], R | None], timeout: float, failure: Callable[[], str]
    ) -> R:
        """Re-runs `check` at each arrival until it gives a result; TimeoutError after `timeout`."""
        deadline = time.monotonic() + timeout
        while (result := check()) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(failure())
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass
        return result


class VisitorClient:
    """A visitor's socket: `bot_uttered` lands in `messages`, `error` in `errors`.

    `headers` go with the socket's HTTP request (the websocket handshake), e.g. an
    `X-Forwarded-For` to pose as a visitor behind a proxy; `browser_id` is what the chat page
    sends to be known across chats (desk/guard.py).
    """

    def __init__(
        self, url: str, headers: Dict[str, str] | None = None, browser_id: str | None = None
    ) -> None:
        self.url = url
        self.headers = dict(headers or {})
        self.browser_id = browser_id  # the id the chat page keeps across chats, if any
        self.sio = socketio.AsyncClient(reconnection=False)
        self.messages = _Inbox()
        self.errors = _Inbox()
        self.session_id: str | None = None
        self.conversation_id: str | None = None
        self.history: List[Message] = []
        self._confirmed = asyncio.Event()
        self.sio.on("bot_uttered", self._on_bot_uttered)
        self.sio.on("error", self.errors.put)
        self.sio.on("session_confirm", self._on_confirm)
        self.sio.on("history", self._on_history)

    def _on_bot_uttered(self, data: Message) -> None:
        """Kept flat: the desk's `metadata` (sender, seq, agent_name) beside text and buttons."""
        self.messages.put({**data, **data.pop("metadata", {})})

    async def _on_confirm(self, session_id: str) -> None:
        self.session_id = session_id

    async def _on_history(self, data: Message) -> None:
        self.conversation_id = data["conversation_id"]
        self.history = data["messages"]
        self._confirmed.set()

    async def connect(self, session_id: str | None = None, timeout: float = 10) -> None:
        """Connects and asks for a session (an earlier one, or a new one)."""
        self._confirmed.clear()
        await self.sio.connect(
            self.url,
            headers=dict(self.headers),  # a copy: engine.io removes a Cookie header from it
            transports=["websocket"],
            wait_timeout=timeout,
        )
        request: Dict[str, Any] = {"session_id": session_id}
        if self.browser_id:
            request["browser_id"] = self.browser_id
        await self.sio.emit("session_request", request)
        await asyncio.wait_for(self._confirmed.wait(), timeout)

    async def say(self, text: Any) -> None:
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def say_stored(self, text: Any, timeout: float = 10) -> Message:
        """Sends and waits for the desk's acknowledgement: the line is in Redis then."""
        ack: Message = await self.sio.call(
            "user_uttered", {"message": text, "session_id": self.session_id}, timeout=timeout
        )
        return ack

    async def emit(self, event: str, data: Any) -> None:
        await self.sio.emit(event, data)

    async def close(self) -> None:
        await self.sio.disconnect()


class AgentClient:
    """An agent: REST calls with the login token, and the `/agent` socket's events."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = aiohttp.ClientSession()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.token: str | None = None
        self.queues = _Inbox()
        self.messages = _Inbox()
        self.ended = _Inbox()
        self.sio.on("queue", self.queues.put, namespace="/agent")
        self.sio.on("message", self.messages.put, namespace="/agent")
        self.sio.on("conversation_ended", self.ended.put, namespace="/agent")
        self.notices = _Inbox()
        for event in NOTICES:
            self.sio.on(event, self._noticer(event), namespace="/agent")

    def _noticer(self, event: str) -> Callable[[Message], None]:
        return lambda data: self.notices.put({"event": event, "data": data})

    async def notice(self, event: str, timeout: float = 30.0) -> Message:
        """The data of the first `event` (one of NOTICES) the console socket got."""
        item = await self.notices.wait_for(lambda m: m["event"] == event, timeout)
        data: Message = item["data"]
        return data

    async def request(
        self, method: str, path: str, body: Message | None = None, token: str | None = None
    ) -> Tuple[int, Message]:
        token = self.token if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.request(
            method, f"{self.url}/api/agent{path}", json=body, headers=headers
        ) as response:
            return response.status, await response.json()

    async def login(self, agent_id: str, password: str, *, online: bool = True) -> Message:
        """Logs in, connects the socket, and goes online unless told otherwise."""
        status, body = await self.request(
            "POST", "/login", {"agent_id": agent_id, "password": password}
        )
        if status != 200:
            raise PermissionError(f"login {agent_id}: {status} {body}")
        self.token = body["token"]
        await self.sio.connect(
            self.url, transports=["websocket"], namespaces=["/agent"], auth={"token": self.token}
        )
        if online:
            await self.request("PUT", "/presence", {"status": "online"})
        return body

    async def accept(self, conversation_id: str) -> Tuple[int, Message]:
        return await self.request("POST", f"/conversations/{conversation_id}/accept")

    async def send(self, conversation_id: str, text: Any, *, force: bool = False) -> Message:
        """Sends over the socket; the desk's acknowledgement: `entry` (with `forced` when sent
        despite a warning), `held` with the `violations`, or `error`."""
        data: Message = {"conversation_id": conversation_id, "text": text}
        if force:
            data["force"] = True
        ack: Message = await self.sio.call("agent_message", data, namespace="/agent")
        return ack

    async def finish(self, conversation_id: str) -> Tuple[int, Message]:
        """Closes as the console does: asks 请问还有什么可以帮您? first, then closes."""
        status, body = await self.request("POST", f"/conversations/{conversation_id}/confirm-close")
        if status not in (200, 201):
            return status, body
        return await self.request("POST", f"/conversations/{conversation_id}/close")

    async def compliance(self, days: int | None = None) -> Message:
        """Every agent's service-language warnings and forced sends per day."""
        status, body = await self.request("GET", "/compliance" + (f"?days={days}" if days else ""))
        if status != 200:
            raise RuntimeError(f"compliance: {status} {body}")
        return body

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.http.close()
