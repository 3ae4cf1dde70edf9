"""Bad input and access control on the desk: every refusal is exact and changes nothing.

Visitors only ever see their own conversation; agents need a valid login for every endpoint and
the socket, and see only queued conversations or their own; Rasa's callback needs its token.
"""

import asyncio
from typing import Any, Callable, List, Tuple

import pytest
import redis
import requests
import socketio

from desk.phrases import Phrases
from devtools.clients import AgentClient, Message, VisitorClient
from devtools.stack import Stack
from tests.integration.conftest import (
    AGENT_PASSWORD,
    WAIT,
    bot_texts,
    handed_off,
    logged_in,
    new_visitor,
    run,
)

pytestmark = pytest.mark.integration


def test_visitors_only_ever_see_their_own_conversation(
    stack: Stack, text: Callable[[str], str]
) -> None:
    async def scenario() -> Tuple[VisitorClient, VisitorClient]:
        alice = await new_visitor(stack.desk_urls[0], text)
        bob = await new_visitor(stack.desk_urls[0], text)
        # Bob names Alice's session in his message: it still goes to his own conversation.
        await bob.sio.emit("user_uttered", {"message": "你好", "session_id": alice.session_id})
        await bob.messages.wait_count(1, WAIT, start=1)
        await asyncio.sleep(0.5)
        for client in (alice, bob):
            await client.close()
        return alice, bob

    alice, bob = run(scenario)
    assert len(alice.messages.items) == 1  # only her opening line
    assert bot_texts(bob.messages.items) == [
        ("bot", text("utter_opening")),
        ("bot", text("utter_greet")),
    ]


@pytest.mark.parametrize(
    ("event", "data", "code"),
    [
        ("user_uttered", {"message": ""}, "empty"),
        ("user_uttered", {"message": "   "}, "empty"),
        ("user_uttered", {"message": "好" * 1001}, "too_long"),
        ("user_uttered", {"message": ["list"]}, "malformed"),
        ("user_uttered", {"text": "no message key"}, "malformed"),
        ("user_uttered", "just a string", "malformed"),
        ("user_uttered", None, "malformed"),
    ],
)
def test_bad_visitor_input_gets_an_error_event_and_changes_nothing(
    stack: Stack, store: "redis.Redis[str]", text, event: str, data: Any, code: str
) -> None:
    async def scenario() -> Tuple[Message, int, int]:
        visitor = await new_visitor(stack.desk_urls[0], text)
        key = f"desk:transcript:{visitor.conversation_id}"
        before = store.llen(key)
        await visitor.emit(event, data)
        error = await visitor.errors.wait_for(lambda m: True, WAIT)
        await visitor.say("你好")  # the conversation still works
        await visitor.messages.wait_count(1, WAIT, start=1)
        after = store.llen(key)
        await visitor.close()
        return error, before, after

    error, before, after = run(scenario)
    assert error["code"] == code and error["message"]
    assert (before, after) == (1, 3)  # opening, then only 你好 and its answer


def test_a_message_before_session_request_is_refused(stack: Stack) -> None:
    async def scenario() -> Message:
        visitor = VisitorClient(stack.desk_urls[0])
        await visitor.sio.connect(stack.desk_urls[0], transports=["websocket"])
        await visitor.say("你好")
        error = await visitor.errors.wait_for(lambda m: True, WAIT)
        await visitor.close()
        return error

    assert run(scenario)["code"] == "no_session"


def test_hostile_text_is_stored_and_relayed_verbatim(agent_chat) -> None:
    hostile = ["<script>alert(1)</script>", "'; DROP TABLE users; --", "😀" * 500]

    async def body(visitor: VisitorClient, agent: AgentClient) -> List[str]:
        for line in hostile:
            await visitor.say(line)
        relayed = await agent.messages.wait_count(len(hostile), WAIT)
        await agent.finish(str(visitor.conversation_id))
        return [m["entry"]["text"] for m in relayed]

    assert agent_chat(body) == hostile


ENDPOINTS = [
    ("GET", "/me"),
    ("POST", "/logout"),
    ("PUT", "/presence"),
    ("GET", "/queue"),
    ("GET", "/canned"),
    ("GET", "/compliance"),
    ("GET", "/conversations"),
    ("GET", "/conversations/x"),
    ("POST", "/conversations/x/accept"),
    ("POST", "/conversations/x/messages"),
    ("POST", "/conversations/x/handback"),
    ("POST", "/conversations/x/confirm-close"),
    ("POST", "/conversations/x/close"),
    ("GET", "/messages"),
    ("PUT", "/messages/x"),
    ("GET", "/ratings"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_every_agent_endpoint_needs_a_valid_login(
    stack: Stack, method: str, path: str, token: str
) -> None:
    async def scenario() -> Tuple[int, Message]:
        agent = AgentClient(stack.desk_urls[0])
        try:
            return await agent.request(method, path, {"status": "online"}, token=token)
        finally:
            await agent.close()

    assert run(scenario) == (401, {"error": "unauthorized", "message": "请先登录"})


def test_login_logout_and_the_agent_socket_need_credentials(stack: Stack) -> None:
    async def scenario() -> Tuple[Any, ...]:
        agent = AgentClient(stack.desk_urls[0])
        wrong = await agent.request("POST", "/login", {"agent_id": "2001", "password": "guess"})
        malformed = await agent.request("POST", "/login", {"agent_id": 2001})
        refused = None
        forger = AgentClient(stack.desk_urls[0])
        try:
            await forger.sio.connect(
                stack.desk_urls[0], namespaces=["/agent"], auth={"token": "forged"},
                transports=["websocket"],
            )  # fmt: skip
        except socketio.exceptions.ConnectionError as error:
            refused = str(error)
        await forger.close()
        await agent.login("2001", AGENT_PASSWORD)
        me = await agent.request("GET", "/me")
        await agent.request("POST", "/logout")
        after = await agent.request("GET", "/me")
        for _ in range(100):  # logging out cuts the login's sockets too
            if not agent.sio.connected:
                break
            await asyncio.sleep(0.1)
        still_connected = agent.sio.connected
        await agent.close()
        return wrong, malformed, refused, me, after, still_connected

    wrong, malformed, refused, me, after, still_connected = run(scenario)
    assert wrong == (401, {"error": "bad_credentials", "message": "工号或密码错误"})
    assert malformed[0] == 401
    assert refused == "One or more namespaces failed to connect"
    assert me[0] == 200 and me[1]["agent"]["name"] == "王芳"
    assert after[0] == 401
    assert still_connected is False


def test_an_agent_sees_only_queued_or_own_conversations(
    stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> None:
    async def scenario() -> Tuple[int, ...]:
        owner = await logged_in(stack.desk_urls[0], "2001")
        other = await logged_in(stack.desk_urls[1], "2002")
        visitor = await new_visitor(stack.desk_urls[0], text)
        await handed_off(visitor, phrases)
        cid = str(visitor.conversation_id)
        while_queued = (await other.request("GET", f"/conversations/{cid}"))[0]
        await owner.accept(cid)
        after_accept = (await other.request("GET", f"/conversations/{cid}"))[0]
        by_owner = (await owner.request("GET", f"/conversations/{cid}"))[0]
        send = await other.send(cid, "我来插一句")
        hand_back = (await other.request("POST", f"/conversations/{cid}/handback"))[0]
        missing = (await other.request("GET", "/conversations/no-such-conversation"))[0]
        await owner.finish(cid)
        for client in (owner, other, visitor):
            await client.close()
        return while_queued, after_accept, by_owner, send["error"], hand_back, missing

    assert run(scenario) == (200, 403, 200, "forbidden", 403, 404)


def test_agent_input_is_checked(agent_chat) -> None:
    async def body(visitor: VisitorClient, agent: AgentClient) -> List[str]:
        cid = str(visitor.conversation_id)
        codes = [
            (await agent.send(cid, ""))["error"],
            (await agent.send(cid, "好" * 1001))["error"],
            (await agent.send(cid, {"a": 1}))["error"],
            (await agent.request("POST", f"/conversations/{cid}/messages", {"text": "   "}))[1][
                "error"
            ],
        ]
        await agent.finish(cid)
        return codes

    assert agent_chat(body) == ["empty", "too_long", "malformed", "empty"]


def test_rasa_callback_needs_the_shared_token(stack: Stack) -> None:
    url = f"{stack.desk_urls[0]}/rasa/callback"
    message = {"recipient_id": "x", "text": "伪造的消息"}
    assert requests.post(url, json=message, timeout=10).status_code == 401
    assert (
        requests.post(url, params={"token": "wrong"}, json=message, timeout=10).status_code == 401
    )
    bad = requests.post(url, params={"token": stack.callback_token}, data="[", timeout=10)
    assert bad.status_code == 400
