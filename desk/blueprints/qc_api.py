"""The console's 质检 view (docs/compliance.md, 质检评分): scorecards by day, agent and failed
item, one card with its transcript, and the list as CSV.

Behind the agents' login like every `/api/agent` endpoint. An agent gets their own cards; an
agent marked supervisor gets everyone's. A plain agent's `agent` filter is ignored (their own
rows come back), and another agent's card is 403 (desk/scorecards.py).
"""

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from desk.blueprints.agent_api import authenticated, desk_of
from desk.store import Agent

bp = Blueprint("qc_api", url_prefix="/api/agent/qc")


def filters(request: Request) -> tuple[str | None, str | None, str | None]:
    """`?day=YYYY-MM-DD` (today), `?agent=工号` (supervisors), `?failed=<item id>`."""
    args = request.args
    return args.get("day"), args.get("agent"), args.get("failed")


@bp.get("/scorecards")
@authenticated
async def scorecards(request: Request, agent: Agent) -> HTTPResponse:
    """`{"day", "supervisor", "agent", "failed", "items", "agents", "scorecards": [row, ...]}`,
    newest first."""
    listing = await desk_of(request).scorecards.listing(agent, *filters(request))
    return response.json(listing)


@bp.get("/scorecards.csv")
@authenticated
async def scorecards_csv(request: Request, agent: Agent) -> HTTPResponse:
    """The same list as CSV (UTF-8 with BOM, for Excel)."""
    text, day = await desk_of(request).scorecards.csv(agent, *filters(request))
    return response.raw(
        text.encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="qc-{day}.csv"'},
    )


@bp.get("/scorecards/<card_id:str>")
@authenticated
async def scorecard(request: Request, agent: Agent, card_id: str) -> HTTPResponse:
    """One card with the agent's stretch of the transcript; 403 for another agent's."""
    return response.json(await desk_of(request).scorecards.card(agent, card_id))
