"""The action server's connections, opened on first use in the server's event loop."""

from dataclasses import dataclass

from actions.directory import Directory, open_directory
from actions.settings import Settings
from actions.verification_limits import AttemptLimiter
from common.redis_connection import connect


@dataclass(frozen=True)
class Services:
    """What the account actions talk to: the limits in Redis and the customer directory."""

    settings: Settings
    limiter: AttemptLimiter
    directory: Directory


_services: Services | None = None


def services() -> Services:
    """This process's services, created from the environment the first time they are needed."""
    global _services
    if _services is None:
        settings = Settings.from_env()
        _services = Services(
            settings, AttemptLimiter(connect(settings.redis_url)), open_directory(settings)
        )
    return _services
