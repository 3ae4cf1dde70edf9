"""Waiting in real headless Chromium (Debian's, never downloaded), on the waiting stack.

The waiting stack's desks (tests/integration/conftest.py, WAITING_DESK) are always within
working hours, offer the 留言 form when nobody is online, nudge a silent visitor after 8 s and
tell a visitor waiting 3 s for their agent's answer 让您久等了. Presence is shared by every test
on that stack: each test here starts with every agent offline and ends with them offline again.

- 留言: nobody online, the visitor leaves name, phone and message through the bot; the console's
  留言 panel shows it at once (count, text only), 标记已处理 moves it to 已处理.
- An agent slow to answer: the visitor hears 让您久等了, the console highlights the conversation
  until the agent answers. 结束会话 asks 请问还有什么可以帮您? first, 确认结束 closes; the visitor
  rates with the buttons and the console's 满意度 panel counts it. The queue line's 退出排队
  works, and after a reload the buttons the visitor clicked show as their titles.
"""

import re
import time
from typing import Any, Callable, Dict, Iterator, List, Tuple, TypeAlias

import pytest
import redis
import requests
from playwright.sync_api import Page, expect

from common.hours import ALWAYS_OPEN_TEXT
from desk.phrases import Phrases
from desk.ratings import RATING_LABELS
from devtools.stack import Stack
from tests.integration.conftest import (
    AGENT_PASSWORD,
    SLOTS,
    WAIT_MS,
    WAITING_AGENTS,
    OpenPage,
    nobody_online,
)
from tests.integration.test_browser import conversation_id, expect_lines, lines, open_chat, say

pytestmark = pytest.mark.integration

Store: TypeAlias = "redis.Redis[str]"
Line = Tuple[str, str]
Console = Callable[..., Page]

PHONE = "13812345678"
# Markup in what the visitor leaves must show as text in the console.
MESSAGE = '宽带什么时候可以上门安装<b>急</b><img src=x onerror="window.__pwned=1">'
# A reply with no forbidden phrase (快捷回复 查询, seed 002).
ANSWER = "请稍等,我帮您查一下。"
WAITING_LONG = re.compile(r"\bwaiting-long\b")  # the console's highlight of a visitor waiting


# ---- REST, for what the test sets up, reads back and cleans ---------------------------------


class AgentApi:
    """One agent's login on the agent REST API (docs/desk.md)."""

    def __init__(self, url: str, agent_id: str) -> None:
        self.api = f"{url}/api/agent"
        login = {"agent_id": agent_id, "password": AGENT_PASSWORD}
        answer = requests.post(f"{self.api}/login", json=login, timeout=30)
        assert answer.status_code == 200, answer.text
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, f"{self.api}{path}", headers=self.headers, timeout=30, **kwargs
        )

    def get(self, path: str, **params: str) -> Dict[str, Any]:
        answer = self.call("GET", path, params=params)
        assert answer.status_code == 200, f"GET {path} {params}: {answer.status_code} {answer.text}"
        data: Dict[str, Any] = answer.json()
        return data

    def logout(self) -> None:
        self.call("POST", "/logout")


def rating_of(url: str, agent_id: str) -> Dict[str, Any]:
    """The agent's entry of GET /api/agent/ratings (zeros if they have no rating yet)."""
    api = AgentApi(url, agent_id)
    try:
        agents = api.get("/ratings")["agents"]
    finally:
        api.logout()
    for entry in agents:
        if entry["agent_id"] == agent_id:
            found: Dict[str, Any] = entry
            return found
    return {"agent_id": agent_id, "count": 0, "scores": {str(s): 0 for s in range(1, 6)}}


# ---- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def waiting_store(waiting_stack: Stack) -> Store:
    return redis.Redis.from_url(str(waiting_stack.redis_url), decode_responses=True)


@pytest.fixture(autouse=True)
def agents_offline(waiting_stack: Stack) -> Iterator[None]:
    """Every agent offline and owning nothing before and after each test."""
    nobody_online(waiting_stack)
    yield
    nobody_online(waiting_stack)


@pytest.fixture
def bot_says(domain: Dict[str, Any]) -> Callable[[str], str]:
    """A bot response as the waiting stack renders it: always open, so replies come 随时."""

    def render(response: str) -> str:
        template: str = domain["responses"][response][0]["text"]
        return template.format(**SLOTS, reply_time=ALWAYS_OPEN_TEXT)

    return render


@pytest.fixture
def console(waiting_stack: Stack, open_page: OpenPage) -> Console:
    """Logs an agent into the console on desk 1, online unless told otherwise.

    The autouse `agents_offline` sets them offline again after the test.
    """

    def log_in(agent_id: str, online: bool = True) -> Page:
        page = open_page(f"{waiting_stack.desk_urls[0]}/console")
        page.fill("#login-agent-id", agent_id)
        page.fill("#login-password", AGENT_PASSWORD)
        page.click("#login-submit")
        expect(page.locator("#agent-name")).to_have_text(WAITING_AGENTS[agent_id])
        if online:
            with page.expect_response("**/api/agent/presence") as answer:
                page.select_option("#presence", "online")
            assert answer.value.ok
        return page

    return log_in


def wait_lines(page: Page, box: str, expected: List[Line]) -> None:
    """Waits until `box` starts with exactly these lines (later ones, e.g. an idle nudge, may
    follow), then checks them."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while lines(page, box)[: len(expected)] != expected and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert lines(page, box)[: len(expected)] == expected


def buttons_of_last(page: Page) -> Any:
    """The quick-reply buttons under the visitor page's last line."""
    return page.locator("#messages .msg").last.locator("button.quick-reply")


# ---- tests -------------------------------------------------------------------------------


def test_a_message_left_with_nobody_online_is_handled_in_the_console(
    waiting_stack: Stack,
    open_page: OpenPage,
    console: Console,
    waiting_store: Store,
    text: Callable[[str], str],
    bot_says: Callable[[str], str],
) -> None:
    url = waiting_stack.desk_urls[0]
    agent = console("3001", online=False)  # logged in, not online: nobody can take a handoff
    assert "online" not in waiting_store.hgetall("desk:presence").values()
    api = AgentApi(url, "3002")
    before = api.get("/messages")["unhandled"]
    expect(agent.locator("#messages-count")).to_have_text(str(before))

    # The visitor asks for a human; the bot offers the 留言 form and fills it.
    visitor = open_chat(open_page, waiting_stack.desk_urls[1], text)
    cid = conversation_id(visitor, waiting_store)
    shown: List[Line] = [("bot", text("utter_opening"))]
    for message, answers in (
        ("转人工", ["utter_handoff", "utter_no_agent", "utter_ask_message_name"]),
        ("王先生", ["utter_ask_message_phone"]),
        (PHONE, ["utter_ask_message_text"]),
        (MESSAGE, ["utter_message_left"]),
    ):
        say(visitor, message)
        shown += [("visitor", message), *[("bot", bot_says(a)) for a in answers]]
        wait_lines(visitor, "#messages", shown)

    left = [m for m in api.get("/messages", state="all")["messages"] if m["conversation_id"] == cid]
    assert [(m["name"], m["phone"], m["message"], m["reply_time"], m["handled"]) for m in left] == [
        ("王先生", PHONE, MESSAGE, ALWAYS_OPEN_TEXT, False)
    ]
    message_id = left[0]["id"]
    assert api.get("/messages")["unhandled"] == before + 1

    # The open console got it live (messages_changed): count, the row, all of it as text.
    expect(agent.locator("#messages-count")).to_have_text(str(before + 1))
    row = agent.locator(f'#leave-messages .leave-message[data-message-id="{message_id}"]')
    expect(row.locator(".name")).to_have_text("王先生")
    expect(row.locator(".phone")).to_have_text(PHONE)
    expect(row.locator(".message-text")).to_have_text(MESSAGE)
    expect(row.locator(".reply-time")).to_have_text("承诺回复:" + ALWAYS_OPEN_TEXT)
    expect(row.locator("button.mark")).to_have_text("标记已处理")
    expect(agent.locator("#leave-messages img, #leave-messages b")).to_have_count(0)
    assert agent.evaluate("window.__pwned") is None

    # A fresh load of the console (the stored login) shows the same.
    agent.reload()
    expect(agent.locator("#messages-count")).to_have_text(str(before + 1))
    expect(row.locator(".message-text")).to_have_text(MESSAGE)

    # 标记已处理: gone from 未处理, the count down, listed under 已处理 with who handled it.
    row.locator("button.mark").click()
    expect(row).to_have_count(0)
    expect(agent.locator("#messages-count")).to_have_text(str(before))
    agent.click('#messages-filter button[data-state="handled"]')
    expect(agent.locator('#messages-filter button[data-state="handled"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(row.locator(".message-text")).to_have_text(MESSAGE)
    expect(row.locator(".handled-info")).to_have_text(re.compile(r"^已处理 · 工号 3001 · "))
    expect(row.locator("button.mark")).to_have_text("标为未处理")
    record = next(
        m for m in api.get("/messages", state="handled")["messages"] if m["id"] == message_id
    )
    assert (record["handled"], record["handled_by"]) == (True, "3001")
    assert api.get("/messages")["unhandled"] == before
    api.logout()


def test_slow_agent_close_with_confirmation_and_rating(
    waiting_stack: Stack,
    open_page: OpenPage,
    console: Console,
    waiting_store: Store,
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    agent = console("3001")
    visitor = open_chat(open_page, waiting_stack.desk_urls[1], text)
    cid = conversation_id(visitor, waiting_store)
    leave_button = phrases.say("leave_queue_button")

    # Queued, with 退出排队 under the queue line; it takes the visitor out of the queue.
    ahead = waiting_store.zcard("desk:queue")
    say(visitor, "转人工")
    shown: List[Line] = [
        ("bot", text("utter_opening")),
        ("visitor", "转人工"),
        ("bot", text("utter_handoff")),
        ("system", phrases.say("queued", position=ahead + 1)),
    ]
    expect_lines(visitor, "#messages", shown)
    ticket = agent.locator(f'#queue .ticket[data-conversation-id="{cid}"]')
    expect(ticket).to_have_count(1)
    expect(buttons_of_last(visitor)).to_have_text([leave_button])
    buttons_of_last(visitor).click()
    shown += [("visitor", leave_button), ("system", phrases.say("left_queue"))]
    expect_lines(visitor, "#messages", shown)
    expect(ticket).to_have_count(0)

    # Queued again; the agent accepts.
    ahead = waiting_store.zcard("desk:queue")
    say(visitor, "转人工")
    shown += [
        ("visitor", "转人工"),
        ("bot", text("utter_handoff")),
        ("system", phrases.say("queued", position=ahead + 1)),
    ]
    expect_lines(visitor, "#messages", shown)
    # The bot answers meanwhile; 退出排队 stays, after a reload too.
    say(visitor, "你们几点上班")
    shown += [
        ("visitor", "你们几点上班"),
        ("bot", text("utter_faq/business_hours")),
        ("bot", text("utter_anything_else")),
    ]
    expect_lines(visitor, "#messages", shown)
    visitor.reload()
    expect_lines(visitor, "#messages", shown)
    leave = visitor.locator("#messages button.quick-reply")  # under the queue line, not the last
    expect(leave).to_have_text([leave_button])
    expect(leave).to_be_enabled()
    ticket.locator("button.accept").click()
    shown.append(("system", phrases.say("agent_joined", agent_id="3001", agent_name="孙丽")))
    expect_lines(visitor, "#messages", shown)
    expect(leave).to_be_disabled()  # accepted: the queue line's button is spent
    chosen = agent.locator("#transcript .msg[data-from=visitor] .text.chosen")
    expect(chosen).to_have_text([leave_button])  # the console shows the title too

    # The visitor writes; the agent lets them wait over 3 s: 让您久等了, and the highlight.
    mine = agent.locator(f'#conversations .conversation[data-conversation-id="{cid}"]')
    expect(mine).to_have_count(1)
    say(visitor, "我的订单一直没发货")
    shown.append(("visitor", "我的订单一直没发货"))
    expect(agent.locator("#transcript .msg .text").last).to_have_text("我的订单一直没发货")
    expect(mine).not_to_have_class(WAITING_LONG)
    shown.append(("system", phrases.say("agent_slow")))
    expect_lines(visitor, "#messages", shown)
    expect(mine).to_have_class(WAITING_LONG)
    expect(mine.locator(".waiting-label")).to_have_text("客户等待中")

    # The agent answers: the highlight goes.
    agent.fill("#reply", ANSWER)
    agent.click("#reply-send")
    shown.append(("agent", ANSWER))
    expect_lines(visitor, "#messages", shown)
    expect(mine).not_to_have_class(WAITING_LONG)
    expect(mine.locator(".waiting-label")).to_have_count(0)

    # 结束会话 asks 请问还有什么可以帮您? first and becomes 确认结束; that click closes.
    expect(agent.locator("#close")).to_have_text("结束会话")
    agent.click("#close")
    shown.append(("agent", phrases.anything_else))
    expect_lines(visitor, "#messages", shown)
    expect(agent.locator("#transcript .msg .text").last).to_have_text(phrases.anything_else)
    expect(agent.locator("#close")).to_have_text("确认结束")
    assert waiting_store.hget(f"desk:conv:{cid}", "owner") == "agent"
    rated_before = rating_of(waiting_stack.desk_urls[0], "3001")
    agent.click("#close")
    expect(agent.locator("#notice")).to_have_text("会话已结束")
    expect(mine).to_have_count(0)
    expect(agent.locator("#conversation-body")).to_be_hidden()
    shown += [("system", phrases.closing), ("system", phrases.say("rating_request"))]
    expect_lines(visitor, "#messages", shown)
    assert waiting_store.hget(f"desk:conv:{cid}", "owner") == "closed"

    # The rating buttons; 非常满意 counts in the agent's 满意度 panel.
    rating = buttons_of_last(visitor)
    expect(rating).to_have_text(list(RATING_LABELS.values()))
    rating.filter(has_text="非常满意").first.click()
    shown += [("visitor", RATING_LABELS[5]), ("system", phrases.say("rating_thanks"))]
    expect_lines(visitor, "#messages", shown)
    count = rated_before["count"] + 1
    fives = rated_before["scores"]["5"] + 1
    total = sum(int(s) * n for s, n in rated_before["scores"].items()) + 5
    stats = agent.locator('#ratings .rating-stats[data-agent-id="3001"]')
    expect(stats.locator(".name")).to_have_text("孙丽(我)")
    expect(stats.locator(".rating-count")).to_have_text(f"共 {count} 条")
    expect(stats.locator(".average")).to_have_text(f"{round(total / count, 2):.2f}")
    expect(stats.locator('.score[data-score="5"]')).to_have_text(f"5分 {fives}")
    rated = rating_of(waiting_stack.desk_urls[0], "3001")
    assert (rated["count"], rated["scores"]["5"]) == (count, fives)

    # 不用了: no comment. The buttons clicked come back as their titles after a reload.
    skip = buttons_of_last(visitor)
    expect(skip).to_have_text([phrases.say("rating_skip_button")])
    skip.click()
    shown += [
        ("visitor", phrases.say("rating_skip_button")),
        ("system", phrases.say("rating_done")),
    ]
    expect_lines(visitor, "#messages", shown)
    stored = waiting_store.lrange(f"desk:transcript:{cid}", 0, -1)
    assert any('"/leave_queue"' in line for line in stored)  # kept as the payload
    visitor.reload()
    expect_lines(visitor, "#messages", shown)
    expect(visitor.locator("#messages button.quick-reply")).to_have_count(0)
