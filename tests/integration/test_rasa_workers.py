"""Two Rasa processes behind one port (`RASA_WORKERS`): both serve, no conversation is handled
by both at once (endpoints.yml's RedisLockStore), and every conversation keeps every event."""

import threading
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import psutil
import pytest
import redis

from devtools.stack import Stack, StartError
from tests.integration.conftest import CONFIG, START_TIMEOUT, Bot

pytestmark = pytest.mark.integration

WORKERS = 2


@pytest.fixture(scope="module")
def workers_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("workers-stack")
    stack = Stack(
        log_dir=root / "logs", redis_dir=root / "redis", rasa_workers=WORKERS, extra_env=CONFIG
    )
    try:
        stack.start(timeout=START_TIMEOUT)
    except StartError as error:
        pytest.fail(str(error))
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def workers_bot(workers_stack: Stack) -> Bot:
    return Bot(
        url=workers_stack.rasa_url,
        token=workers_stack.rasa_token,
        channel_token=workers_stack.channel_token,
    )


def rasa_processes(stack: Stack) -> List[psutil.Process]:
    """The Rasa service's worker processes (children of the process make run started)."""
    process = stack.services["rasa"].process
    assert process is not None
    return [
        child
        for child in psutil.Process(process.pid).children()
        if "rasa_addons.serve" in " ".join(child.cmdline())
    ]


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def in_parallel(count: int, work: Any) -> None:
    """Runs work(i) for i in range(count) on `count` threads; re-raises the first failure."""
    failures: List[BaseException] = []

    def run(i: int) -> None:
        try:
            work(i)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def test_the_port_is_served_by_the_configured_number_of_processes(workers_stack: Stack) -> None:
    assert len(rasa_processes(workers_stack)) == WORKERS


def test_conversations_spread_over_both_and_each_gets_its_own_answer(
    workers_stack: Stack, workers_bot: Bot, domain: Dict[str, Any]
) -> None:
    workers = rasa_processes(workers_stack)
    before = [cpu_seconds(worker) for worker in workers]
    expected = domain["responses"]["utter_faq/business_hours"][0]["text"].split("{")[0]

    def conversation(i: int) -> None:
        sender = f"workers-{i}-{uuid.uuid4().hex}"
        for _ in range(3):
            replies = workers_bot.say(sender, "你们几点上班")
            assert [r["recipient_id"] for r in replies] == [sender] * len(replies)
            assert replies[0]["text"].startswith(expected), replies

    in_parallel(16, conversation)
    # 48 turns at ~50 ms of CPU each: both processes did a share of them
    used = [cpu_seconds(worker) - start for worker, start in zip(workers, before, strict=True)]
    assert min(used) > 0.2, used


def test_one_conversation_is_never_handled_by_both_at_once(
    workers_stack: Stack, workers_bot: Bot
) -> None:
    """Six messages of one conversation at once: without the lock store two processes would
    each read the tracker, add their turn and write it back, and one turn would be lost."""
    sender = f"workers-same-{uuid.uuid4().hex}"
    texts = [f"你好 {i}" for i in range(6)]
    in_parallel(len(texts), lambda i: workers_bot.say(sender, texts[i]))
    events = workers_bot.tracker(sender)["events"]
    said = [event["text"] for event in events if event["event"] == "user"]
    assert sorted(said) == texts
    # every turn is complete: the bot's answer follows each message before the next begins
    kinds = [e["event"] for e in events if e["event"] in ("user", "bot")]
    assert kinds[0] == "user" and all(
        kinds[i + 1] == "bot" for i, kind in enumerate(kinds[:-1]) if kind == "user"
    ), kinds
    locks = redis.Redis.from_url(str(workers_stack.redis_url)).keys("rasalock:*")
    assert locks == []
