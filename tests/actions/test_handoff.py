from typing import Any, Dict, List

import pytest
from rasa_sdk.events import ActionExecuted, ConversationPaused

from actions.handoff import ActionHandoff
from actions.handoff_signal import (
    build_handoff_signal,
    current_bot_turn,
    handoff_reason,
    last_bot_turn,
    summarize,
    transcript,
    verification_of,
)
from tests.conftest import bot_event, user_event


def conversation() -> List[Dict[str, Any]]:
    return [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        user_event("你好", "greet"),
        {"event": "action", "name": "utter_opening"},
        bot_event("您好!这里是示例网,很高兴为您服务,有什么可以帮到您?", "utter_opening"),
        user_event("我手机13812345678", "inform"),
        bot_event("好的,您的信息已收到。请问您需要办理什么业务?", "utter_info_noted"),
        user_event("转人工", "request_human"),
        bot_event("正在为您转接人工客服,请您稍等。", "utter_handoff"),
    ]


def test_transcript_lists_every_message_in_order() -> None:
    lines = transcript(conversation())
    assert [(line["sender"], line["intent"], line["response"]) for line in lines] == [
        ("visitor", "greet", None),
        ("bot", None, "utter_opening"),
        ("visitor", "inform", None),
        ("bot", None, "utter_info_noted"),
        ("visitor", "request_human", None),
        ("bot", None, "utter_handoff"),
    ]
    assert lines[2]["text"] == "我手机13812345678"  # the agent sees what the visitor wrote


def test_a_clarified_message_appears_once() -> None:
    unclear = user_event("转个人", "nlu_fallback", 0.4, message_id="m1")
    clarified = user_event("转个人", "request_human", 1.0, message_id="m1")
    events = [unclear, {"event": "rewind"}, {"event": "action", "name": "action_listen"}, clarified]
    assert [line["text"] for line in transcript(events)] == ["转个人"]


def test_bot_events_without_text_are_not_lines() -> None:
    custom = {"event": "bot", "text": None, "data": {"custom": {"x": 1}}, "metadata": {}}
    assert transcript([custom]) == []


def test_last_bot_turn_is_what_preceded_the_latest_message() -> None:
    events = [
        user_event("垃圾客服", "insult"),
        bot_event("对不起……", "utter_calm_down"),
        bot_event("如果您愿意……", "utter_offer_human"),
        user_event("/request_human", "request_human"),
    ]
    assert last_bot_turn(events) == ["utter_calm_down", "utter_offer_human"]


def test_last_bot_turn_looks_through_a_clarification() -> None:
    events = [
        bot_event("请问还有什么可以帮您?", "utter_anything_else"),
        user_event("转个人", "nlu_fallback", 0.4, message_id="m1"),
        {"event": "rewind"},
        user_event("转个人", "request_human", message_id="m1"),
    ]
    assert last_bot_turn(events) == ["utter_anything_else"]


def test_last_bot_turn_of_a_first_message_is_empty() -> None:
    assert last_bot_turn([user_event("转人工", "request_human")]) == []


@pytest.mark.parametrize(
    ("intent", "turn", "reason"),
    [
        ("request_human", [], "request_human"),
        ("complain", ["utter_anything_else"], "complaint"),
        ("account_lookup", [], "account_lookup"),
        ("request_human", ["utter_default", "utter_offer_human"], "repeated_misunderstanding"),
        ("affirm", ["utter_default", "utter_offer_human"], "repeated_misunderstanding"),
        ("request_human", ["utter_calm_down", "utter_offer_human"], "insult"),
        ("affirm", ["utter_calm_down", "utter_offer_human"], "insult"),
        ("request_human", ["utter_calm_down"], "request_human"),
        ("complain", ["utter_calm_down", "utter_offer_human"], "complaint"),
        ("affirm", ["utter_verification_locked", "utter_offer_human"], "verification_exhausted"),
        ("request_human", ["utter_verification_locked"], "request_human"),
    ],
)
def test_handoff_reason(intent: str, turn: List[str], reason: str) -> None:
    assert handoff_reason(intent, turn) == reason


def test_a_verification_that_just_succeeded_is_the_reason() -> None:
    current = ["utter_verification_succeeded", "utter_handoff"]
    assert handoff_reason("inform", ["utter_ask_verification_fact"], current) == (
        "account_verified"
    )
    assert handoff_reason("request_human", [], ["utter_handoff"]) == "request_human"


def test_current_bot_turn_is_what_followed_the_latest_message() -> None:
    events = [
        bot_event("请您提供户号", "utter_ask_account_number"),
        user_event("王芳", "inform"),
        bot_event("感谢您的耐心配合……", "utter_verification_succeeded"),
        bot_event("正在为您转接人工客服……", "utter_handoff"),
    ]
    assert current_bot_turn(events) == ["utter_verification_succeeded", "utter_handoff"]
    assert current_bot_turn([*events, user_event("你好", "greet")]) == []


@pytest.mark.parametrize(
    ("slots", "verification"),
    [
        ({}, None),
        ({"verification_status": "open", "account_number": "5108293746"}, None),
        ({"verification_status": "mismatch", "account_number": "5108293746"}, None),
        (
            {
                "verification_status": "verified",
                "account_number": "5108293746",
                "verification_method": "name",
            },
            {"status": "verified", "account_number": "5108293746", "method": "name"},
        ),
        (
            {"verification_status": "locked", "account_number": "5108293746"},
            {"status": "exhausted", "account_number": "5108293746", "method": None},
        ),
    ],
)
def test_verification_of_the_slots(
    slots: Dict[str, Any], verification: Dict[str, Any] | None
) -> None:
    assert verification_of(slots) == verification


def test_action_attaches_a_verified_account(dispatcher, tracker_factory, domain) -> None:
    events = [
        user_event("5108293746", "inform"),
        bot_event("请您再提供一项……", "utter_ask_verification_fact"),
        user_event("王芳", "inform"),
        bot_event("感谢您的耐心配合……", "utter_verification_succeeded"),
        bot_event("正在为您转接人工客服……", "utter_handoff"),
    ]
    slots = {
        "account_number": "5108293746",
        "verification_status": "verified",
        "verification_method": "name",
    }
    ActionHandoff().run(dispatcher, tracker_factory(slots=slots, events=events), domain)
    signal = dispatcher.messages[0]["custom"]["handoff"]
    assert signal["reason"] == "account_verified"
    assert signal["verification"] == {
        "status": "verified",
        "account_number": "5108293746",
        "method": "name",
    }
    assert signal["slots"] == {"person_name": None, "phone": None, "account_number": "5108293746"}


def test_summary() -> None:
    assert summarize(transcript(conversation())) == {
        "visitor_messages": 3,
        "intents": ["greet", "inform", "request_human"],
        "last_visitor_message": "转人工",
    }


def test_summary_of_an_empty_conversation() -> None:
    assert summarize([]) == {"visitor_messages": 0, "intents": [], "last_visitor_message": None}


def test_signal() -> None:
    events = conversation()
    signal = build_handoff_signal(
        "visitor-1", events, "request_human", {"phone": "13812345678", "other": 1}, 1700000000.0
    )
    assert signal == {
        "version": 1,
        "conversation_id": "visitor-1",
        "reason": "request_human",
        "intent": "request_human",
        "slots": {"person_name": None, "phone": "13812345678", "account_number": None},
        "verification": None,
        "summary": summarize(transcript(events)),
        "transcript": transcript(events),
        "created_at": 1700000000.0,
    }


def test_action_sends_the_signal_and_pauses(dispatcher, tracker_factory, domain) -> None:
    history = conversation()
    tracker = tracker_factory(slots={"phone": "13812345678", "person_name": "张伟"}, events=history)

    events = ActionHandoff().run(dispatcher, tracker, domain)

    assert events == [ConversationPaused(), ActionExecuted("action_listen")]
    assert len(dispatcher.messages) == 1
    signal = dispatcher.messages[0]["custom"]["handoff"]
    assert dispatcher.messages[0]["text"] is None
    assert signal["conversation_id"] == "visitor-1"
    assert signal["reason"] == "request_human"
    assert signal["intent"] == "request_human"
    assert signal["slots"] == {
        "person_name": "张伟",
        "phone": "13812345678",
        "account_number": None,
    }
    assert signal["transcript"] == transcript(history)


def test_action_log_line_masks_numbers(dispatcher, tracker_factory, domain, caplog) -> None:
    events = [*conversation(), user_event("我电话13812345678转人工", "request_human")]
    with caplog.at_level("INFO", logger="actions.handoff"):
        ActionHandoff().run(dispatcher, tracker_factory(events=events), domain)
    assert "138****5678" in caplog.text
    assert "13812345678" not in caplog.text
