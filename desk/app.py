"""The desk's Sanic app: `create_app(settings)`; run it with `python -m desk`."""

import asyncio
import logging

import socketio
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common.redis_connection import connect
from compliance.screening import default_screen
from desk import sockets
from desk.blueprints import agent_api, followup_api, health, pages, qc_api, rasa_callback
from desk.errors import DeskError
from desk.phrases import load_phrases
from desk.rasa_client import RasaClient
from desk.service import Desk
from desk.settings import DeskSettings
from desk.store import DeskStore

logger = logging.getLogger(__name__)

# Socket.io frames and HTTP bodies larger than this are refused before any handler runs.
MAX_FRAME_BYTES = 64 * 1024
# Rasa posts every bot line over one kept-alive connection (rasa_addons/channel.py), which drops an
# idle one after 30 s; Sanic's default of 5 s closed it first, between two lines of a chat, and
# the next line was lost on the dead connection.
KEEP_ALIVE_SECONDS = 75


def create_app(settings: DeskSettings | None = None) -> Sanic:
    """Builds one desk instance; Redis, Rasa, the inbox sweeper and the timers start with the
    server."""
    settings = settings or DeskSettings.from_env()
    app = Sanic(f"desk_{settings.instance_id}")
    app.config.REQUEST_MAX_SIZE = MAX_FRAME_BYTES
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS
    app.ctx.settings = settings
    sio = socketio.AsyncServer(
        async_mode="sanic",
        client_manager=socketio.AsyncRedisManager(settings.redis_url),
        cors_allowed_origins="*",
        max_http_buffer_size=MAX_FRAME_BYTES,
        # One socket's events are handled one after another, in the order they came: a visitor's
        # burst is stored and sent to Rasa in order (by default each event gets its own task).
        async_handlers=False,
    )
    sio.attach(app, socketio_path="socket.io")
    sockets.register(sio, lambda: app.ctx.desk)
    blueprints = (pages.bp, health.bp, rasa_callback.bp, agent_api.bp, followup_api.bp, qc_api.bp)
    for blueprint in blueprints:
        app.blueprint(blueprint)

    async def desk_error(_: Request, error: DeskError) -> HTTPResponse:
        return response.json({"error": error.code, "message": error.message}, status=error.status)

    async def open_resources(app: Sanic, _: object) -> None:
        redis = connect(settings.redis_url)
        await redis.ping()
        rasa = RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_channel_token)
        await rasa.open()
        store = DeskStore(redis, visitor_ttl_seconds=settings.visitor_session_days * 86400)
        phrases = load_phrases(settings.domain_path, settings.company_name)
        # The service-language checker and the masking share one spaCy pipeline (~3 s to build),
        # and the learned checker loads beside it (cached fit, or ~2 s to fit on a fresh clone):
        # both now, off the event loop, rather than on the first agent message or queue view.
        await asyncio.get_running_loop().run_in_executor(None, default_screen)
        app.ctx.redis = redis
        app.ctx.desk = Desk(settings, store, rasa, sio, phrases)
        if not sio.manager_initialized:  # listen to other instances' emits from the start
            sio.manager_initialized = True
            sio.manager.initialize()
        app.ctx.desk.start()
        logger.info(
            "desk %s up, redis %s, rasa %s",
            settings.instance_id,
            settings.redis_url,
            settings.rasa_url,
        )

    async def close_resources(app: Sanic, _: object) -> None:
        await app.ctx.desk.stop()
        await app.ctx.desk.rasa.close()
        await app.ctx.redis.close()

    app.error_handler.add(DeskError, desk_error)
    app.register_listener(open_resources, "before_server_start")
    app.register_listener(close_resources, "after_server_stop")
    return app
