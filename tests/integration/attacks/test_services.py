"""Attacks on the services behind the desk (issue 18 items 2–4): every internal hop needs its
secret, and nothing listens beyond loopback."""

import json
import uuid
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest
import redis
import requests

from devtools.clients import AgentClient, VisitorClient
from devtools.stack import Stack
from tests.integration.attacks.conftest import address
from tests.integration.conftest import AGENT_PASSWORD, LIFECYCLE_AGENTS, run

pytestmark = pytest.mark.integration

ACCOUNT = "1000000001"


def listening_addresses(port: int) -> Set[str]:
    """The local addresses a TCP port listens on, read from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1


@pytest.mark.attack("2", "a stranger reaches a service port from another machine")
def test_every_service_listens_on_loopback_only(attack_stack: Stack) -> None:
    ports = {
        "redis": attack_stack.redis_port,
        "actions": attack_stack.action_port,
        "rasa": attack_stack.rasa_port,
        **{f"desk{i}": p for i, p in enumerate(attack_stack.desk_ports)},
    }
    for name, port in ports.items():
        addresses = listening_addresses(port)
        assert addresses and addresses <= LOOPBACK, (name, addresses)


def action_call(action: str, slots: Dict[str, Any]) -> Dict[str, Any]:
    sender = uuid.uuid4().hex
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
        },
    }


@pytest.mark.attack("2", "a POST /webhook to the action server runs action_verify_account")
@pytest.mark.parametrize("token", [None, "", "wrong", "RASA_API_TOKEN"])
def test_the_action_server_refuses_calls_without_its_secret(
    attack_stack: Stack, token: str | None
) -> None:
    url = f"http://127.0.0.1:{attack_stack.action_port}/webhook"
    params = {} if token is None else {"token": token}
    if token == "RASA_API_TOKEN":  # another service's secret is no key here
        params = {"token": attack_stack.rasa_token}
    client = redis.Redis.from_url(str(attack_stack.redis_url))
    before = set(client.keys("verify:*"))
    slots = {
        "verification_method": "address",
        "lookup_name": "张三",
        "lookup_address": "北京市朝阳区某路1号",
        "account_number": ACCOUNT,
        "verification_fact": "张三",
    }
    answers = [
        requests.post(url, params=params, json=action_call(action, slots), timeout=10)
        for action in ["action_verify_account"] * 4 + ["action_start_verification"]
    ]
    assert [a.status_code for a in answers] == [401] * 5
    assert all(a.json() == {"error": "unauthorized"} for a in answers)
    assert set(client.keys("verify:*")) == before  # nothing counted, no record locked
    listed = requests.get(f"http://127.0.0.1:{attack_stack.action_port}/actions", timeout=10)
    assert listed.status_code == 401


def test_rasa_reaches_the_action_server_with_the_secret(attack_stack: Stack) -> None:
    """The secret is what makes the difference: with it, an unknown action is a 404."""
    url = f"http://127.0.0.1:{attack_stack.action_port}/webhook"
    answer = requests.post(
        url,
        params={"token": attack_stack.action_token},
        json=action_call("no_such", {}),
        timeout=10,
    )
    assert answer.status_code == 404


def tracker_texts(stack: Stack, conversation_id: str) -> List[str]:
    tracker = requests.get(
        f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
        params={"token": stack.rasa_token},
        timeout=10,
    ).json()
    return [e.get("text") or "" for e in tracker["events"] if e["event"] == "user"]


@pytest.mark.attack("3", "a post to Rasa's channel webhooks speaks for a visitor")
@pytest.mark.parametrize("channel", ["callback", "rest"])
@pytest.mark.parametrize("credential", ["none", "api_token", "wrong_bearer"])
def test_rasa_channel_webhooks_need_the_channel_secret(
    attack_stack: Stack, channel: str, credential: str
) -> None:
    async def scenario() -> str:
        visitor = VisitorClient(attack_stack.desk_urls[0], {"X-Forwarded-For": address()})
        await visitor.connect()
        await visitor.close()
        assert visitor.conversation_id
        return visitor.conversation_id

    conversation_id = run(scenario)
    params, headers = {}, {}
    if credential == "api_token":
        params = {"token": attack_stack.rasa_token}
    elif credential == "wrong_bearer":
        headers = {"Authorization": "Bearer not-the-secret"}
    forged = f"伪造的访客消息 {uuid.uuid4().hex[:6]}"
    answer = requests.post(
        f"{attack_stack.rasa_url}/webhooks/{channel}/webhook",
        params=params,
        headers=headers,
        json={
            "sender": conversation_id,
            "message": forged,
            "metadata": {"client_ip": "203.0.113.99"},
        },
        timeout=30,
    )
    assert answer.status_code == 401
    assert forged not in tracker_texts(attack_stack, conversation_id)


@pytest.mark.attack("4", "a client without the password reads or deletes Redis keys")
def test_redis_requires_its_password(attack_stack: Stack) -> None:
    stranger = redis.Redis(host="127.0.0.1", port=attack_stack.redis_port)
    with pytest.raises(redis.AuthenticationError):
        stranger.keys("*")
    with pytest.raises(redis.AuthenticationError):
        stranger.delete("verify:account:x")
    wrong = redis.Redis(host="127.0.0.1", port=attack_stack.redis_port, password="guess")
    with pytest.raises(redis.AuthenticationError):
        wrong.ping()


@pytest.mark.attack("4", "agent and visitor session tokens are readable in key names")
def test_no_session_token_appears_in_a_key_name(attack_stack: Stack) -> None:
    agent_id = next(iter(LIFECYCLE_AGENTS))

    async def scenario() -> List[str]:
        visitor = VisitorClient(attack_stack.desk_urls[0], {"X-Forwarded-For": address()})
        await visitor.connect()
        agent = AgentClient(attack_stack.desk_urls[0])
        login = await agent.login(agent_id, AGENT_PASSWORD, online=False)
        tokens = [str(visitor.session_id), str(login["token"])]
        await agent.close()
        await visitor.close()
        return tokens

    tokens = run(scenario)
    client = redis.Redis.from_url(str(attack_stack.redis_url), decode_responses=True)
    names = client.keys("*")
    assert names
    assert not [n for n in names for t in tokens if t in n]
    for name in client.keys("desk:*"):  # nor in any string value kept under a key
        if client.type(name) == "string":
            value = client.get(name) or ""
            assert not [t for t in tokens if t in value], name
    assert json.dumps(tokens)  # the tokens were real strings
