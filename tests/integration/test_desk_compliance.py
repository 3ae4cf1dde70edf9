"""Agents' lines with a forbidden phrase (服务忌语), against the whole stack: held (the visitor
gets nothing), edited and sent, or sent anyway (`force`) and counted per agent and day.

The visitor is on desk 2 and agent 2003 on desk 1 (the `agent_chat` fixture, conftest.py).
"""

import asyncio
import json
import time
from typing import Any, Dict, List, Tuple, TypeAlias

import pytest
import redis

from compliance.screening import screen
from desk.compliance_report import compliance_day
from devtools.clients import AgentClient, Message, VisitorClient
from devtools.stack import Stack
from tests.integration.conftest import WAIT, logged_in, run

pytestmark = pytest.mark.integration

Store: TypeAlias = "redis.Redis[str]"
FORBIDDEN = "这个可能要等"  # 「可能」: vague language (seed 000)
EDITED = "请稍等,我帮您查一下。"  # seed 002's wording
QUIET = 1.5  # seconds a visitor is watched for a line that must not come


def held_answer(text: str) -> Dict[str, Any]:
    return {"held": True, "violations": [v.to_json() for v in screen(text)]}


def today(report: Message, agent_id: str, kind: str) -> int:
    """The agent's count of `kind` today in a `GET /api/agent/compliance` answer."""
    assert report["days"][-1] == compliance_day(time.time(), 8)
    counts = {a["agent_id"]: a[kind][-1] for a in report["agents"]}
    return int(counts.get(agent_id, 0))


def agent_lines(store: Store, conversation_id: str) -> List[str]:
    lines = [json.loads(raw) for raw in store.lrange(f"desk:transcript:{conversation_id}", 0, -1)]
    return [line["text"] for line in lines if line["from"] == "agent"]


def test_a_forbidden_line_is_held_and_the_edited_one_goes_through(
    agent_chat: Any, store: Store
) -> None:
    async def body(visitor: VisitorClient, agent: AgentClient) -> Tuple[Any, ...]:
        cid = str(visitor.conversation_id)
        before = await agent.compliance()
        start = len(visitor.messages.items)
        held = await agent.send(cid, FORBIDDEN)
        await asyncio.sleep(QUIET)
        got_while_held = visitor.messages.items[start:]
        sent = await agent.send(cid, EDITED)
        seen = await visitor.messages.wait_for(lambda m: True, WAIT, start)
        after = await agent.compliance()
        stored = agent_lines(store, cid)
        await agent.finish(cid)
        return held, got_while_held, sent, seen, stored, before, after

    held, got_while_held, sent, seen, stored, before, after = agent_chat(body)
    assert held == held_answer(FORBIDDEN)
    assert held["violations"][0]["rule"] == "vague_possibly"
    assert got_while_held == []
    assert (set(sent), sent["entry"]["text"]) == ({"entry"}, EDITED)
    assert (seen["sender"], seen["text"], seen["agent_name"]) == ("agent", EDITED, "赵敏")
    assert stored == [EDITED]  # the held line was never stored
    assert today(after, "2003", "warnings") == today(before, "2003", "warnings") + 1
    assert today(after, "2003", "forced") == today(before, "2003", "forced")


def test_a_line_sent_anyway_reaches_the_visitor_and_is_counted_and_recorded(
    agent_chat: Any, store: Store
) -> None:
    async def body(visitor: VisitorClient, agent: AgentClient) -> Tuple[Any, ...]:
        cid = str(visitor.conversation_id)
        before = await agent.compliance()
        start = len(visitor.messages.items)
        held = await agent.send(cid, FORBIDDEN)
        forced = await agent.send(cid, FORBIDDEN, force=True)
        seen = await visitor.messages.wait_for(lambda m: True, WAIT, start)
        record = json.loads(str(store.lindex("desk:compliance:forced", 0)))
        after = await agent.compliance()
        await agent.finish(cid)
        return cid, held, forced, seen, record, before, after

    cid, held, forced, seen, record, before, after = agent_chat(body)
    assert held == held_answer(FORBIDDEN)
    assert (forced["forced"], forced["entry"]["text"]) == (True, FORBIDDEN)
    assert (seen["sender"], seen["text"], seen["seq"]) == (
        "agent",
        FORBIDDEN,
        forced["entry"]["seq"],
    )
    assert {k: v for k, v in record.items() if k != "ts"} == {
        "agent_id": "2003",
        "conversation_id": cid,
        "seq": forced["entry"]["seq"],
        "rules": ["vague_possibly"],
        "matched": ["可能"],
    }
    assert today(after, "2003", "warnings") == today(before, "2003", "warnings") + 1
    assert today(after, "2003", "forced") == today(before, "2003", "forced") + 1


def test_the_http_path_holds_and_forces_the_same_way(agent_chat: Any, store: Store) -> None:
    async def body(visitor: VisitorClient, agent: AgentClient) -> Tuple[Any, ...]:
        cid = str(visitor.conversation_id)
        path = f"/conversations/{cid}/messages"
        start = len(visitor.messages.items)
        held = await agent.request("POST", path, {"text": "你去投诉好了"})
        forced = await agent.request("POST", path, {"text": "你去投诉好了", "force": True})
        clean = await agent.request("POST", path, {"text": EDITED, "force": True})
        seen = await visitor.messages.wait_count(2, WAIT, start)
        stored = agent_lines(store, cid)
        await agent.finish(cid)
        return held, forced, clean, [m["text"] for m in seen], stored

    held, forced, clean, seen, stored = agent_chat(body)
    assert held == (200, held_answer("你去投诉好了"))
    assert [v["rule"] for v in held[1]["violations"]] == ["impersonal_ni", "provoking_go_complain"]
    assert (forced[0], forced[1]["forced"]) == (201, True)
    assert (clean[0], set(clean[1])) == (201, {"entry"})  # nothing to force: sent as usual
    assert seen == stored == ["你去投诉好了", EDITED]


def test_every_agent_sees_each_agents_series(stack: Stack) -> None:
    async def scenario() -> Tuple[Any, ...]:
        agent = await logged_in(stack.desk_urls[1], "2001")
        try:
            report = await agent.compliance(3)
            default = await agent.compliance()
            refused = [await agent.request("GET", f"/compliance?days={d}") for d in ("0", "x")]
            return report, default, refused
        finally:
            await agent.close()

    report, default, refused = run(scenario)
    assert len(report["days"]) == 3 and len(default["days"]) == 14
    names = {a["agent_id"]: a["name"] for a in report["agents"]}
    assert names["2001"] == "王芳"  # the asking agent, even without warnings
    assert all(len(a["warnings"]) == len(a["forced"]) == 3 for a in report["agents"])
    assert refused == [
        (400, {"error": "malformed", "message": "天数须在1到90之间"}),
        (400, {"error": "malformed", "message": "天数须为正整数"}),
    ]
