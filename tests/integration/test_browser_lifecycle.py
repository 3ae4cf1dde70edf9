"""The conversation's life in real headless Chromium (the lifecycle stack: presence timers a test
can wait out): the chat page keeps getting answers while queued whatever Rasa's fallback does, the
console's queue card shows the latest line and that the visitor left, the console shows the
hours, and an agent logging out sends the waiting visitor to the 留言 form."""

from typing import Callable, Iterator, List

import pytest
import redis
from playwright.sync_api import Page, expect

from desk.phrases import Phrases
from devtools.stack import Stack
from tests.integration.conftest import LIFECYCLE_AGENTS, OpenPage, console_online, release
from tests.integration.test_browser import expect_lines, lines, say

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def empty_queue(lifecycle_stack: Stack) -> None:
    """Each test starts with nobody queued (earlier tests' visitors may still wait)."""
    client = redis.Redis.from_url(str(lifecycle_stack.redis_url), decode_responses=True)
    client.delete("desk:queue")


@pytest.fixture
def console(lifecycle_stack: Stack, open_page: OpenPage) -> Iterator[Callable[[str], Page]]:
    """An agent of the lifecycle stack logged into the console and online; released after."""
    agents: List[str] = []

    def log_in(agent_id: str) -> Page:
        release(lifecycle_stack.desk_urls[0], agent_id)
        agents.append(agent_id)
        url = lifecycle_stack.desk_urls[0]
        return console_online(open_page, url, agent_id, LIFECYCLE_AGENTS[agent_id])

    yield log_in
    for agent_id in agents:
        release(lifecycle_stack.desk_urls[0], agent_id)


def queued_chat(
    open_page: OpenPage, lifecycle_stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> Page:
    page = open_page(f"{lifecycle_stack.desk_urls[1]}/chat")
    expect_lines(page, "#messages", [("bot", text("utter_opening"))])
    say(page, "转人工")
    expect(page.locator("#messages .msg .text").last).to_have_text(
        phrases.say("queued", position=1)
    )
    return page


def test_a_queued_visitor_who_types_past_the_fallback_still_gets_answers(
    lifecycle_stack: Stack,
    console: Callable[[str], Page],
    open_page: OpenPage,
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    console("4001")
    chat = queued_chat(open_page, lifecycle_stack, text, phrases)
    bot_lines = chat.locator("#messages .msg[data-from=bot]")
    expect(bot_lines).to_have_count(2)  # the opening line, 正在为您转接
    say(chat, "zxcvb")
    expect(bot_lines).to_have_count(3)  # 您是不是说…? or 换个说法
    say(chat, "你们网站安全吗")
    expect(chat.locator("#messages .msg[data-from=bot] .text").last).to_have_text(
        text("utter_anything_else")
    )
    assert ("bot", text("utter_faq/website_security")) in lines(chat, "#messages")


def test_the_queue_card_shows_the_latest_line_and_that_the_visitor_left(
    lifecycle_stack: Stack,
    console: Callable[[str], Page],
    open_page: OpenPage,
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    agent = console("4002")
    expect(agent.locator("#hours .hours-text")).to_have_text("工作时间:周一至周日 全天")
    expect(agent.locator("#hours .hours-state")).to_have_text("工作时间内")
    chat = queued_chat(open_page, lifecycle_stack, text, phrases)
    card = agent.locator("#queue .ticket")
    expect(card).to_have_count(1)
    say(chat, "我买的东西什么时候发货")
    expect(card.locator(".last-message")).to_have_text("访客最后一句:我买的东西什么时候发货")
    expect(card.locator(".left-label")).to_have_count(0)
    chat.close()
    expect(card.locator(".left-label")).to_have_text("访客已离开")


def test_an_agent_logging_out_sends_the_waiting_visitor_to_the_message_form(
    lifecycle_stack: Stack,
    console: Callable[[str], Page],
    open_page: OpenPage,
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    agent = console("4001")
    chat = queued_chat(open_page, lifecycle_stack, text, phrases)
    expect(agent.locator("#queue .ticket")).to_have_count(1)
    agent.click("#logout")
    expect(agent.locator("#login-view")).to_be_visible()
    offer = chat.locator("#messages .msg[data-from=bot] .text", has_text="客服人员暂时不在线")
    expect(offer).to_have_count(1)
