"""A real action server and a real Rasa server on the trained model, for the whole session."""

import os
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests

from tests.conftest import ROOT

MODEL = ROOT / "models" / "bot.tar.gz"
BIN = ROOT / ".venv" / "bin"
START_TIMEOUT = 240.0
CONFIG = {"COMPANY_NAME": "测试网", "BOT_NAME": "小测", "AGENT_ID": "8848"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Bot:
    """Talks to the Rasa server over its REST channel and HTTP API."""

    url: str

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
        response = requests.get(f"{self.url}/conversations/{sender}/tracker", timeout=30)
        response.raise_for_status()
        tracker: Dict[str, Any] = response.json()
        return tracker

    def resume(self, sender: str) -> None:
        response = requests.post(
            f"{self.url}/conversations/{sender}/tracker/events",
            json={"event": "resume"},
            timeout=30,
        )
        response.raise_for_status()


def _wait_until_up(url: str, processes: List[subprocess.Popen], logs: List[Path]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for process, log in zip(processes, logs, strict=False):
            if process.poll() is not None:
                pytest.fail(f"{log.name} exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"{url} not up after {START_TIMEOUT:.0f} s")


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    logs_dir = tmp_path_factory.mktemp("servers")
    action_port, rasa_port = _free_port(), _free_port()
    env = {
        **os.environ,
        **CONFIG,
        "RASA_TELEMETRY_ENABLED": "false",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
    }
    commands = {
        "actions.log": [str(BIN / "rasa"), "run", "actions", "--port", str(action_port)],
        "rasa.log": [
            str(BIN / "rasa"),
            "run",
            "--enable-api",
            "--port",
            str(rasa_port),
            "--interface",
            "127.0.0.1",
            "--model",
            str(MODEL),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ],
    }
    processes, logs = [], []
    for name, command in commands.items():
        log = logs_dir / name
        handle = open(log, "w")
        processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
        )
        logs.append(log)
    try:
        _wait_until_up(f"http://127.0.0.1:{action_port}/health", processes, logs)
        _wait_until_up(f"http://127.0.0.1:{rasa_port}/status", processes, logs)
        yield Bot(url=f"http://127.0.0.1:{rasa_port}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def sender() -> str:
    """A new conversation id for each test."""
    return f"visitor-{uuid.uuid4().hex}"
