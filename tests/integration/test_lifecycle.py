"""The conversation's life through the real product (docs/desk.md, "The conversation's life"):
the bot answers in exactly the states the table says, whatever Rasa's fallback rewinds do;
presence follows the consoles; a vanished agent's chat goes back to the queue first; the queue
card shows what the visitor is doing; and each inbox item reaches Rasa once."""

import asyncio
import json
import time
from typing import Any, Callable, Dict, List, Tuple

import pytest
import redis

from common.contract import DELIVERY_ID_KEY
from desk.phrases import Phrases
from devtools.clients import AgentClient, Message, VisitorClient
from devtools.stack import Stack
from tests.integration.conftest import (
    AGENT_PASSWORD,
    WAIT,
    Bot,
    handed_off,
    logged_in,
    new_visitor,
    release,
    run,
)

pytestmark = pytest.mark.integration

Lines = List[Tuple[str, str]]


@pytest.fixture(scope="module")
def lifecycle_redis(lifecycle_stack: Stack) -> "redis.Redis[str]":
    return redis.Redis.from_url(str(lifecycle_stack.redis_url), decode_responses=True)


@pytest.fixture(scope="module")
def lifecycle_bot(lifecycle_stack: Stack) -> Bot:
    return Bot(
        url=lifecycle_stack.rasa_url,
        token=lifecycle_stack.rasa_token,
        channel_token=lifecycle_stack.channel_token,
    )


@pytest.fixture
def nobody_there(lifecycle_stack: Stack, lifecycle_redis: "redis.Redis[str]") -> Any:
    """Every agent of the lifecycle stack offline and owning nothing, before and after."""

    def clear() -> None:
        for agent_id in ("4001", "4002"):
            release(lifecycle_stack.desk_urls[0], agent_id)
        lifecycle_redis.delete("desk:queue")

    clear()
    yield
    clear()


def lines(visitor: VisitorClient, start: int) -> Lines:
    return [(m["sender"], m["text"]) for m in visitor.messages.items[start:]]


async def reply_to(visitor: VisitorClient, text: str, sender: str = "bot") -> Message:
    """Says `text`; the first line from `sender` after it."""
    start = len(visitor.messages.items)
    await visitor.say(text)
    return await visitor.messages.wait_for(lambda m: m["sender"] == sender, WAIT, start)


def wait_until(check: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def presence(client: "redis.Redis[str]", agent_id: str) -> str | None:
    return client.hget("desk:presence", agent_id)


@pytest.mark.usefixtures("nobody_there")
def test_a_fallback_while_queued_never_silences_the_bot(
    lifecycle_stack: Stack,
    lifecycle_bot: Bot,
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    """转人工, then a message the bot is unsure of, then a typed question instead of a button:
    the bot answers it (Rasa's rewind once dropped the desk's resume, and the bot fell silent
    for good), and asking again keeps the visitor's place."""

    async def scenario() -> Tuple[Message, Message, Message, str]:
        agent = await logged_in(lifecycle_stack.desk_urls[0], "4001")
        visitor = await new_visitor(lifecycle_stack.desk_urls[1], text)
        try:
            await handed_off(visitor, phrases)
            unsure = await reply_to(visitor, "zxcvb")
            answer = await reply_to(visitor, "你们网站安全吗")
            again = await reply_to(visitor, "转人工", sender="system")
            return unsure, answer, again, str(visitor.conversation_id)
        finally:
            await visitor.close()
            await agent.close()

    unsure, answer, again, conversation_id = run(scenario)
    assert unsure["text"] in (text("utter_ask_rephrase"),) or unsure["text"].startswith(
        "您是不是说"
    )
    assert answer["text"] == text("utter_faq/website_security")
    assert again["text"] == phrases.say("still_queued", position=1)
    assert lifecycle_bot.tracker(conversation_id)["paused"] is False


@pytest.mark.usefixtures("nobody_there")
def test_a_fallback_after_the_agent_hands_back_never_silences_the_bot(
    lifecycle_stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> None:
    async def scenario() -> Message:
        agent = await logged_in(lifecycle_stack.desk_urls[0], "4001")
        visitor = await new_visitor(lifecycle_stack.desk_urls[1], text)
        try:
            await handed_off(visitor, phrases)
            status, _ = await agent.accept(str(visitor.conversation_id))
            assert status == 200
            status, _ = await agent.request(
                "POST", f"/conversations/{visitor.conversation_id}/handback"
            )
            assert status == 200
            await visitor.messages.wait_for(lambda m: m["text"] == phrases.say("handed_back"), WAIT)
            await reply_to(visitor, "zxcvb")
            return await reply_to(visitor, "你们网站安全吗")
        finally:
            await visitor.close()
            await agent.close()

    assert run(scenario)["text"] == text("utter_faq/website_security")


@pytest.mark.usefixtures("nobody_there")
def test_logout_disconnects_the_console_and_offers_the_queue_a_message(
    lifecycle_stack: Stack,
    lifecycle_redis: "redis.Redis[str]",
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    """The last agent logs out: their socket is cut at once, and the visitor waiting for them
    is offered the 留言 form instead of a place in a queue nobody watches."""

    async def scenario() -> Tuple[bool, Message, str]:
        agent = await logged_in(lifecycle_stack.desk_urls[0], "4002")
        visitor = await new_visitor(lifecycle_stack.desk_urls[1], text)
        try:
            await handed_off(visitor, phrases)
            start = len(visitor.messages.items)
            status, _ = await agent.request("POST", "/logout")
            assert status == 200
            offer = await visitor.messages.wait_for(
                lambda m: m["text"].startswith("您好,客服人员暂时不在线"), WAIT, start
            )
            for _ in range(50):
                if not agent.sio.connected:
                    break
                await asyncio.sleep(0.1)
            return agent.sio.connected, offer, str(visitor.conversation_id)
        finally:
            await visitor.close()
            await agent.close()

    still_connected, offer, conversation_id = run(scenario)
    assert not still_connected
    assert presence(lifecycle_redis, "4002") == "offline"
    assert offer["sender"] == "bot"
    assert lifecycle_redis.hget(f"desk:conv:{conversation_id}", "owner") == "bot"
    assert conversation_id not in lifecycle_redis.zrange("desk:queue", 0, -1)


@pytest.mark.usefixtures("nobody_there")
def test_a_reloaded_console_keeps_the_agent_online_and_a_closed_one_does_not(
    lifecycle_stack: Stack, lifecycle_redis: "redis.Redis[str]"
) -> None:
    url = lifecycle_stack.desk_urls[0]

    async def reload_then_close() -> None:
        agent = await logged_in(url, "4001")
        await agent.sio.disconnect()
        again = AgentClient(url)
        again.token = agent.token
        await again.sio.connect(
            url, transports=["websocket"], namespaces=["/agent"], auth={"token": again.token}
        )
        await asyncio.sleep(4)  # twice the grace period, with the reloaded console open
        assert presence(lifecycle_redis, "4001") == "online"
        await again.close()
        await agent.close()

    run(reload_then_close)
    wait_until(lambda: presence(lifecycle_redis, "4001") == "offline", timeout=15)


@pytest.mark.usefixtures("nobody_there")
def test_a_chat_whose_agent_vanished_goes_back_to_the_queue_first_in_line(
    lifecycle_stack: Stack,
    lifecycle_redis: "redis.Redis[str]",
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    async def scenario() -> Tuple[Lines, List[str], Message, str]:
        gone = await logged_in(lifecycle_stack.desk_urls[0], "4001")
        other = await logged_in(lifecycle_stack.desk_urls[1], "4002")
        first = await new_visitor(lifecycle_stack.desk_urls[1], text)
        second = await new_visitor(lifecycle_stack.desk_urls[0], text)
        try:
            await handed_off(first, phrases)
            status, _ = await gone.accept(str(first.conversation_id))
            assert status == 200
            await handed_off(second, phrases)
            start, queues = len(first.messages.items), len(other.queues.items)
            await gone.sio.disconnect()  # the tab closed; no logout
            told = await first.messages.wait_for(
                lambda m: m["text"] == phrases.say("queued", position=1), WAIT, start
            )
            seen = await other.queues.wait_for(
                lambda q: [t["conversation_id"] for t in q["tickets"]][:1]
                == [first.conversation_id],
                WAIT,
                queues,
            )
            order = [t["conversation_id"] for t in seen["tickets"]]
            return lines(first, start), order, told, str(first.conversation_id)
        finally:
            for client in (first, second):
                await client.close()
            for agent in (gone, other):
                await agent.close()

    said, order, _, conversation_id = run(scenario)
    assert said[0] == ("system", phrases.say("agent_gone"))
    assert len(order) == 2 and order[0] == conversation_id
    assert lifecycle_redis.hget(f"desk:conv:{conversation_id}", "owner") == "queued"
    assert conversation_id not in lifecycle_redis.smembers("desk:agent_convs:4001")


@pytest.mark.usefixtures("nobody_there")
def test_the_queue_card_shows_the_latest_line_and_that_the_visitor_left(
    lifecycle_stack: Stack,
    lifecycle_redis: "redis.Redis[str]",
    text: Callable[[str], str],
    phrases: Phrases,
) -> None:
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    before = int(lifecycle_redis.hget(f"desk:stats:{day}", "left_queued") or 0)

    async def scenario() -> Tuple[Dict[str, Any], Dict[str, Any]]:
        agent = await logged_in(lifecycle_stack.desk_urls[0], "4002")
        visitor = await new_visitor(lifecycle_stack.desk_urls[1], text)
        try:
            await handed_off(visitor, phrases)
            cid = visitor.conversation_id
            await visitor.say("我买的东西什么时候发货")

            def card(queue: Message) -> Dict[str, Any] | None:
                return next((t for t in queue["tickets"] if t["conversation_id"] == cid), None)

            latest = await agent.queues.wait_for(
                lambda q: (card(q) or {}).get("summary", {}).get("last_visitor_message")
                == "我买的东西什么时候发货",
                WAIT,
            )
            await visitor.close()
            left = await agent.queues.wait_for(
                lambda q: (card(q) or {}).get("visitor_left") is True, WAIT
            )
            status, report = await agent.request("GET", "/left?days=1")
            assert status == 200 and report["days"] == [day]
            assert report["left_queued"] == [before + 1]
            return card(latest) or {}, card(left) or {}
        finally:
            await visitor.close()
            await agent.close()

    latest, left = run(scenario)
    assert latest["visitor_left"] is False
    assert left["summary"]["last_visitor_message"] == "我买的东西什么时候发货"


def test_an_item_rasa_already_has_is_not_delivered_again(
    lifecycle_stack: Stack,
    lifecycle_redis: "redis.Redis[str]",
    lifecycle_bot: Bot,
    text: Callable[[str], str],
) -> None:
    """What a desk that died mid-delivery leaves behind: the item still at the head of the
    inbox, marked as being sent. Another desk looks it up in Rasa's tracker and skips it if
    Rasa has it (no second reply), and sends it once if Rasa never got it."""

    async def scenario() -> Tuple[Dict[str, Lines], str]:
        visitor = await new_visitor(lifecycle_stack.desk_urls[1], text)
        cid = str(visitor.conversation_id)
        seen: Dict[str, Lines] = {}
        try:
            start = len(visitor.messages.items)
            await visitor.say("你们几点上班")  # the answer, then 请问还有什么可以帮您?
            await visitor.messages.wait_for(
                lambda m: m["text"] == text("utter_anything_else"), WAIT, start
            )

            def delivered() -> List[Dict[str, Any]]:
                """The message's user events in the tracker (saved after the replies went)."""
                events = lifecycle_bot.tracker(cid)["events"]
                return [e for e in events if e["event"] == "user" and e["text"] == "你们几点上班"]

            wait_until(lambda: bool(delivered()))
            delivery_id = delivered()[0]["metadata"][DELIVERY_ID_KEY]
            for item_id, message in ((delivery_id, "你们几点上班"), ("never-sent", "你好")):
                item = {"kind": "message", "text": message, "id": item_id}
                start = len(visitor.messages.items)
                lifecycle_redis.rpush(f"desk:inbox:{cid}", json.dumps(item, ensure_ascii=False))
                lifecycle_redis.set(f"desk:sending:{cid}", item_id)
                lifecycle_redis.sadd("desk:pending", cid)
                if item_id == "never-sent":
                    await visitor.messages.wait_for(lambda m: m["sender"] == "bot", WAIT, start)
                wait_until(lambda: not lifecycle_redis.llen(f"desk:inbox:{cid}"))
                await asyncio.sleep(2)  # any reply would have come by now
                seen["skipped" if item_id == delivery_id else "sent"] = lines(visitor, start)
            return seen, cid
        finally:
            await visitor.close()

    seen, cid = run(scenario)
    assert seen["skipped"] == []
    assert seen["sent"] and {sender for sender, _ in seen["sent"]} == {"bot"}
    users = [e for e in lifecycle_bot.tracker(cid)["events"] if e["event"] == "user"]
    ids = [(e.get("metadata") or {}).get(DELIVERY_ID_KEY) for e in users]
    assert ids.count("never-sent") == 1
    marked = [i for i in ids if i]
    assert len(marked) == len(set(marked))  # no item twice


def test_an_agent_can_log_in_again_after_logging_out(lifecycle_stack: Stack) -> None:
    """Logout ends one login, not the account."""

    async def scenario() -> int:
        agent = await logged_in(lifecycle_stack.desk_urls[0], "4001")
        await agent.request("POST", "/logout")
        await agent.close()
        again = AgentClient(lifecycle_stack.desk_urls[0])
        try:
            await again.login("4001", AGENT_PASSWORD, online=False)
            status, _ = await again.request("GET", "/me")
            return status
        finally:
            await again.request("POST", "/logout")
            await again.close()

    assert run(scenario) == 200


@pytest.mark.usefixtures("nobody_there")
def test_a_complaint_while_queued_adds_to_the_ticket_instead_of_transferring_again(
    lifecycle_stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> None:
    async def scenario() -> Tuple[Lines, Dict[str, Any]]:
        agent = await logged_in(lifecycle_stack.desk_urls[0], "4002")
        visitor = await new_visitor(lifecycle_stack.desk_urls[1], text)
        try:
            await handed_off(visitor, phrases)
            cid = visitor.conversation_id
            start, queues = len(visitor.messages.items), len(agent.queues.items)
            await visitor.say("我要投诉,快递三天都没送到")
            await visitor.messages.wait_for(
                lambda m: m["text"] == phrases.say("still_queued", position=1), WAIT, start
            )
            seen = await agent.queues.wait_for(
                lambda q: any(
                    t["conversation_id"] == cid and "complaint" in t.get("reasons", [])
                    for t in q["tickets"]
                ),
                WAIT,
                queues,
            )
            ticket = next(t for t in seen["tickets"] if t["conversation_id"] == cid)
            return lines(visitor, start), ticket
        finally:
            await visitor.close()
            await agent.close()

    said, ticket = run(scenario)
    assert said == [
        ("bot", text("utter_complaint_recorded")),
        ("bot", text("utter_handoff_update")),
        ("system", phrases.say("still_queued", position=1)),
    ]
    assert ticket["reason_labels"] == ["要求人工", "投诉"]
    assert ticket["slots"]["complaint_description"] == "快递三天都没送到"
