"""Settings of one desk instance (docs/settings.md): the shared ones and the desk's own."""

import ipaddress
import secrets
from pathlib import Path
from typing import Any, Literal, Tuple

from pydantic import validator

from common.settings import ROOT, SharedSettings, setting


def parse_addresses(value: str) -> Tuple[str, ...]:
    """Comma-separated IP addresses, normalised (`::1`, not `0::1`); ValueError on a bad one."""
    return tuple(
        str(ipaddress.ip_address(part.strip())) for part in value.split(",") if part.strip()
    )


class DeskSettings(SharedSettings):
    """The desk's own settings"""

    rasa_url: str = setting(
        "http://127.0.0.1:5005", "RASA_URL", "Rasa's HTTP server (callback channel, HTTP API)"
    )
    rasa_token: str | None = setting(
        None, "RASA_TOKEN", "the token of Rasa's HTTP API (`--auth-token`)"
    )
    callback_token: str = setting(
        "", "DESK_CALLBACK_TOKEN", "the secret Rasa sends with each bot line to /rasa/callback"
    )
    rasa_channel_token: str = setting(
        "", "RASA_CHANNEL_TOKEN", "the secret the desk sends Rasa with each visitor message"
    )
    host: str = setting("127.0.0.1", "DESK_HOST", "the interface the desk listens on")
    port: int = setting(5080, "DESK_PORT", "the chat page, the console and socket.io", gt=0)
    max_message_chars: int = setting(
        1000, "DESK_MAX_MESSAGE_CHARS", "the longest message a visitor or agent may send", gt=0
    )
    visitor_burst: int = setting(
        8, "DESK_VISITOR_BURST", "messages a visitor may send at once before being slowed", gt=0
    )
    visitor_per_second: float = setting(
        0.5, "DESK_VISITOR_PER_SECOND", "... and then this many per second (a token bucket)", gt=0
    )
    new_chats_per_minute: int = setting(
        20,
        "DESK_NEW_CHATS_PER_MINUTE",
        "new conversations one client address may open per minute",
        gt=0,
    )
    agent_session_seconds: int = setting(
        8 * 3600, "DESK_AGENT_SESSION_SECONDS", "how long an agent's login lasts", gt=0
    )
    agent_session_check_seconds: float = setting(
        2.0,
        "DESK_AGENT_SESSION_CHECK_SECONDS",
        "how often each instance cuts console sockets whose login expired or ended",
        gt=0,
    )
    login_max_failures: int = setting(
        5, "DESK_LOGIN_MAX_FAILURES", "failed logins to one 工号 before it is locked", gt=0
    )
    login_max_failures_per_address: int = setting(
        30,
        "DESK_LOGIN_MAX_FAILURES_PER_ADDRESS",
        "failed logins from one client address before it is locked",
        gt=0,
    )
    login_lockout_seconds: float = setting(
        60.0,
        "DESK_LOGIN_LOCKOUT_SECONDS",
        "the first lock; each failure after it doubles the next",
        gt=0,
    )
    login_lockout_max_seconds: float = setting(
        3600.0, "DESK_LOGIN_LOCKOUT_MAX_SECONDS", "the longest lock", gt=0
    )
    login_failure_window_seconds: int = setting(
        3600,
        "DESK_LOGIN_FAILURE_WINDOW_SECONDS",
        "failures are forgotten this long after the first (or after a lock ends)",
        gt=0,
    )
    login_hash_threads: int = setting(
        2,
        "DESK_LOGIN_HASH_THREADS",
        "threads checking passwords (scrypt), off the event loop",
        gt=0,
    )
    visitor_session_days: int = setting(
        30,
        "DESK_VISITOR_SESSION_DAYS",
        "how long a visitor's session and transcript are kept",
        gt=0,
    )
    rasa_retry_seconds: float = setting(
        1.0, "DESK_RASA_RETRY_SECONDS", "the pause between attempts while Rasa is away", gt=0
    )
    domain_path: Path = setting(
        ROOT / "domain.yml", "DESK_DOMAIN", "the bot's domain: the closing line, reason labels"
    )
    instance_id: str = setting(
        None, "DESK_INSTANCE", "this instance's name in leases and logs (random when unset)"
    )
    trusted_proxies: Tuple[str, ...] = setting(
        (),
        "DESK_TRUSTED_PROXIES",
        "reverse proxies (comma-separated IPs) whose `X-Forwarded-For` names the visitor",
    )
    compliance_days: int = setting(
        14, "DESK_COMPLIANCE_DAYS", "days of service-language warnings the console shows", gt=0
    )
    compliance_keep_days: int = setting(
        90, "DESK_COMPLIANCE_KEEP_DAYS", "days each day's counts are kept (reports' longest)", gt=0
    )
    compliance_utc_offset_hours: float = setting(
        8.0, "DESK_COMPLIANCE_UTC_OFFSET", "hours east of UTC of the zone whose days are counted"
    )
    when_no_agent: Literal["message", "queue"] = setting(
        "message",
        "DESK_WHEN_NO_AGENT",
        "within hours with nobody online: `message` (the 留言 form) or `queue`",
    )
    queue_update_seconds: float = setting(
        30.0, "DESK_QUEUE_UPDATE_SECONDS", "queue-position updates at most this often", ge=0
    )
    idle_seconds: float = setting(
        120.0, "DESK_IDLE_SECONDS", "silence before 您好,请问还在吗? (0: never)", ge=0
    )
    agent_slow_seconds: float = setting(
        60.0,
        "DESK_AGENT_SLOW_SECONDS",
        "a wait for the agent before 对不起,让您久等了 (0: never)",
        ge=0,
    )
    presence_grace_seconds: float = setting(
        15.0,
        "DESK_PRESENCE_GRACE_SECONDS",
        "an agent with no console open stays 在线 this long",
        ge=0,
    )
    agent_gone_seconds: float = setting(
        60.0,
        "DESK_AGENT_GONE_SECONDS",
        "then their chats wait this long before going back to the queue",
        ge=0,
    )
    timer_tick_seconds: float = setting(
        0.5, "DESK_TIMER_TICK_SECONDS", "how often each instance looks for due timers", gt=0
    )
    rating_days: int = setting(
        30, "DESK_RATING_DAYS", "days of satisfaction ratings the console summarises", gt=0
    )
    qc_first_response_seconds: float = setting(
        30.0,
        "DESK_QC_FIRST_RESPONSE_SECONDS",
        "质检评分: the agent's first line after accepting, at most this late (seed 004)",
        gt=0,
    )
    qc_silence_seconds: float = setting(
        60.0,
        "DESK_QC_SILENCE_SECONDS",
        "质检评分: the longest a visitor may wait for the agent's next line (seed 001)",
        gt=0,
    )

    @validator("rasa_url")
    def _no_trailing_slash(cls, url: str) -> str:  # noqa: N805
        return url.rstrip("/")

    @validator("instance_id", pre=True, always=True)
    def _random_instance(cls, name: Any) -> str:  # noqa: N805
        return str(name) if name else secrets.token_hex(4)

    @validator("trusted_proxies", pre=True)
    def _addresses(cls, value: Any) -> Any:  # noqa: N805
        return parse_addresses(value) if isinstance(value, str) else value
