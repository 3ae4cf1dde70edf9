"""Desk settings come from the environment, with documented defaults."""

from pathlib import Path

import pytest

from common.settings import SettingsError
from desk.settings import DeskSettings


def test_defaults() -> None:
    settings = DeskSettings.from_env({})
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert (settings.port, settings.max_message_chars) == (5080, 1000)
    assert settings.company_name == "示例网"
    assert settings.rasa_token is None
    assert settings.trusted_proxies == ()
    assert (settings.compliance_days, settings.compliance_keep_days) == (14, 90)
    assert settings.compliance_utc_offset_hours == 8.0


def test_every_variable_is_read() -> None:
    settings = DeskSettings.from_env(
        {
            "REDIS_URL": "redis://redis:6380/2",
            "RASA_URL": "http://rasa:5005/",
            "RASA_TOKEN": "t",
            "DESK_CALLBACK_TOKEN": "c",
            "DESK_HOST": "0.0.0.0",
            "DESK_PORT": "8080",
            "DESK_MAX_MESSAGE_CHARS": "500",
            "DESK_AGENT_SESSION_SECONDS": "60",
            "DESK_VISITOR_SESSION_DAYS": "7",
            "DESK_RASA_RETRY_SECONDS": "0.5",
            "DESK_DOMAIN": "/tmp/domain.yml",
            "DESK_INSTANCE": "desk-a",
            "COMPANY_NAME": "家如何网",
            "DESK_TRUSTED_PROXIES": "10.0.0.2, 2001:DB8::1,",
            "DESK_COMPLIANCE_DAYS": "7",
            "DESK_COMPLIANCE_KEEP_DAYS": "30",
            "DESK_COMPLIANCE_UTC_OFFSET": "0",
        }
    )
    assert settings == DeskSettings(
        redis_url="redis://redis:6380/2",
        rasa_url="http://rasa:5005",
        rasa_token="t",
        callback_token="c",
        host="0.0.0.0",
        port=8080,
        max_message_chars=500,
        agent_session_seconds=60,
        visitor_session_days=7,
        rasa_retry_seconds=0.5,
        domain_path=Path("/tmp/domain.yml"),
        instance_id="desk-a",
        company_name="家如何网",
        trusted_proxies=("10.0.0.2", "2001:db8::1"),
        compliance_days=7,
        compliance_keep_days=30,
        compliance_utc_offset_hours=0.0,
    )


def test_instances_get_distinct_names_by_default() -> None:
    assert DeskSettings.from_env({}).instance_id != DeskSettings.from_env({}).instance_id


def test_a_trusted_proxy_that_is_not_an_address_stops_the_start() -> None:
    with pytest.raises(ValueError, match="proxy.example"):
        DeskSettings.from_env({"DESK_TRUSTED_PROXIES": "10.0.0.2,proxy.example"})


def test_a_blank_value_keeps_the_default() -> None:
    assert DeskSettings.from_env({"DESK_PORT": " ", "DESK_INSTANCE": "a"}).port == 5080


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DESK_PORT", "http"),
        ("DESK_WHEN_NO_AGENT", "wait"),
        ("DESK_IDLE_SECONDS", "-5"),
        ("DESK_MAX_MESSAGE_CHARS", "0"),
    ],
)
def test_a_value_that_does_not_parse_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}='{value}': "):
        DeskSettings.from_env({variable: value})
