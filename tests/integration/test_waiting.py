"""Waiting and working hours over the real product (the `waiting_stack`: Redis, the action
server, Rasa and two desks with short timers, tests/integration/conftest.py WAITING_DESK):
busy auto-reply and queue-position updates, leaving the queue, 留言 when nobody is online, idle
nudges (also across a restart of both desks), the agent-slow apology, and ratings."""

import asyncio
import json
import time
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
import redis

from desk.phrases import Phrases
from desk.ratings import RATING_SKIP
from desk.waiting import LEAVE_QUEUE
from devtools.clients import AgentClient, Message, VisitorClient
from devtools.stack import Stack
from tests.integration.conftest import (
    AGENT_PASSWORD,
    WAIT,
    WAITING_DESK,
    is_position_line,
    new_visitor,
    nobody_online,
    run,
)

pytestmark = pytest.mark.integration

IDLE = float(WAITING_DESK["DESK_IDLE_SECONDS"])
SLOW = float(WAITING_DESK["DESK_AGENT_SLOW_SECONDS"])
UPDATE = float(WAITING_DESK["DESK_QUEUE_UPDATE_SECONDS"])
# How early a timer may seem to fire, measured at the client (clock granularity, tick).
SLACK = 0.5


@pytest.fixture(scope="module")
def redis_client(waiting_stack: Stack) -> "redis.Redis[str]":
    return redis.Redis.from_url(str(waiting_stack.redis_url), decode_responses=True)


@pytest.fixture
def everyone_offline(waiting_stack: Stack) -> Iterator[None]:
    """Every agent of the waiting stack offline, before and after the test."""
    nobody_online(waiting_stack)
    yield
    nobody_online(waiting_stack)


def sent(messages: List[Message], start: int = 0) -> List[Tuple[str, str]]:
    return [(m["sender"], m["text"]) for m in messages[start:]]


async def online_agent(stack: Stack, agent_id: str) -> AgentClient:
    agent = AgentClient(stack.desk_urls[0])
    await agent.login(agent_id, AGENT_PASSWORD)
    return agent


async def ask_for_human(visitor: VisitorClient) -> int:
    start = len(visitor.messages.items)
    await visitor.say("转人工")
    return start


def test_busy_agents_queue_with_the_auto_reply_and_position_updates(
    waiting_stack: Stack,
    everyone_offline: None,
    redis_client: "redis.Redis[str]",
    phrases: Phrases,
    text: Callable[[str], str],
) -> None:
    """One agent with room: no busy line. At capacity: seed 004's auto-reply and the position;
    when the visitor ahead leaves, the next hears the new position, not sooner than allowed."""

    async def scenario() -> Dict[str, Any]:
        agent = await online_agent(waiting_stack, "3001")  # capacity 1
        first = await new_visitor(waiting_stack.desk_urls[1], text)
        start = await ask_for_human(first)
        await first.messages.wait_for(is_position_line, WAIT, start)
        seen: Dict[str, Any] = {"first": sent(first.messages.items, start)}
        status, _ = await agent.accept(str(first.conversation_id))
        assert status == 200  # now at capacity

        second = await new_visitor(waiting_stack.desk_urls[1], text)
        third = await new_visitor(waiting_stack.desk_urls[0], text)
        for name, visitor in (("second", second), ("third", third)):
            start = await ask_for_human(visitor)
            line = await visitor.messages.wait_for(is_position_line, WAIT, start)
            seen[name] = sent(visitor.messages.items, start)
            seen[f"{name}_told_at"] = line["received_at"]
            seen[f"{name}_buttons"] = line["quick_replies"]
        seen["queue"] = redis_client.zrange("desk:queue", 0, -1)

        # While queued the bot still answers.
        start = len(third.messages.items)
        await third.say("你们几点上班")
        seen["answer"] = await third.messages.wait_for(lambda m: m["sender"] == "bot", WAIT, start)

        # The visitor ahead leaves: the third moves up and is told so, once.
        start = len(third.messages.items)
        await second.say(LEAVE_QUEUE)
        seen["left"] = await second.messages.wait_for(
            lambda m: m["text"] == phrases.say("left_queue"), WAIT
        )
        update = await third.messages.wait_for(is_position_line, WAIT, start)
        seen["update"], seen["update_at"] = update["text"], update["received_at"]
        await asyncio.sleep(UPDATE + 1)
        seen["after_update"] = sent(third.messages.items, start)
        seen["queue_after"] = redis_client.zrange("desk:queue", 0, -1)
        seen["second_owner"] = redis_client.hget(f"desk:conv:{second.conversation_id}", "owner")
        seen["ids"] = [str(v.conversation_id) for v in (first, second, third)]
        for client in (first, second, third):
            await client.close()
        await agent.close()
        return seen

    seen = run(scenario)
    handoff = ("bot", text("utter_handoff"))
    assert seen["first"] == [
        handoff,
        ("system", phrases.say("queued", position=1)),
    ]
    busy = ("system", phrases.say("busy"))
    assert seen["second"] == [
        handoff,
        busy,
        ("system", phrases.say("queued", position=1)),
    ]
    assert seen["third"] == [
        handoff,
        busy,
        ("system", phrases.say("queued", position=2)),
    ]
    assert seen["third_buttons"] == [
        {"content_type": "text", "title": "退出排队", "payload": LEAVE_QUEUE}
    ]
    _, second_id, third_id = seen["ids"]
    assert seen["queue"] == [second_id, third_id]
    assert seen["answer"]["text"] == text("utter_faq/business_hours")
    assert seen["update"] == phrases.say("queue_update", position=1)
    assert seen["update_at"] - seen["third_told_at"] >= UPDATE - SLACK  # not more often
    assert seen["after_update"][-1] == ("system", phrases.say("queue_update", position=1))
    assert [line for line in seen["after_update"] if line[0] == "system"] == [
        ("system", phrases.say("queue_update", position=1))
    ]
    assert seen["queue_after"] == [third_id]
    assert seen["second_owner"] == "bot"


def test_nobody_online_the_visitor_leaves_a_message_agents_handle_it(
    waiting_stack: Stack,
    everyone_offline: None,
    phrases: Phrases,
    domain: Dict[str, Any],
) -> None:
    """With nobody online the bot offers 留言; the form checks the phone; the console lists it
    under 留言 as unhandled until an agent marks it handled."""

    def say(response: str) -> str:
        template: str = domain["responses"][response][0]["text"]
        return template.format(company_name="测试网", reply_time="工作时间内")

    async def scenario() -> Dict[str, Any]:
        agent = AgentClient(waiting_stack.desk_urls[1])
        await agent.login("3002", AGENT_PASSWORD, online=False)  # logged in, not online
        before = (await agent.request("GET", "/messages"))[1]["unhandled"]
        visitor = await new_visitor(waiting_stack.desk_urls[1], lambda r: say(r))
        start = len(visitor.messages.items)
        for line, expected in [
            ("转人工", say("utter_ask_message_name")),
            ("张先生", say("utter_ask_message_phone")),
            ("12345", say("utter_ask_message_phone")),
            ("138 1234 5678", say("utter_ask_message_text")),
            ("<script>alert(1)</script>想咨询广告合作,请回电", say("utter_message_left")),
        ]:
            at = len(visitor.messages.items)
            await visitor.say(line)
            await visitor.messages.wait_for(lambda m, e=expected: m["text"] == e, WAIT, at)
        changed = await agent.notice("messages_changed")
        status, listed = await agent.request("GET", "/messages")
        mine = [m for m in listed["messages"] if m["conversation_id"] == visitor.conversation_id]
        marked = await agent.request("PUT", f"/messages/{mine[0]['id']}", {"handled": True})
        handled = (await agent.request("GET", "/messages?state=handled"))[1]["messages"]
        unhandled = (await agent.request("GET", "/messages"))[1]
        bad = await agent.request("PUT", f"/messages/{mine[0]['id']}", {"handled": "yes"})
        missing = await agent.request("PUT", "/messages/nope", {"handled": True})
        seen = {
            "lines": sent(visitor.messages.items, start),
            "before": before,
            "changed": changed,
            "status": status,
            "listed": listed,
            "mine": mine,
            "marked": marked,
            "handled": [m["id"] for m in handled],
            "unhandled": unhandled,
            "bad": bad[0],
            "missing": missing[0],
        }
        await visitor.close()
        await agent.close()
        return seen

    seen = run(scenario)
    assert seen["lines"] == [
        ("bot", say("utter_handoff")),
        ("bot", say("utter_no_agent")),
        ("bot", say("utter_ask_message_name")),
        ("bot", say("utter_ask_message_phone")),
        ("bot", say("utter_invalid_message_phone")),
        ("bot", say("utter_ask_message_phone")),
        ("bot", say("utter_ask_message_text")),
        ("bot", say("utter_message_left")),
    ]
    assert seen["status"] == 200
    [message] = seen["mine"]
    assert {k: message[k] for k in ("name", "phone", "message", "reply_time", "handled")} == {
        "name": "张先生",
        "phone": "13812345678",
        "message": "<script>alert(1)</script>想咨询广告合作,请回电",
        "reply_time": "工作时间内",
        "handled": False,
    }
    assert seen["changed"] == {"unhandled": seen["before"] + 1}
    assert seen["listed"]["unhandled"] == seen["before"] + 1
    status, body = seen["marked"]
    assert status == 200
    assert body["message"]["handled"] is True and body["message"]["handled_by"] == "3002"
    assert message["id"] in seen["handled"]
    assert seen["unhandled"]["unhandled"] == seen["before"]
    assert message["id"] not in [m["id"] for m in seen["unhandled"]["messages"]]
    assert (seen["bad"], seen["missing"]) == (400, 404)


def test_a_silent_visitor_is_asked_twice_then_the_bot_closes(
    waiting_stack: Stack,
    redis_client: "redis.Redis[str]",
    text: Callable[[str], str],
) -> None:
    """Seed 000's silent caller in chat: a visitor line restarts the silence; two nudges
    IDLE apart, then the polite close, no rating (nobody is there) and no timer left."""

    async def scenario() -> Dict[str, Any]:
        visitor = await new_visitor(waiting_stack.desk_urls[1], text)
        await asyncio.sleep(IDLE / 2)
        start = len(visitor.messages.items)
        await visitor.say("你好")
        reply = await visitor.messages.wait_for(lambda m: m["sender"] == "bot", WAIT, start)
        nudges = []
        for _ in range(3):
            nudges.append(
                await visitor.messages.wait_for(
                    lambda m: m["sender"] == "bot", IDLE + WAIT, len(visitor.messages.items)
                )
            )
        await asyncio.sleep(IDLE + 1)
        cid = str(visitor.conversation_id)
        seen = {
            "reply_at": reply["received_at"],
            "nudges": [(n["text"], n["received_at"]) for n in nudges],
            "after": sent(visitor.messages.items, start),
            "owner": redis_client.hget(f"desk:conv:{cid}", "owner"),
            "timer": redis_client.zscore("desk:timers", f"idle:{cid}"),
        }
        await visitor.close()
        return seen

    seen = run(scenario)
    [(first, at1), (second, at2), (close, at3)] = seen["nudges"]
    assert (first, second, close) == (
        text("utter_still_there"),
        text("utter_still_there"),
        text("utter_idle_close"),
    )
    assert at1 - seen["reply_at"] >= IDLE - SLACK  # counted from the bot's answer to 你好
    assert at2 - at1 >= IDLE - SLACK and at3 - at2 >= IDLE - SLACK
    assert seen["after"] == [
        ("bot", text("utter_greet")),
        ("bot", text("utter_still_there")),
        ("bot", text("utter_still_there")),
        ("bot", text("utter_idle_close")),
    ]
    assert seen["owner"] == "closed"
    assert seen["timer"] is None


def test_an_agent_slow_to_answer_apologises_once_and_the_console_is_told(
    waiting_stack: Stack,
    everyone_offline: None,
    redis_client: "redis.Redis[str]",
    phrases: Phrases,
    text: Callable[[str], str],
) -> None:
    """Seed 001's 60 s (SLOW here): the visitor hears 对不起,让您久等了 once per wait, the agent's
    console gets `visitor_waiting`; the agent's answer ends the wait."""

    async def scenario() -> Dict[str, Any]:
        agent = await online_agent(waiting_stack, "3001")
        visitor = await new_visitor(waiting_stack.desk_urls[1], text)
        start = await ask_for_human(visitor)
        await visitor.messages.wait_for(is_position_line, WAIT, start)
        cid = str(visitor.conversation_id)
        assert (await agent.accept(cid))[0] == 200
        await visitor.messages.wait_for(lambda m: m["text"].startswith("您好,3001"), WAIT)
        start = len(visitor.messages.items)
        await visitor.say_stored("在吗")
        said_at = time.perf_counter()
        sorry = await visitor.messages.wait_for(
            lambda m: m["text"] == phrases.say("agent_slow"), SLOW + WAIT, start
        )
        waiting = await agent.notice("visitor_waiting")
        shown = await agent.messages.wait_for(
            lambda m: m["entry"]["text"] == phrases.say("agent_slow"), WAIT
        )
        _, view = await agent.request("GET", f"/conversations/{cid}")
        await visitor.say_stored("还在吗")
        await asyncio.sleep(SLOW + 1)  # still waiting: no second apology
        once = sent(visitor.messages.items, start)
        await agent.send(cid, "您好,请问有什么可以帮您?")
        cleared = redis_client.hget(f"desk:conv:{cid}", "slow_told")
        _, answered = await agent.request("GET", f"/conversations/{cid}")
        await agent.finish(cid)
        await visitor.close()
        await agent.close()
        return {
            "shown": (shown["conversation_id"], shown["entry"]["from"]),
            "flag": (view["visitor_waiting"], answered["visitor_waiting"]),
            "delay": sorry["received_at"] - said_at,
            "waiting": waiting,
            "once": once,
            "cleared": cleared,
            "cid": cid,
        }

    seen = run(scenario)
    assert seen["delay"] >= SLOW - SLACK
    assert seen["waiting"] == {"conversation_id": seen["cid"]}
    assert seen["once"] == [
        ("system", phrases.say("agent_slow")),
    ]
    assert seen["cleared"] is None
    assert seen["shown"] == (seen["cid"], "system")  # the console shows the desk's line live
    assert seen["flag"] == (True, False)  # highlighted after a console reload, until answered


def test_closing_asks_for_a_rating_which_is_stored_per_conversation_and_agent(
    waiting_stack: Stack,
    everyone_offline: None,
    redis_client: "redis.Redis[str]",
    phrases: Phrases,
    text: Callable[[str], str],
) -> None:
    """An agent closes only after asking 还有什么可以帮您; then the closing line and 1-5
    buttons; the score and the comment are stored and summarised; the bot's close is rated
    too, as 智能客服."""

    async def scenario() -> Dict[str, Any]:
        agent = await online_agent(waiting_stack, "3002")
        before = await agent.request("GET", "/ratings")
        visitor = await new_visitor(waiting_stack.desk_urls[1], text)
        start = await ask_for_human(visitor)
        await visitor.messages.wait_for(is_position_line, WAIT, start)
        cid = str(visitor.conversation_id)
        assert (await agent.accept(cid))[0] == 200
        early = await agent.request("POST", f"/conversations/{cid}/close")
        start = len(visitor.messages.items)
        status, _ = await agent.finish(cid)
        request = await visitor.messages.wait_for(
            lambda m: m["text"] == phrases.say("rating_request"), WAIT, start
        )
        await visitor.say('/rating{"score":4}')
        await visitor.messages.wait_for(
            lambda m: m["text"] == phrases.say("rating_thanks"), WAIT, start
        )
        await visitor.say("客服很耐心,就是等得有点久")
        await visitor.messages.wait_for(
            lambda m: m["text"] == phrases.say("comment_thanks"), WAIT, start
        )
        lines = sent(visitor.messages.items, start)

        # The bot's own close: 再见 → 还有什么可以帮您 → 没有了 → closing line → rating.
        bot_start = len(visitor.messages.items)
        for line in ("再见", "没有了"):
            at = len(visitor.messages.items)
            await visitor.say(line)
            await visitor.messages.wait_for(lambda m: m["sender"] == "bot", WAIT, at)
        await visitor.messages.wait_for(
            lambda m: m["text"] == phrases.say("rating_request"), WAIT, bot_start
        )
        await visitor.say('/rating{"score":5}')
        await visitor.messages.wait_for(
            lambda m: m["text"] == phrases.say("rating_thanks"), WAIT, bot_start
        )
        await visitor.say(RATING_SKIP)
        await visitor.messages.wait_for(
            lambda m: m["text"] == phrases.say("rating_done"), WAIT, bot_start
        )
        bot_lines = sent(visitor.messages.items, bot_start)
        after = await agent.request("GET", "/ratings")
        records = [
            json.loads(redis_client.get(f"desk:rating:{i}") or "{}")
            for i in redis_client.zrange("desk:ratings", 0, -1)
        ]
        await visitor.close()
        await agent.close()
        return {
            "early": early,
            "status": status,
            "buttons": request["quick_replies"],
            "lines": lines,
            "bot_lines": bot_lines,
            "before": before[1],
            "after": after[1],
            "records": [r for r in records if r.get("conversation_id") == cid],
        }

    seen = run(scenario)
    assert seen["early"][0] == 409 and seen["early"][1]["error"] == "confirm_first"
    assert seen["status"] == 200
    assert [(b["title"], b["payload"]) for b in seen["buttons"]] == [
        ("非常满意", '/rating{"score":5}'),
        ("满意", '/rating{"score":4}'),
        ("一般", '/rating{"score":3}'),
        ("不满意", '/rating{"score":2}'),
        ("非常不满意", '/rating{"score":1}'),
    ]
    assert seen["lines"] == [
        ("agent", phrases.anything_else),
        ("system", phrases.closing),
        ("system", phrases.say("rating_request")),
        ("system", phrases.say("rating_thanks")),
        ("system", phrases.say("comment_thanks")),
    ]
    assert seen["bot_lines"] == [
        ("bot", text("utter_anything_else")),
        ("bot", text("utter_closing")),
        ("system", phrases.say("rating_request")),
        ("system", phrases.say("rating_thanks")),
        ("system", phrases.say("rating_done")),
    ]
    by_agent = [(r["agent_id"], r["agent_name"], r["score"], r["comment"]) for r in seen["records"]]
    assert by_agent == [
        ("3002", "周杰", 4, "客服很耐心,就是等得有点久"),
        ("bot", "智能客服", 5, ""),
    ]

    def summary(report: Dict[str, Any], agent_id: str) -> Dict[str, Any]:
        empty = {"count": 0, "scores": {str(s): 0 for s in range(1, 6)}, "comments": []}
        return next((a for a in report["agents"] if a["agent_id"] == agent_id), empty)

    was, now = summary(seen["before"], "3002"), summary(seen["after"], "3002")
    assert now["count"] == was["count"] + 1
    assert now["scores"]["4"] == was["scores"]["4"] + 1
    assert now["comments"][0]["comment"] == "客服很耐心,就是等得有点久"
    assert summary(seen["after"], "bot")["scores"]["5"] == (
        summary(seen["before"], "bot")["scores"]["5"] + 1
    )


@pytest.mark.faults
def test_idle_timers_survive_a_restart_of_both_desks(
    waiting_stack: Stack,
    redis_client: "redis.Redis[str]",
    text: Callable[[str], str],
) -> None:
    """The idle timer is in Redis: with both desks killed before it is due and started after,
    the nudge still comes."""

    async def before() -> Tuple[str, str]:
        visitor = await new_visitor(waiting_stack.desk_urls[1], text)
        await visitor.close()
        return str(visitor.session_id), str(visitor.conversation_id)

    session, cid = run(before)
    due = redis_client.zscore("desk:timers", f"idle:{cid}")
    assert due is not None and due > time.time()
    for i in range(2):
        waiting_stack.services[Stack.desk_name(i)].kill()
    time.sleep(max(0.0, due - time.time()) + 1)  # due while no desk runs
    assert redis_client.zscore("desk:timers", f"idle:{cid}") == due
    for i in range(2):
        waiting_stack.restart(Stack.desk_name(i))

    async def after() -> List[Tuple[str, str]]:
        visitor = VisitorClient(waiting_stack.desk_urls[1])
        await visitor.connect(session)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            history = [(m["from"], m["text"]) for m in visitor.history]
            if ("bot", text("utter_still_there")) in history:
                break
            await visitor.close()
            await asyncio.sleep(0.5)
            visitor = VisitorClient(waiting_stack.desk_urls[1])
            await visitor.connect(session)
        await visitor.close()
        return [(m["from"], m["text"]) for m in visitor.history]

    assert run(after) == [
        ("bot", text("utter_opening")),
        ("bot", text("utter_still_there")),
    ]


def test_a_visitor_cannot_raise_the_desks_own_intents(
    waiting_stack: Stack, text: Callable[[str], str]
) -> None:
    """Typing `/EXTERNAL_idle` is refused with the desk's error; nothing reaches the bot."""

    async def scenario() -> Tuple[Message, List[Tuple[str, str]]]:
        visitor = await new_visitor(waiting_stack.desk_urls[1], text)
        await visitor.say("/EXTERNAL_idle")
        error = await visitor.errors.wait_for(lambda e: True, WAIT)
        await asyncio.sleep(1)
        lines = sent(visitor.messages.items, 1)
        await visitor.close()
        return error, lines

    error, lines = run(scenario)
    assert error["code"] == "malformed"
    assert lines == []
