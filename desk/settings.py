"""Every setting of the desk, read from environment variables with documented defaults."""

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Tuple

from actions.settings import Settings, load_settings
from common.hours import DEFAULT_HOURS_SPEC, DEFAULT_TIME_ZONE, WorkingHours

ROOT = Path(__file__).resolve().parent.parent


def _instance_id() -> str:
    return secrets.token_hex(4)


WHEN_NO_AGENT = ("message", "queue")


def _choice(name: str, value: str) -> str:
    if value not in WHEN_NO_AGENT:
        raise ValueError(f"{name} must be one of {', '.join(WHEN_NO_AGENT)}, not {value!r}")
    return value


def parse_addresses(value: str) -> Tuple[str, ...]:
    """Comma-separated IP addresses, normalised (`::1`, not `0::1`); ValueError on a bad one."""
    return tuple(
        str(ipaddress.ip_address(part.strip())) for part in value.split(",") if part.strip()
    )


@dataclass(frozen=True)
class DeskSettings:
    """Settings of one desk instance.

    Attributes:
        redis_url: Redis for all shared state (`REDIS_URL`).
        rasa_url: Rasa's HTTP server, with the callback channel and `--enable-api` (`RASA_URL`).
        rasa_token: token of Rasa's HTTP API, if it was started with `--auth-token`
            (`RASA_TOKEN`).
        callback_token: shared secret Rasa sends with each bot message to `/rasa/callback`
            (`DESK_CALLBACK_TOKEN`; the `token` of the callback channel in credentials.yml).
        host: interface to listen on (`DESK_HOST`).
        port: port to listen on (`DESK_PORT`).
        max_message_chars: longest message a visitor or agent may send (`DESK_MAX_MESSAGE_CHARS`).
        agent_session_seconds: how long an agent's login lasts (`DESK_AGENT_SESSION_SECONDS`).
        visitor_session_days: how long a visitor's session (and transcript) is kept
            (`DESK_VISITOR_SESSION_DAYS`).
        rasa_retry_seconds: pause between attempts while Rasa is unreachable
            (`DESK_RASA_RETRY_SECONDS`).
        domain_path: the bot's domain, for the lines the desk says itself (`DESK_DOMAIN`).
        instance_id: name of this instance in leases and logs (`DESK_INSTANCE`, random).
        company_name: the company in the closing line (`COMPANY_NAME`, as the bot's).
        trusted_proxies: addresses of reverse proxies whose `X-Forwarded-For` names the
            visitor's address (`DESK_TRUSTED_PROXIES`, comma-separated IPs; default none: the
            socket's peer address is the visitor's).
        compliance_days: days of agents' service-language warnings the console shows
            (`DESK_COMPLIANCE_DAYS`).
        compliance_keep_days: how long each day's warning counts are kept in Redis
            (`DESK_COMPLIANCE_KEEP_DAYS`); `GET /api/agent/compliance` serves at most this many.
        compliance_utc_offset_hours: the time zone whose midnight starts a day's count
            (`DESK_COMPLIANCE_UTC_OFFSET`, hours east of UTC; default 8, China Standard Time).
        hours: agents' working hours (`DESK_HOURS`, default seed 004's
            "mon-fri 08:30-17:00; sat-sun 08:30-16:00"; common/hours.py has the syntax).
        holidays: days the agents do not work (`DESK_HOLIDAYS`, e.g.
            "2026-10-01..2026-10-07,2027-01-01").
        timezone: the zone of the working hours (`DESK_TIMEZONE`, default Asia/Shanghai).
        when_no_agent: what a handoff gets within working hours while no agent is online
            (`DESK_WHEN_NO_AGENT`): `message` (default: the after-hours reply and the 留言 form)
            or `queue` (queued with the busy auto-reply until an agent comes online).
        queue_update_seconds: the shortest time between two queue-position updates to one
            visitor (`DESK_QUEUE_UPDATE_SECONDS`).
        idle_seconds: silence after the bot's last line before the bot asks "您好,请问还在吗?"
            (`DESK_IDLE_SECONDS`; 0 turns idle nudges off).
        agent_slow_seconds: how long a visitor may wait for their agent's answer before the
            desk apologises and the console highlights it (`DESK_AGENT_SLOW_SECONDS`, seed
            001's 60 s; 0 turns it off).
        presence_grace_seconds: how long an agent whose every console closed still counts as
            在线 (`DESK_PRESENCE_GRACE_SECONDS`, default 15: a reload reconnects well within it)
        agent_gone_seconds: how long after that an accepted chat waits for its agent before it
            goes back to the queue, first in line (`DESK_AGENT_GONE_SECONDS`, default 60)
        timer_tick_seconds: how often each instance looks for due timers
            (`DESK_TIMER_TICK_SECONDS`).
        rating_days: days of satisfaction ratings the console summarises (`DESK_RATING_DAYS`).
    """

    redis_url: str = "redis://127.0.0.1:6379/0"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str | None = None
    callback_token: str = ""
    host: str = "127.0.0.1"
    port: int = 5080
    max_message_chars: int = 1000
    agent_session_seconds: int = 8 * 3600
    visitor_session_days: int = 30
    rasa_retry_seconds: float = 1.0
    domain_path: Path = ROOT / "domain.yml"
    instance_id: str = field(default_factory=_instance_id)
    company_name: str = Settings.company_name
    trusted_proxies: Tuple[str, ...] = ()
    compliance_days: int = 14
    compliance_keep_days: int = 90
    compliance_utc_offset_hours: float = 8.0
    hours: str = DEFAULT_HOURS_SPEC
    holidays: str = ""
    timezone: str = DEFAULT_TIME_ZONE
    when_no_agent: str = "message"
    queue_update_seconds: float = 30.0
    idle_seconds: float = 120.0
    agent_slow_seconds: float = 60.0
    presence_grace_seconds: float = 15.0
    agent_gone_seconds: float = 60.0
    timer_tick_seconds: float = 0.5
    rating_days: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "DeskSettings":
        """Reads the settings from `env` (default: `os.environ`)."""
        env = os.environ if env is None else env
        default = cls()
        return cls(
            redis_url=env.get("REDIS_URL", default.redis_url),
            rasa_url=env.get("RASA_URL", default.rasa_url).rstrip("/"),
            rasa_token=env.get("RASA_TOKEN") or None,
            callback_token=env.get("DESK_CALLBACK_TOKEN", default.callback_token),
            host=env.get("DESK_HOST", default.host),
            port=int(env.get("DESK_PORT", default.port)),
            max_message_chars=int(env.get("DESK_MAX_MESSAGE_CHARS", default.max_message_chars)),
            agent_session_seconds=int(
                env.get("DESK_AGENT_SESSION_SECONDS", default.agent_session_seconds)
            ),
            visitor_session_days=int(
                env.get("DESK_VISITOR_SESSION_DAYS", default.visitor_session_days)
            ),
            rasa_retry_seconds=float(
                env.get("DESK_RASA_RETRY_SECONDS", default.rasa_retry_seconds)
            ),
            domain_path=Path(env.get("DESK_DOMAIN", str(default.domain_path))),
            instance_id=env.get("DESK_INSTANCE") or _instance_id(),
            company_name=load_settings(env).company_name,
            trusted_proxies=parse_addresses(env.get("DESK_TRUSTED_PROXIES", "")),
            compliance_days=int(env.get("DESK_COMPLIANCE_DAYS", default.compliance_days)),
            compliance_keep_days=int(
                env.get("DESK_COMPLIANCE_KEEP_DAYS", default.compliance_keep_days)
            ),
            compliance_utc_offset_hours=float(
                env.get("DESK_COMPLIANCE_UTC_OFFSET", default.compliance_utc_offset_hours)
            ),
            hours=env.get("DESK_HOURS", default.hours),
            holidays=env.get("DESK_HOLIDAYS", default.holidays),
            timezone=env.get("DESK_TIMEZONE", default.timezone),
            when_no_agent=_choice(
                "DESK_WHEN_NO_AGENT", env.get("DESK_WHEN_NO_AGENT", default.when_no_agent)
            ),
            queue_update_seconds=float(
                env.get("DESK_QUEUE_UPDATE_SECONDS", default.queue_update_seconds)
            ),
            idle_seconds=float(env.get("DESK_IDLE_SECONDS", default.idle_seconds)),
            agent_slow_seconds=float(
                env.get("DESK_AGENT_SLOW_SECONDS", default.agent_slow_seconds)
            ),
            presence_grace_seconds=float(
                env.get("DESK_PRESENCE_GRACE_SECONDS", default.presence_grace_seconds)
            ),
            agent_gone_seconds=float(
                env.get("DESK_AGENT_GONE_SECONDS", default.agent_gone_seconds)
            ),
            timer_tick_seconds=float(
                env.get("DESK_TIMER_TICK_SECONDS", default.timer_tick_seconds)
            ),
            rating_days=int(env.get("DESK_RATING_DAYS", default.rating_days)),
        )

    def working_hours(self) -> WorkingHours:
        """The agents' working hours; ValueError names what in the settings is wrong."""
        return WorkingHours.from_settings(self.hours, self.holidays, self.timezone)
