"""Where Rasa's callback channel posts each bot message (credentials.yml `callback.url`)."""

import hmac

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from desk.errors import DeskError

bp = Blueprint("rasa_callback")


@bp.post("/rasa/callback")
async def callback(request: Request) -> HTTPResponse:
    expected = request.app.ctx.settings.callback_token
    given = request.args.get("token", "")
    if not expected or not hmac.compare_digest(given, expected):
        raise DeskError("unauthorized", "bad callback token", 401)
    if not isinstance(request.json, dict):
        raise DeskError("malformed", "a JSON object is expected")
    await request.app.ctx.desk.bot_message(request.json)
    return response.json({"ok": True})
