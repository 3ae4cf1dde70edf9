"""What agents follow up on (docs/waiting.md): 留言 left outside hours, satisfaction ratings."""

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from desk.blueprints.agent_api import authenticated, days_arg, desk_of, json_body
from desk.errors import DeskError
from desk.store import Agent
from desk.waiting_store import MESSAGE_STATES

bp = Blueprint("followup_api", url_prefix="/api/agent")
MAX_MESSAGES = 500


@bp.get("/messages")
@authenticated
async def messages(request: Request, agent: Agent) -> HTTPResponse:
    """The newest MAX_MESSAGES 留言: `?state=unhandled` (default), `handled` or `all`."""
    state = request.args.get("state", "unhandled")
    if state not in MESSAGE_STATES:
        raise DeskError("malformed", "state 只能是 unhandled、handled 或 all")
    store = desk_of(request).messages.store
    return response.json(
        {
            "messages": await store.messages(state, MAX_MESSAGES),
            "unhandled": await store.unhandled_count(),
        }
    )


@bp.put("/messages/<message_id:str>")
@authenticated
async def mark(request: Request, agent: Agent, message_id: str) -> HTTPResponse:
    """Marks a 留言 handled (`{"handled": true}`, by this agent) or unhandled again."""
    handled = json_body(request).get("handled")
    if not isinstance(handled, bool):
        raise DeskError("malformed", "handled 须为 true 或 false")
    record = await desk_of(request).messages.mark_message(message_id, agent, handled)
    return response.json({"message": record})


@bp.get("/ratings")
@authenticated
async def ratings(request: Request, agent: Agent) -> HTTPResponse:
    """满意度: per agent (and the bot) count, average, scores and newest comments; `?days=N`."""
    return response.json(await desk_of(request).ratings.ratings(days_arg(request)))
