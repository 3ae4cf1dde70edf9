"""The desk's pure functions: socket payloads, tracker mirroring, message checks, tickets,
what agents not assigned to a conversation see of it, and agents' lines with a forbidden phrase."""

import asyncio
import time
from typing import Any, Dict, List, Tuple
from unittest.mock import AsyncMock, MagicMock

import pytest

from compliance.pipeline import default_inventory
from compliance.screening import screen
from desk.compliance_report import compliance_day
from desk.errors import DeskError
from desk.phrases import Phrases, load_phrases
from desk.service import (
    Desk,
    bot_uttered,
    checked_text,
    inbox_message,
    masked_ticket,
    masked_transcript,
    merged_ticket,
    mirror_events,
    new_ticket,
)
from desk.settings import DeskSettings
from desk.store import Agent
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
        ("abc\ud800", "malformed"),  # a lone surrogate: not storable, not showable
        ("\udfff", "malformed"),
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


def test_inbox_messages_carry_the_visitors_address_as_rasa_metadata() -> None:
    first, second = inbox_message("你好", "203.0.113.7"), inbox_message("/greet", None)
    assert first == {
        "kind": "message",
        "text": "你好",
        "metadata": {"client_ip": "203.0.113.7"},
        "id": first["id"],
    }
    assert second == {"kind": "message", "text": "/greet", "id": second["id"]}
    assert len({first["id"], second["id"]}) == 2  # each item its own delivery id
    third = inbox_message("你好", "203.0.113.7", "v" * 32)
    assert third["metadata"] == {"client_ip": "203.0.113.7", "visitor_id": "v" * 32}


SIGNAL: Dict[str, Any] = {
    "version": 1,
    "conversation_id": "c1",
    "reason": "account_verified",
    "intent": "account_lookup",
    "slots": {"person_name": "张三", "phone": "13812345678", "account_number": "1234567890"},
    "summary": {"visitor_messages": 4, "intents": ["account_lookup"]},
    "verification": {"status": "verified", "account_number": "1234567890", "method": "name"},
    "transcript": [],
    "created_at": 1.0,
}


def test_a_verified_handoff_opens_a_ticket_with_the_verified_account(phrases: Phrases) -> None:
    assert new_ticket("c1", SIGNAL, phrases, 100.5) == {
        "conversation_id": "c1",
        "reason": "account_verified",
        "reason_label": "已验证",
        "intent": "account_lookup",
        "slots": {"person_name": "张三", "phone": "13812345678", "account_number": "1234567890"},
        # Agents read intents as labels, never raw names.
        "summary": {"visitor_messages": 4, "intents": ["查询账户信息"]},
        "verification": {"status": "verified", "account_number": "1234567890", "method": "name"},
        "verified": "1234567890",
        "queued_at": 100.5,
    }


def test_used_up_checks_are_on_the_ticket_but_nothing_is_verified(phrases: Phrases) -> None:
    verification = {"status": "exhausted", "account_number": "1234567890", "method": None}
    signal = {**SIGNAL, "reason": "verification_exhausted", "verification": verification}
    ticket = new_ticket("c1", signal, phrases, 1.0)
    assert (ticket["reason_label"], ticket["verification"]) == ("核验次数已用尽", verification)
    assert "verified" not in ticket


def test_a_signal_without_verification_opens_the_same_ticket_as_before(phrases: Phrases) -> None:
    signal = {"reason": "complaint", "intent": "complain", "slots": None}
    assert new_ticket("c2", signal, phrases, 2.0) == {
        "conversation_id": "c2",
        "reason": "complaint",
        "reason_label": "投诉",
        "intent": "complain",
        "slots": {},
        "summary": {},
        "verification": None,
        "queued_at": 2.0,
    }


TICKET: Dict[str, Any] = {
    "conversation_id": "0123456789abcdef0123456789012345",
    "reason": "account_verified",
    "reason_label": "已验证",
    "intent": "account_lookup",
    "slots": {"person_name": "张三", "phone": "13812345678", "account_number": "1234567890"},
    "summary": {
        "visitor_messages": 2,
        "intents": ["account_lookup"],
        "last_visitor_message": "身份证110101199003074512,银行卡6222 0212 3456 7890 128",
    },
    "verification": {"status": "verified", "account_number": "1234567890", "method": "name"},
    "verified": "1234567890",
    "queued_at": 1.0,
}


def test_tickets_are_masked_for_agents_not_assigned() -> None:
    assert masked_ticket(TICKET) == {
        "conversation_id": "0123456789abcdef0123456789012345",
        "reason": "account_verified",
        "reason_label": "已验证",
        "intent": "account_lookup",
        "slots": {"person_name": "张三", "phone": "138****5678", "account_number": "123***7890"},
        "summary": {
            "visitor_messages": 2,
            "intents": ["account_lookup"],
            "last_visitor_message": "身份证110***********4512,银行卡622************0128",
        },
        "verification": {"status": "verified", "account_number": "123***7890", "method": "name"},
        "verified": "123***7890",
        "queued_at": 1.0,
    }
    assert TICKET["slots"]["phone"] == "13812345678"  # the stored ticket is left alone


TRANSCRIPT: List[Dict[str, Any]] = [
    {"seq": 0, "ts": 1.0, "from": "visitor", "text": "我的手机号是13812345678 户号1234567890"},
    {
        "seq": 1,
        "ts": 2.0,
        "from": "bot",
        "text": "请确认户号1234567890",
        "buttons": [{"title": "是1234567890", "payload": '/affirm{"account":"1234567890"}'}],
    },
    {"seq": 2, "ts": 3.0, "from": "agent", "text": "您的尾号5678", "agent_id": "1001"},
]


def test_transcripts_are_masked_for_agents_not_assigned() -> None:
    assert masked_transcript(TRANSCRIPT) == [
        {"seq": 0, "ts": 1.0, "from": "visitor", "text": "我的手机号是138****5678 户号123***7890"},
        {
            "seq": 1,
            "ts": 2.0,
            "from": "bot",
            "text": "请确认户号123***7890",
            "buttons": [{"title": "是123***7890", "payload": '/affirm{"account":"123***7890"}'}],
        },
        {"seq": 2, "ts": 3.0, "from": "agent", "text": "您的尾号5678", "agent_id": "1001"},
    ]


class FakeStore:
    """The few store reads `Desk.conversation_view` and `Desk.tickets` make."""

    # The timer and waiting keys Desk touches on the way; nothing here depends on them.
    redis = MagicMock(zrem=AsyncMock(), hdel=AsyncMock(), hmget=AsyncMock(return_value=[None]))

    def __init__(self, owner: str, agent_id: str | None) -> None:
        self._owner = (owner, agent_id)

    async def owner(self, conversation_id: str) -> Tuple[str, str | None]:
        return self._owner

    async def ticket(self, conversation_id: str) -> Dict[str, Any]:
        return TICKET

    async def transcript(self, conversation_id: str) -> List[Dict[str, Any]]:
        return TRANSCRIPT

    async def queue(self) -> List[Dict[str, Any]]:
        return [TICKET]

    async def visitors_left(self, conversation_ids: List[str]) -> set[str]:
        return set()


def desk_over(store: FakeStore, phrases: Phrases) -> Desk:
    return Desk(DeskSettings(), store, None, None, phrases)  # type: ignore[arg-type]


AGENT = Agent("1001", "王芳", 3, "online", 1)


@pytest.mark.parametrize(
    ("owner", "agent_id", "masked"),
    [("queued", None, True), ("agent", "1001", False)],
)
def test_only_the_assigned_agent_sees_the_numbers(
    phrases: Phrases, owner: str, agent_id: str | None, masked: bool
) -> None:
    desk = desk_over(FakeStore(owner, agent_id), phrases)
    view = asyncio.run(desk.conversation_view("c1", AGENT))
    assert view == {
        "conversation_id": "c1",
        "owner": owner,
        "agent_id": agent_id,
        "ticket": masked_ticket(TICKET) if masked else TICKET,
        "transcript": masked_transcript(TRANSCRIPT) if masked else TRANSCRIPT,
        "visitor_waiting": False,
        "visitor_left": False,
    }


def test_another_agents_conversation_stays_closed(phrases: Phrases) -> None:
    desk = desk_over(FakeStore("agent", "1002"), phrases)
    with pytest.raises(DeskError) as raised:
        asyncio.run(desk.conversation_view("c1", AGENT))
    assert (raised.value.code, raised.value.status) == ("forbidden", 403)


def test_the_queue_every_agent_sees_is_masked(phrases: Phrases) -> None:
    [ticket] = asyncio.run(desk_over(FakeStore("queued", None), phrases).tickets())
    assert ticket == {
        **masked_ticket(TICKET),
        "waiting_seconds": ticket["waiting_seconds"],
        "visitor_left": False,
    }
    assert ticket["slots"]["phone"] == "138****5678"


# Service-language compliance: agent lines with a forbidden phrase are held, or sent anyway


class ComplianceStore:
    """What `Desk.agent_message` reads and writes."""

    # The timer and waiting keys Desk touches on the way; nothing here depends on them.
    redis = MagicMock(zrem=AsyncMock(), hdel=AsyncMock(), hmget=AsyncMock(return_value=[None]))

    def __init__(self) -> None:
        self.lines: List[Dict[str, Any]] = []
        self.counted: List[Tuple[str, str, str, int]] = []
        self.forced: List[Dict[str, Any]] = []

    async def owner(self, conversation_id: str) -> Tuple[str, str | None]:
        return "agent", "1001"

    async def append(self, conversation_id: str, entry: Dict[str, Any]) -> Dict[str, Any]:
        self.lines.append(entry)
        return {**entry, "seq": len(self.lines) - 1}

    async def count_compliance(self, day: str, agent_id: str, kind: str, keep: int) -> None:
        self.counted.append((day, agent_id, kind, keep))

    async def record_forced(self, record: Dict[str, Any]) -> None:
        self.forced.append(record)


class Emitted:
    def __init__(self) -> None:
        self.events: List[Tuple[str, Dict[str, Any]]] = []

    async def emit(self, event: str, data: Dict[str, Any], **where: Any) -> None:
        self.events.append((event, data))


def compliance_desk(phrases: Phrases) -> Tuple[Desk, ComplianceStore, Emitted]:
    store, sio = ComplianceStore(), Emitted()
    desk = Desk(DeskSettings(), store, None, sio, phrases)  # type: ignore[arg-type]
    return desk, store, sio


def test_a_line_with_a_forbidden_phrase_is_held_and_counted(phrases: Phrases) -> None:
    desk, store, sio = compliance_desk(phrases)
    answer = asyncio.run(desk.agent_message("c1", AGENT, "这个可能要等"))
    assert answer == {"held": True, "violations": [v.to_json() for v in screen("这个可能要等")]}
    assert answer["violations"][0]["rule"] == "vague_possibly"
    assert (store.lines, sio.events, store.forced) == ([], [], [])
    today = compliance_day(time.time(), 8)
    assert store.counted == [(today, "1001", "warnings", 90 * 86400)]


def test_a_held_line_sent_anyway_reaches_the_visitor_and_is_recorded(phrases: Phrases) -> None:
    desk, store, sio = compliance_desk(phrases)
    answer = asyncio.run(desk.agent_message("c1", AGENT, "这个可能要等", force=True))
    assert (answer["forced"], answer["entry"]["text"], answer["entry"]["seq"]) == (
        True,
        "这个可能要等",
        0,
    )
    assert [(event, data["text"]) for event, data in sio.events] == [
        ("bot_uttered", "这个可能要等")
    ]
    assert [kind for _, _, kind, _ in store.counted] == ["forced"]
    [record] = store.forced
    assert {k: v for k, v in record.items() if k != "ts"} == {
        "agent_id": "1001",
        "conversation_id": "c1",
        "seq": 0,
        "rules": ["vague_possibly"],
        "matched": ["可能"],
    }


def test_a_paraphrase_no_rule_matches_is_held_by_the_learned_checker(phrases: Phrases) -> None:
    desk, store, sio = compliance_desk(phrases)
    answer = asyncio.run(desk.agent_message("c1", AGENT, "这个问题我们不负责"))
    [violation] = answer["violations"]
    assert answer["held"] is True
    assert (violation["rule"], violation["category"], violation["source"]) == (
        "learned_blame",
        "推卸责任",
        "classifier",
    )
    assert violation["suggestion"] == default_inventory().suggestions["blame"]
    assert violation["why"]["features"][0]["text"] in "这个问题我们不负责"
    assert (store.lines, sio.events, [kind for _, _, kind, _ in store.counted]) == (
        [],
        [],
        ["warnings"],
    )


def test_a_compliant_line_is_sent_and_nothing_is_counted(phrases: Phrases) -> None:
    desk, store, _ = compliance_desk(phrases)
    for force in (False, True):
        answer = asyncio.run(desk.agent_message("c1", AGENT, "请稍等,我帮您查一下。", force))
        assert set(answer) == {"entry"}
    assert (len(store.lines), store.counted, store.forced) == (2, [], [])


def test_a_ticket_added_to_keeps_its_place_and_lists_every_reason() -> None:
    ticket = {
        "conversation_id": "c1",
        "reason": "request_human",
        "reason_label": "要求人工",
        "queued_at": 100.0,
        "slots": {"person_name": "张三", "phone": None},
        "summary": {"last_visitor_message": "转人工", "visitor_messages": 2},
        "verification": None,
    }
    update = {
        "conversation_id": "c1",
        "reason": "complaint",
        "queued_at": 200.0,
        "slots": {"complaint_description": "快递三天都没送到", "person_name": None},
        "summary": {"last_visitor_message": "快递三天都没送到"},
        "verification": None,
    }
    merged = merged_ticket(ticket, update)
    assert merged == {
        **ticket,
        "reasons": ["request_human", "complaint"],
        "slots": {
            "person_name": "张三",
            "phone": None,
            "complaint_description": "快递三天都没送到",
        },
        "summary": {"last_visitor_message": "快递三天都没送到", "visitor_messages": 2},
    }
    # The same reason again is listed once; a later verification counts.
    verified = {"status": "verified", "account_number": "1234567890", "method": "name"}
    again = merged_ticket(merged, {"reason": "complaint", "verification": verified,
                                   "verified": "1234567890"})  # fmt: skip
    assert again["reasons"] == ["request_human", "complaint"]
    assert again["verification"] == verified and again["verified"] == "1234567890"


def test_intents_reach_agents_as_labels_and_desk_intents_not_at_all(phrases: Phrases) -> None:
    names = ["greet", "faq", "nlu_fallback", "EXTERNAL_idle", "complain", "no_such_intent"]
    assert phrases.intent_labels(names) == ["打个招呼", "常见问题", "未能理解", "投诉"]
    assert phrases.intent_labels("greet") == []  # not a list: nothing to show
