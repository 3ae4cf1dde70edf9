"""The desk's pure functions: socket payloads, tracker mirroring, message checks."""

from typing import Any

import pytest

from desk.errors import DeskError
from desk.phrases import Phrases, load_phrases
from desk.service import bot_uttered, checked_text, mirror_events
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def phrases() -> Phrases:
    return load_phrases(ROOT / "domain.yml", "测试网")


def test_bot_line_with_buttons_becomes_rasa_quick_replies() -> None:
    entry = {
        "seq": 4,
        "from": "bot",
        "ts": 1.0,
        "text": "您是不是说「转人工客服」?",
        "buttons": [{"title": "转人工客服", "payload": "/request_human"}],
    }
    assert bot_uttered(entry) == {
        "text": "您是不是说「转人工客服」?",
        "quick_replies": [
            {"content_type": "text", "title": "转人工客服", "payload": "/request_human"}
        ],
        "metadata": {"sender": "bot", "seq": 4},
    }


def test_agent_line_carries_the_agent_name_and_no_quick_replies() -> None:
    entry = {
        "seq": 9,
        "from": "agent",
        "ts": 2.0,
        "text": "您好",
        "agent_id": "1",
        "agent_name": "王芳",
    }
    assert bot_uttered(entry) == {
        "text": "您好",
        "metadata": {"sender": "agent", "seq": 9, "agent_name": "王芳"},
    }


def test_mirroring_keeps_visitor_and_agent_lines_in_order_and_drops_system_lines() -> None:
    entries = [
        {"from": "system", "ts": 1.0, "text": "您好,1001号客服王芳很高兴为您服务"},
        {"from": "visitor", "ts": 2.0, "text": "我的订单没到"},
        {"from": "agent", "ts": 3.0, "text": "我帮您查一下", "agent_id": "1001"},
        {"from": "bot", "ts": 4.0, "text": "never while an agent owns it"},
    ]
    assert mirror_events(entries) == [
        {
            "event": "user",
            "text": "我的订单没到",
            "timestamp": 2.0,
            "parse_data": {"text": "我的订单没到", "intent": {}, "entities": []},
        },
        {
            "event": "bot",
            "text": "我帮您查一下",
            "timestamp": 3.0,
            "metadata": {"agent_id": "1001"},
        },
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (None, "malformed"),
        (12, "malformed"),
        (["a"], "malformed"),
        ("", "empty"),
        (" \n\t", "empty"),
    ],
)
def test_bad_messages_are_refused_with_the_desk_wording(
    phrases: Phrases, text: Any, code: str
) -> None:
    with pytest.raises(DeskError) as raised:
        checked_text(text, 10, phrases)
    assert (raised.value.code, raised.value.message, raised.value.status) == (
        code,
        phrases.say(code),
        400,
    )


def test_too_long_is_counted_after_trimming(phrases: Phrases) -> None:
    assert checked_text("  " + "好" * 10 + "  ", 10, phrases) == "好" * 10
    with pytest.raises(DeskError) as raised:
        checked_text("好" * 11, 10, phrases)
    assert raised.value.code == "too_long"
    assert raised.value.message == phrases.say("too_long", limit=10)
    assert "10" in raised.value.message


def test_hostile_text_passes_unchanged(phrases: Phrases) -> None:
    """Escaping is the pages' job: the desk stores and relays exactly what was typed."""
    for text in ["<script>alert(1)</script>", "'; DROP TABLE users; --", "😀" * 10]:
        assert checked_text(text, 1000, phrases) == text
