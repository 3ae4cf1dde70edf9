"""Readiness: the desk answers and its Redis does."""

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

bp = Blueprint("health")


@bp.get("/health")
async def health(request: Request) -> HTTPResponse:
    await request.app.ctx.redis.ping()
    return response.json({"status": "ok", "instance": request.app.ctx.settings.instance_id})
