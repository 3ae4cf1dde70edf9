"""The visitor chat page, the agent console and their static files."""

from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

STATIC = Path(__file__).resolve().parent.parent / "static"

bp = Blueprint("pages")
bp.static("/static", str(STATIC), name="static")


@bp.get("/")
async def index(_: Request) -> HTTPResponse:
    return response.redirect("/chat")


@bp.get("/chat")
async def chat(_: Request) -> HTTPResponse:
    return await response.file(STATIC / "chat.html")


@bp.get("/console")
async def console(_: Request) -> HTTPResponse:
    return await response.file(STATIC / "console.html")
