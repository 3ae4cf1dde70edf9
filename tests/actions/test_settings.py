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
