"""Settings from environment variables: one pydantic model per process, the shared part once.

Each setting is a field that names its environment variable and says what it is for; docs/
settings.md is generated from these models (`python -m common.settings`, a test keeps it
current). `from_env` reads them: an unset or blank variable keeps the default, and a value that
does not parse stops the start with `SettingsError` naming the variable.

pydantic 1.10 (the one Rasa 3.6 ships) has `BaseSettings`, but it reads only `os.environ`; the
tests and the stack launcher hand over a mapping, so the variables are read here and pydantic
validates and converts them.
"""

import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple, Type, TypeVar

from pydantic import BaseModel, Field, ValidationError
from pydantic.fields import ModelField

from common.hours import HoursFile, WorkingHours, read_hours_file

ROOT = Path(__file__).resolve().parent.parent

S = TypeVar("S", bound="SharedSettings")


class SettingsError(ValueError):
    """A setting's value cannot be used; the message names the variable."""


def setting(default: Any, env: str, description: str, **constraints: Any) -> Any:
    """A field read from `env`, documented by `description` (docs/settings.md)."""
    return Field(default, env=env, description=description, **constraints)


class SharedSettings(BaseModel):
    """Shared by the action server and the desk: the company, the bot, Redis, the hours"""

    company_name: str = setting(
        "示例网", "COMPANY_NAME", "the company in the opening and closing lines and suggestions"
    )
    bot_name: str = setting("小智", "BOT_NAME", "the assistant's name (are you a robot?)")
    agent_id: str = setting("0001", "AGENT_ID", "the assistant's 工号")
    redis_url: str = setting(
        "redis://127.0.0.1:6379/0", "REDIS_URL", "all shared state: the desk, limits, trackers"
    )
    hours_file: Path = setting(
        ROOT / "hours.yml", "DESK_HOURS_FILE", "the agents' hours as a person edits them"
    )
    hours: str = setting(
        "",
        "DESK_HOURS",
        "weekly hours instead of the file's, e.g. `mon-fri 08:30-17:00; sat-sun 08:30-16:00`",
    )
    holidays: str = setting(
        "", "DESK_HOLIDAYS", "more days off than the file's, e.g. `2026-12-24..2026-12-26`"
    )
    public_holidays: bool | None = setting(
        None,
        "DESK_PUBLIC_HOLIDAYS",
        "`false`: China's public holidays and 调休 days do not count (the file's otherwise)",
    )
    timezone: str = setting("", "DESK_TIMEZONE", "the zone of the hours instead of the file's")

    class Config:
        frozen = True
        extra = "forbid"

    def working_hours(self) -> WorkingHours:
        """The agents' working hours: hours.yml with the variables' overrides.

        Raises:
            ValueError: naming the file or the part of a variable that is wrong.
        """
        base = read_hours_file(self.hours_file) if self.hours_file.exists() else HoursFile()
        public = base.public_holidays if self.public_holidays is None else self.public_holidays
        return WorkingHours.from_settings(
            self.hours or base.weekly,
            ", ".join(part for part in (base.holidays, self.holidays) if part),
            self.timezone or base.timezone,
            public_holidays=public,
        )

    @classmethod
    def variables(cls) -> Dict[str, str]:
        """Field name → its environment variable."""
        return {name: str(field.field_info.extra["env"]) for name, field in cls.__fields__.items()}

    @classmethod
    def from_env(cls: Type[S], env: Mapping[str, str] | None = None) -> S:
        """The settings from `env` (default: the process environment)."""
        env = os.environ if env is None else env
        variables = cls.variables()
        values: Dict[str, Any] = {
            name: env[variable].strip()
            for name, variable in variables.items()
            if env.get(variable, "").strip()
        }
        try:
            return cls.parse_obj(values)
        except ValidationError as error:
            problems = []
            for problem in error.errors():
                variable = variables.get(str(problem["loc"][0]), str(problem["loc"][0]))
                problems.append(f"{variable}={env.get(variable, '')!r}: {problem['msg']}")
            raise SettingsError("; ".join(problems)) from None

    @classmethod
    def documented(cls) -> List[Tuple[str, str, str]]:
        """(variable, default, what it is for) of every setting, in the model's order."""
        rows = []
        for name, field in cls.__fields__.items():
            rows.append((cls.variables()[name], _shown(field), str(field.field_info.description)))
        return rows


def _shown(field: ModelField) -> str:
    """A field's default as docs/settings.md shows it."""
    if field.default_factory is not None:
        return "(random)"
    default = field.default
    if isinstance(default, Path) and default.is_relative_to(ROOT):
        return str(default.relative_to(ROOT))
    if default is None or default in ("", ()):
        return "(none)"
    if isinstance(default, bool):
        return "true" if default else "false"
    return str(default)
