"""Faults: Rasa restarting while visitors chat, a desk instance dying, Redis restarting or away.

These stop and start parts of the session's stack, so each test leaves it running again.
"""

import asyncio
from typing import Any, Callable, List, Tuple

import pytest

from desk.phrases import Phrases
from devtools.clients import AgentClient, Message, VisitorClient
from devtools.stack import Stack
from tests.integration.conftest import (
    AGENT_PASSWORD,
    WAIT,
    Bot,
    OpenPage,
    handed_off,
    logged_in,
    new_visitor,
    run,
)
from tests.integration.test_browser import (
    HOURS_QUESTION,
    expect_lines,
    hours_answered,
    open_chat,
    say,
)

pytestmark = [pytest.mark.integration, pytest.mark.faults]

RASA_START = 300.0


def test_messages_wait_while_rasa_restarts_and_are_all_answered(
    stack: Stack, bot: Bot, text: Callable[[str], str], phrases: Phrases
) -> None:
    burst = ["你好", "你们几点上班"]

    async def scenario() -> Tuple[List[Tuple[str, str]], str]:
        visitor = await new_visitor(stack.desk_urls[1], text)
        await asyncio.to_thread(stack.services["rasa"].stop)
        for line in burst:
            await visitor.say(line)
        await visitor.messages.wait_for(lambda m: m["sender"] == "system", WAIT, start=1)
        await asyncio.to_thread(stack.services["rasa"].start)
        await asyncio.to_thread(stack.services["rasa"].wait_ready, RASA_START)
        replies = await visitor.messages.wait_count(4, WAIT, start=1)
        await visitor.close()
        return [(m["sender"], m["text"]) for m in replies], str(visitor.conversation_id)

    replies, cid = run(scenario)
    assert replies == [
        ("system", phrases.say("bot_unavailable")),
        ("bot", text("utter_greet")),
        ("bot", text("utter_faq/business_hours")),
        ("bot", text("utter_anything_else")),
    ]
    user_texts = [e["text"] for e in bot.tracker(cid)["events"] if e["event"] == "user"]
    assert user_texts == ["/greet", *burst]  # the tracker survived the restart (Redis)


def test_a_dying_desk_instance_loses_no_line_and_no_ticket(
    stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> None:
    """Desk 2 is killed (SIGKILL) right after storing two messages; desk 1 carries on.

    Delivery to Rasa is at least once: a message Rasa had answered just before the instance died
    (here possibly the opening `/greet`) may be sent again, so only order and presence are checked.
    """
    second = Stack.desk_name(1)

    async def scenario() -> Tuple[Any, ...]:
        agent = await logged_in(stack.desk_urls[0], "2001")
        queued = await new_visitor(stack.desk_urls[1], text)
        await handed_off(queued, phrases)
        chatting = await new_visitor(stack.desk_urls[1], text)
        acks = [await chatting.say_stored(line) for line in ("你们几点上班", "网站安全吗")]
        await asyncio.to_thread(stack.services[second].kill)
        await asyncio.sleep(0.2)
        reloaded = VisitorClient(stack.desk_urls[0])  # the page reconnects to another instance
        await reloaded.connect(chatting.session_id)
        # Whatever desk 2 had not yet sent on to Rasa, desk 1's sweeper does.
        answers = [text("utter_faq/business_hours"), text("utter_faq/website_security")]
        for answer in answers:
            if not any(e["text"] == answer for e in reloaded.history):
                await reloaded.messages.wait_for(lambda m, a=answer: m["text"] == a, WAIT)
        _, queue = await agent.request("GET", "/queue")
        _, view = await agent.request("GET", "/conversations/" + str(queued.conversation_id))
        status, _ = await agent.accept(str(queued.conversation_id))
        await agent.finish(str(queued.conversation_id))
        await reloaded.close()
        await agent.close()
        for client in (queued, chatting):
            await client.sio.eio.disconnect(abort=True)
        return queue, view, status, answers, reloaded, acks

    try:
        queue, view, status, answers, reloaded, acks = run(scenario)
    finally:
        stack.restart(second)
    assert [a["seq"] for a in acks] == [1, 2]  # stored right after the opening line
    assert any(t["reason"] == "request_human" for t in queue["tickets"])
    assert view["owner"] == "queued"
    assert status == 200
    # The reloaded page sees the whole conversation: visitor lines and both answers, in order.
    transcript = [(e["from"], e["text"]) for e in reloaded.history] + [
        (m["sender"], m["text"]) for m in reloaded.messages.items
    ]
    visitor_lines = [t for f, t in transcript if f == "visitor"]
    assert visitor_lines == ["你们几点上班", "网站安全吗"]
    bot_lines = [t for f, t in transcript if f == "bot"]
    assert bot_lines.index(answers[0]) < bot_lines.index(answers[1])


def test_state_survives_a_redis_restart(
    stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> None:
    """Redis runs with its append-only file on: queue, transcript and logins come back."""

    async def before() -> Tuple[VisitorClient, Message]:
        agent = AgentClient(stack.desk_urls[0])
        await agent.login("2002", AGENT_PASSWORD)
        visitor = await new_visitor(stack.desk_urls[0], text)
        await handed_off(visitor, phrases)
        await visitor.close()
        await agent.close()
        return visitor, {"token": agent.token}

    visitor, login = run(before)
    stack.restart("redis")

    async def after() -> Tuple[Any, ...]:
        agent = AgentClient(stack.desk_urls[1])
        agent.token = login["token"]
        me = await agent.request("GET", "/me")
        _, queue = await agent.request("GET", "/queue")
        back = VisitorClient(stack.desk_urls[1])
        await back.connect(visitor.session_id)
        await back.close()
        await agent.close()
        return me[0], queue, back

    status, queue, back = run(after)
    assert status == 200
    assert visitor.conversation_id in [t["conversation_id"] for t in queue["tickets"]]
    assert back.conversation_id == visitor.conversation_id
    assert [e["from"] for e in back.history] == ["bot", "visitor", "bot", "system"]


def test_an_open_chat_page_gets_answers_live_after_redis_was_away(
    stack: Stack, open_page: OpenPage, text: Callable[[str], str]
) -> None:
    """Redis away for 8 s, the page left open: the desk's socket.io listener is subscribed
    again by the time the answer is pushed, so it shows live, once, in order."""
    page = open_chat(open_page, stack.desk_urls[0], text)
    stack.restart("redis", down_for=8)
    say(page, HOURS_QUESTION)

    expect_lines(page, "#messages", hours_answered(text))
