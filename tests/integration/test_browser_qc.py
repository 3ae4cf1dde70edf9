"""The console's 质检 view in real headless Chromium (Debian's, never downloaded), on the whole
product: an agent handles a chat, sends a 你 line despite the warning, closes it, and finds the
scorecard in 质检 with that line highlighted; a supervisor sees two agents' rows, a plain agent
only their own; the CSV downloads are checked, BOM and all.
"""

import asyncio
import csv
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator, List, TypeAlias, TypeVar

import pytest
import redis
from playwright.sync_api import Locator, Page, expect

from desk.agents import set_supervisor
from desk.phrases import Phrases
from devtools.stack import Stack
from tests.integration.conftest import (
    AGENT_PASSWORD,
    AGENTS,
    OpenPage,
    console_login,
    console_online,
    release,
)
from tests.integration.test_browser import accepted, open_chat, say

pytestmark = pytest.mark.integration

Store: TypeAlias = "redis.Redis[str]"
AGENT = "2002"  # the plain agent in the browser
OTHER = "2003"  # agent_chat's agent, over the API
SUPERVISOR, SUPERVISOR_NAME = "2010", "赵主管"
IMPERSONAL = "你好,请稍等,我帮你查一下。"


T = TypeVar("T")


def aside(call: Callable[..., T], *args: Any) -> T:
    """Runs `call` in a thread of its own: Playwright's sync API keeps an event loop running in
    this one, and the API clients (asyncio.run) need their own."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(call, *args).result()


@pytest.fixture(scope="module")
def supervisor(stack: Stack) -> str:
    """A supervisor of the main stack (desk.agents: create, then the flag)."""
    aside(stack.create_agent, SUPERVISOR, SUPERVISOR_NAME, AGENT_PASSWORD, 1)
    aside(asyncio.run, set_supervisor(str(stack.redis_url), SUPERVISOR, True))
    return SUPERVISOR


@pytest.fixture
def console(stack: Stack, open_page: OpenPage) -> Iterator[Page]:
    """Agent 2002 in the console on desk 1, online; released after the test."""
    release(stack.desk_urls[0], AGENT)
    yield console_online(open_page, stack.desk_urls[0], AGENT, AGENTS[AGENT])
    release(stack.desk_urls[0], AGENT)


def open_qc(page: Page) -> None:
    """Switches the console to 质检 and waits for the day's list."""
    with page.expect_response("**/api/agent/qc/scorecards") as answer:
        page.click("#tab-qc")
    assert answer.value.ok
    expect(page.locator("#qc-view")).to_be_visible()


def row(page: Page, cid: str) -> Locator:
    return page.locator(f'#qc-rows tr.qc-row[data-card-id^="{cid}-"]')


def download_csv(page: Page, tmp_path: Path) -> List[List[str]]:
    """Clicks 导出 CSV; the file's rows (after checking the BOM Excel needs)."""
    with page.expect_download() as download:
        page.click("#qc-export")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_an_agent_finds_the_failing_line_and_a_supervisor_sees_everyone(
    stack: Stack,
    open_page: OpenPage,
    console: Page,
    supervisor: str,
    store: Store,
    text: Callable[[str], str],
    phrases: Phrases,
    agent_chat: Callable[..., str],
    tmp_path: Path,
) -> None:
    agent = console
    # Another agent's chat, compliant, closed over the API (agent_chat: 2003 on desk 1).

    async def compliant(visitor, other) -> str:  # type: ignore[no-untyped-def]
        cid = str(visitor.conversation_id)
        await visitor.say("我的订单还没到")
        await other.send(cid, "请稍等,我帮您查一下。")
        status, _ = await other.finish(cid)
        assert status == 200
        return cid

    other_cid = aside(agent_chat, compliant)

    # This agent's chat in the browser: a 你 line sent despite the warning, then closed.
    visitor = open_chat(open_page, stack.desk_urls[1], text)
    cid = accepted(visitor, agent, store, phrases, AGENT, AGENTS[AGENT])
    say(visitor, "我的快递三天都没到")
    expect(agent.locator("#transcript .msg[data-from=visitor] .text").last).to_have_text(
        "我的快递三天都没到"
    )
    agent.fill("#reply", IMPERSONAL)
    agent.click("#reply-send")  # held: the text stays in the box
    expect(agent.locator("#compliance-warning")).to_be_visible()
    agent.click("#compliance-force")
    expect(visitor.locator("#messages .msg[data-from=agent] .text").last).to_have_text(IMPERSONAL)
    agent.click("#close")
    expect(visitor.locator("#messages .msg .text").last).to_have_text(phrases.anything_else)
    agent.click("#close")
    expect(visitor.locator("#messages .msg[data-from=system] .text").last).to_have_text(
        phrases.say("rating_request")
    )

    # 质检: the row, with the failed item; only this agent's rows.
    open_qc(agent)
    mine = row(agent, cid)
    expect(mine).to_have_count(1)
    expect(mine.locator(".qc-agent")).to_have_text(f"{AGENTS[AGENT]}({AGENT})")
    expect(mine.locator(".qc-chip.bad")).to_have_text(["称呼用「您」"])
    expect(mine.locator(".qc-score")).to_have_text("88")
    expect(row(agent, other_cid)).to_have_count(0)
    agent_ids = agent.locator("#qc-rows tr.qc-row").evaluate_all(
        "rows => rows.map(r => r.dataset.agentId)"
    )
    assert agent_ids and set(agent_ids) == {AGENT}
    expect(agent.locator("#qc-agent-filter")).to_be_hidden()

    # Opened: the transcript read-only, the 你 line highlighted, the items beside it.
    mine.click()
    failing = agent.locator("#qc-transcript .msg.qc-failing")
    expect(failing.locator(".text")).to_have_text([IMPERSONAL])
    expect(failing.locator(".qc-line-tags .qc-chip")).to_have_text(["称呼用「您」"])
    expect(failing.locator(".qc-forced")).to_have_text("提醒后仍发送")
    item = agent.locator('#qc-items li.qc-item[data-item="honorific"]')
    expect(item).to_have_class("qc-item failed")
    expect(item.locator(".qc-reason")).to_have_text("1句称呼客户用「你」:「你好」「你」,应称「您」")
    expect(agent.locator("#qc-items li.qc-item.failed")).to_have_count(1)
    expect(agent.locator("#qc-items li.qc-item")).to_have_count(8)
    expect(agent.locator("#qc-transcript textarea, #qc-transcript input")).to_have_count(0)

    # The plain agent's CSV: their own rows, whatever the page asks.
    agent.click("#qc-back")
    own_rows = download_csv(agent, tmp_path)
    assert own_rows[0][:5] == ["结束时间", "会话", "工号", "客服", "得分"]
    assert {r[2] for r in own_rows[1:]} == {AGENT}
    [line] = [r for r in own_rows if r[1] == cid]
    assert line[2:7] == [AGENT, AGENTS[AGENT], "88", "7/8", "称呼用「您」"]

    # The supervisor: both agents' rows; the agent filter; its CSV.
    boss = console_login(open_page, stack.desk_urls[1], supervisor, SUPERVISOR_NAME)
    open_qc(boss)
    expect(row(boss, cid)).to_have_count(1)
    expect(row(boss, other_cid)).to_have_count(1)
    expect(row(boss, other_cid).locator(".qc-chip.ok")).to_have_text("全部通过")
    expect(boss.locator("#qc-agent-filter")).to_be_visible()
    every = download_csv(boss, tmp_path)
    assert {cid, other_cid} <= {r[1] for r in every[1:]}
    with boss.expect_response(lambda r: "/qc/scorecards?" in r.url and "agent=2002" in r.url):
        boss.select_option("#qc-agent", AGENT)
    expect(row(boss, other_cid)).to_have_count(0)
    expect(row(boss, cid)).to_have_count(1)
    filtered = download_csv(boss, tmp_path)
    assert {r[2] for r in filtered[1:]} == {AGENT}
    assert {r[1] for r in filtered[1:]} == {r[1] for r in own_rows[1:]}
