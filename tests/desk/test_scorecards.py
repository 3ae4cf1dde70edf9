"""质检评分 in the desk over a real Redis server, with an injected clock: a closed chat gets one
card of the agent's stretch (the listener of `close`), and who may read which, as JSON or CSV.

Rasa and socket.io are recorders (tests/desk/test_waiting_desk.py's); only this module's agents
(91xx), conversations (qc-…) and `desk:qc:*` keys are touched.
"""

import asyncio
import json
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Tuple

import pytest

from common.redis_connection import connect
from compliance.scorecard import ITEMS
from desk.errors import DeskError
from desk.lifecycle import Change, Event, State
from desk.phrases import load_phrases
from desk.scorecards import CSV_HEADER, Scorecards, checked_day, csv_text
from desk.service import Desk
from desk.settings import ROOT, DeskSettings
from desk.store import Agent, DeskStore
from tests.desk.test_waiting_desk import Clock, RecordingRasa, RecordingSio, settle

MONDAY_10AM = 1_795_400_000.0  # 2026-11-23 (Monday) 10:13:20 in Shanghai: within the hours
DAY = "2026-11-23"
PHRASES = load_phrases(ROOT / "domain.yml", "测试网")
AGENTS = {"9101": "王芳", "9102": "李强", "9109": "赵主管"}

Scenario = Callable[[Desk, Clock], Awaitable[Any]]


def run_desk(redis_url: str, scenario: Scenario, **settings: Any) -> Any:
    """A desk over the real Redis (only our keys reset), Rasa and socket.io recorded."""

    async def main() -> Any:
        client = connect(redis_url)
        for key in await client.keys("desk:qc:*"):
            await client.delete(key)
        store = DeskStore(client, visitor_ttl_seconds=3600)
        for agent_id, name in AGENTS.items():
            await store.save_agent(agent_id, name=name, password_hash="x", capacity=3)
            await store.set_presence(agent_id, "online")
            await client.delete(f"desk:agent_convs:{agent_id}")
        await store.set_supervisor("9109", True)
        clock = Clock(MONDAY_10AM)
        desk = Desk(
            DeskSettings(
                **{"instance_id": "qc", "when_no_agent": "queue", "idle_seconds": 0, **settings}
            ),
            store,
            RecordingRasa(),  # type: ignore[arg-type]
            RecordingSio(),  # type: ignore[arg-type]
            PHRASES,
            clock=clock,
        )
        try:
            return await scenario(desk, clock)
        finally:
            await desk.delivery.stop()
            for agent_id in AGENTS:
                await client.hset("desk:presence", agent_id, "offline")
            await client.close()

    return asyncio.run(main())


async def agent(desk: Desk, agent_id: str) -> Agent:
    found = await desk.store.agent(agent_id)
    assert found is not None
    return found


Step = Tuple[float, str, str]  # seconds later, who ("visitor", "agent", "agent!" = forced), text


async def handled_chat(
    desk: Desk, clock: Clock, agent_id: str, steps: List[Step], cid: str = ""
) -> str:
    """A visitor asks for a human, `agent_id` accepts, the steps are said, the agent asks
    请问还有什么可以帮您? and closes (as the console's 结束会话 twice). Returns the conversation."""
    cid = cid or f"qc-{uuid.uuid4().hex[:12]}"
    await desk.store.start_conversation(f"tok-{cid}", cid)
    await desk.bot_message({"recipient_id": cid, "text": "您好!这里是测试网,很高兴为您服务"})
    await desk.visitor_message(cid, "转人工")
    await settle(desk)
    signal = {"reason": "request_human", "slots": {}}
    await desk.bot_message({"recipient_id": cid, "custom": {"handoff": signal}})
    clock.now += 5
    await desk.accept(cid, await agent(desk, agent_id))
    for later, who, text in steps:
        clock.now += later
        if who == "visitor":
            await desk.visitor_message(cid, text)
        else:
            sent = await desk.agent_message(cid, await agent(desk, agent_id), text, who == "agent!")
            assert "entry" in sent, sent
    clock.now += 3
    await desk.confirm_close(cid, await agent(desk, agent_id))
    clock.now += 4
    await desk.visitor_message(cid, "没有了,谢谢")
    clock.now += 2
    await desk.close(cid, await agent(desk, agent_id))
    await settle(desk)
    return cid


GOOD: List[Step] = [
    (6, "visitor", "我的快递三天都没到"),
    (4, "agent", "请稍等,我帮您查一下。"),
    (20, "agent", "您的快递已经到了配送站,明天上午送达。"),
]


def test_a_closed_chat_gets_one_card_of_the_agents_stretch(redis_url: str) -> None:
    async def scenario(desk: Desk, clock: Clock) -> Tuple[Any, ...]:
        cid = await handled_chat(desk, clock, "9101", GOOD)
        start = int(await desk.store.redis.hget(f"desk:conv:{cid}", "handoff_seq") or -1)
        store = desk.scorecards.store
        card = await store.card(f"{cid}-{start}")
        transcript = await desk.store.transcript(cid, start)
        rows = await store.rows(DAY), await store.rows(DAY, "9101"), await store.rows(DAY, "9102")
        ttl = await desk.store.redis.ttl(f"desk:qc:card:{cid}-{start}")
        return cid, start, card, transcript, rows, ttl

    cid, start, card, transcript, (day, mine, theirs), ttl = run_desk(redis_url, scenario)
    assert start == 3  # after the opening, 转人工 and the queue line: the accept
    accepted = MONDAY_10AM + 5
    assert {k: v for k, v in card.items() if k not in ("items", "transcript")} == {
        "id": f"{cid}-{start}",
        "conversation_id": cid,
        "agent_id": "9101",
        "agent_name": "王芳",
        "start": 3,
        "closed_at": accepted + 6 + 4 + 20 + 3 + 4 + 2,
        "day": DAY,
        "passed": 8,
        "total": 8,
        "score": 100,
        "failed": [],
        "first_response_seconds": 10.0,  # the accept (its 开头语) to 请稍等
        "longest_silence_seconds": 4.0,  # 我的快递三天都没到 → 请稍等; 没有了,谢谢 → the close: 2
    }
    assert [(i["id"], i["passed"]) for i in card["items"]] == [(k, True) for k in ITEMS]
    # The stretch as stored: from the accept's 开头语 to the closing line and rating request.
    assert card["transcript"] == transcript
    assert [(e["from"], e["text"]) for e in transcript] == [
        ("system", PHRASES.say("agent_joined", agent_id="9101", agent_name="王芳")),
        ("visitor", "我的快递三天都没到"),
        ("agent", "请稍等,我帮您查一下。"),
        ("agent", "您的快递已经到了配送站,明天上午送达。"),
        ("agent", PHRASES.anything_else),
        ("visitor", "没有了,谢谢"),
        ("system", PHRASES.closing),
        ("system", PHRASES.say("rating_request")),
    ]
    assert day == mine == [{k: card[k] for k in day[0]}]
    assert theirs == []
    assert 3600 * 24 * 30 - 5 <= ttl <= 3600 * 24 * 30  # DESK_VISITOR_SESSION_DAYS, as transcripts


def test_a_listener_run_twice_stores_one_card(redis_url: str) -> None:
    async def scenario(desk: Desk, clock: Clock) -> Tuple[Any, ...]:
        cid = await handled_chat(desk, clock, "9101", GOOD)
        first = await desk.store.redis.get(f"desk:qc:card:{cid}-3")
        clock.now += 600  # a retry, later: the visitor wrote again meanwhile
        await desk.visitor_message(cid, "还有一个问题")
        await desk.scorecards.closed(
            Change(cid, Event.CLOSE, State.AGENT, "9101", {"start": 3, "at": clock.now})
        )
        await settle(desk)
        keys = sorted(await desk.store.redis.keys(f"desk:qc:card:{cid}*"))
        again = await desk.store.redis.get(f"desk:qc:card:{cid}-3")
        return cid, first, again, keys, await desk.scorecards.store.rows(DAY, "9101")

    cid, first, again, keys, rows = run_desk(redis_url, scenario)
    assert again == first and keys == [f"desk:qc:card:{cid}-3"]
    assert [row["id"] for row in rows] == [f"{cid}-3"]


def test_a_line_sent_despite_the_warning_and_a_late_reply_fail_their_items(
    redis_url: str,
) -> None:
    steps: List[Step] = [
        (6, "visitor", "我的快递三天都没到"),
        (75, "agent!", "你的快递明天送到。"),  # 你 held, sent anyway; no apology after 75 s
    ]

    async def scenario(desk: Desk, clock: Clock) -> Tuple[Any, ...]:
        cid = await handled_chat(desk, clock, "9102", steps)
        card = await desk.scorecards.store.card(f"{cid}-3")
        return await desk.store.transcript(cid, 3), card

    transcript, card = run_desk(redis_url, scenario, agent_slow_seconds=60.0)
    forced = transcript[2]
    assert (forced["text"], forced.get("forced")) == ("你的快递明天送到。", True)
    items = {i["id"]: i for i in card["items"]}
    assert card["failed"] == ["honorific", "apology", "first_response", "longest_silence"]
    assert (card["passed"], card["score"]) == (4, 50)
    assert items["honorific"]["lines"] == [
        {"seq": 5, "from": "agent", "text": "你的快递明天送到。"}
    ]
    assert items["honorific"]["reason"] == "1句称呼客户用「你」:「你的」,应称「您」"
    assert items["forbidden"]["passed"]  # 你 alone: one item, not two
    assert (items["apology"]["seconds"], items["apology"]["limit"]) == (75.0, 60.0)
    assert (card["first_response_seconds"], card["longest_silence_seconds"]) == (81.0, 75.0)


def test_personal_numbers_are_masked_in_the_card(redis_url: str) -> None:
    steps: List[Step] = [
        (6, "visitor", "我的手机号是13812345678"),
        (4, "agent", "好的,您的手机号13812345678已记录。"),
    ]

    async def scenario(desk: Desk, clock: Clock) -> Dict[str, Any]:
        cid = await handled_chat(desk, clock, "9101", steps)
        card = await desk.scorecards.store.card(f"{cid}-3")
        assert card is not None
        return card

    card = run_desk(redis_url, scenario)
    texts = [e["text"] for e in card["transcript"]]
    assert texts[1:3] == ["我的手机号是138****5678", "好的,您的手机号138****5678已记录。"]
    assert "13812345678" not in json.dumps(card, ensure_ascii=False)


def viewer(agent_id: str, supervisor: bool = False) -> Agent:
    return Agent(agent_id, AGENTS[agent_id], 3, "online", 0, supervisor)


def two_agents_chats(redis_url: str, scenario: Callable[[Desk], Awaitable[Any]]) -> Any:
    """9101 handles a compliant chat, 9102 one with a 你 sent anyway; then `scenario`."""

    async def both(desk: Desk, clock: Clock) -> Any:
        await handled_chat(desk, clock, "9101", GOOD)
        clock.now += 60
        await handled_chat(desk, clock, "9102", [(6, "visitor", "在吗"), (4, "agent!", "你好")])
        return await scenario(desk)

    return run_desk(redis_url, both)


def test_an_agent_lists_only_their_own_cards_whatever_they_ask(redis_url: str) -> None:
    async def scenario(desk: Desk) -> List[Dict[str, Any]]:
        cards = desk.scorecards
        return [
            await cards.listing(viewer("9101"), DAY, None, None),
            await cards.listing(viewer("9101"), DAY, "9102", None),  # forged: ignored
            await cards.listing(viewer("9102"), None, "", "honorific"),  # the desk's today
            await cards.listing(viewer("9102"), DAY, "", "honorific"),
        ]

    own, forged, today, failing = two_agents_chats(redis_url, scenario)
    assert [r["agent_id"] for r in own["scorecards"]] == ["9101"]
    assert forged == own
    assert (own["supervisor"], own["agent"], own["agents"], own["utc_offset_hours"]) == (
        False,
        "9101",
        [{"agent_id": "9101", "name": "王芳"}],
        8.0,
    )
    assert own["items"] == [{"id": k, "name": v} for k, v in ITEMS.items()]
    assert today == failing and today["day"] == DAY
    assert [(r["agent_id"], r["failed"]) for r in failing["scorecards"]] == [
        ("9102", ["honorific"])
    ]


def test_a_supervisor_lists_everyone_and_filters_by_agent_and_item(redis_url: str) -> None:
    async def scenario(desk: Desk) -> List[Dict[str, Any]]:
        boss, cards = viewer("9109", supervisor=True), desk.scorecards
        return [
            await cards.listing(boss, DAY, None, None),
            await cards.listing(boss, DAY, "9101", None),
            await cards.listing(boss, DAY, None, "honorific"),
        ]

    every, one, failing = two_agents_chats(redis_url, scenario)
    assert [r["agent_id"] for r in every["scorecards"]] == ["9102", "9101"]  # newest first
    assert every["agents"] == [
        {"agent_id": "9101", "name": "王芳"},
        {"agent_id": "9102", "name": "李强"},
    ]
    assert (every["supervisor"], every["agent"]) == (True, None)
    assert [r["agent_id"] for r in one["scorecards"]] == ["9101"]
    assert [r["agent_id"] for r in failing["scorecards"]] == ["9102"]


def test_another_agents_card_is_refused_unless_supervisor(redis_url: str) -> None:
    async def scenario(desk: Desk) -> Tuple[Any, ...]:
        cards = desk.scorecards
        [row] = (await cards.listing(viewer("9102"), DAY, None, None))["scorecards"]
        refused = []
        for who in (viewer("9101"), viewer("9109", supervisor=False)):  # the flag counts
            try:
                await cards.card(who, row["id"])
            except DeskError as error:
                refused.append((error.code, error.status, error.message))
        own = await cards.card(viewer("9102"), row["id"])
        boss = await cards.card(viewer("9109", supervisor=True), row["id"])
        try:
            await cards.card(viewer("9109", supervisor=True), "nope-0")
        except DeskError as error:
            missing = (error.code, error.status)
        return refused, own, boss, missing

    refused, own, boss, missing = two_agents_chats(redis_url, scenario)
    assert refused == [("forbidden", 403, "您只能查看自己的质检记录")] * 2
    assert own == boss and own["agent_id"] == "9102" and own["transcript"]
    assert missing == ("not_found", 404)


def test_the_csv_is_the_listing_for_excel(redis_url: str) -> None:
    async def scenario(desk: Desk) -> Tuple[Any, ...]:
        cards = desk.scorecards
        boss = viewer("9109", supervisor=True)
        return (
            await cards.csv(boss, DAY, None, None),
            await cards.csv(viewer("9101"), DAY, "9102", None),
            await cards.listing(boss, DAY, None, None),
        )

    (every, day), (forged, _), listing = two_agents_chats(redis_url, scenario)
    assert day == DAY
    assert every.startswith("\ufeff结束时间,会话,工号,客服,得分,通过项,未通过项,")
    rows = [line.split(",") for line in every[1:].splitlines()]
    assert rows[0] == list(CSV_HEADER)
    second, first = listing["scorecards"]
    assert rows[1] == [
        "2026-11-23 10:15:28",  # 10:13:20, the first chat's 44 s, 60 s, the second's 24 s
        second["conversation_id"],
        "9102",
        "李强",
        "88",
        "7/8",
        "称呼用「您」",
        "10.0",
        "4.0",
    ]
    assert rows[2][1:7] == [first["conversation_id"], "9101", "王芳", "100", "8/8", ""]
    assert [r[2] for r in (line.split(",") for line in forged[1:].splitlines()[1:])] == ["9101"]


@pytest.mark.parametrize(
    ("raw", "day"), [(None, "2026-11-23"), ("", "2026-11-23"), ("2026-02-28", "2026-02-28")]
)
def test_the_day_defaults_to_today(raw: str | None, day: str) -> None:
    assert checked_day(raw, "2026-11-23") == day


@pytest.mark.parametrize("raw", ["2026-2-28", "2026-02-30", "today", "2026-02-28x"])
def test_a_bad_day_is_refused(raw: str) -> None:
    with pytest.raises(DeskError) as raised:
        checked_day(raw, "2026-11-23")
    assert (raised.value.code, raised.value.message) == ("malformed", "日期格式应为YYYY-MM-DD")


def test_an_unknown_item_filter_is_refused(redis_url: str) -> None:
    async def scenario(desk: Desk, clock: Clock) -> str:
        try:
            await desk.scorecards.listing(viewer("9101"), DAY, None, "politeness")
        except DeskError as error:
            return error.message
        return "accepted"

    assert run_desk(redis_url, scenario) == "未知的质检项"


def test_csv_cells_never_run_as_formulas() -> None:
    row = {
        "closed_at": MONDAY_10AM,
        "conversation_id": "c1",
        "agent_id": "9101",
        "agent_name": '=HYPERLINK("http://x")',
        "score": 100,
        "passed": 8,
        "total": 8,
        "failed": [],
        "first_response_seconds": 1.5,
        "longest_silence_seconds": -0.0,
    }
    lines = csv_text([row], 8).splitlines()
    assert lines[1] == (
        '2026-11-23 10:13:20,c1,9101,"\'=HYPERLINK(""http://x"")",100,8/8,,1.5,\'-0.0'
    )


def test_a_chat_handed_back_is_not_scored(redis_url: str) -> None:
    async def scenario(desk: Desk, clock: Clock) -> List[str]:
        cid = f"qc-{uuid.uuid4().hex[:12]}"
        await desk.store.start_conversation(f"tok-{cid}", cid)
        signal = {"reason": "request_human", "slots": {}}
        await desk.bot_message({"recipient_id": cid, "custom": {"handoff": signal}})
        await desk.accept(cid, await agent(desk, "9101"))
        await desk.hand_back(cid, await agent(desk, "9101"))
        await settle(desk)
        return list(await desk.store.redis.keys("desk:qc:*"))

    assert run_desk(redis_url, scenario) == []


def test_scorecards_need_a_store_with_the_three_calls() -> None:
    """The desk only uses the interface: any store with save, card and rows will do."""

    class Memory:
        def __init__(self) -> None:
            self.saved: List[Dict[str, Any]] = []

        async def save(self, card: Dict[str, Any], keep_seconds: int) -> bool:
            self.saved.append(card)
            return True

        async def card(self, card_id: str) -> Dict[str, Any] | None:
            return None

        async def rows(self, day: str, agent_id: str | None = None) -> List[Dict[str, Any]]:
            return []

    cards = Scorecards(Memory(), None, DeskSettings(), lambda: MONDAY_10AM)  # type: ignore[arg-type]
    listing = asyncio.run(cards.listing(viewer("9101"), None, None, None))
    assert (listing["day"], listing["scorecards"]) == (DAY, [])


def test_agents_carry_the_supervisor_flag(redis_url: str) -> None:
    async def scenario(desk: Desk, clock: Clock) -> Tuple[Any, ...]:
        boss, plain = await agent(desk, "9109"), await agent(desk, "9101")
        missing = await desk.store.set_supervisor("9199", True)
        return boss.to_json(), plain.supervisor, missing, await desk.store.agent_ids()

    boss, plain, missing, ids = run_desk(redis_url, scenario)
    assert boss == {
        "agent_id": "9109",
        "name": "赵主管",
        "capacity": 3,
        "status": "online",
        "active": 0,
        "supervisor": True,
    }
    assert (plain, missing) == (False, False)
    assert {"9101", "9102", "9109"} <= set(ids) and ids == sorted(ids)
