"""The desk end to end: real socket.io visitors and agents, real Redis, Rasa and two desk instances.

Rasa's callback channel posts to desk 1; visitors and agents are put on both instances so that
every flow also crosses instances through Redis.
"""

import asyncio
import time
from typing import Any, Callable, List, Tuple

import aiohttp
import pytest

from desk.phrases import Phrases
from devtools.clients import AgentClient, Message, VisitorClient
from devtools.stack import Stack
from tests.integration.conftest import (
    AGENT_PASSWORD,
    WAIT,
    Bot,
    bot_texts,
    handed_off,
    is_position_line,
    logged_in,
    new_visitor,
    queue_lines,
    run,
)

pytestmark = pytest.mark.integration


def test_bot_turn_through_the_desk(stack: Stack, text: Callable[[str], str]) -> None:
    async def scenario() -> List[Tuple[str, str]]:
        visitor = await new_visitor(stack.desk_urls[1], text)
        await visitor.say("你们几点上班")
        replies = await visitor.messages.wait_count(2, WAIT, start=1)
        await visitor.close()
        return bot_texts(replies)

    assert run(scenario) == [
        ("bot", text("utter_faq/business_hours")),
        ("bot", text("utter_anything_else")),
    ]


def test_a_reply_triggered_from_outside_reaches_the_visitor(
    stack: Stack, text: Callable[[str], str]
) -> None:
    """Replies Rasa sends on its own (trigger_intent, reminders) come through the callback too."""

    async def scenario() -> Message:
        visitor = await new_visitor(stack.desk_urls[1], text)
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{stack.rasa_url}/conversations/{visitor.conversation_id}/trigger_intent",
                params={"token": stack.rasa_token, "output_channel": "callback"},
                json={"name": "greet"},
            ) as response:
                assert response.status == 200, await response.text()
        reply = await visitor.messages.wait_for(lambda m: True, WAIT, start=1)
        await visitor.close()
        return reply

    reply = run(scenario)
    assert (reply["sender"], reply["text"]) == ("bot", text("utter_greet"))


def test_buttons_arrive_as_quick_replies(
    stack: Stack, bot: Bot, sender: str, text: Callable[[str], str]
) -> None:
    direct = bot.say(sender, "zxcvb")[0]  # the same turn on Rasa's REST channel

    async def scenario() -> Message:
        visitor = await new_visitor(stack.desk_urls[0], text)
        await visitor.say("zxcvb")
        suggestion = await visitor.messages.wait_for(lambda m: True, WAIT, start=1)
        await visitor.close()
        return suggestion

    suggestion = run(scenario)
    assert suggestion["text"] == direct["text"]
    assert suggestion["quick_replies"] == [
        {"content_type": "text", "title": b["title"], "payload": b["payload"]}
        for b in direct["buttons"]
    ]


def test_handoff_opens_a_ticket_with_the_whole_transcript(
    stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> None:
    async def scenario() -> Tuple[Message, Message, Message, int]:
        agent = await logged_in(stack.desk_urls[1], "2001")
        before = len((await agent.request("GET", "/queue"))[1]["tickets"])
        visitor = await new_visitor(stack.desk_urls[0], text)
        await visitor.say("我要投诉你们的服务")  # heard first: what happened?
        await visitor.messages.wait_for(
            lambda m: m["text"] == text("utter_ask_complaint_description"), WAIT
        )
        await visitor.say("快递三天都没送到")
        queued = await visitor.messages.wait_for(is_position_line, WAIT)
        update = await agent.queues.wait_for(
            lambda q: any(t["conversation_id"] == visitor.conversation_id for t in q["tickets"]),
            WAIT,
        )
        _, view = await agent.request("GET", f"/conversations/{visitor.conversation_id}")
        await visitor.close()
        await agent.close()
        return queued, update, view, before

    queued, update, view, before = run(scenario)
    assert queued["text"] == phrases.say("queued", position=before + 1)
    ticket = update["tickets"][-1]
    assert ticket["reason"] == "complaint" and ticket["reason_label"] == "投诉"
    assert ticket["summary"]["last_visitor_message"] == "快递三天都没送到"
    assert ticket["slots"]["complaint_description"] == "快递三天都没送到"
    assert view["owner"] == "queued" and view["ticket"]["reason"] == "complaint"
    lines = [(e["from"], e["text"]) for e in view["transcript"]]
    assert lines == [
        ("bot", text("utter_opening")),
        ("visitor", "我要投诉你们的服务"),
        ("bot", text("utter_ask_complaint_description")),
        ("visitor", "快递三天都没送到"),
        ("bot", text("utter_complaint_recorded")),
        ("bot", text("utter_handoff")),
        *queue_lines(phrases, before + 1, busy=("system", phrases.say("busy")) in lines),
    ]
    assert [e["seq"] for e in view["transcript"]] == list(range(len(lines)))


def test_two_agents_accepting_at_once_exactly_one_wins(
    stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> None:
    async def scenario() -> Tuple[List[int], List[Message], Message]:
        first = await logged_in(stack.desk_urls[0], "2001")
        second = await logged_in(stack.desk_urls[1], "2002")
        visitor = await new_visitor(stack.desk_urls[0], text)
        await handed_off(visitor, phrases)
        cid = str(visitor.conversation_id)
        results = await asyncio.gather(first.accept(cid), second.accept(cid))
        joined = await visitor.messages.wait_for(lambda m: m["text"].startswith("您好,200"), WAIT)
        winner = first if results[0][0] == 200 else second
        await winner.finish(cid)
        for client in (first, second, visitor):
            await client.close()
        return sorted(status for status, _ in results), [body for _, body in results], joined

    statuses, bodies, joined = run(scenario)
    assert statuses == [200, 409]
    loser = next(b for b in bodies if "error" in b)
    assert loser == {"error": "taken", "message": "该会话已被其他客服接入"}
    winner = next(b for b in bodies if "error" not in b)
    assert winner["owner"] == "agent"
    assert joined["text"] == phrases.say(
        "agent_joined",
        agent_id=winner["agent_id"],
        agent_name={"2001": "王芳", "2002": "李强"}[winner["agent_id"]],
    )


def test_agent_and_visitor_chat_across_instances_and_the_bot_stays_silent(
    agent_chat, bot: Bot
) -> None:
    async def body(visitor: VisitorClient, agent: AgentClient) -> Tuple[Message, ...]:
        ack = await agent.send(str(visitor.conversation_id), "您好,请问有什么可以帮您?")
        seen = await visitor.messages.wait_for(lambda m: m["sender"] == "agent", WAIT)
        await visitor.say("我的订单一直没发货")
        relayed = await agent.messages.wait_for(lambda m: True, WAIT)
        await asyncio.sleep(1.0)  # time for a bot answer, if the bot were (wrongly) talking
        _, view = await agent.request("GET", f"/conversations/{visitor.conversation_id}")
        after_join = [(e["from"], e["text"]) for e in view["transcript"]][-3:]
        await agent.finish(str(visitor.conversation_id))
        return ack, seen, relayed, tuple(after_join)

    ack, seen, relayed, after_join = agent_chat(body)
    assert ack["entry"]["from"] == "agent" and ack["entry"]["agent_id"] == "2003"
    assert (seen["sender"], seen["text"], seen["agent_name"]) == (
        "agent",
        "您好,请问有什么可以帮您?",
        "赵敏",
    )
    assert relayed["entry"]["from"] == "visitor"
    assert relayed["entry"]["text"] == "我的订单一直没发货"
    assert after_join[1:] == (
        ("agent", "您好,请问有什么可以帮您?"),
        ("visitor", "我的订单一直没发货"),
    )


def test_hand_back_resumes_the_bot_with_what_happened(
    agent_chat, bot: Bot, phrases: Phrases, text: Callable[[str], str]
) -> None:
    async def body(visitor: VisitorClient, agent: AgentClient) -> Tuple[Any, ...]:
        cid = str(visitor.conversation_id)
        await agent.send(cid, "您的问题已经处理好了")
        await visitor.say("好的,我看到了")
        await agent.messages.wait_for(lambda m: True, WAIT)
        status, answer = await agent.request("POST", f"/conversations/{cid}/handback")
        ended = await agent.ended.wait_for(lambda m: True, WAIT)
        back = await visitor.messages.wait_for(
            lambda m: m["text"] == phrases.say("handed_back"), WAIT
        )
        start = len(visitor.messages.items)
        await visitor.say("谢谢你")
        replies = await visitor.messages.wait_count(2, WAIT, start)
        _, mine = await agent.request("GET", "/conversations")
        return status, answer, ended, back, bot_texts(replies), mine, cid

    status, answer, ended, back, replies, mine, cid = agent_chat(body)
    assert (status, answer) == (200, {"ok": True})
    assert ended["conversation_id"] == cid and ended["owner"] == "bot"
    assert back["sender"] == "system"
    assert replies == [("bot", text("utter_you_are_welcome")), ("bot", text("utter_anything_else"))]
    assert cid not in [c["conversation_id"] for c in mine["conversations"]]
    tracker = bot.tracker(cid)
    assert tracker["paused"] is False
    bot_lines = [e.get("text") for e in tracker["events"] if e["event"] == "bot"]
    user_lines = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert "您的问题已经处理好了" in bot_lines  # the agent's words are in the bot's memory
    assert user_lines[-2:] == ["好的,我看到了", "谢谢你"]  # and the visitor's, in order


def test_close_sends_the_closing_line_and_a_new_message_reopens_to_the_bot(
    agent_chat, phrases: Phrases, text: Callable[[str], str]
) -> None:
    async def body(visitor: VisitorClient, agent: AgentClient) -> Tuple[Any, ...]:
        cid = str(visitor.conversation_id)
        await visitor.say("没有别的问题了")  # mirrored into Rasa's tracker when the agent closes
        await agent.messages.wait_for(lambda m: True, WAIT)
        status, _ = await agent.finish(cid)
        closing = await visitor.messages.wait_for(lambda m: m["text"] == phrases.closing, WAIT)
        again, _ = await agent.finish(cid)
        start = len(visitor.messages.items)
        await visitor.say("你们几点上班")
        reply = await visitor.messages.wait_for(lambda m: m["sender"] == "bot", WAIT, start)
        return status, closing, again, reply

    status, closing, again, reply = agent_chat(body)
    assert status == 200
    assert closing["sender"] == "system"
    assert closing["text"] == text("utter_closing")
    assert again == 403
    assert reply["text"] == text("utter_faq/business_hours")


def test_a_reload_continues_the_same_conversation(stack: Stack, text: Callable[[str], str]) -> None:
    async def scenario() -> Tuple[Any, ...]:
        visitor = await new_visitor(stack.desk_urls[0], text)
        await visitor.say("你好")
        await visitor.messages.wait_count(1, WAIT, start=1)
        await visitor.close()
        reloaded = VisitorClient(stack.desk_urls[1])
        await reloaded.connect(visitor.session_id)
        stranger = VisitorClient(stack.desk_urls[1])
        await stranger.connect("a-guessed-session-id")
        await stranger.messages.wait_count(1, WAIT)
        for client in (reloaded, stranger):
            await client.close()
        return visitor, reloaded, stranger

    visitor, reloaded, stranger = run(scenario)
    assert reloaded.session_id == visitor.session_id
    assert reloaded.conversation_id == visitor.conversation_id
    assert [(e["from"], e["text"]) for e in reloaded.history] == [
        ("bot", text("utter_opening")),
        ("visitor", "你好"),
        ("bot", text("utter_greet")),
    ]
    assert stranger.session_id not in (None, "a-guessed-session-id", visitor.session_id)
    assert stranger.conversation_id != visitor.conversation_id
    assert [(e["from"], e["text"]) for e in stranger.history] == []


def test_a_burst_reaches_rasa_whole_and_in_order(
    stack: Stack, bot: Bot, text: Callable[[str], str]
) -> None:
    burst = ["你好", "你们几点上班", "网站安全吗", "谢谢", "再见"]

    async def scenario() -> str:
        visitor = await new_visitor(stack.desk_urls[1], text)
        for line in burst:
            await visitor.say(line)
        await visitor.messages.wait_for(lambda m: m["text"] == text("utter_closing"), 60)
        await visitor.close()
        return str(visitor.conversation_id)

    cid = run(scenario)
    # Rasa saves the tracker after the turn's last action (action_end_conversation, after the
    # closing line the visitor already has): read it once the turn is over.
    deadline = time.monotonic() + WAIT
    while True:
        tracker = bot.tracker(cid)
        user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
        if len(user_texts) > len(burst) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert user_texts == ["/greet", *burst]


def test_presence_and_capacity_limit_accepting(
    stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> None:
    stack.create_agent("2009", "钱多", AGENT_PASSWORD, capacity=1)

    async def scenario() -> Tuple[Any, ...]:
        agent = AgentClient(stack.desk_urls[0])
        await agent.login("2009", AGENT_PASSWORD, online=False)
        first = await new_visitor(stack.desk_urls[0], text)
        second = await new_visitor(stack.desk_urls[0], text)
        for visitor in (first, second):
            await handed_off(visitor, phrases)
        offline = await agent.accept(str(first.conversation_id))
        bad_status = await agent.request("PUT", "/presence", {"status": "sleeping"})
        await agent.request("PUT", "/presence", {"status": "online"})
        ok = (await agent.accept(str(first.conversation_id)))[0]
        full = await agent.accept(str(second.conversation_id))
        _, me = await agent.request("GET", "/me")
        await agent.finish(str(first.conversation_id))
        for client in (agent, first, second):
            await client.close()
        return offline, bad_status[0], ok, full, me["agent"]

    offline, bad_status, ok, full, me = run(scenario)
    assert offline == (403, {"error": "not_online", "message": "请先将状态设为在线"})
    assert bad_status == 400
    assert ok == 200
    assert full == (403, {"error": "capacity", "message": "您同时接待的会话已达上限"})
    assert (me["status"], me["capacity"], me["active"]) == ("online", 1, 1)


def test_canned_replies_come_from_the_standards(stack: Stack, phrases: Phrases) -> None:
    async def scenario() -> Tuple[int, Message]:
        agent = await logged_in(stack.desk_urls[0], "2001")
        try:
            return await agent.request("GET", "/canned")
        finally:
            await agent.close()

    assert run(scenario) == (200, {"replies": phrases.canned})
