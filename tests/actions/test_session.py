import logging

import pytest
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet

from actions.session import ActionSessionStart

DEFAULT_HOURS = "周一至周五 8:30-17:00,周六、周日 8:30-16:00,法定节假日休息"
HOURS_VARIABLES = ("DESK_HOURS", "DESK_HOLIDAYS", "DESK_TIMEZONE")


@pytest.fixture(autouse=True)
def no_configured_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in HOURS_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_session_starts_with_the_configured_names(
    monkeypatch: pytest.MonkeyPatch, dispatcher, tracker_factory, domain
) -> None:
    monkeypatch.setenv("COMPANY_NAME", "家如何网")
    monkeypatch.setenv("BOT_NAME", "小如")
    monkeypatch.setenv("AGENT_ID", "1024")

    events = ActionSessionStart().run(dispatcher, tracker_factory(), domain)

    assert events == [
        SessionStarted(),
        SlotSet("company_name", "家如何网"),
        SlotSet("bot_name", "小如"),
        SlotSet("agent_id", "1024"),
        SlotSet("working_hours", DEFAULT_HOURS),
        ActionExecuted("action_listen"),
    ]
    assert dispatcher.messages == []


def test_what_the_visitor_told_us_is_carried_over(
    monkeypatch: pytest.MonkeyPatch, dispatcher, tracker_factory, domain
) -> None:
    for name in ("COMPANY_NAME", "BOT_NAME", "AGENT_ID"):
        monkeypatch.delenv(name, raising=False)
    tracker = tracker_factory(slots={"phone": "13812345678", "insult_count": 2.0})

    events = ActionSessionStart().run(dispatcher, tracker, domain)

    assert events == [
        SessionStarted(),
        SlotSet("phone", "13812345678"),
        SlotSet("company_name", "示例网"),
        SlotSet("bot_name", "小智"),
        SlotSet("agent_id", "0001"),
        SlotSet("working_hours", DEFAULT_HOURS),
        ActionExecuted("action_listen"),
    ]


def test_the_hours_are_the_desks(
    monkeypatch: pytest.MonkeyPatch, dispatcher, tracker_factory, domain
) -> None:
    # the desk routes handoffs by these variables; utter_faq/business_hours says {working_hours}
    monkeypatch.setenv("DESK_HOURS", "mon-fri 09:00-12:00,13:00-18:00; sat 10:00-15:00")
    monkeypatch.setenv("DESK_HOLIDAYS", "2026-10-01..2026-10-07")
    monkeypatch.setenv("DESK_TIMEZONE", "Asia/Urumqi")

    events = ActionSessionStart().run(dispatcher, tracker_factory(), domain)

    hours = "周一至周五 9:00-12:00、13:00-18:00,周六 10:00-15:00,法定节假日休息"
    assert SlotSet("working_hours", hours) in events
    assert events[-1] == ActionExecuted("action_listen")
    assert "{working_hours}" in domain["responses"]["utter_faq/business_hours"][0]["text"]
    assert "8:30" not in domain["responses"]["utter_faq/business_hours"][0]["text"]


def test_invalid_hours_leave_the_slot_and_are_logged(
    monkeypatch: pytest.MonkeyPatch, dispatcher, tracker_factory, domain, caplog
) -> None:
    monkeypatch.setenv("DESK_HOURS", "mon-fri 25:00-26:00")
    with caplog.at_level(logging.ERROR, logger="actions.session"):
        events = ActionSessionStart().run(dispatcher, tracker_factory(), domain)
    assert [e for e in events if e.get("name") == "working_hours"] == []
    assert "25:00" in caplog.text
    # the domain's initial value (seed 004's hours) is then what the FAQ says
    assert domain["slots"]["working_hours"]["initial_value"] == DEFAULT_HOURS
