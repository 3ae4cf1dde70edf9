"""Attacks a visitor's socket.io client can make (issue 18 items 5, 7, 8): desk-only intents and
payloads the bot never offered, flooding, opening chats in bulk, invalid text, and personal
numbers in Rasa's own log."""

import asyncio
import uuid
from typing import Any, Dict, List, Tuple

import pytest
import redis
import requests

from devtools.clients import Message, VisitorClient
from devtools.stack import Stack
from tests.integration.attacks.conftest import ATTACK_DESK, address
from tests.integration.conftest import WAIT, run

pytestmark = pytest.mark.integration

BURST = int(ATTACK_DESK["DESK_VISITOR_BURST"])
NEW_CHATS = int(ATTACK_DESK["DESK_NEW_CHATS_PER_MINUTE"])


async def visitor_at(stack: Stack, ip: str | None = None) -> VisitorClient:
    visitor = VisitorClient(stack.desk_urls[0], {"X-Forwarded-For": ip or address()})
    await visitor.connect()
    await visitor.messages.wait_count(1, WAIT)  # the opening line
    return visitor


def user_events(stack: Stack, conversation_id: str) -> List[Dict[str, Any]]:
    tracker = requests.get(
        f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
        params={"token": stack.rasa_token},
        timeout=10,
    ).json()
    return [e for e in tracker["events"] if e["event"] == "user"]


@pytest.mark.attack("5", "a visitor raises a desk-only intent or fills slots with a payload")
@pytest.mark.parametrize(
    "text",
    [
        '/ EXTERNAL_after_hours{"working_hours":"全天24小时有人"}',
        '\t/EXTERNAL_after_hours{"working_hours":"全天24小时有人"}',
        '\u3000/EXTERNAL_no_agent{"reply_time":"马上"}',
        "／EXTERNAL_idle",
        '/inform{"account_number":"1000000001","verification_method":"address"}',
        '/choose{"verification_method":"address"}',
        '/affirm@0.99{"person_name":"张三"}',
    ],
)
def test_a_payload_the_bot_did_not_offer_never_runs_as_one(attack_stack: Stack, text: str) -> None:
    async def scenario() -> Tuple[str, List[Message]]:
        visitor = await visitor_at(attack_stack)
        await visitor.say(text)
        await asyncio.sleep(0.3)
        await visitor.say("你好")  # the conversation goes on
        await visitor.messages.wait_for(lambda m: "您好" in str(m.get("text")), WAIT)
        await visitor.close()
        return str(visitor.conversation_id), visitor.errors.items

    conversation_id, errors = run(scenario)
    events = user_events(attack_stack, conversation_id)
    for event in events:
        if event["text"] == "/greet":  # the desk's own opening
            continue
        parse = event.get("parse_data") or {}
        assert not str(event["text"]).lstrip().startswith("/"), event["text"]
        assert not str(parse["intent"]["name"]).startswith("EXTERNAL_")
        assert not [
            e for e in parse.get("entities", []) if e.get("extractor") == "RegexMessageHandler"
        ]
    assert [e["code"] for e in errors] in ([], ["malformed"])


@pytest.mark.attack("7", "one visitor floods the bot with hundreds of messages")
def test_a_flooding_visitor_is_slowed_politely_and_others_are_served(
    attack_stack: Stack, store_of_attacks: "redis.Redis[str]"
) -> None:
    async def scenario() -> Tuple[VisitorClient, List[Message], List[Message]]:
        flooder = await visitor_at(attack_stack)
        other = await visitor_at(attack_stack)
        acks = [await flooder.say_stored(f"刷屏 {i}") for i in range(40)]
        await other.say("你好")
        reply = await other.messages.wait_for(lambda m: "您好" in str(m.get("text")), WAIT)
        await flooder.close()
        await other.close()
        return flooder, acks, [reply]

    flooder, acks, replies = run(scenario)
    refused = [a for a in acks if a.get("error")]
    assert {a["error"] for a in refused} == {"too_fast"}
    assert all(a["message"] for a in refused)  # told in words, not dropped silently
    stored = [a for a in acks if "seq" in a]
    assert BURST <= len(stored) <= BURST + 2  # the burst, and what refilled meanwhile
    lines = [
        line
        for line in store_of_attacks.lrange(f"desk:transcript:{flooder.conversation_id}", 0, -1)
        if '"from": "visitor"' in line
    ]
    assert len(lines) == len(stored)  # nothing refused was recorded or queued for Rasa
    assert replies


@pytest.mark.attack("7", "one address opens conversations in bulk")
def test_one_address_opens_only_so_many_new_chats_a_minute(attack_stack: Stack) -> None:
    ip = address()

    async def scenario() -> Tuple[List[Tuple[str | None, List[Message]]], str | None]:
        outcomes = []
        for _ in range(NEW_CHATS + 3):
            visitor = VisitorClient(attack_stack.desk_urls[0], {"X-Forwarded-For": ip})
            await visitor.sio.connect(
                visitor.url, headers=dict(visitor.headers), transports=["websocket"]
            )
            await visitor.sio.emit("session_request", {"session_id": None})
            for _ in range(int(WAIT / 0.05)):  # a session or an error, whichever comes
                if visitor.conversation_id or visitor.errors.items:
                    break
                await asyncio.sleep(0.05)
            outcomes.append((visitor.conversation_id, visitor.errors.items))
            await visitor.close()
        elsewhere = await visitor_at(attack_stack)
        await elsewhere.close()
        return outcomes, elsewhere.conversation_id

    outcomes, other = run(scenario)
    opened = [c for c, _ in outcomes if c]
    refused = [e[0]["code"] for c, e in outcomes if not c]
    assert len(opened) == NEW_CHATS
    assert refused == ["too_many_chats"] * 3
    assert other  # a visitor from another address is not affected


@pytest.mark.attack("8", "a lone surrogate is dropped with no error")
@pytest.mark.parametrize("text", ["abc\ud800", "\udfff"])
def test_invalid_unicode_gets_the_malformed_error(attack_stack: Stack, text: str) -> None:
    async def scenario() -> Message:
        visitor = await visitor_at(attack_stack)
        ack = await visitor.say_stored(text)
        await visitor.close()
        return ack

    assert run(scenario)["error"] == "malformed"


@pytest.mark.attack("8", "Rasa's own log prints a visitor's phone and ID numbers")
def test_rasa_logs_personal_numbers_masked(attack_stack: Stack) -> None:
    """A "/…" line Rasa cannot parse is logged with its text: the numbers must be masked."""
    phone, id_number = "13912345678", "110105199001011234"
    answer = requests.post(
        f"{attack_stack.rasa_url}/webhooks/rest/webhook",
        headers={"Authorization": f"Bearer {attack_stack.channel_token}"},
        json={"sender": uuid.uuid4().hex, "message": f"/{{坏 {phone} {id_number}"},
        timeout=60,
    )
    assert answer.status_code == 200
    log = attack_stack.services["rasa"].log.read_text(errors="replace")
    assert "message.parsing.failed" in log
    assert phone not in log and id_number not in log
