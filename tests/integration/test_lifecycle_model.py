"""A model-based test of the whole product (Hypothesis' stateful testing, docs/desk.md): random
sequences of what visitors and agents do, against the real desks, Rasa, action server and
Redis, with the invariants checked after every step.

Visitors say clear, unclear and hostile things, press the buttons they were offered, ask for a
human, complain, say goodbye, reload the page and leave; agents log in, go online, accept,
reply, hand back, close, log out, or vanish (the tab closes). After every step:
- every visitor line got an answer within a few seconds (the bot's, the desk's, or an agent's
  console got it while that agent owns the chat), or the visitor was told how to leave a 留言;
- each conversation is in exactly one state, in the queue exactly when queued, owned by one
  agent exactly when with an agent;
- the transcript holds every line the visitor sent once, in order;
- no agent counts as online whose consoles all closed longer ago than the grace period.

`make test` runs a few sequences with a fixed seed; `make soak` runs many more
(LIFECYCLE_SOAK_EXAMPLES, LIFECYCLE_SOAK_STEPS) and prints how many steps and sequences held.
"""

import asyncio
import json
import os
import time
from typing import Any, Dict, List

import pytest
import redis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from desk.lifecycle import State
from devtools.clients import AgentClient, VisitorClient
from devtools.stack import Stack
from tests.integration.conftest import AGENT_PASSWORD, LIFECYCLE_DESK, release

pytestmark = pytest.mark.integration

ANSWER_SECONDS = 20.0  # "a few seconds" on a busy 2-core machine running every service
GRACE = float(LIFECYCLE_DESK["DESK_PRESENCE_GRACE_SECONDS"])
AGENT_IDS = ("4001", "4002")
SAYINGS = (
    "你们网站安全吗",  # an FAQ
    "zxcvb",  # unclear: the two-stage fallback
    "转人工",
    "我要投诉",
    "我要投诉,快递三天都没送到",
    "再见",
    "谢谢",
    "你是机器人吗",
    "/ EXTERNAL_idle",  # a desk-only intent: refused
    "<b>你好</b>",
)
# The 留言 offers: the bot's after-hours and no-agent replies start so.
MESSAGE_OFFERS = ("您好,客服人员暂时不在线", "您好,现在是非工作时间")


class Counts:
    steps = 0
    sequences = 0


class Product(RuleBasedStateMachine):
    """The product as visitors and agents use it; the model keeps only what the invariants
    need (what each visitor sent, which consoles are open)."""

    stack: Stack

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)  # the clients' aiohttp sessions look for it
        self.redis = redis.Redis.from_url(str(self.stack.redis_url), decode_responses=True)
        self.visitors: List[VisitorClient] = []
        self.sent: Dict[str, List[str]] = {}  # conversation id → the visitor's lines stored
        self.agents: Dict[str, AgentClient] = {}
        self.closed_at: Dict[str, float] = {}  # agent id → when their last console closed
        Counts.sequences += 1

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def url(self, index: int) -> str:
        return self.stack.desk_urls[index % len(self.stack.desk_urls)]

    def teardown(self) -> None:
        for visitor in self.visitors:
            self.run(visitor.close())
        for agent in self.agents.values():
            self.run(agent.close())
        for agent_id in AGENT_IDS:
            release(self.url(0), agent_id)
        self.redis.delete("desk:queue")
        self.loop.close()
        asyncio.set_event_loop(None)

    # Visitors

    @initialize()
    def first_visitor(self) -> None:
        self.new_visitor(0)

    @precondition(lambda self: len(self.visitors) < 3)
    @rule(desk=st.integers(0, 1))
    def new_visitor(self, desk: int) -> None:
        visitor = VisitorClient(self.url(desk))
        self.run(visitor.connect())
        self.run(visitor.messages.wait_for(lambda m: m["sender"] == "bot", ANSWER_SECONDS))
        self.sent[str(visitor.conversation_id)] = []
        self.visitors.append(visitor)

    def visitor(self, index: int) -> VisitorClient:
        return self.visitors[index % len(self.visitors)]

    @rule(index=st.integers(0, 2), text=st.sampled_from(SAYINGS))
    def visitor_says(self, index: int, text: str) -> None:
        self.say(self.visitor(index), text)

    @rule(index=st.integers(0, 2), choice=st.integers(0, 5))
    def visitor_presses_a_button(self, index: int, choice: int) -> None:
        visitor = self.visitor(index)
        offered = [m for m in visitor.messages.items if m.get("quick_replies")]
        if offered:
            buttons = offered[-1]["quick_replies"]
            self.say(visitor, buttons[choice % len(buttons)]["payload"])

    def say(self, visitor: VisitorClient, text: str) -> None:
        cid = str(visitor.conversation_id)
        if not visitor.sio.connected:
            return
        start = len(visitor.messages.items)
        ack = self.run(visitor.say_stored(text))
        if "seq" not in ack:  # refused (a desk-only intent): nothing stored, an error shown
            assert ack.get("error") == "malformed", ack
            return
        self.sent[cid].append(text.strip())
        self.run(self.answered(visitor, start, text))

    async def answered(self, visitor: VisitorClient, start: int, text: str) -> None:
        """The line is answered, or visible to the agent who owns it, or a 留言 was offered."""
        cid = str(visitor.conversation_id)
        deadline = time.monotonic() + ANSWER_SECONDS
        while time.monotonic() < deadline:
            if visitor.messages.items[start:]:
                return
            owner, agent_id = self.redis.hmget(f"desk:conv:{cid}", ["owner", "agent_id"])
            agent = self.agents.get(str(agent_id))
            if owner == State.AGENT.value and (agent is None or not agent.sio.connected):
                return  # its agent vanished: the console will have it, or it is requeued
            if owner == State.AGENT.value and any(
                m["conversation_id"] == cid and m["entry"]["text"] == text.strip()
                for m in agent.messages.items
            ):
                return
            if self.offered_a_message(visitor):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"no answer to {text!r} in {cid} ({owner})")

    def offered_a_message(self, visitor: VisitorClient) -> bool:
        return any(m["text"].startswith(MESSAGE_OFFERS) for m in visitor.messages.items)

    @rule(index=st.integers(0, 2), desk=st.integers(0, 1))
    def visitor_reloads(self, index: int, desk: int) -> None:
        """The page reloads (or reopens after the visitor left): the same conversation."""
        old = self.visitor(index)
        self.run(old.close())
        again = VisitorClient(self.url(desk))
        self.run(again.connect(old.session_id))
        assert again.conversation_id == old.conversation_id
        self.visitors[self.visitors.index(old)] = again

    @rule(index=st.integers(0, 2))
    def visitor_leaves(self, index: int) -> None:
        self.run(self.visitor(index).close())

    # Agents

    @rule(agent_id=st.sampled_from(AGENT_IDS), desk=st.integers(0, 1))
    def agent_logs_in(self, agent_id: str, desk: int) -> None:
        if agent_id in self.agents and self.agents[agent_id].sio.connected:
            return
        agent = AgentClient(self.url(desk))
        self.run(agent.login(agent_id, AGENT_PASSWORD))
        old = self.agents.pop(agent_id, None)
        if old is not None:
            self.run(old.close())
        self.agents[agent_id] = agent
        self.closed_at.pop(agent_id, None)

    def online(self) -> List[AgentClient]:
        return [a for a in self.agents.values() if a.sio.connected]

    @precondition(lambda self: bool(self.online()))
    @rule(which=st.integers(0, 1))
    def agent_accepts(self, which: int) -> None:
        agent = self.online()[which % len(self.online())]
        status, body = self.run(agent.request("GET", "/queue"))
        assert status == 200
        if body["tickets"]:
            status, _ = self.run(agent.accept(body["tickets"][0]["conversation_id"]))
            assert status in (200, 403, 409)

    def owned(self, agent: AgentClient) -> List[str]:
        status, body = self.run(agent.request("GET", "/conversations"))
        assert status == 200
        return [view["conversation_id"] for view in body["conversations"]]

    @precondition(lambda self: bool(self.online()))
    @rule(which=st.integers(0, 1), action=st.sampled_from(("reply", "handback", "close")))
    def agent_acts(self, which: int, action: str) -> None:
        agent = self.online()[which % len(self.online())]
        for cid in self.owned(agent)[:1]:
            if action == "reply":
                ack = self.run(agent.send(cid, "您好,请问有什么可以帮您?"))
                assert "entry" in ack, ack
            elif action == "handback":
                status, _ = self.run(agent.request("POST", f"/conversations/{cid}/handback"))
                assert status == 200
            else:
                status, _ = self.run(agent.finish(cid))
                assert status == 200

    @precondition(lambda self: bool(self.online()))
    @rule(which=st.integers(0, 1), how=st.sampled_from(("logout", "vanish")))
    def agent_leaves(self, which: int, how: str) -> None:
        agent = self.online()[which % len(self.online())]
        agent_id = next(a for a, client in self.agents.items() if client is agent)
        if how == "logout":
            status, _ = self.run(agent.request("POST", "/logout"))
            assert status == 200
        self.run(agent.sio.disconnect())
        self.closed_at[agent_id] = time.monotonic()

    @rule(seconds=st.sampled_from((0.5, 2.0, 4.0)))
    def time_passes(self, seconds: float) -> None:
        """Presence timers fire meanwhile (grace, agent gone)."""
        self.run(asyncio.sleep(seconds))

    # Invariants

    @invariant()
    def one_state_each(self) -> None:
        Counts.steps += 1
        queue = set(self.redis.zrange("desk:queue", 0, -1))
        owned = {a: self.redis.smembers(f"desk:agent_convs:{a}") for a in AGENT_IDS}
        for cid in self.sent:
            owner, agent_id = self.redis.hmget(f"desk:conv:{cid}", ["owner", "agent_id"])
            assert owner in {s.value for s in State}, (cid, owner)
            assert (cid in queue) == (owner == State.QUEUED.value), (cid, owner)
            holders = [a for a, convs in owned.items() if cid in convs]
            assert holders == ([agent_id] if owner == State.AGENT.value else []), (cid, owner)

    @invariant()
    def every_line_once_in_order(self) -> None:
        for cid, sent in self.sent.items():
            raw = self.redis.lrange(f"desk:transcript:{cid}", 0, -1)
            lines = [json.loads(r) for r in raw]
            typed = [line["text"] for line in lines if line["from"] == "visitor"]
            assert typed == sent, (cid, typed, sent)

    @invariant()
    def nobody_online_who_is_gone(self) -> None:
        now = time.monotonic()
        for agent_id, closed in self.closed_at.items():
            if now - closed > GRACE + 3.0:  # the grace period, plus a timer tick and a margin
                status = self.redis.hget("desk:presence", agent_id)
                assert status == "offline", (agent_id, status, now - closed)


def examples(default: int, variable: str) -> int:
    return int(os.environ.get(variable, default))


@pytest.fixture
def product(lifecycle_stack: Stack) -> type[Product]:
    Product.stack = lifecycle_stack
    return Product


def test_random_sequences_of_visitors_and_agents_hold_the_invariants(
    product: type[Product], capsys: pytest.CaptureFixture[str]
) -> None:
    Counts.steps = Counts.sequences = 0
    run_state_machine_as_test(
        product,
        settings=settings(
            max_examples=examples(5, "LIFECYCLE_SOAK_EXAMPLES"),
            stateful_step_count=examples(15, "LIFECYCLE_SOAK_STEPS"),
            derandomize=True,  # the same sequences every run: a failure is reproducible
            deadline=None,
            phases=[Phase.generate],  # no shrinking: each step is a real round trip
            suppress_health_check=list(HealthCheck),
        ),
    )
    with capsys.disabled():
        print(f"\nlifecycle model: {Counts.steps} steps in {Counts.sequences} sequences held")
