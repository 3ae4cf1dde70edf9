"""The chat page and the agent console in real headless Chromium, against the whole stack.

Each person gets their own browser context (own localStorage and sessionStorage). Agents use the
console on desk 1; visitors are put on both instances, so the flows also cross instances.
The `text`, `phrases` and `store` fixtures come from conftest.py.
"""

from typing import Callable, Iterator, List, Tuple, TypeAlias

import pytest
import redis
from playwright.sync_api import Page, expect

from desk.guard import token_digest
from desk.phrases import Phrases
from devtools.stack import Stack
from tests.integration.conftest import AGENT_PASSWORD, AGENTS, OpenPage, queue_lines, release

pytestmark = pytest.mark.integration

SESSION_KEY = "desk_session_id"  # where chat.js keeps the visitor's session token

Line = Tuple[str, str]  # (data-from, text) of one `.msg`
Store: TypeAlias = "redis.Redis[str]"


@pytest.fixture
def console(stack: Stack, open_page: OpenPage) -> Iterator[Callable[[str], Page]]:
    """Logs an agent into the console on desk 1 and sets them online; released after the test."""
    agents: List[str] = []

    def log_in(agent_id: str) -> Page:
        agents.append(agent_id)
        page = open_page(f"{stack.desk_urls[0]}/console")
        expect(page.locator("#login-view")).to_be_visible()
        page.fill("#login-agent-id", agent_id)
        page.fill("#login-password", AGENT_PASSWORD)
        page.click("#login-submit")
        expect(page.locator("#desk-view")).to_be_visible()
        expect(page.locator("#login-view")).to_be_hidden()
        expect(page.locator("#agent-name")).to_have_text(AGENTS[agent_id])
        expect(page.locator("#agent-id")).to_have_text(agent_id)
        with page.expect_response("**/api/agent/presence") as answer:
            page.select_option("#presence", "online")
        assert answer.value.ok
        expect(page.locator("#presence")).to_have_value("online")
        return page

    yield log_in
    for agent_id in agents:
        release(stack.desk_urls[0], agent_id)


def lines(page: Page, box: str) -> List[Line]:
    """The (data-from, textContent of .text) of every `.msg` in `box`."""
    rows = page.locator(f"{box} .msg").evaluate_all(
        "rows => rows.map(r => [r.dataset.from, r.querySelector('.text').textContent])"
    )
    return [(sender, content) for sender, content in rows]


def expect_lines(page: Page, box: str, expected: List[Line]) -> None:
    """Waits until `box` shows exactly these lines, in order."""
    expect(page.locator(f"{box} .msg .text")).to_have_text([content for _, content in expected])
    assert lines(page, box) == expected


def open_chat(open_page: OpenPage, url: str, text: Callable[[str], str]) -> Page:
    """A new visitor on the chat page, after the bot's opening line."""
    page = open_page(f"{url}/chat")
    expect_lines(page, "#messages", [("bot", text("utter_opening"))])
    expect(page.locator("#status")).to_be_hidden()
    return page


def say(page: Page, message: str) -> None:
    """The visitor types a line and clicks 发送."""
    page.fill("#input", message)
    page.click("#send")
    expect(page.locator("#input")).to_have_value("")


def reply(agent: Page, message: str) -> None:
    """The agent types a reply into the open conversation and clicks 发送."""
    agent.fill("#reply", message)
    agent.click("#reply-send")
    expect(agent.locator("#reply")).to_have_value("")


def accepted(
    visitor: Page, agent: Page, store: Store, phrases: Phrases, agent_id: str, agent_name: str
) -> str:
    """The visitor asks for a person, the agent accepts the ticket in the console and the
    visitor sees them join; returns the conversation id."""
    say(visitor, "转人工")
    expect(visitor.locator("#messages .msg[data-from=system] .text").last).to_contain_text("排在第")
    cid = conversation_id(visitor, store)
    agent.locator(f'#queue .ticket[data-conversation-id="{cid}"] button.accept').click()
    joined = phrases.say("agent_joined", agent_id=agent_id, agent_name=agent_name)
    expect(visitor.locator("#messages .msg .text").last).to_have_text(joined)
    return cid


def conversation_id(visitor: Page, store: Store) -> str:
    """The visitor's conversation id, from the session token the page keeps in localStorage."""
    token = visitor.evaluate(f"localStorage.getItem('{SESSION_KEY}')")
    assert isinstance(token, str) and token
    found = store.get(f"desk:visitor:{token_digest(token)}")
    assert found is not None
    return str(found)


HOURS_QUESTION = "你们几点上班"


def hours_answered(text: Callable[[str], str]) -> List[Line]:
    """The chat page after the visitor asked HOURS_QUESTION: opening, question, hours, the check."""
    return [
        ("bot", text("utter_opening")),
        ("visitor", HOURS_QUESTION),
        ("bot", text("utter_faq/business_hours")),
        ("bot", text("utter_anything_else")),
    ]


def test_visitor_chats_with_the_bot(
    stack: Stack, open_page: OpenPage, text: Callable[[str], str]
) -> None:
    page = open_chat(open_page, stack.desk_urls[0], text)
    say(page, HOURS_QUESTION)
    expect_lines(page, "#messages", hours_answered(text))


def test_handoff_agent_chat_and_close(
    stack: Stack,
    open_page: OpenPage,
    console: Callable[[str], Page],
    store: Store,
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    visitor = open_chat(open_page, stack.desk_urls[1], text)
    agent = console("2001")
    ahead = store.zcard("desk:queue")
    say(visitor, "转人工")
    position = phrases.say("queued", position=ahead + 1)
    expect(visitor.locator("#messages .msg .text").last).to_have_text(position)
    shown = [
        ("bot", text("utter_opening")),
        ("visitor", "转人工"),
        ("bot", text("utter_handoff")),
        *queue_lines(
            phrases, ahead + 1, busy=("system", phrases.say("busy")) in lines(visitor, "#messages")
        ),
    ]
    expect_lines(visitor, "#messages", shown)

    cid = conversation_id(visitor, store)
    ticket = agent.locator(f'#queue .ticket[data-conversation-id="{cid}"]')
    expect(ticket.locator(".reason")).to_have_text("要求人工")
    expect(ticket.locator(".summary.last-message")).to_have_text("访客最后一句:转人工")
    ticket.locator("button.accept").click()
    shown.append(("system", phrases.say("agent_joined", agent_id="2001", agent_name="王芳")))
    expect_lines(agent, "#transcript", shown)
    expect_lines(visitor, "#messages", shown)
    expect(ticket).to_have_count(0)
    expect(agent.locator("#ticket-info .reason")).to_have_text("要求人工")
    mine = agent.locator(f'#conversations .conversation[data-conversation-id="{cid}"]')
    expect(mine).to_have_count(1)

    reply(agent, "您好,请问有什么可以帮您?")
    shown.append(("agent", "您好,请问有什么可以帮您?"))
    expect_lines(visitor, "#messages", shown)
    expect(visitor.locator("#messages .msg[data-from=agent] .label")).to_have_text("客服 王芳")
    say(visitor, "我的订单一直没发货")
    shown.append(("visitor", "我的订单一直没发货"))
    expect_lines(agent, "#transcript", shown)

    agent.click("#close")  # first 请问还有什么可以帮您?, then 确认结束 closes
    shown.append(("agent", phrases.anything_else))
    expect_lines(visitor, "#messages", shown)
    agent.click("#close")
    expect_lines(
        visitor,
        "#messages",
        [*shown, ("system", phrases.closing), ("system", phrases.say("rating_request"))],
    )
    expect(agent.locator("#notice")).to_have_text("会话已结束")
    expect(mine).to_have_count(0)
    expect(agent.locator("#conversation-body")).to_be_hidden()
    assert store.hget(f"desk:conv:{cid}", "owner") == "closed"


def test_hostile_markup_is_shown_as_text(
    stack: Stack,
    open_page: OpenPage,
    console: Callable[[str], Page],
    store: Store,
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    visitor = open_chat(open_page, stack.desk_urls[1], text)
    agent = console("2002")
    accepted(visitor, agent, store, phrases, "2002", "李强")

    hostile = [
        ("visitor", '<img src=x onerror="window.__pwned=1">'),
        ("visitor", "<script>window.__pwned=1</script>"),
        ("agent", "<b>粗体</b><script>window.__pwned=2</script>"),
    ]
    for sender, message in hostile:
        if sender == "visitor":
            say(visitor, message)
            expect(agent.locator("#transcript .msg .text").last).to_have_text(message)
        else:
            reply(agent, message)
    for page, box in ((visitor, "#messages"), (agent, "#transcript")):
        expect(page.locator(f"{box} .msg .text").last).to_have_text(hostile[-1][1])
        assert lines(page, box)[-3:] == hostile
        expect(page.locator(f"{box} img, {box} b, {box} script")).to_have_count(0)
        assert page.evaluate("window.__pwned") is None
    agent.click("#close")
    expect(visitor.locator("#messages .msg .text").last).to_have_text(phrases.anything_else)
    agent.click("#close")
    expect(visitor.locator("#messages .msg .text").last).to_have_text(phrases.say("rating_request"))


def test_a_reload_shows_the_same_conversation(
    stack: Stack, open_page: OpenPage, text: Callable[[str], str]
) -> None:
    page = open_chat(open_page, stack.desk_urls[0], text)
    token = page.evaluate(f"localStorage.getItem('{SESSION_KEY}')")
    say(page, "你好")
    expected = [
        ("bot", text("utter_opening")),
        ("visitor", "你好"),
        ("bot", text("utter_greet")),
    ]
    expect_lines(page, "#messages", expected)
    before = lines(page, "#messages")
    page.reload()
    expect_lines(page, "#messages", before)
    assert page.evaluate(f"localStorage.getItem('{SESSION_KEY}')") == token


def test_oversized_input_is_refused_and_not_stored(
    stack: Stack,
    open_page: OpenPage,
    store: Store,
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    page = open_chat(open_page, stack.desk_urls[1], text)
    cid = conversation_id(page, store)
    page.evaluate("n => { document.getElementById('input').value = '好'.repeat(n); }", 1001)
    page.click("#send")
    notice = page.locator("#messages .notice.error")
    expect(notice).to_have_count(1)
    shown = notice.text_content()
    page.reload()
    expect_lines(page, "#messages", [("bot", text("utter_opening"))])
    assert store.llen(f"desk:transcript:{cid}") == 1
    assert shown == phrases.say("too_long", limit=1000)
