from typing import Any, Dict, List

import pytest

from actions.handoff import ActionHandoff, desk_state, handoff_response
from actions.handoff_signal import (
    build_handoff_signal,
    current_bot_turn,
    handoff_reason,
    last_bot_turn,
    summarize,
    transcript,
    verification_from_slots,
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
        bot_event("好的,请问您需要咨询或办理什么业务?……", "utter_how_can_i_help"),
        user_event("转人工", "request_human"),
        bot_event("正在为您转接人工客服,请您稍等。", "utter_handoff"),
    ]


def test_transcript_lists_every_message_in_order() -> None:
    lines = transcript(conversation())
    assert [(line["sender"], line["intent"], line["response"]) for line in lines] == [
        ("visitor", "greet", None),
        ("bot", None, "utter_opening"),
        ("visitor", "inform", None),
        ("bot", None, "utter_how_can_i_help"),
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
        (
            "affirm",
            ["utter_verification_locked_visitor", "utter_offer_human"],
            "verification_exhausted",
        ),
        (
            "affirm",
            ["utter_verification_locked_address", "utter_offer_human"],
            "verification_exhausted",
        ),
        ("request_human", ["utter_verification_locked"], "request_human"),
    ],
)
def test_handoff_reason(intent: str, turn: List[str], reason: str) -> None:
    assert handoff_reason(intent, turn) == reason


@pytest.mark.parametrize(
    ("intent", "turn", "current"),
    [
        # the description's own intent does not matter once the complaint is recorded
        ("nlu_fallback", ["utter_ask_complaint_description"], ["utter_complaint_recorded"]),
        ("inform", ["utter_ask_complaint_description"], ["utter_complaint_recorded"]),
        # asked what happened, the visitor asked for a human instead
        ("request_human", ["utter_ask_complaint_description"], []),
        ("request_human", ["utter_still_there", "utter_ask_complaint_description"], []),
    ],
)
def test_a_complaint_heard_by_the_form_is_the_reason(
    intent: str, turn: List[str], current: List[str]
) -> None:
    assert handoff_reason(intent, turn, current) == "complaint"


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
                "verified_account": "5108293746",
                "verified_method": "name",
            },
            {"status": "verified", "account_number": "5108293746", "method": "name"},
        ),
        # a 户号 and a method the visitor typed after the check change nothing verified
        (
            {
                "verification_status": "verified",
                "account_number": "2222222222",
                "verification_method": "address",
                "verified_account": "5108293746",
                "verified_method": "phone_last4",
            },
            {"status": "verified", "account_number": "5108293746", "method": "phone_last4"},
        ),
        # no record written by a successful check: nothing verified to report
        (
            {
                "verification_status": "verified",
                "account_number": "5108293746",
                "verification_method": "name",
            },
            None,
        ),
        (
            {"verification_status": "locked", "account_number": "5108293746"},
            {"status": "exhausted", "account_number": "5108293746", "method": None},
        ),
    ],
)
def test_verification_from_the_slots(
    slots: Dict[str, Any], verification: Dict[str, Any] | None
) -> None:
    assert verification_from_slots(slots) == verification


def test_action_attaches_a_verified_account(dispatcher, tracker_factory, domain) -> None:
    events = [
        user_event("5108293746", "inform"),
        bot_event("请您再提供一项……", "utter_ask_verification_fact"),
        user_event("王芳", "inform"),
        bot_event("感谢您的耐心配合……", "utter_verification_succeeded"),
    ]
    slots = {
        "account_number": "5108293746",
        "verification_status": "verified",
        "verification_method": "name",
        "verified_account": "5108293746",
        "verified_method": "name",
    }
    ActionHandoff().run(dispatcher, tracker_factory(slots=slots, events=events), domain)
    signal = dispatcher.messages[1]["custom"]["handoff"]
    assert signal["reason"] == "account_verified"
    assert signal["verification"] == {
        "status": "verified",
        "account_number": "5108293746",
        "method": "name",
    }
    assert signal["slots"] == {
        "person_name": None,
        "phone": None,
        "account_number": "5108293746",
        "complaint_description": None,
    }


def test_a_number_claimed_after_verifying_is_only_visitor_stated(
    dispatcher, tracker_factory, domain
) -> None:
    # verified for A, left the queue, "我的户号是B" (from_entity overwrites account_number), 转人工
    events = [
        user_event("王芳", "inform"),
        bot_event("感谢您的耐心配合……", "utter_verification_succeeded"),
        bot_event("正在为您转接人工客服,请您稍等。", "utter_handoff"),
        user_event("我的户号是2222222222", "inform"),
        bot_event("好的,请问您需要咨询或办理什么业务?……", "utter_how_can_i_help"),
        user_event("转人工", "request_human"),
    ]
    slots = {
        "account_number": "2222222222",
        "verification_status": "verified",
        "verification_method": "name",
        "verified_account": "5108293746",
        "verified_method": "name",
    }
    ActionHandoff().run(dispatcher, tracker_factory(slots=slots, events=events), domain)
    signal = dispatcher.messages[1]["custom"]["handoff"]
    assert signal["reason"] == "request_human"
    assert signal["verification"] == {
        "status": "verified",
        "account_number": "5108293746",
        "method": "name",
    }
    assert signal["slots"]["account_number"] == "2222222222"  # what the visitor said


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
        "slots": {
            "person_name": None,
            "phone": "13812345678",
            "account_number": None,
            "complaint_description": None,
        },
        "verification": None,
        "summary": summarize(transcript(events)),
        "transcript": transcript(events),
        "created_at": 1700000000.0,
    }


def test_action_tells_the_visitor_sends_the_signal_and_does_not_pause(
    dispatcher, tracker_factory, domain
) -> None:
    history = conversation()[:-1]  # the rules no longer say utter_handoff: the action does
    tracker = tracker_factory(slots={"phone": "13812345678", "person_name": "张伟"}, events=history)

    events = ActionHandoff().run(dispatcher, tracker, domain)

    # No ConversationPaused and no manual action_listen: a fallback's UserUtteranceReverted
    # could pop the desk's resume and leave the bot silent; the rules predict action_listen.
    assert events == []
    assert [(m["response"], m["text"]) for m in dispatcher.messages] == [
        ("utter_handoff", None),
        (None, None),
    ]
    signal = dispatcher.messages[1]["custom"]["handoff"]
    assert signal["conversation_id"] == "visitor-1"
    assert signal["reason"] == "request_human"
    assert signal["intent"] == "request_human"
    assert signal["slots"] == {
        "person_name": "张伟",
        "phone": "13812345678",
        "account_number": None,
        "complaint_description": None,
    }
    assert signal["transcript"] == transcript(history)


def queued(event: Dict[str, Any], state: str = "queued") -> Dict[str, Any]:
    """`event` with the metadata the desk attaches to a visitor message."""
    return {**event, "metadata": {"client_ip": "203.0.113.7", "desk_state": state}}


@pytest.mark.parametrize(
    ("events", "state"),
    [
        ([], None),
        ([user_event("转人工", "request_human")], None),
        ([queued(user_event("转人工", "request_human"), "bot")], "bot"),
        ([queued(user_event("转人工", "request_human"))], "queued"),
        # only the latest visitor message counts: the visitor was queued, now is not
        (
            [queued(user_event("转人工", "request_human")), user_event("你好", "greet")],
            None,
        ),
        ([user_event("你好", "greet"), queued(user_event("转人工", "request_human"))], "queued"),
        # bot lines after the message do not hide it
        ([queued(user_event("转人工", "request_human")), bot_event("……", "utter_faq")], "queued"),
        ([{**user_event("转人工", "request_human"), "metadata": {"desk_state": ""}}], None),
        ([{**user_event("转人工", "request_human"), "metadata": {"desk_state": 3}}], None),
    ],
)
def test_desk_state_of_the_latest_visitor_message(
    events: List[Dict[str, Any]], state: str | None
) -> None:
    assert desk_state(events) == state


@pytest.mark.parametrize(
    ("state", "response"),
    [
        (None, "utter_handoff"),
        ("bot", "utter_handoff"),
        ("closed", "utter_handoff"),
        ("queued", "utter_handoff_update"),
    ],
)
def test_handoff_response(state: str | None, response: str) -> None:
    assert handoff_response(state) == response


def test_a_queued_visitor_is_told_their_addition_went_to_the_agent(
    dispatcher, tracker_factory, domain
) -> None:
    events = [
        user_event("我要投诉", "complain"),
        bot_event("对不起,给您添麻烦了!……", "utter_ask_complaint_description"),
        queued(user_event("快递三天都没送到", "complain")),
        bot_event("您好,您提出的问题,我们已经详细做下记录……", "utter_complaint_recorded"),
    ]
    slots = {"complaint_description": "快递三天都没送到"}

    result = ActionHandoff().run(dispatcher, tracker_factory(slots=slots, events=events), domain)

    assert result == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_update", None]
    signal = dispatcher.messages[1]["custom"]["handoff"]  # still sent: the desk updates the ticket
    assert signal["reason"] == "complaint"
    assert signal["slots"]["complaint_description"] == "快递三天都没送到"


def test_the_handoff_responses_exist(domain: Dict[str, Any]) -> None:
    assert "正在为您转接人工客服" in domain["responses"]["utter_handoff"][0]["text"]
    assert "排队" in domain["responses"]["utter_handoff_update"][0]["text"]


def test_action_log_line_masks_numbers(dispatcher, tracker_factory, domain, caplog) -> None:
    events = [*conversation(), user_event("我电话13812345678转人工", "request_human")]
    with caplog.at_level("INFO", logger="actions.handoff"):
        ActionHandoff().run(dispatcher, tracker_factory(events=events), domain)
    assert "138****5678" in caplog.text
    assert "13812345678" not in caplog.text
