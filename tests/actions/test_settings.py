"""The action server's settings: the shared ones (common/settings.py) and its own."""

from pathlib import Path

import pytest

from actions.settings import Settings
from common.settings import SettingsError


def test_defaults_when_nothing_is_configured() -> None:
    settings = Settings.from_env({})
    assert (settings.company_name, settings.bot_name, settings.agent_id) == (
        "示例网",
        "小智",
        "0001",
    )
    assert (settings.account_limit, settings.visitor_limit) == (3, 3)
    assert settings.directory_url is None


def test_values_come_from_the_environment() -> None:
    env = {
        "COMPANY_NAME": "家如何网",
        "BOT_NAME": "小如",
        "AGENT_ID": "1024",
        "VERIFY_ACCOUNT_LIMIT": "5",
    }
    settings = Settings.from_env(env)
    assert settings == Settings(
        company_name="家如何网", bot_name="小如", agent_id="1024", account_limit=5
    )


def test_the_address_limit_is_its_own_and_higher_than_a_visitor_s() -> None:
    defaults = Settings.from_env({})
    assert (defaults.address_limit, defaults.address_window_seconds) == (20, 86400)
    assert defaults.address_limit > defaults.visitor_limit
    configured = Settings.from_env(
        {"VERIFY_ADDRESS_LIMIT": "50", "VERIFY_ADDRESS_WINDOW_SECONDS": "3600"}
    )
    assert (configured.address_limit, configured.address_window_seconds) == (50, 3600)
    assert configured.visitor_limit == 3


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_values_fall_back_to_defaults(blank: str) -> None:
    assert Settings.from_env({"COMPANY_NAME": blank, "VERIFY_VISITOR_LIMIT": blank}) == Settings()


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_ID", "2048")
    assert Settings.from_env().agent_id == "2048"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("VERIFY_ACCOUNT_LIMIT", "three"),
        ("VERIFY_VISITOR_LIMIT", "0"),
        ("VERIFY_ADDRESS_LIMIT", "0"),
        ("DIRECTORY_TIMEOUT_SECONDS", "-1"),
        ("DESK_PUBLIC_HOLIDAYS", "maybe"),
    ],
)
def test_a_value_that_does_not_parse_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}='{value}': "):
        Settings.from_env({variable: value})


def test_the_working_hours_come_from_hours_yml_by_default() -> None:
    hours = Settings.from_env({}).working_hours()
    assert hours.describe() == "周一至周五 8:30-17:00,周六、周日 8:30-16:00,法定节假日休息"


def test_the_variables_override_the_hours_file(tmp_path: Path) -> None:
    hours = Settings.from_env(
        {
            "DESK_HOURS": "mon-sun 00:00-24:00",
            "DESK_PUBLIC_HOLIDAYS": "false",
            "DESK_HOLIDAYS": "2026-12-25",
            "DESK_TIMEZONE": "UTC",
        }
    ).working_hours()
    assert hours.describe() == "周一至周日 全天"
    assert (str(hours.zone), hours.public_holidays) == ("UTC", False)
    assert [str(day) for day in hours.holidays] == ["2026-12-25"]


def test_invalid_working_hours_name_the_problem() -> None:
    with pytest.raises(ValueError, match="25:00"):
        Settings.from_env({"DESK_HOURS": "mon-fri 25:00-26:00"}).working_hours()
