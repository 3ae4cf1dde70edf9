"""The agent console's REST API (docs/desk.md): login, presence, queue, conversations, and the
agents' service-language warnings (docs/compliance.md)."""

import time
from datetime import datetime, timezone
from functools import wraps
from typing import Any, Callable, Coroutine, Dict

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from desk.auth import new_token
from desk.compliance_report import compliance_day, compliance_report, days_ending
from desk.errors import DeskError
from desk.login_guard import locked_message, retry_after_header
from desk.service import Desk
from desk.sockets import client_ip
from desk.store import PRESENCE_VALUES, Agent

bp = Blueprint("agent_api", url_prefix="/api/agent")

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def json_body(request: Request) -> Dict[str, Any]:
    try:
        body = request.json
    except Exception as error:  # Sanic raises InvalidUsage on bad JSON
        raise DeskError("malformed", "请求格式有误") from error
    if not isinstance(body, dict):
        raise DeskError("malformed", "请求格式有误")
    return body


def authenticated(handler: Handler) -> Handler:
    """Passes the logged-in `Agent` to the handler; 401 without a valid bearer token."""

    @wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        store = request.app.ctx.desk.store
        agent_id = await store.session_agent(token) if token else None
        agent = await store.agent(agent_id) if agent_id else None
        if agent is None:
            raise DeskError("unauthorized", "请先登录", 401)
        request.ctx.token = token
        return await handler(request, agent, *args, **kwargs)

    return wrapper


def days_arg(request: Request) -> int | None:
    """The `?days=N` of a report, None when absent; 400 unless a whole number."""
    raw = request.args.get("days")
    if raw is not None and not raw.isdigit():
        raise DeskError("malformed", "天数须为正整数")
    return None if raw is None else int(raw)


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.ctx.desk
    return desk


@bp.post("/login")
async def login(request: Request) -> HTTPResponse:
    """Throttled per 工号 and client address (429 with `Retry-After` while locked); a wrong
    password and an unknown 工号 get the same answer after the same work (desk/login_guard.py)."""
    body = json_body(request)
    agent_id, password = body.get("agent_id"), body.get("password")
    desk = desk_of(request)
    address = client_ip(
        request.ip, request.headers.get("x-forwarded-for"), desk.settings.trusted_proxies
    )
    outcome = await desk.logins.attempt(
        agent_id if isinstance(agent_id, str) else "",
        password if isinstance(password, str) and isinstance(agent_id, str) else None,
        address or "unknown",
        desk.store.password_hash,
    )
    if outcome.retry_after > 0:
        return response.json(
            {"error": "too_many_attempts", "message": locked_message(outcome.retry_after)},
            status=429,
            headers={"Retry-After": retry_after_header(outcome.retry_after)},
        )
    if not outcome.ok:
        raise DeskError("bad_credentials", "工号或密码错误", 401)
    token = new_token()
    await desk.store.create_session(token, str(agent_id), desk.settings.agent_session_seconds)
    agent = await desk.store.agent(str(agent_id))
    assert agent is not None
    return response.json({"token": token, "agent": agent.to_json()})


@bp.post("/logout")
@authenticated
async def logout(request: Request, agent: Agent) -> HTTPResponse:
    await desk_of(request).logged_out(agent.agent_id, request.ctx.token)
    return response.json({"ok": True})


@bp.get("/me")
@authenticated
async def me(request: Request, agent: Agent) -> HTTPResponse:
    return response.json({"agent": agent.to_json()})


@bp.put("/presence")
@authenticated
async def presence(request: Request, agent: Agent) -> HTTPResponse:
    status = json_body(request).get("status")
    if status not in PRESENCE_VALUES:
        raise DeskError("malformed", "状态只能是 online、busy 或 offline")
    desk = desk_of(request)
    await desk.store.set_presence(agent.agent_id, status)
    if status != "online":  # the last one online went busy or away: nobody waits for nobody
        await desk.agents_changed()
    updated = await desk.store.agent(agent.agent_id)
    assert updated is not None
    return response.json({"agent": updated.to_json()})


@bp.get("/queue")
@authenticated
async def queue(request: Request, agent: Agent) -> HTTPResponse:
    return response.json({"tickets": await desk_of(request).tickets()})


@bp.get("/canned")
@authenticated
async def canned(request: Request, agent: Agent) -> HTTPResponse:
    return response.json({"replies": desk_of(request).phrases.canned})


@bp.get("/hours")
@authenticated
async def hours(request: Request, agent: Agent) -> HTTPResponse:
    """The agents' hours as the bot tells visitors (hours.yml), and whether they are on now."""
    working_hours = desk_of(request).waiting.hours
    now = datetime.now(timezone.utc)
    return response.json(
        {
            "description": working_hours.describe(),
            "open": working_hours.is_open(now),
            "reply_time": working_hours.reply_time(now),
        }
    )


@bp.get("/left")
@authenticated
async def left(request: Request, agent: Agent) -> HTTPResponse:
    """Visitors whose last chat page closed while queued or with an agent, per day."""
    desk = desk_of(request)
    count = days_arg(request) or desk.settings.compliance_days
    if not 1 <= count <= desk.settings.compliance_keep_days:
        raise DeskError("malformed", f"天数须在1到{desk.settings.compliance_keep_days}之间")
    today = compliance_day(time.time(), desk.settings.compliance_utc_offset_hours)
    day_list = days_ending(today, count)
    counts = await desk.store.left_counts(day_list)
    return response.json(
        {
            "days": day_list,
            "left_queued": [counts[d].get("left_queued", 0) for d in day_list],
            "left_agent": [counts[d].get("left_agent", 0) for d in day_list],
        }
    )


@bp.get("/compliance")
@authenticated
async def compliance(request: Request, agent: Agent) -> HTTPResponse:
    """Every agent's warnings and forced sends per day (`?days=N`; `DESK_COMPLIANCE_DAYS`)."""
    desk = desk_of(request)
    report = await compliance_report(desk.store, desk.settings, agent, days_arg(request))
    return response.json(report)


@bp.get("/conversations")
@authenticated
async def conversations(request: Request, agent: Agent) -> HTTPResponse:
    desk = desk_of(request)
    ids = await desk.store.conversations_of_agent(agent.agent_id)
    return response.json({"conversations": [await desk.conversation_view(i, agent) for i in ids]})


@bp.get("/conversations/<conversation_id:str>")
@authenticated
async def conversation(request: Request, agent: Agent, conversation_id: str) -> HTTPResponse:
    return response.json(await desk_of(request).conversation_view(conversation_id, agent))


@bp.post("/conversations/<conversation_id:str>/accept")
@authenticated
async def accept(request: Request, agent: Agent, conversation_id: str) -> HTTPResponse:
    return response.json(await desk_of(request).accept(conversation_id, agent))


@bp.post("/conversations/<conversation_id:str>/messages")
@authenticated
async def message(request: Request, agent: Agent, conversation_id: str) -> HTTPResponse:
    body = json_body(request)
    force = body.get("force") is True
    answer = await desk_of(request).agent_message(conversation_id, agent, body.get("text"), force)
    return response.json(answer, status=201 if "entry" in answer else 200)  # 200: held


@bp.post("/conversations/<conversation_id:str>/handback")
@authenticated
async def handback(request: Request, agent: Agent, conversation_id: str) -> HTTPResponse:
    await desk_of(request).hand_back(conversation_id, agent)
    return response.json({"ok": True})


@bp.post("/conversations/<conversation_id:str>/confirm-close")
@authenticated
async def confirm_close(request: Request, agent: Agent, conversation_id: str) -> HTTPResponse:
    """Sends 请问还有什么可以帮您? (seed 001) as the agent's line; closing is allowed after it."""
    answer = await desk_of(request).confirm_close(conversation_id, agent)
    return response.json(answer, status=201 if "entry" in answer else 200)


@bp.post("/conversations/<conversation_id:str>/close")
@authenticated
async def close(request: Request, agent: Agent, conversation_id: str) -> HTTPResponse:
    await desk_of(request).close(conversation_id, agent)
    return response.json({"ok": True})
