import pytest
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet

from actions.session import ActionSessionStart


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
        ActionExecuted("action_listen"),
    ]
