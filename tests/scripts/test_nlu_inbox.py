"""scripts/nlu_inbox.py: which messages go to review, and the file, from trackers Rasa saved."""

import asyncio
from pathlib import Path
from typing import Any, Dict, List

import pytest
import redis

from scripts.nlu_inbox import Unclear, collect, inbox_yaml, main, unclear_messages


def user(
    text: str, ranking: List[tuple[str, float]], fell_back: bool = False, topic: str = ""
) -> Dict[str, Any]:
    """A user event as Rasa stores it: nlu_fallback first when the message fell back, and the
    response selector's `topic` (faq/…) when there is one."""
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    if fell_back:
        intents.insert(0, {"name": "nlu_fallback", "confidence": 0.6})
    parse_data: Dict[str, Any] = {"intent": intents[0], "intent_ranking": intents, "entities": []}
    if topic:
        selected = {"response": {"intent_response_key": topic}}
        parse_data["response_selector"] = {topic.split("/")[0]: selected}
    return {"event": "user", "text": text, "parse_data": parse_data}


CONVERSATION = [
    {"event": "action", "name": "action_session_start"},
    "not an event",  # a tracker edited by hand: skipped
    user("在么在么", [("greet", 0.41), ("affirm", 0.2)], fell_back=True),
    {"event": "bot", "text": "您是不是说「问候」?"},
    user("/deny", [("deny", 0.5)]),  # a payload: never to label, whatever it scored
    user("你好", [("greet", 0.99)]),
    user("能便宜点不", [("out_of_scope", 0.72)]),
    user("EXTERNAL_idle", [("EXTERNAL_idle", 0.5)]),
    user("   ", [("greet", 0.1)]),
    user("师傅几点上门", [("faq", 0.67)], topic="faq/business_hours"),
]


def test_fallbacks_and_low_confidences_are_kept_payloads_and_the_desk_s_intents_are_not() -> None:
    assert list(unclear_messages(CONVERSATION, below=0.8)) == [
        Unclear("在么在么", "greet", 0.41),
        Unclear("能便宜点不", "out_of_scope", 0.72),
        Unclear("师傅几点上门", "faq/business_hours", 0.67),
    ]
    assert list(unclear_messages(CONVERSATION, below=0.7)) == [
        Unclear("在么在么", "greet", 0.41),
        Unclear("师傅几点上门", "faq/business_hours", 0.67),
    ]


def test_a_message_is_listed_once_with_how_often_it_was_typed() -> None:
    again = [
        user("在么 在么!", [("greet", 0.35)], fell_back=True),
        user("我叫张三", [("inform", 0.5)]),
        user("发货太慢", [("complain", 0.6)]),
    ]
    messages = collect([CONVERSATION, again], {"发货太慢"}, 0.8, lambda text: text + "*")

    assert messages == [
        Unclear("在么在么*", "greet", 0.35, seen=2),
        Unclear("我叫张三*", "inform", 0.5),
        Unclear("师傅几点上门*", "faq/business_hours", 0.67),
        Unclear("能便宜点不*", "out_of_scope", 0.72),
    ]


def test_the_inbox_is_rasa_nlu_data_with_seen_and_confidence(tmp_path: Path) -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    path = tmp_path / "inbox.yml"
    path.write_text(
        inbox_yaml(
            [Unclear("在么在么", "greet", 0.35, 2), Unclear("能便宜点不", "out_of_scope", 0.7)]
        ),
        encoding="utf-8",
    )
    examples = load_data(str(path)).training_examples

    assert [(m.get("text"), m.get("intent"), m.get("metadata")) for m in examples] == [
        ("在么在么", "greet", {"example": {"seen": 2, "confidence": 0.35}}),
        ("能便宜点不", "out_of_scope", {"example": {"seen": 1, "confidence": 0.7}}),
    ]


@pytest.fixture
def tracker_db(redis_url: str) -> str:
    """A Redis database of its own, emptied, on the session's real server."""
    url = redis_url.rsplit("/", 1)[0] + "/7"
    redis.Redis.from_url(url).flushdb()
    return url


def test_the_inbox_is_read_from_the_trackers_rasa_saved(tracker_db: str, tmp_path: Path) -> None:
    from urllib.parse import urlparse

    from rasa.core.tracker_store import RedisTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

    url = urlparse(tracker_db)
    store = RedisTrackerStore(
        Domain.empty(), host=url.hostname, port=url.port, db=7, key_prefix="rasa"
    )
    events = [
        user("在不在哇哇", [("greet", 0.41)], fell_back=True),
        user("我的手机号13812345678", [("inform", 0.55)]),
        user("谢谢", [("thank", 0.3)]),  # in data/nlu
    ]
    tracker = DialogueStateTracker.from_events("c1", [Event.from_parameters(e) for e in events])
    asyncio.run(store.save(tracker))
    client = redis.Redis.from_url(tracker_db)
    client.set("rasa:tracker:broken", "{not json")  # skipped, not a crash
    client.set("rasa:tracker:odd", '{"events": "none"}')
    out = tmp_path / "inbox.yml"

    assert main(["--redis-url", tracker_db, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[2:] == [
        "version: '3.1'",
        "nlu:",
        "- intent: greet",
        "  examples:",
        "  - text: 在不在哇哇",
        "    metadata:",
        "      seen: 1",
        "      confidence: 0.41",
        "- intent: inform",
        "  examples:",
        "  - text: 我的手机号138****5678",
        "    metadata:",
        "      seen: 1",
        "      confidence: 0.55",
    ]


def test_an_unreachable_redis_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "inbox.yml"

    assert main(["--redis-url", "redis://127.0.0.1:1/0", "--out", str(out)]) == 1
    assert "cannot read redis://127.0.0.1:1/0" in capsys.readouterr().err
    assert not out.exists()
