"""The visitor's address reaches Rasa's tracker; only the assigned agent sees personal numbers.

The stack trusts 127.0.0.1 as a proxy (`DESK_TRUSTED_PROXIES`), so a test client can pose as
visitors behind a proxy with `X-Forwarded-For`. Every ticket a test opens is accepted and closed
again, so other tests find the queue as they expect it.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, Iterator, List, TypeVar

import pytest
import redis
import requests
from playwright.sync_api import Browser, expect

from desk.phrases import Phrases
from desk.service import masked_ticket
from devtools.clients import AgentClient, Message, VisitorClient
from devtools.stack import Stack
from tests.integration.conftest import (
    AGENT_PASSWORD,
    WAIT,
    WAIT_MS,
    Bot,
    handed_off,
    logged_in,
    new_visitor,
    run,
)

pytestmark = pytest.mark.integration

PHONE, ACCOUNT = "13812345678", "1234567890"
PHONE_MASKED, ACCOUNT_MASKED = "138****5678", "123***7890"
PERSONAL = f"我的手机号是{PHONE} 户号{ACCOUNT}"
PERSONAL_MASKED = f"我的手机号是{PHONE_MASKED} 户号{ACCOUNT_MASKED}"

T = TypeVar("T")


def run_aside(scenario: Callable[[], Awaitable[T]]) -> T:
    """`run` in a thread of its own: Playwright's sync API keeps an event loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run, scenario).result()


@pytest.mark.parametrize(
    ("headers", "client_ip"),
    [
        ({"X-Forwarded-For": "203.0.113.7"}, "203.0.113.7"),
        ({"X-Forwarded-For": "2001:db8::7, 10.0.0.1"}, "2001:db8::7"),
        ({"X-Forwarded-For": "not-an-address"}, "127.0.0.1"),
        ({}, "127.0.0.1"),
    ],
)
def test_the_visitors_address_is_in_the_metadata_of_their_messages_in_rasa(
    stack: Stack, bot: Bot, text: Callable[[str], str], headers: Dict[str, str], client_ip: str
) -> None:
    async def scenario() -> str:
        visitor = VisitorClient(stack.desk_urls[1], headers=headers)
        try:
            await visitor.connect()
            opening = await visitor.messages.wait_for(lambda m: True, WAIT)
            assert opening["text"] == text("utter_opening")
            await visitor.say("你好")
            reply = await visitor.messages.wait_for(lambda m: True, WAIT, start=1)
            assert reply["text"] == text("utter_greet")
        finally:
            await visitor.close()
        return str(visitor.conversation_id)

    conversation_id = run(scenario)
    events = bot.tracker(conversation_id)["events"]
    user_events = [(e["text"], e["metadata"]["client_ip"]) for e in events if e["event"] == "user"]
    # The opening payload the desk sends for a new conversation carries it too.
    assert user_events == [("/greet", client_ip), ("你好", client_ip)]


def everything_seen(agent: AgentClient) -> str:
    """Every queue event the agent's socket got, as one JSON text."""
    return json.dumps(agent.queues.items, ensure_ascii=False)


def visitor_lines(view: Message) -> List[str]:
    return [e["text"] for e in view["transcript"] if e["from"] == "visitor"]


def stored_ticket(store: "redis.Redis[str]", conversation_id: str) -> Dict[str, Any]:
    raw = store.get(f"desk:ticket:{conversation_id}")
    assert raw is not None
    ticket: Dict[str, Any] = json.loads(raw)
    return ticket


def test_numbers_are_masked_until_the_agent_is_assigned(
    stack: Stack, store: "redis.Redis[str]", text: Callable[[str], str], phrases: Phrases
) -> None:
    async def scenario() -> Dict[str, Any]:
        agent = await logged_in(stack.desk_urls[0], "2001")
        other = await logged_in(stack.desk_urls[1], "2002")
        visitor = await new_visitor(stack.desk_urls[1], text)
        try:
            start = len(visitor.messages.items)
            await visitor.say(PERSONAL)
            await visitor.messages.wait_for(lambda m: m["sender"] == "bot", WAIT, start)
            await handed_off(visitor, phrases)
            conversation_id = str(visitor.conversation_id)

            def queued(q: Message) -> bool:
                return any(t["conversation_id"] == conversation_id for t in q["tickets"])

            event = await agent.queues.wait_for(queued, WAIT)
            await other.queues.wait_for(queued, WAIT)
            path = f"/conversations/{conversation_id}"
            seen = {
                "id": conversation_id,
                "event": event,
                "queue": await agent.request("GET", "/queue"),
                "before": await agent.request("GET", path),
                "accepted": await agent.accept(conversation_id),
                "after": await agent.request("GET", path),
                "other": await other.request("GET", path),
            }
            seen["sockets"] = everything_seen(agent) + everything_seen(other)
            assert (await agent.finish(conversation_id))[0] == 200
            return seen
        finally:
            await visitor.close()
            await agent.close()
            await other.close()

    seen = run(scenario)
    full = stored_ticket(store, seen["id"])
    masked = masked_ticket(full)

    # Before accepting: the queue (socket event and REST) and the view are masked.
    [ticket] = [t for t in seen["event"]["tickets"] if t["conversation_id"] == seen["id"]]
    queued = {"waiting_seconds": ticket["waiting_seconds"], "visitor_left": False}
    assert ticket == {**masked, **queued}
    none = {"person_name": None, "complaint_description": None}
    assert (full["slots"], ticket["slots"]) == (
        {**none, "phone": PHONE, "account_number": ACCOUNT},
        {**none, "phone": PHONE_MASKED, "account_number": ACCOUNT_MASKED},
    )
    status, queue = seen["queue"]
    [listed] = [t for t in queue["tickets"] if t["conversation_id"] == seen["id"]]
    listed_extra = {"waiting_seconds": listed["waiting_seconds"], "visitor_left": False}
    assert (status, listed) == (200, {**masked, **listed_extra})
    status, before = seen["before"]
    assert (status, before["owner"], before["ticket"]) == (200, "queued", masked)
    assert visitor_lines(before) == [PERSONAL_MASKED, "转人工"]
    for shown in (seen["sockets"], json.dumps([queue, before], ensure_ascii=False)):
        assert PHONE not in shown and ACCOUNT not in shown

    # Once assigned, the same agent sees everything, in the accept answer and the view.
    for status, view in (seen["accepted"], seen["after"]):
        assert (status, view["owner"], view["agent_id"]) == (200, "agent", "2001")
        assert view["ticket"] == full
        assert visitor_lines(view) == [PERSONAL, "转人工"]

    # Another agent still cannot read it at all.
    assert seen["other"] == (403, {"error": "forbidden", "message": "您没有权限查看该会话"})


def post_signal(stack: Stack, conversation_id: str, **fields: Any) -> None:
    """Posts a handoff signal to the desk as Rasa's callback channel does."""
    signal = {
        "version": 1,
        "conversation_id": conversation_id,
        "intent": "account_lookup",
        "slots": {"person_name": "张三", "phone": PHONE, "account_number": ACCOUNT},
        "summary": {"visitor_messages": 3, "intents": ["account_lookup"]},
        "transcript": [],
        "created_at": 1.0,
        **fields,
    }
    answer = requests.post(
        f"{stack.desk_urls[0]}/rasa/callback",
        params={"token": stack.callback_token},
        json={"recipient_id": conversation_id, "custom": {"handoff": signal}},
        timeout=30,
    )
    assert answer.status_code == 200


VERIFIED = {"status": "verified", "account_number": ACCOUNT, "method": "phone_last4"}
EXHAUSTED = {"status": "exhausted", "account_number": ACCOUNT, "method": None}


@pytest.fixture
def verification_tickets(
    stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> Iterator[Dict[str, str]]:
    """Two queued conversations: one verified, one whose checks are used up (by reason)."""

    async def visitors() -> List[str]:
        ids = []
        for _ in range(2):
            visitor = await new_visitor(stack.desk_urls[1], text)
            ids.append(str(visitor.conversation_id))
            await visitor.close()
        return ids

    verified, exhausted = run_aside(visitors)
    post_signal(stack, verified, reason="account_verified", verification=VERIFIED)
    post_signal(stack, exhausted, reason="verification_exhausted", verification=EXHAUSTED)
    yield {"account_verified": verified, "verification_exhausted": exhausted}

    async def clear() -> None:
        """Closes both, whoever has them, so the queue and capacity are as other tests expect."""
        for agent_id in ("2001", "2003"):  # the console test's agent, then one for the rest
            agent = await logged_in(stack.desk_urls[0], agent_id)
            try:
                for conversation_id in (verified, exhausted):
                    if agent_id == "2003":  # 409 unless still queued
                        await agent.accept(conversation_id)
                    await agent.finish(conversation_id)
            finally:
                await agent.close()

    run_aside(clear)


def test_verified_tickets_are_masked_in_the_queue(
    stack: Stack, verification_tickets: Dict[str, str]
) -> None:
    async def scenario() -> Message:
        agent = await logged_in(stack.desk_urls[1], "2002")
        try:
            return (await agent.request("GET", "/queue"))[1]
        finally:
            await agent.close()

    tickets = {t["conversation_id"]: t for t in run(scenario)["tickets"]}
    verified = tickets[verification_tickets["account_verified"]]
    exhausted = tickets[verification_tickets["verification_exhausted"]]
    assert (verified["reason_label"], verified["verified"], verified["verification"]) == (
        "已验证",
        ACCOUNT_MASKED,
        {**VERIFIED, "account_number": ACCOUNT_MASKED},
    )
    assert (exhausted["reason_label"], exhausted["verification"]) == (
        "核验次数已用尽",
        {**EXHAUSTED, "account_number": ACCOUNT_MASKED},
    )
    assert "verified" not in exhausted
    assert verified["slots"]["phone"] == PHONE_MASKED


def test_the_console_shows_the_verification_of_an_accepted_ticket(
    stack: Stack, browser: Browser, verification_tickets: Dict[str, str]
) -> None:
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.goto(f"{stack.desk_urls[0]}/console")
        page.fill("#login-agent-id", "2001")
        page.fill("#login-password", AGENT_PASSWORD)
        page.click("#login-submit")
        expect(page.locator("#desk-view")).to_be_visible()
        with page.expect_response("**/api/agent/presence"):
            page.select_option("#presence", "online")
        shown = {}
        for reason, conversation_id in verification_tickets.items():
            row = page.locator(f'#queue .ticket[data-conversation-id="{conversation_id}"]')
            row.locator("button.accept").click()
            expect(page.locator("#ticket-info .reason")).to_have_text(
                "已验证" if reason == "account_verified" else "核验次数已用尽"
            )
            account = page.locator("#ticket-info .ticket-account")
            shown[reason] = (
                account.get_attribute("class"),
                account.locator(".check-status").text_content(),
                account.locator(".account").text_content(),
            )
        assert shown == {
            "account_verified": ("ticket-account verified", "已验证", ACCOUNT),
            "verification_exhausted": ("ticket-account exhausted", "核验次数已用尽", ACCOUNT),
        }
    finally:
        context.close()
