"""Attacks on the 质检 endpoints (issue 21, docs/security.md attack 10): reading scorecards or
their CSV without a login, another agent's card, another agent's list or CSV by naming them in
`?agent=`. Each refusal has its test; a supervisor is the control that does see everyone's.

The cards are written with the desk's own store and scorer (a real transcript's stretch) into
the attack stack's Redis: the attacks are on who may read them, not on how they are made.
"""

import asyncio
import csv
import io
import time
import uuid
from typing import Any, Dict, List, Tuple

import pytest
import requests

from common.redis_connection import connect
from desk.agents import set_supervisor
from desk.compliance_report import compliance_day
from desk.scorecard_store import RedisScorecardStore
from desk.scorecards import build_card
from desk.settings import DeskSettings
from devtools.stack import Stack
from tests.integration.conftest import AGENT_PASSWORD, LIFECYCLE_AGENTS

pytestmark = pytest.mark.integration

PLAIN, OTHER = sorted(LIFECYCLE_AGENTS)  # 4001, 4002
SUPERVISOR = "4009"
PATHS = ("/api/agent/qc/scorecards", "/api/agent/qc/scorecards.csv")


def seeded(stack: Stack, agent_id: str) -> str:
    """A scorecard of `agent_id` closed now (today's list); its id."""
    now = time.time()
    cid = uuid.uuid4().hex
    lines = [
        {
            "seq": 3,
            "from": "system",
            "ts": now - 20,
            "text": f"您好,{agent_id}号客服很高兴为您服务",
        },
        {"seq": 4, "from": "visitor", "ts": now - 15, "text": "在吗"},
        {"seq": 5, "from": "agent", "ts": now - 10, "text": "您好", "agent_id": agent_id},
    ]
    card = build_card(cid, agent_id, LIFECYCLE_AGENTS[agent_id], 3, now, lines, DeskSettings())

    async def save() -> None:
        client = connect(str(stack.redis_url))
        try:
            assert await RedisScorecardStore(client).save(card, 3600)
        finally:
            await client.close()

    asyncio.run(save())
    assert card["day"] == compliance_day(now, 8)
    return str(card["id"])


@pytest.fixture(scope="module")
def cards(attack_stack: Stack) -> Dict[str, str]:
    """One card of each plain agent, and a supervisor to read them."""
    attack_stack.create_agent(SUPERVISOR, "赵主管", AGENT_PASSWORD, capacity=1)
    asyncio.run(set_supervisor(str(attack_stack.redis_url), SUPERVISOR, True))
    return {agent_id: seeded(attack_stack, agent_id) for agent_id in (PLAIN, OTHER)}


def token(stack: Stack, agent_id: str) -> str:
    answer = requests.post(
        f"{stack.desk_urls[0]}/api/agent/login",
        json={"agent_id": agent_id, "password": AGENT_PASSWORD},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def get(stack: Stack, path: str, bearer: str | None = None, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return requests.get(f"{stack.desk_urls[1]}{path}", headers=headers, params=params, timeout=30)


def csv_agents(answer: requests.Response) -> List[str]:
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    return [row[2] for row in rows[1:]]


def listed(answer: requests.Response) -> List[Tuple[str, str]]:
    assert answer.status_code == 200, answer.text
    return [(row["id"], row["agent_id"]) for row in answer.json()["scorecards"]]


@pytest.mark.attack("10", "a stranger reads 质检 scorecards or their CSV without a login")
@pytest.mark.parametrize("bearer", [None, "", "not-a-token", "Bearer"])
def test_no_login_no_scorecards(attack_stack: Stack, cards: Dict[str, str], bearer: Any) -> None:
    for path in (*PATHS, f"/api/agent/qc/scorecards/{cards[PLAIN]}"):
        answer = get(attack_stack, path, bearer)
        assert (answer.status_code, answer.json()) == (
            401,
            {"error": "unauthorized", "message": "请先登录"},
        )


@pytest.mark.attack("10", "an agent opens another agent's scorecard by its id")
def test_another_agents_card_is_refused(attack_stack: Stack, cards: Dict[str, str]) -> None:
    plain = token(attack_stack, PLAIN)
    answer = get(attack_stack, f"/api/agent/qc/scorecards/{cards[OTHER]}", plain)
    assert (answer.status_code, answer.json()) == (
        403,
        {"error": "forbidden", "message": "您只能查看自己的质检记录"},
    )
    own = get(attack_stack, f"/api/agent/qc/scorecards/{cards[PLAIN]}", plain)
    assert (own.status_code, own.json()["agent_id"]) == (200, PLAIN)
    boss = get(
        attack_stack, f"/api/agent/qc/scorecards/{cards[OTHER]}", token(attack_stack, SUPERVISOR)
    )
    assert (boss.status_code, boss.json()["agent_id"]) == (200, OTHER)


@pytest.mark.attack("10", "an agent lists another agent's scorecards with a forged ?agent=")
def test_a_forged_agent_filter_is_ignored(attack_stack: Stack, cards: Dict[str, str]) -> None:
    plain = token(attack_stack, PLAIN)
    forged = get(attack_stack, PATHS[0], plain, agent=OTHER)
    assert (cards[OTHER], OTHER) not in listed(forged)
    assert (cards[PLAIN], PLAIN) in listed(forged)
    assert {agent for _, agent in listed(forged)} == {PLAIN}
    assert (forged.json()["agent"], forged.json()["supervisor"]) == (PLAIN, False)
    boss = get(attack_stack, PATHS[0], token(attack_stack, SUPERVISOR), agent=OTHER)
    assert {agent for _, agent in listed(boss)} == {OTHER}
    assert (cards[OTHER], OTHER) in listed(boss)


@pytest.mark.attack("10", "an agent downloads another agent's scorecards as CSV")
def test_the_csv_holds_only_the_agents_own_rows(attack_stack: Stack, cards: Dict[str, str]) -> None:
    plain = token(attack_stack, PLAIN)
    for params in ({}, {"agent": OTHER}):
        answer = get(attack_stack, PATHS[1], plain, **params)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert set(csv_agents(answer)) == {PLAIN}
    boss = get(attack_stack, PATHS[1], token(attack_stack, SUPERVISOR))
    assert {PLAIN, OTHER} <= set(csv_agents(boss))
