"""Settings of the action server, read from environment variables.

| variable      | default    | meaning                                              |
|---------------|------------|------------------------------------------------------|
| COMPANY_NAME  | 示例网      | the company named in the opening and closing lines   |
| BOT_NAME      | 小智        | the assistant's display name                         |
| AGENT_ID      | 0001       | the assistant's 工号, given when a visitor asks for it |
"""

import os
from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class Settings:
    """Company-specific values the dialogue fills into responses."""

    company_name: str = "示例网"
    bot_name: str = "小智"
    agent_id: str = "0001"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Reads the settings from `environ` (the process environment by default).

    Empty or blank values fall back to the defaults.
    """
    env = os.environ if environ is None else environ
    defaults = Settings()

    def pick(name: str, default: str) -> str:
        value = env.get(name, "").strip()
        return value or default

    return Settings(
        company_name=pick("COMPANY_NAME", defaults.company_name),
        bot_name=pick("BOT_NAME", defaults.bot_name),
        agent_id=pick("AGENT_ID", defaults.agent_id),
    )
