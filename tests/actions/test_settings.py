import pytest

from actions.settings import Settings, load_settings


def test_defaults_when_nothing_is_configured() -> None:
    assert load_settings({}) == Settings(company_name="示例网", bot_name="小智", agent_id="0001")


def test_values_come_from_the_environment() -> None:
    settings = load_settings({"COMPANY_NAME": "家如何网", "BOT_NAME": "小如", "AGENT_ID": "1024"})
    assert settings == Settings(company_name="家如何网", bot_name="小如", agent_id="1024")


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_values_fall_back_to_defaults(blank: str) -> None:
    assert load_settings({"COMPANY_NAME": blank}).company_name == "示例网"


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_ID", "2048")
    assert load_settings().agent_id == "2048"


def test_the_working_hours_default_to_the_desks() -> None:
    settings = load_settings({})
    assert (settings.hours, settings.holidays, settings.timezone) == (
        "mon-fri 08:30-17:00; sat-sun 08:30-16:00",
        "",
        "Asia/Shanghai",
    )
    assert settings.working_hours().describe() == "周一至周五 8:30-17:00,周六、周日 8:30-16:00"


def test_the_working_hours_come_from_the_desks_variables() -> None:
    settings = load_settings(
        {"DESK_HOURS": "mon-sun 00:00-24:00", "DESK_HOLIDAYS": "2026-12-25", "DESK_TIMEZONE": "UTC"}
    )
    assert (settings.hours, settings.holidays, settings.timezone) == (
        "mon-sun 00:00-24:00",
        "2026-12-25",
        "UTC",
    )
    assert settings.working_hours().describe() == "周一至周日 全天"


def test_invalid_working_hours_name_the_problem() -> None:
    with pytest.raises(ValueError, match="25:00"):
        load_settings({"DESK_HOURS": "mon-fri 25:00-26:00"}).working_hours()
