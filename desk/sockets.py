"""The desk's socket.io handlers: visitors on "/", agents on "/agent" (docs/desk.md).

Visitors speak Rasa's socketio protocol, so rasa-webchat connects unchanged. A socket is bound to
one visitor session at `session_request`; every later event uses that binding, never ids the
client sends, so nobody can write into or read from another visitor's conversation. The visitor's
address, taken once at `connect`, goes to Rasa with each of their messages (`client_ip`).
"""

import ipaddress
import logging
from typing import Any, Callable, Collection, Dict, List

import socketio

from common.records import Entry
from desk.errors import DeskError
from desk.service import AGENTS, AGENTS_ROOM, VISITORS, Desk, agent_room, visitor_room
from desk.store import Agent

logger = logging.getLogger(__name__)


def _error(error: DeskError) -> Dict[str, str]:
    return {"error": error.code, "message": error.message}


def _normalised(address: str) -> str | None:
    """The address as `ipaddress` writes it, or None if it is not an IP address."""
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def peer_address(environ: Dict[str, Any]) -> str:
    """The address the socket's HTTP request came from.

    engine.io's Sanic driver sets `REMOTE_ADDR` to "127.0.0.1" for every request and keeps the
    real peer only on the Sanic request it passes along, so that is asked first.
    """
    request = environ.get("sanic.request")
    address = getattr(request, "ip", None)
    if isinstance(address, str) and address:
        return address
    return str(environ.get("REMOTE_ADDR", ""))


def client_ip(
    remote_addr: str, forwarded_for: str | None, trusted_proxies: Collection[str]
) -> str | None:
    """The visitor's IP address: the peer's, or what a trusted proxy says in `X-Forwarded-For`.

    From a trusted proxy the left-most entry counts (the client the first proxy saw); an entry
    that is not a valid address is ignored, and the peer's address counts.

    Args:
        remote_addr: the peer address of the socket's HTTP request.
        forwarded_for: the `X-Forwarded-For` header, if any (several headers joined by commas).
        trusted_proxies: normalised addresses whose `X-Forwarded-For` is believed.

    Returns:
        The normalised address, or None if even the peer's is not an IP address.
    """
    peer = _normalised(remote_addr)
    if peer is not None and peer in trusted_proxies and forwarded_for:
        forwarded = _normalised(forwarded_for.split(",")[0])
        if forwarded is not None:
            return forwarded
    return peer


def visitor_history(entries: List[Entry]) -> List[Dict[str, Any]]:
    """The transcript as the visitor's page gets it: whether an agent's line was sent despite
    a warning (`forced`) is the desk's business, not the visitor's."""
    return [{k: v for k, v in entry.items() if k != "forced"} for entry in entries]


def register(sio: socketio.AsyncServer, get_desk: Callable[[], Desk]) -> None:
    """Attaches the visitor and agent handlers to `sio`; `get_desk` gives the running desk."""

    async def emit_error(sid: str, error: DeskError) -> None:
        await sio.emit(
            "error", {"code": error.code, "message": error.message}, to=sid, namespace=VISITORS
        )

    @sio.on("connect", namespace=VISITORS)  # type: ignore[misc]
    async def visitor_connect(sid: str, environ: Dict[str, Any], auth: Any = None) -> None:
        """Notes the visitor's address in the socket's session, for their messages to Rasa."""
        address = client_ip(
            peer_address(environ),
            environ.get("HTTP_X_FORWARDED_FOR"),
            get_desk().settings.trusted_proxies,
        )
        await sio.save_session(sid, {"client_ip": address}, namespace=VISITORS)

    @sio.on("session_request", namespace=VISITORS)  # type: ignore[misc]
    async def session_request(sid: str, data: Any = None) -> None:
        desk = get_desk()
        token = data.get("session_id") if isinstance(data, dict) else None
        browser_id = data.get("browser_id") if isinstance(data, dict) else None
        previous = await sio.get_session(sid, namespace=VISITORS)
        address = previous.get("client_ip")
        try:
            session = await desk.visitor_session(
                token if isinstance(token, str) else None, address, browser_id
            )
        except DeskError as error:
            await emit_error(sid, error)
            return
        if previous.get("conversation_id") not in (None, session["conversation_id"]):
            await sio.leave_room(sid, visitor_room(previous["conversation_id"]), namespace=VISITORS)
        await sio.save_session(sid, {**previous, **session}, namespace=VISITORS)
        await sio.enter_room(sid, visitor_room(session["conversation_id"]), namespace=VISITORS)
        if previous.get("conversation_id") != session["conversation_id"]:
            await desk.visitor_disconnected(sid)  # a socket counts for one conversation
            await desk.visitor_connected(session["conversation_id"], sid)
        await sio.emit("session_confirm", session["token"], to=sid, namespace=VISITORS)
        history = visitor_history(await desk.store.transcript(session["conversation_id"]))
        await sio.emit(
            "history",
            {"conversation_id": session["conversation_id"], "messages": history},
            to=sid,
            namespace=VISITORS,
        )

    @sio.on("disconnect", namespace=VISITORS)  # type: ignore[misc]
    async def visitor_disconnect(sid: str) -> None:
        """A chat page closed; the agent sees 访客已离开 when it was the visitor's last."""
        await get_desk().visitor_disconnected(sid)

    @sio.on("user_uttered", namespace=VISITORS)  # type: ignore[misc]
    async def user_uttered(sid: str, data: Any = None) -> Dict[str, Any]:
        """Stores the line; a client that asks for an acknowledgement learns its `seq` then."""
        desk = get_desk()
        session = await sio.get_session(sid, namespace=VISITORS)
        try:
            if "conversation_id" not in session:
                raise DeskError("no_session", desk.phrases.say("no_session"))
            if not isinstance(data, dict):
                raise DeskError("malformed", desk.phrases.say("malformed"))
            entry = await desk.visitor_message(
                session["conversation_id"],
                data.get("message"),
                session.get("client_ip"),
                session.get("visitor_id", ""),
            )
            return {"seq": entry["seq"]}
        except DeskError as error:
            await emit_error(sid, error)
            return _error(error)

    async def agent_of(sid: str) -> Agent | None:
        """The socket's agent while their login is valid (logging out ends it at once)."""
        session = await sio.get_session(sid, namespace=AGENTS)
        token = session.get("token")
        desk = get_desk()
        agent_id = await desk.store.session_agent(token) if token else None
        return await desk.store.agent(agent_id) if agent_id else None

    @sio.on("connect", namespace=AGENTS)  # type: ignore[misc]
    async def agent_connect(sid: str, environ: Dict[str, Any], auth: Any = None) -> None:
        desk = get_desk()
        token = auth.get("token") if isinstance(auth, dict) else None
        agent_id = await desk.store.session_agent(token) if isinstance(token, str) else None
        if agent_id is None or not isinstance(token, str):
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        await sio.save_session(sid, {"agent_id": agent_id, "token": token}, namespace=AGENTS)
        await desk.console_connected(agent_id, token, sid)
        await sio.enter_room(sid, AGENTS_ROOM, namespace=AGENTS)
        await sio.enter_room(sid, agent_room(agent_id), namespace=AGENTS)
        await sio.emit("queue", {"tickets": await desk.tickets()}, to=sid, namespace=AGENTS)

    @sio.on("disconnect", namespace=AGENTS)  # type: ignore[misc]
    async def agent_disconnect(sid: str) -> None:
        """A console closed or reloaded: the agent stays 在线 for the grace period only."""
        await get_desk().console_disconnected(sid)

    @sio.on("agent_message", namespace=AGENTS)  # type: ignore[misc]
    async def agent_message(sid: str, data: Any = None) -> Dict[str, Any]:
        try:
            agent = await agent_of(sid)
            if agent is None:
                raise DeskError("unauthorized", "请重新登录", 401)
            if not isinstance(data, dict) or not isinstance(data.get("conversation_id"), str):
                raise DeskError("malformed", "消息格式有误")
            return await get_desk().agent_message(
                data["conversation_id"], agent, data.get("text"), force=data.get("force") is True
            )
        except DeskError as error:
            return _error(error)
