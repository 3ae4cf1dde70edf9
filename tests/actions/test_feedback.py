"""Complaints are heard before they are recorded: the prefill, the form's check, the domain."""

import asyncio
from typing import Any, Dict, List

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import (
    COMPLAINT_FORM,
    DESCRIPTION_SLOT,
    ActionStartComplaint,
    ValidateComplaintForm,
    complaint_description,
    normalize_complaint,
)
from actions.handoff_signal import HANDOFF_SLOTS
from common.contract import DESK_INTENTS
from tests.conftest import ROOT, TrackerFactory, user_event


@pytest.mark.parametrize(
    ("text", "description"),
    [
        # the complaint says what happened: kept as written, without the bare complaint
        ("我要投诉,快递三天都没送到", "快递三天都没送到"),
        ("我要投诉，快递三天都没送到！", "快递三天都没送到！"),
        ("我要投诉 买的东西一个月了还没发货", "买的东西一个月了还没发货"),
        ("昨天那个客服态度太恶劣了 我要投诉她", "昨天那个客服态度太恶劣了"),
        ("快递没到,我要投诉!", "快递没到"),
        ("你好,我要投诉,快递没到,客服也不回", "快递没到,客服也不回"),
        ("快递没到,我要投诉,客服也不回", "快递没到,客服也不回"),
        # no clause to drop: the whole message is the description
        ("你们的快递三天都没到", "你们的快递三天都没到"),
        ("客服态度太差了我要投诉", "客服态度太差了我要投诉"),
        ("我要投诉那个客服态度差", "我要投诉那个客服态度差"),
        ("扣了我两次钱", "扣了我两次钱"),
        # only a complaint, a greeting or whom: asked
        ("我要投诉", None),
        ("投诉", None),
        ("我要投诉你们", None),
        ("投诉一下", None),
        ("你好,我要投诉!", None),
        ("我要给你们差评", None),
        ("差评!!!", None),
        ("我要投诉你们的服务", None),
        ("我要投诉你们售后", None),
        ("我要投诉那个工作人员", None),
        ("我要举报", None),
        # the bare complaints of tests/e2e
        ("我要投诉你们网站", None),
        ("我要投诉!", None),
        ("我要投诉你们的客服", None),
        ("我要投诉你们公司", None),
        ("我要投诉你们平台", None),
        ("我要投诉你们家客服", None),
        # fewer than 4 letters or digits left
        ("我要投诉,太慢", None),
        ("态度差", None),
        # a button payload, markup or emoji is no description
        ("/complain", None),
        ("<b>投诉</b>", None),
        ("我要投诉 😡😡😡😡", None),
        ("", None),
    ],
)
def test_complaint_description(text: str, description: str | None) -> None:
    assert complaint_description(text) == description


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("  快递丢了 ", "快递丢了"),
        ("差", "差"),  # asked what happened, any words are an answer
        ("我要投诉", "我要投诉"),
        ("😡😡", None),
        ("<p></p>", None),
        ("!!!", None),
        ("   ", None),
    ],
)
def test_normalize_complaint(text: str, normalized: str | None) -> None:
    assert normalize_complaint(text) == normalized


def start_complaint(tracker: Tracker) -> tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events: List[Dict[str, Any]] = ActionStartComplaint().run(dispatcher, tracker, {})
    return events, dispatcher.messages


def test_a_complaint_that_says_what_happened_prefills_the_form(
    tracker_factory: TrackerFactory,
) -> None:
    tracker = tracker_factory(events=[user_event("我要投诉,快递三天都没送到", "complain")])
    events, messages = start_complaint(tracker)
    assert events == [SlotSet("complaint_description", "快递三天都没送到")]
    assert messages == []  # the rules and the form speak


def test_a_bare_complaint_clears_an_earlier_description_so_the_form_asks(
    tracker_factory: TrackerFactory,
) -> None:
    tracker = tracker_factory(
        slots={"complaint_description": "上次的快递没送到"},
        events=[user_event("我要投诉", "complain")],
    )
    events, messages = start_complaint(tracker)
    assert events == [SlotSet("complaint_description", None)]
    assert messages == []


def validate(tracker: Tracker, value: Any) -> tuple[Dict[str, Any], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    result = asyncio.run(
        ValidateComplaintForm().validate_complaint_description(value, dispatcher, tracker, {})
    )
    return result, dispatcher.messages


def test_an_answer_is_kept_as_written(tracker_factory: TrackerFactory) -> None:
    tracker = tracker_factory(slots={"requested_slot": DESCRIPTION_SLOT})
    assert validate(tracker, " 电饭煲用了两天就坏了 ") == (
        {"complaint_description": "电饭煲用了两天就坏了"},
        [],
    )


def test_an_answer_without_words_gets_the_hint(tracker_factory: TrackerFactory) -> None:
    tracker = tracker_factory(slots={"requested_slot": DESCRIPTION_SLOT})
    result, messages = validate(tracker, "😡😡😡")
    assert result == {"complaint_description": None}
    assert [m["response"] for m in messages] == ["utter_invalid_complaint_description"]


def test_a_cleared_description_is_no_answer(tracker_factory: TrackerFactory) -> None:
    tracker = tracker_factory(slots={"requested_slot": None})
    assert validate(tracker, None) == ({"complaint_description": None}, [])


# ---- The domain and the rules hold what the actions rely on -------------------------------


def test_the_form_and_its_slot(domain: Dict[str, Any]) -> None:
    assert domain["forms"][COMPLAINT_FORM]["required_slots"] == [DESCRIPTION_SLOT]
    [mapping] = domain["slots"][DESCRIPTION_SLOT]["mappings"]
    assert mapping["type"] == "from_text"
    assert mapping["conditions"] == [
        {"active_loop": COMPLAINT_FORM, "requested_slot": DESCRIPTION_SLOT}
    ]
    # these leave or interrupt the form; anything else describes the problem
    assert set(mapping["not_intent"]) == {"request_human", "goodbye", "deny", *DESK_INTENTS}
    assert domain["slots"][DESCRIPTION_SLOT]["influence_conversation"] is False
    for response in ("utter_ask_complaint_description", "utter_invalid_complaint_description"):
        assert response in domain["responses"]


def test_the_actions_are_registered(domain: Dict[str, Any]) -> None:
    for action in (ActionStartComplaint(), ValidateComplaintForm()):
        assert action.name() in domain["actions"]


def test_the_description_goes_to_the_agent() -> None:
    assert DESCRIPTION_SLOT in HANDOFF_SLOTS


def _rules(feature: str) -> Dict[str, List[Dict[str, Any]]]:
    path = ROOT / "data" / "rules" / f"{feature}.yml"
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]
    return {rule["rule"]: rule["steps"] for rule in rules}


def test_a_complaint_is_heard_then_recorded_then_handed_over() -> None:
    rules = _rules("feedback")
    assert rules["a complaint starts the complaint form"] == [
        {"intent": "complain"},
        {"action": "action_start_complaint"},
        {"action": COMPLAINT_FORM},
        {"active_loop": COMPLAINT_FORM},
    ]
    assert rules["the complaint is described, so record it and hand it to a human"][-2:] == [
        {"action": "utter_complaint_recorded"},
        {"action": "action_handoff"},
    ]


def test_a_complaint_during_verification_is_heard_too() -> None:
    steps = _rules("account")["a complaint during verification starts the complaint form"]
    assert steps[-3:] == [
        {"action": "action_start_complaint"},
        {"action": COMPLAINT_FORM},
        {"active_loop": COMPLAINT_FORM},
    ]
