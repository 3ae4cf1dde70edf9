"""The real product for the whole session: Redis, action server, Rasa (trained model), desks."""

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Tuple, TypeVar

import pytest
import redis
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from actions.directory import SqliteDirectory
from actions.directory_cli import generate_sample
from desk.phrases import Phrases, load_phrases
from devtools.clients import AgentClient, Message, VisitorClient
from devtools.stack import ALWAYS_QUEUE, MODEL, NO_VISITOR_LIMITS, Stack, StartError, free_port
from tests.conftest import ROOT
from tests.integration.crm import StandInCrm

START_TIMEOUT = 240.0


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    """Tests that restart or kill services run last, so no other test runs while the stack heals.

    While Redis is away nothing can be stored or pushed, and a dying desk's leases take ~11 s to
    expire (docs/desk.md): a test running beside them would race.
    """
    items.sort(key=lambda item: item.get_closest_marker("faults") is not None)


CONFIG = {"COMPANY_NAME": "测试网", "BOT_NAME": "小测", "AGENT_ID": "8848"}
# The main stack's desks: always within hours, handoffs queue even before an agent logs in, no
# idle or slow-agent timers (tests/integration/test_waiting.py has its own stack for those).
MAIN_DESK = ALWAYS_QUEUE
# The waiting stack's desks: short timers a test can wait out.
WAITING_DESK = {
    **NO_VISITOR_LIMITS,
    "DESK_HOURS": ALWAYS_QUEUE["DESK_HOURS"],
    "DESK_PUBLIC_HOLIDAYS": ALWAYS_QUEUE["DESK_PUBLIC_HOLIDAYS"],
    "DESK_WHEN_NO_AGENT": "message",
    "DESK_IDLE_SECONDS": "8",
    "DESK_AGENT_SLOW_SECONDS": "3",
    "DESK_QUEUE_UPDATE_SECONDS": "2",
    "DESK_TIMER_TICK_SECONDS": "0.2",
}


# The lifecycle stack's desks: always within hours, nobody online means the 留言 form, short
# presence timers a test can wait out, no idle or slow-agent timers.
LIFECYCLE_DESK = {
    **NO_VISITOR_LIMITS,
    "DESK_HOURS": ALWAYS_QUEUE["DESK_HOURS"],
    "DESK_PUBLIC_HOLIDAYS": ALWAYS_QUEUE["DESK_PUBLIC_HOLIDAYS"],
    "DESK_WHEN_NO_AGENT": "message",
    "DESK_IDLE_SECONDS": "0",
    "DESK_AGENT_SLOW_SECONDS": "0",
    "DESK_PRESENCE_GRACE_SECONDS": "2",
    "DESK_AGENT_GONE_SECONDS": "3",
    "DESK_TIMER_TICK_SECONDS": "0.2",
}


@dataclass
class Bot:
    """Talks to the Rasa server over its REST channel and HTTP API."""

    url: str
    token: str
    channel_token: str

    def say(
        self, sender: str, message: str, metadata: Dict[str, Any] | None = None
    ) -> List[Dict[str, Any]]:
        """Sends a visitor message; `metadata` is what the desk adds (e.g. the client IP)."""
        body: Dict[str, Any] = {"sender": sender, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json=body,
            headers={"Authorization": f"Bearer {self.channel_token}"},
            timeout=60,
        )
        response.raise_for_status()
        replies: List[Dict[str, Any]] = response.json()
        return replies

    def tracker(self, sender: str) -> Dict[str, Any]:
        response = requests.get(
            f"{self.url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30
        )
        response.raise_for_status()
        tracker: Dict[str, Any] = response.json()
        return tracker


AGENTS = {"2001": "王芳", "2002": "李强", "2003": "赵敏"}
# Agents of the waiting stack, one conversation at a time each, so two visitors make them busy.
WAITING_AGENTS = {"3001": "孙丽", "3002": "周杰"}
# Agents of the lifecycle stack.
LIFECYCLE_AGENTS = {"4001": "钱进", "4002": "吴敏"}
AGENT_PASSWORD = "test-password-1"


CRM_TOKEN = "crm-test-token"


@pytest.fixture(scope="session")
def directory_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated customer directory (1,200 customers), as `make directory` writes it."""
    path = tmp_path_factory.mktemp("directory") / "directory.sqlite3"
    generate_sample(path, count=1200)
    return path


@pytest.fixture(scope="session")
def crm(directory_path: Path) -> Iterator[StandInCrm]:
    """The company's CRM, stood in for by the HTTP contract over the generated directory.

    The action server is pointed at it (DIRECTORY_URL), so tests count real directory checks.
    """
    stand_in = StandInCrm(SqliteDirectory(directory_path), token=CRM_TOKEN)
    stand_in.start_in_thread()
    try:
        yield stand_in
    finally:
        stand_in.stop_thread()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, crm: StandInCrm) -> Iterator[Stack]:
    """Embedded Redis, the action server, Rasa and two desk instances sharing them.

    Rasa's callback channel posts to the first desk; tests put visitors and agents on either.
    Visitors may pose behind a proxy (X-Forwarded-For) to have distinct client addresses.
    """
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    yield from running_stack(
        tmp_path_factory.mktemp("stack"),
        {
            **CONFIG,
            **MAIN_DESK,
            "DESK_RASA_RETRY_SECONDS": "0.5",
            "DESK_TRUSTED_PROXIES": "127.0.0.1",
            "DIRECTORY_URL": crm.base_url,
            "DIRECTORY_TOKEN": CRM_TOKEN,
            # 质检评分's time limits, wide enough for a browser test on a busy machine: the QC
            # tests pick failing items that do not depend on the machine's speed.
            "DESK_QC_FIRST_RESPONSE_SECONDS": "300",
            "DESK_QC_SILENCE_SECONDS": "300",
        },
        AGENTS,
        capacity=2,
    )


@pytest.fixture(scope="session")
def waiting_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A second product with short waiting timers (WAITING_DESK) and its own Redis, for the
    busy, queue, idle, slow-agent, 留言 and rating tests; started only when a test needs it."""
    yield from running_stack(
        tmp_path_factory.mktemp("waiting-stack"),
        {**CONFIG, **WAITING_DESK, "DESK_RASA_RETRY_SECONDS": "0.5"},
        WAITING_AGENTS,
        capacity=1,
    )


@pytest.fixture(scope="session")
def lifecycle_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A third product (LIFECYCLE_DESK) for presence, requeueing and who answers when: agents
    come and go here without touching the other stacks' queues."""
    yield from running_stack(
        tmp_path_factory.mktemp("lifecycle-stack"),
        {**CONFIG, **LIFECYCLE_DESK, "DESK_RASA_RETRY_SECONDS": "0.5"},
        LIFECYCLE_AGENTS,
        capacity=2,
    )


def running_stack(
    root: Path, env: Dict[str, str], agents: Dict[str, str], capacity: int
) -> Iterator[Stack]:
    """Starts a product stack with two desks and these agents; stops it when the caller is done."""
    stack = Stack(
        log_dir=root / "logs",
        redis_dir=root / "redis",
        desk_ports=[free_port(), free_port()],
        extra_env=env,
    )
    try:
        stack.start(timeout=START_TIMEOUT)
    except StartError as error:
        pytest.fail(str(error))
    for agent_id, name in agents.items():
        stack.create_agent(agent_id, name, AGENT_PASSWORD, capacity=capacity)
    try:
        yield stack
    finally:
        stack.stop()


def release(url: str, agent_id: str) -> None:
    """Closes what the agent still owns (asking first, as closing requires), sets them offline
    and logs out (REST), so capacity and presence are as before the test."""
    api = f"{url}/api/agent"
    login = {"agent_id": agent_id, "password": AGENT_PASSWORD}
    answer = requests.post(f"{api}/login", json=login, timeout=30)
    assert answer.status_code == 200, answer.text
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    owned = requests.get(f"{api}/conversations", headers=headers, timeout=30).json()
    for view in owned["conversations"]:
        path = f"{api}/conversations/{view['conversation_id']}"
        requests.post(f"{path}/confirm-close", headers=headers, timeout=30)
        requests.post(f"{path}/close", headers=headers, timeout=30)
    requests.put(f"{api}/presence", json={"status": "offline"}, headers=headers, timeout=30)
    requests.post(f"{api}/logout", headers=headers, timeout=30)


def nobody_online(stack: Stack) -> None:
    """Every agent of the waiting stack offline and owning nothing."""
    for agent_id in WAITING_AGENTS:
        release(stack.desk_urls[0], agent_id)
    presence = redis.Redis.from_url(str(stack.redis_url), decode_responses=True)
    assert "online" not in presence.hgetall("desk:presence").values()


@pytest.fixture(scope="session")
def bot(stack: Stack) -> Bot:
    return Bot(url=stack.rasa_url, token=stack.rasa_token, channel_token=stack.channel_token)


@pytest.fixture
def sender() -> str:
    """A new conversation id for each test."""
    return f"visitor-{uuid.uuid4().hex}"


T = TypeVar("T")
WAIT = 30.0
# The slots the bot's responses quote, as every stack here fills them.
SLOTS = {
    "company_name": CONFIG["COMPANY_NAME"],
    "bot_name": CONFIG["BOT_NAME"],
    "agent_id": CONFIG["AGENT_ID"],
    "verification_limit": "3",  # VERIFY_ACCOUNT_LIMIT's default
    # ALWAYS_QUEUE's hours, as the session start fills the slot.
    "working_hours": "周一至周日 全天",
}


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(scenario())


@pytest.fixture(scope="module")
def phrases() -> Phrases:
    return load_phrases(ROOT / "domain.yml", CONFIG["COMPANY_NAME"])


@pytest.fixture(scope="module")
def text(domain: Dict[str, Any]) -> Callable[[str], str]:
    """The text of a bot response as the test configuration renders it."""

    def render(response: str) -> str:
        rendered: str = domain["responses"][response][0]["text"].format(**SLOTS)
        return rendered

    return render


@pytest.fixture(scope="module")
def store(stack: Stack) -> "redis.Redis[str]":
    return redis.Redis.from_url(str(stack.redis_url), decode_responses=True)


def bot_texts(messages: List[Message]) -> List[Tuple[str, str]]:
    return [(m["sender"], m["text"]) for m in messages]


async def new_visitor(
    url: str,
    text: Callable[[str], str],
    headers: Dict[str, str] | None = None,
    browser_id: str | None = None,
) -> VisitorClient:
    """A visitor with a new session, after the bot's opening line; `headers` for the socket."""
    visitor = VisitorClient(url, headers=headers, browser_id=browser_id)
    await visitor.connect()
    opening = await visitor.messages.wait_for(lambda m: True, WAIT)
    assert (opening["sender"], opening["text"]) == ("bot", text("utter_opening"))
    return visitor


def is_position_line(message: Message) -> bool:
    """The desk's line with the visitor's place in the queue (it has the 退出排队 button)."""
    return message["sender"] == "system" and bool(message.get("quick_replies"))


def queue_lines(phrases: Phrases, position: int, busy: bool) -> List[Tuple[str, str]]:
    """What a handoff that queues shows: the busy auto-reply if every online agent was at
    capacity (tests/integration/test_waiting.py tests when), then the place in the queue."""
    lines = [("system", phrases.say("busy"))] if busy else []
    return [*lines, ("system", phrases.say("queued", position=position))]


async def handed_off(visitor: VisitorClient, phrases: Phrases) -> Message:
    """Asks for a human; returns the queue line the visitor is shown (their place in it)."""
    start = len(visitor.messages.items)
    await visitor.say("转人工")
    return await visitor.messages.wait_for(is_position_line, WAIT, start)


async def logged_in(url: str, agent_id: str) -> AgentClient:
    agent = AgentClient(url)
    await agent.login(agent_id, AGENT_PASSWORD)
    return agent


@pytest.fixture
def agent_chat(
    stack: Stack, text: Callable[[str], str], phrases: Phrases
) -> Callable[[Callable[[VisitorClient, AgentClient], Awaitable[T]]], T]:
    """Runs a scenario with a visitor on desk 2 already talking to agent 2003 on desk 1."""

    def with_chat(body: Callable[[VisitorClient, AgentClient], Awaitable[T]]) -> T:
        async def scenario() -> T:
            agent = await logged_in(stack.desk_urls[0], "2003")
            visitor = await new_visitor(stack.desk_urls[1], text)
            await handed_off(visitor, phrases)
            status, _ = await agent.accept(str(visitor.conversation_id))
            assert status == 200
            await visitor.messages.wait_for(lambda m: m["text"].startswith("您好,2003"), WAIT)
            try:
                return await body(visitor, agent)
            finally:
                await visitor.close()
                await agent.close()

        return run(scenario)

    return with_chat


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; a missing browser fails the tests (none is ever downloaded)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's package (apt-get install chromium)")
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


OpenPage = Callable[[str], Page]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """Opens a URL as a new person (a new browser context); all are closed after the test."""
    contexts: List[BrowserContext] = []

    def open_(url: str) -> Page:
        context = browser.new_context(locale="zh-CN")
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()


def console_login(open_page: OpenPage, url: str, agent_id: str, name: str) -> Page:
    """An agent logged into the console at `url` (their name shown), not set online."""
    page = open_page(f"{url}/console")
    page.fill("#login-agent-id", agent_id)
    page.fill("#login-password", AGENT_PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#agent-name")).to_have_text(name)
    return page


def console_online(open_page: OpenPage, url: str, agent_id: str, name: str) -> Page:
    """An agent logged into the console at `url` (their name shown) and set online."""
    page = console_login(open_page, url, agent_id, name)
    with page.expect_response("**/api/agent/presence") as answer:
        page.select_option("#presence", "online")
    assert answer.value.ok
    return page


# `make audit`: each attack (a test marked `attack`, docs/security.md) with what it got.
_attacks: Dict[Tuple[str, str], List[bool]] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Notes each attack's outcome: its test passing means the attack was refused."""
    outcome = yield
    marker = item.get_closest_marker("attack")
    report = outcome.get_result()
    if marker is None or (report.when != "call" and report.passed) or report.skipped:
        return
    _attacks.setdefault((str(marker.args[0]), str(marker.args[1])), []).append(report.passed)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _attacks:
        return
    terminalreporter.section("attacks (docs/security.md): attack → result")
    for (number, attack), refused in sorted(_attacks.items()):
        result = "refused" if all(refused) else "NOT REFUSED"
        terminalreporter.write_line(
            f"{number:>2}  {result:<11} {sum(refused)}/{len(refused)}  {attack}"
        )
