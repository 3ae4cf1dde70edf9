"""Settings of the action server, read from environment variables.

| variable                      | default                  | meaning                          |
|-------------------------------|--------------------------|----------------------------------|
| COMPANY_NAME                  | 示例网                    | company in opening/closing lines |
| BOT_NAME                      | 小智                      | the assistant's display name     |
| AGENT_ID                      | 0001                     | the assistant's 工号              |
| REDIS_URL                     | redis://127.0.0.1:6379/0 | the verification counters        |
| VERIFY_ACCOUNT_LIMIT          | 3                        | failed checks per account record |
| VERIFY_ACCOUNT_WINDOW_SECONDS | 86400                    | ... within this rolling window   |
| VERIFY_VISITOR_LIMIT          | 3                        | failed checks per visitor        |
| VERIFY_VISITOR_WINDOW_SECONDS | 86400                    | ... within this rolling window   |
| DIRECTORY_URL                 | (none)                   | the CRM over HTTP; unset: SQLite |
| DIRECTORY_TOKEN               | (none)                   | bearer token for DIRECTORY_URL   |
| DIRECTORY_TIMEOUT_SECONDS     | 5                        | longest a CRM lookup may take    |
| DIRECTORY_PATH                | var/directory.sqlite3    | the SQLite customer directory    |
| DESK_HOURS                    | seed 004's hours         | the agents' weekly working hours |
| DESK_HOLIDAYS                 | (none)                   | days the agents do not work      |
| DESK_TIMEZONE                 | Asia/Shanghai            | the zone of the working hours    |

Limits are counted by the action server, never by the model (docs/verification.md). The three
DESK_ variables are the desk's own (desk/settings.py, same defaults; syntax in common/hours.py):
the bot tells visitors the hours the desk routes handoffs by.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from common.hours import DEFAULT_HOURS_SPEC, DEFAULT_TIME_ZONE, WorkingHours

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Company-specific values the dialogue fills into responses, and the verification set-up."""

    company_name: str = "示例网"
    bot_name: str = "小智"
    agent_id: str = "0001"
    redis_url: str = "redis://127.0.0.1:6379/0"
    account_limit: int = 3
    account_window_seconds: int = 86400
    visitor_limit: int = 3
    visitor_window_seconds: int = 86400
    directory_url: str | None = None
    directory_token: str | None = None
    directory_timeout_seconds: float = 5.0
    directory_path: Path = ROOT / "var" / "directory.sqlite3"
    hours: str = DEFAULT_HOURS_SPEC
    holidays: str = ""
    timezone: str = DEFAULT_TIME_ZONE

    def working_hours(self) -> WorkingHours:
        """The agents' working hours; ValueError names what in the settings is wrong."""
        return WorkingHours.from_settings(self.hours, self.holidays, self.timezone)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Reads the settings from `environ` (the process environment by default).

    Empty or blank values fall back to the defaults; a number that does not parse raises
    ValueError naming the variable.
    """
    env = os.environ if environ is None else environ
    defaults = Settings()

    def pick(name: str, default: str) -> str:
        value = env.get(name, "").strip()
        return value or default

    def number(name: str, default: float) -> float:
        raw = env.get(name, "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {raw!r}") from None
        if value <= 0:
            raise ValueError(f"{name} must be positive, got {raw!r}")
        return value

    return Settings(
        company_name=pick("COMPANY_NAME", defaults.company_name),
        bot_name=pick("BOT_NAME", defaults.bot_name),
        agent_id=pick("AGENT_ID", defaults.agent_id),
        redis_url=pick("REDIS_URL", defaults.redis_url),
        account_limit=int(number("VERIFY_ACCOUNT_LIMIT", defaults.account_limit)),
        account_window_seconds=int(
            number("VERIFY_ACCOUNT_WINDOW_SECONDS", defaults.account_window_seconds)
        ),
        visitor_limit=int(number("VERIFY_VISITOR_LIMIT", defaults.visitor_limit)),
        visitor_window_seconds=int(
            number("VERIFY_VISITOR_WINDOW_SECONDS", defaults.visitor_window_seconds)
        ),
        directory_url=pick("DIRECTORY_URL", "") or None,
        directory_token=pick("DIRECTORY_TOKEN", "") or None,
        directory_timeout_seconds=number(
            "DIRECTORY_TIMEOUT_SECONDS", defaults.directory_timeout_seconds
        ),
        directory_path=Path(pick("DIRECTORY_PATH", str(defaults.directory_path))),
        hours=pick("DESK_HOURS", defaults.hours),
        holidays=pick("DESK_HOLIDAYS", defaults.holidays),
        timezone=pick("DESK_TIMEZONE", defaults.timezone),
    )
