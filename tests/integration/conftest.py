"""The real product for the whole session: Redis, action server, Rasa on the trained model, desks."""

import uuid
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List

import pytest
import requests

from desk.stack import MODEL, Stack, StartError, free_port

START_TIMEOUT = 240.0
CONFIG = {"COMPANY_NAME": "测试网", "BOT_NAME": "小测", "AGENT_ID": "8848"}


@dataclass
class Bot:
    """Talks to the Rasa server over its REST channel and HTTP API."""

    url: str
    token: str

    def say(self, sender: str, message: str) -> List[Dict[str, Any]]:
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=30,
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

    def resume(self, sender: str) -> None:
        response = requests.post(
            f"{self.url}/conversations/{sender}/tracker/events",
            json={"event": "resume"},
            params={"token": self.token},
            timeout=30,
        )
        response.raise_for_status()


AGENTS = {"2001": "王芳", "2002": "李强", "2003": "赵敏"}
AGENT_PASSWORD = "test-password-1"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Embedded Redis, the action server, Rasa and two desk instances sharing them.

    Rasa's callback channel posts to the first desk; tests put visitors and agents on either.
    """
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    root = tmp_path_factory.mktemp("stack")
    stack = Stack(
        log_dir=root / "logs",
        redis_dir=root / "redis",
        desk_ports=[free_port(), free_port()],
        extra_env={**CONFIG, "DESK_RASA_RETRY_SECONDS": "0.5"},
    )
    try:
        stack.start(timeout=START_TIMEOUT)
    except StartError as error:
        pytest.fail(str(error))
    for agent_id, name in AGENTS.items():
        stack.create_agent(agent_id, name, AGENT_PASSWORD, capacity=2)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def bot(stack: Stack) -> Bot:
    return Bot(url=stack.rasa_url, token=stack.rasa_token)


@pytest.fixture
def sender() -> str:
    """A new conversation id for each test."""
    return f"visitor-{uuid.uuid4().hex}"
