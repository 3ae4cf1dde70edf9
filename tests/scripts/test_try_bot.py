"""`make try`: the lines printed for a message, from a fixed parse and fixed tracker events."""

import os
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from scripts.try_bot import MODEL, Step, describe, stale_inputs, steps_after_message

FAQ_PARSE: Dict[str, Any] = {
    "text": "你们几点上班",
    "intent": {"name": "faq", "confidence": 0.9731},
    "intent_ranking": [
        {"name": "faq", "confidence": 0.9731},
        {"name": "out_of_scope", "confidence": 0.0212},
        {"name": "greet", "confidence": 0.003},
    ],
    "entities": [],
    "response_selector": {
        "faq": {
            "response": {"intent_response_key": "faq/business_hours", "confidence": 0.91},
            "ranking": [
                {"intent_response_key": "faq/business_hours", "confidence": 0.91},
                {"intent_response_key": "faq/how_to_use", "confidence": 0.06},
            ],
        }
    },
}
EVENTS: List[Dict[str, Any]] = [
    {"event": "action", "name": "action_session_start"},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "你们几点上班", "parse_data": FAQ_PARSE},
    {"event": "user_featurization"},
    {"event": "action", "name": "utter_faq", "policy": "RulePolicy", "confidence": 1.0},
    {"event": "bot", "text": "我们的在线客服工作时间为:周一至周五。",
     "metadata": {"utter_action": "utter_faq/business_hours"}},
    {"event": "action", "name": "utter_anything_else", "policy": "RulePolicy", "confidence": 1.0},
    {"event": "bot", "text": "请问还有什么可以帮您?",
     "metadata": {"utter_action": "utter_anything_else"}},
    {"event": "action", "name": "action_listen", "policy": "RulePolicy", "confidence": 1.0},
]  # fmt: skip


def test_an_faq_question_shows_intent_topic_runner_ups_and_the_answer() -> None:
    steps = steps_after_message(EVENTS)

    assert describe(FAQ_PARSE, steps) == [
        "意图 intent     faq 0.97   次选 runner-up out_of_scope 0.02",
        "FAQ 主题 topic   faq/business_hours 0.91   次选 runner-up faq/how_to_use 0.06",
        "实体 entities   -",
        "机器人 bot",
        "  → utter_faq = utter_faq/business_hours (RulePolicy 1.00)",
        "      我们的在线客服工作时间为:周一至周五。",
        "  → utter_anything_else (RulePolicy 1.00)",
        "      请问还有什么可以帮您?",
    ]


def test_an_unclear_message_shows_the_likeliest_intents_entities_and_buttons() -> None:
    parse = {
        "intent": {"name": "nlu_fallback", "confidence": 0.6},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.6},
            {"name": "complain", "confidence": 0.41},
            {"name": "inform", "confidence": 0.33},
        ],
        "entities": [
            {"entity": "account_number", "value": "1234567890", "confidence_entity": 0.987},
            {"entity": "person_name", "value": "王芳"},
        ],
    }
    steps = [
        Step("action_two_stage_fallback", "RulePolicy", 1.0,
             ["您是不是说「投诉」?  [投诉 | 都不是]"]),
        Step("action_verify_account", "RulePolicy", 1.0, failed="ConnectionError: redis"),
    ]  # fmt: skip

    assert describe(parse, steps) == [
        "意图 intent     nlu_fallback 0.60   unclear, likeliest complain 0.41, inform 0.33",
        "实体 entities   account_number=1234567890 (0.99)  person_name=王芳",
        "机器人 bot",
        "  → action_two_stage_fallback (RulePolicy 1.00)",
        "      您是不是说「投诉」?  [投诉 | 都不是]",
        "  → action_verify_account (RulePolicy 1.00)",
        "      (failed here: ConnectionError: redis)",
    ]


def test_an_unclear_faq_question_still_shows_its_topics() -> None:
    parse = {**FAQ_PARSE, "intent": {"name": "nlu_fallback", "confidence": 0.6}}
    parse["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.6}] + FAQ_PARSE[
        "intent_ranking"
    ]

    assert describe(parse, [])[1] == (
        "FAQ 主题 topic   faq/business_hours 0.91   次选 runner-up faq/how_to_use 0.06"
    )


def test_buttons_and_signals_are_shown_in_the_steps() -> None:
    events: List[Dict[str, Any]] = [
        {"event": "user", "text": "转人工", "parse_data": {}},
        {"event": "action", "name": "action_handoff", "policy": "RulePolicy", "confidence": 1.0},
        {"event": "bot", "text": "正在为您转接人工客服,请您稍等。", "data": {}},
        {"event": "bot", "text": None, "data": {"custom": {"handoff": {"reason": "x"}}}},
        {"event": "bot", "text": "要转人工吗?", "data": {"buttons": [{"title": "好的"}]}},
    ]

    [step] = steps_after_message(events)

    assert step.said == [
        "正在为您转接人工客服,请您稍等。",
        "(custom message: handoff)",
        "要转人工吗?  [好的]",
    ]


def test_a_model_older_than_the_data_names_what_changed(tmp_path: Path) -> None:
    model = tmp_path / "models" / "bot.tar.gz"
    model.parent.mkdir()
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    edited = tmp_path / "data" / "nlu" / "faq.yml"
    for path in (tmp_path / "domain.yml", edited, model):
        path.write_text("x")
    past = time.time() - 60
    os.utime(tmp_path / "domain.yml", (past - 60, past - 60))
    os.utime(model, (past, past))

    assert stale_inputs(model, tmp_path) == ["data/nlu/faq.yml"]


@pytest.mark.integration
def test_the_real_model_answers_a_question_in_process() -> None:
    """Loads models/bot.tar.gz (about a minute on 2 busy cores) and sends one message."""
    import asyncio

    from scripts.try_bot import Bot, quiet

    if not MODEL.exists():
        pytest.skip("no trained model")
    quiet()
    bot = Bot(MODEL)

    parse, steps = asyncio.run(bot.send("你们几点上班"))

    lines = describe(parse, steps)
    assert lines[0].startswith("意图 intent     faq ")
    assert lines[1].startswith("FAQ 主题 topic   faq/business_hours ")
    assert [s.action for s in steps] == ["utter_faq", "utter_anything_else"]
    assert "{working_hours}" not in steps[0].said[0]  # action_session_start ran in-process
