"""Waiting and working hours: silence, the end of a conversation, a message left.

Plain functions and actions without a server: exact events, response names and custom payloads.
"""

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import Settings
from actions.waiting import (
    MESSAGE_MAX_CHARS,
    MESSAGE_SLOTS,
    NAME_MAX_CHARS,
    ActionCountIdle,
    ActionEndConversation,
    ActionLeaveMessage,
    ActionStartLeaveMessage,
    ValidateLeaveMessageForm,
    build_left_message,
    close_reason,
    closed_signal,
    consecutive_idle_events,
    idle_stage,
    normalize_contact_name,
    normalize_contact_phone,
    normalize_message_text,
    prefilled_message,
    reply_time_at,
    visible_text,
)
from common.contract import IDLE_INTENT
from common.hours import ALWAYS_OPEN_TEXT
from tests.conftest import TrackerFactory, bot_event, user_event

EXTERNAL_INTENTS = ["EXTERNAL_idle", "EXTERNAL_after_hours", "EXTERNAL_no_agent"]


def idle() -> Dict[str, Any]:
    """An EXTERNAL_idle event as trigger_intent records it."""
    event = user_event(f"EXTERNAL: {IDLE_INTENT}", IDLE_INTENT)
    event["message_id"] = None
    event["metadata"] = {"is_external": True}
    return event


def still_there() -> Dict[str, Any]:
    return bot_event("您好,请问还在吗?", "utter_still_there")


# ---- Silence ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "count"),
    [
        ([], 0),
        ([user_event("你好", "greet")], 0),
        ([user_event("你好", "greet"), idle()], 1),
        ([user_event("你好", "greet"), idle(), still_there(), idle()], 2),
        ([idle(), still_there(), idle(), still_there(), idle()], 3),
        # the visitor wrote in between: counting starts again
        ([idle(), still_there(), idle(), user_event("在的", "affirm"), idle()], 1),
        # another external intent is not silence either
        ([idle(), idle(), user_event("EXTERNAL: x", "EXTERNAL_after_hours"), idle()], 1),
        # a new session starts afresh
        ([idle(), idle(), {"event": "session_started"}, idle()], 1),
        # bot lines, actions and slots between silences do not end the run
        (
            [
                idle(),
                {"event": "action", "name": "action_count_idle"},
                {"event": "slot", "name": "idle_stage", "value": "nudge"},
                still_there(),
                {"event": "action", "name": "action_listen"},
                idle(),
            ],
            2,
        ),
    ],
)
def test_consecutive_idle_events(events: List[Dict[str, Any]], count: int) -> None:
    assert consecutive_idle_events(events) == count


@pytest.mark.parametrize(
    ("count", "stage"), [(0, "nudge"), (1, "nudge"), (2, "nudge"), (3, "close"), (7, "close")]
)
def test_idle_stage_nudges_twice_then_closes(count: int, stage: str) -> None:
    assert idle_stage(count) == stage


def count_idle(tracker: Tracker) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events: List[Dict[str, Any]] = ActionCountIdle().run(dispatcher, tracker, {})
    assert dispatcher.messages == []  # the rules speak, not the action
    return events


def test_count_idle_sets_the_stage_for_each_silence(tracker_factory: TrackerFactory) -> None:
    events: List[Dict[str, Any]] = [user_event("你好", "greet")]
    stages = []
    for _ in range(3):
        events += [idle(), {"event": "action", "name": "action_count_idle"}]
        stages.append(count_idle(tracker_factory(events=events)))
        events.append(still_there())
    assert stages == [
        [SlotSet("idle_stage", "nudge")],
        [SlotSet("idle_stage", "nudge")],
        [SlotSet("idle_stage", "close")],
    ]


def test_a_silence_reapplied_after_the_two_stage_fallback_counts_once(
    tracker_factory: TrackerFactory,
) -> None:
    silence = idle()
    events = [
        idle(),
        still_there(),
        user_event("嗯嗯啊", "nlu_fallback", 0.3),
        {"event": "action", "name": "action_two_stage_fallback"},
        {"event": "action", "name": "action_listen"},
        silence,
        {"event": "action", "name": "action_two_stage_fallback"},
        {"event": "rewind"},  # UserUtteranceReverted: the silence is re-applied below
        {"event": "action", "name": "action_listen"},
        dict(silence),
    ]
    assert count_idle(tracker_factory(events=events)) == [SlotSet("idle_stage", "nudge")]


# ---- Closing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "reason"),
    [("goodbye", "goodbye"), ("deny", "goodbye"), (None, "goodbye"), (IDLE_INTENT, "idle")],
)
def test_close_reason(intent: str | None, reason: str) -> None:
    assert close_reason(intent) == reason


def test_closed_signal_shape() -> None:
    assert closed_signal("idle") == {"closed": {"by": "bot", "reason": "idle"}}


def end_conversation(tracker: Tracker) -> tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events: List[Dict[str, Any]] = ActionEndConversation().run(dispatcher, tracker, {})
    return events, dispatcher.messages


def test_end_conversation_after_goodbye_sends_only_the_signal(
    tracker_factory: TrackerFactory,
) -> None:
    tracker = tracker_factory(
        events=[
            bot_event("请问还有什么可以帮您?", "utter_anything_else"),
            user_event("没有了,拜拜", "goodbye"),
            bot_event("感谢您关注示例网!……再见!", "utter_closing"),
        ]
    )
    events, messages = end_conversation(tracker)
    assert events == []  # not paused: the desk ends the chat
    assert len(messages) == 1
    assert messages[0]["custom"] == {"closed": {"by": "bot", "reason": "goodbye"}}
    assert messages[0]["text"] is None and messages[0]["response"] is None


def test_end_conversation_after_the_third_silence_says_idle(
    tracker_factory: TrackerFactory,
) -> None:
    tracker = tracker_factory(events=[idle(), still_there(), idle(), still_there(), idle()])
    events, messages = end_conversation(tracker)
    assert events == []
    assert [m["custom"] for m in messages] == [{"closed": {"by": "bot", "reason": "idle"}}]


# ---- Leaving a message: the checks ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("王先生", "王先生"),
        ("李", "李"),
        ("我叫 王芳。", "王芳"),
        ("我是张三", "张三"),
        ("姓名：陈思远", "陈思远"),
        ("小王", "小王"),
        ("买买提·艾力", "买买提·艾力"),
        ("Tom  Lee", "Tom Lee"),
        ("Ｔｏｍ", "Tom"),
        ("O'Brien", "O'Brien"),
        ("Jean-Luc", "Jean-Luc"),
        ("欧阳娜娜!", "欧阳娜娜"),
        ("王" * NAME_MAX_CHARS, "王" * NAME_MAX_CHARS),
    ],
)
def test_a_name_is_taken(text: str, name: str) -> None:
    assert normalize_contact_name(text) == name


# No answer to any of the three questions.
HOSTILE = [
    "",
    "   ",
    "😀" * 10_000,
    "a" * 10_000,
    "1" * 10_000,
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\x00\x01\x02",
]
# Neither a name nor a phone number (but text a message may hold).
NOT_CONTACTS = [
    "'; DROP TABLE messages; --",
    "\u202e王芳",  # right-to-left override
    "王\u200b芳",  # zero-width space
]


@pytest.mark.parametrize(
    "text",
    [
        *HOSTILE,
        *NOT_CONTACTS,
        "王" * (NAME_MAX_CHARS + 1),
        "13812345678",
        "12",
        "<b>王芳</b>",
        "http://example.com",
        "www.example.cn",
        "王芳 example.com",
        "😀",
        "王😀",
        "👍🏻",
        "!!!",
        "好的",
        "谢谢",
        "在的",
        "Robert'); DROP TABLE students;--",
    ],
)
def test_a_malformed_name_is_rejected(text: str) -> None:
    assert normalize_contact_name(text) is None


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("１３８　１２３４　５６７８", "13812345678"),
        ("138－1234－5678", "13812345678"),
        ("我的手机号是13812345678", "13812345678"),
        ("手机:13812345678。", "13812345678"),
        ("电话：13912345678", "13912345678"),
        ("联系电话 199 0000 1111", "19900001111"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("010-12345678", "01012345678"),
        ("(0571)88889999", "057188889999"),
        ("（0571）8888 9999", "057188889999"),
        ("0571-8888999", "05718888999"),
        ("座机 021 6666 8888", "02166668888"),
    ],
)
def test_a_phone_number_is_normalised(text: str, phone: str) -> None:
    assert normalize_contact_phone(text) == phone


@pytest.mark.parametrize(
    "text",
    [
        *HOSTILE,
        *NOT_CONTACTS,
        "12812345678",  # no mobile starts with 12
        "10812345678",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "13812345678转123",
        "13812345678,13912345678",
        "138abcd5678",
        "1381234567８a",
        "010-123456",  # local number too short
        "010-12345",
        "0571-888899990",  # too long
        "+1 415 555 0100",
        "' OR 1=1 --",
        "没有电话",
        "١٣٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits are not what we call back
        "1" * 64 + "3812345678",
    ],
)
def test_a_malformed_phone_number_is_rejected(text: str) -> None:
    assert normalize_contact_phone(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "我想咨询广告合作的价格,请尽快联系我",
        "退款",
        "1",
        "a",
        "<b>请回电</b>",
        "DROP TABLE users;",  # text like any other: stored, never executed
        "'; DROP TABLE messages; --",
        "  订单一直没有发货  ",
        "字" * MESSAGE_MAX_CHARS,
        "问题😀",
    ],
)
def test_a_message_is_taken(text: str) -> None:
    assert normalize_message_text(text) == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t",
        "字" * (MESSAGE_MAX_CHARS + 1),
        "😀" * 10_000,
        "a" * 10_000,
        "<script>alert(1)</script>",
        "<SCRIPT src=x></SCRIPT>",
        "<style>body{}</style>",
        "<b></b><br/>",
        "😀😀😀",
        "!!!???",
        "\x00\x01",
    ],
)
def test_a_malformed_message_is_rejected(text: str) -> None:
    assert normalize_message_text(text) is None


def test_visible_text_drops_markup() -> None:
    assert visible_text("<p>您好<script>x()</script></p>") == "您好"


# ---- Leaving a message: the form's validation ---------------------------------------------


def validate(
    slot: str, value: Any, requested: str | None = None
) -> tuple[Dict[str, Any], List[str]]:
    """What the form's validation makes of `value` for `slot`, and the responses it sends."""
    dispatcher = CollectingDispatcher()
    method = getattr(ValidateLeaveMessageForm(), f"validate_{slot}")
    slots = {"requested_slot": requested or slot}
    tracker = Tracker("visitor-1", slots, {}, [], False, None, {}, None)
    result: Dict[str, Any] = asyncio.run(method(value, dispatcher, tracker, {}))
    return result, [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize(
    ("slot", "value", "expected"),
    [
        ("message_name", "我姓王,叫我王先生就行", None),
        ("message_name", "王先生", "王先生"),
        ("message_phone", "138 1234 5678", "13812345678"),
        ("message_text", "想问一下会员怎么续费", "想问一下会员怎么续费"),
    ],
)
def test_each_answer_is_checked(slot: str, value: str, expected: str | None) -> None:
    result, responses = validate(slot, value)
    assert result == {slot: expected}
    assert responses == ([] if expected else [f"utter_invalid_{slot}"])


@pytest.mark.parametrize("slot", MESSAGE_SLOTS)
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_answers_get_the_hint_and_the_question_again(slot: str, value: str) -> None:
    assert validate(slot, value) == ({slot: None}, [f"utter_invalid_{slot}"])


@pytest.mark.parametrize("slot", ["message_name", "message_phone"])
@pytest.mark.parametrize("value", NOT_CONTACTS)
def test_no_contact_detail_gets_the_hint(slot: str, value: str) -> None:
    assert validate(slot, value) == ({slot: None}, [f"utter_invalid_{slot}"])


@pytest.mark.parametrize("slot", MESSAGE_SLOTS)
def test_a_cleared_slot_is_not_an_answer(slot: str) -> None:
    assert validate(slot, None) == ({slot: None}, [])


def test_a_malformed_value_for_a_question_not_asked_is_dropped_silently() -> None:
    assert validate("message_phone", "abc", requested="message_name") == (
        {"message_phone": None},
        [],
    )


# ---- Leaving a message: passing it on -----------------------------------------------------


def test_build_left_message_normalises_every_value() -> None:
    left, invalid = build_left_message("王先生", "138-1234-5678", " 请回电 ", "11月24日8:30以后")
    assert invalid == []
    assert left == {
        "name": "王先生",
        "phone": "13812345678",
        "message": "请回电",
        "reply_time": "11月24日8:30以后",
    }


def test_build_left_message_names_what_is_missing() -> None:
    assert build_left_message("王先生", None, "<b></b>", None) == (
        None,
        ["message_phone", "message_text"],
    )


def leave_message(
    tracker: Tracker,
) -> tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events: List[Dict[str, Any]] = ActionLeaveMessage().run(dispatcher, tracker, {})
    return events, dispatcher.messages


FILLED = {
    "message_name": "王先生",
    "message_phone": "13812345678",
    "message_text": "想咨询广告合作,请联系我",
    "reply_time": "11月24日(周二)8:30以后",
}


def test_leave_message_sends_the_signal_confirms_and_clears_the_form(
    tracker_factory: TrackerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    tracker = tracker_factory(slots=FILLED, events=[user_event("想咨询广告合作", "faq")])
    with caplog.at_level(logging.INFO, logger="actions.waiting"):
        events, messages = leave_message(tracker)
    assert [m["custom"] for m in messages] == [
        {
            "leave_message": {
                "name": "王先生",
                "phone": "13812345678",
                "message": "想咨询广告合作,请联系我",
                "reply_time": "11月24日(周二)8:30以后",
            }
        },
        {},
    ]
    assert [m["response"] for m in messages] == [None, "utter_message_left"]
    assert events == [
        SlotSet("message_name", None),
        SlotSet("message_phone", None),
        SlotSet("message_text", None),
    ]
    assert "138****5678" in caplog.text
    assert "13812345678" not in caplog.text
    assert "广告" not in caplog.text  # the message itself is not logged


def test_a_landline_is_masked_in_the_log_too(
    tracker_factory: TrackerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    tracker = tracker_factory(slots={**FILLED, "message_phone": "010-12345678"})
    with caplog.at_level(logging.INFO, logger="actions.waiting"):
        leave_message(tracker)
    assert "01012345678" not in caplog.text
    assert "010****5678" in caplog.text


def test_an_incomplete_message_is_not_sent_and_the_form_asks_again(
    tracker_factory: TrackerFactory,
) -> None:
    tracker = tracker_factory(slots={**FILLED, "message_phone": "12345"})
    events, messages = leave_message(tracker)
    assert messages == []
    assert events == [SlotSet("message_phone", None), FollowupAction("leave_message_form")]


# ---- A phone number given without a request becomes a 留言 --------------------------------

# Tuesday 2026-11-24, 10:00 and 20:00 in Shanghai (02:00 and 12:00 UTC).
MORNING = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
EVENING = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("name", "phone", "found"),
    [
        (None, "13698765432", {"message_phone": "13698765432"}),
        ("李建国", "135-8765-4321", {"message_name": "李建国", "message_phone": "13587654321"}),
        ("王芳", None, {"message_name": "王芳"}),
        # what the form would refuse is left for it to ask
        ("好的", "12345", {}),
        (None, None, {}),
    ],
)
def test_prefilled_message(name: str | None, phone: str | None, found: Dict[str, str]) -> None:
    assert prefilled_message(name, phone) == found


@pytest.mark.parametrize(
    ("moment", "reply_time"), [(MORNING, "今天17:00前"), (EVENING, "明天(11月25日 周三)8:30以后")]
)
def test_reply_time_is_the_desks(moment: datetime, reply_time: str) -> None:
    assert reply_time_at(Settings(), moment) == reply_time


def test_reply_time_of_misconfigured_hours_is_none(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="actions.waiting"):
        assert reply_time_at(Settings(timezone="Mars/Olympus"), MORNING) is None
    assert "Mars/Olympus" in caplog.text


def start_leave_message(tracker: Tracker) -> tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    action = ActionStartLeaveMessage(clock=lambda: EVENING)
    events: List[Dict[str, Any]] = action.run(dispatcher, tracker, {})
    return events, dispatcher.messages


def phone_given(text: str, **entities: str) -> Dict[str, Any]:
    found = [{"entity": entity, "value": value} for entity, value in entities.items()]
    return user_event(text, "inform", entities=found)


def test_a_phone_number_starts_a_message_prefilled_from_the_entities(
    tracker_factory: TrackerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DESK_HOURS", "DESK_HOLIDAYS", "DESK_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    message = phone_given("我叫李建国 手机13587654321", person_name="李建国", phone="13587654321")
    events, messages = start_leave_message(tracker_factory(events=[message]))
    assert events == [
        SlotSet("message_name", "李建国"),
        SlotSet("message_phone", "13587654321"),
        SlotSet("reply_time", "明天(11月25日 周三)8:30以后"),
    ]
    assert messages == []  # the rules and the form speak


def test_the_reply_time_follows_the_configured_hours(
    tracker_factory: TrackerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_HOURS", "mon-sun 00:00-24:00")
    message = phone_given("我的手机号是13698765432", phone="13698765432")
    events, _ = start_leave_message(tracker_factory(events=[message]))
    assert events == [
        SlotSet("message_phone", "13698765432"),
        SlotSet("reply_time", ALWAYS_OPEN_TEXT),
    ]


def test_an_earlier_name_is_not_taken_for_the_visitors(tracker_factory: TrackerFactory) -> None:
    # a name NLU found in an earlier message (a complaint about 张伟) is not the visitor's
    events = [
        user_event(
            "我要投诉客服张伟", "complain", entities=[{"entity": "person_name", "value": "张伟"}]
        ),
        phone_given("电话18655556666", phone="18655556666"),
    ]
    found, _ = start_leave_message(tracker_factory(slots={"person_name": "张伟"}, events=events))
    assert SlotSet("message_name", "张伟") not in found
    assert found[0] == SlotSet("message_phone", "18655556666")


# ---- The domain holds what the actions and the desk rely on -------------------------------


def test_the_external_intents_are_declared(domain: Dict[str, Any]) -> None:
    assert [i for i in domain["intents"] if i.startswith("EXTERNAL_")] == EXTERNAL_INTENTS


@pytest.mark.parametrize(
    "slot",
    [
        "account_number",
        "verification_fact",
        "lookup_name",
        "lookup_address",
        *MESSAGE_SLOTS,
    ],
)
def test_no_external_intent_is_a_form_answer(domain: Dict[str, Any], slot: str) -> None:
    for mapping in domain["slots"][slot]["mappings"]:
        if mapping["type"] == "from_text":
            assert set(EXTERNAL_INTENTS) <= set(mapping["not_intent"])


def test_the_leave_message_form_and_its_slots(domain: Dict[str, Any]) -> None:
    assert domain["forms"]["leave_message_form"]["required_slots"] == list(MESSAGE_SLOTS)
    for slot in MESSAGE_SLOTS:
        assert {"request_human", "goodbye", "deny"} <= set(
            domain["slots"][slot]["mappings"][0]["not_intent"]
        )
        assert f"utter_ask_{slot}" in domain["responses"]
        assert f"utter_invalid_{slot}" in domain["responses"]


@pytest.mark.parametrize("slot", ["working_hours", "reply_time"])
def test_the_desk_fills_the_hours_slots_from_its_entities(
    domain: Dict[str, Any], slot: str
) -> None:
    assert slot in domain["entities"]
    assert domain["slots"][slot]["mappings"] == [
        {
            "type": "from_entity",
            "entity": slot,
            "intent": ["EXTERNAL_after_hours", "EXTERNAL_no_agent"],
        }
    ]
    assert domain["slots"][slot]["initial_value"]  # what the responses say if it sends none


def test_idle_stage_values(domain: Dict[str, Any]) -> None:
    assert domain["slots"]["idle_stage"]["values"] == ["nudge", "close"]


def test_the_actions_are_registered(domain: Dict[str, Any]) -> None:
    for action in (
        ActionCountIdle(),
        ActionEndConversation(),
        ValidateLeaveMessageForm(),
        ActionLeaveMessage(),
        ActionStartLeaveMessage(),
    ):
        assert action.name() in domain["actions"]


@pytest.mark.parametrize(
    ("response", "placeholders"),
    [
        ("utter_still_there", []),
        ("utter_idle_close", ["{company_name}"]),
        ("utter_after_hours", ["{working_hours}", "{reply_time}"]),
        ("utter_no_agent", ["{reply_time}"]),
        ("utter_message_left", ["{reply_time}"]),
    ],
)
def test_the_waiting_responses(
    domain: Dict[str, Any], response: str, placeholders: List[str]
) -> None:
    text = domain["responses"][response][0]["text"]
    assert "您" in text
    assert all(placeholder in text for placeholder in placeholders)
