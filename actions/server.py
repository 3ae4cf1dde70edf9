"""`python -m actions.server`: rasa-sdk's action server, reachable only with the shared secret.

Stock `rasa run actions` listens on every interface and runs any action for anyone who can
reach it: a `POST /webhook` naming `action_verify_account` is a verification check without the
bot, so the 3-check limit would count only what the stranger chose to send through Rasa. This
wrapper serves the same app (rasa_sdk.endpoint.create_app) on `ACTION_SERVER_HOST` (loopback by
default) and answers `/webhook` and `/actions` only when the request carries
`ACTION_SERVER_TOKEN`, which Rasa sends as the `token` query parameter (endpoints.yml's
`action_endpoint.token`). `/health` stays open: it tells nothing.
"""

import hmac
import logging
import sys

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.settings import Settings
from common.settings import SettingsError
from compliance.logs import mask_every_record

logger = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})


def authorized(request: Request, token: str) -> bool:
    """Whether the request carries the shared secret (constant-time comparison)."""
    given = request.args.get("token") or ""
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def guarded_app(token: str, package: str = "actions") -> Sanic:
    """rasa-sdk's app for `package`, refusing every call without `token` but the health check."""
    if not token:
        raise SettingsError("ACTION_SERVER_TOKEN is not set: the action server needs a secret")
    app: Sanic = create_app(package, cors_origins=None)

    @app.on_request  # type: ignore[misc]
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or authorized(request, token):
            return None
        logger.warning(
            "refused %s %s from %s: no valid token", request.method, request.path, request.ip
        )
        return response.json({"error": "unauthorized"}, status=401)

    return app


def main() -> int:
    mask_every_record()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = Settings.from_env()
        app = guarded_app(settings.server_token)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    app.run(settings.server_host, settings.server_port, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
