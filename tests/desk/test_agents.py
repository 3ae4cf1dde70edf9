"""`python -m desk.agents` against a real Redis server (agents 92xx only): create, mark a
supervisor on and off, list."""

import asyncio
import io
from typing import Any, List

import pytest

from common.redis_connection import connect
from desk.agents import main
from desk.store import Agent, DeskStore

PASSWORD = "long-enough-1"


@pytest.fixture
def command(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Runs the command with REDIS_URL set and the password on stdin; (exit code, out, err)."""
    monkeypatch.setenv("REDIS_URL", redis_url)

    def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def agent(redis_url: str, agent_id: str) -> Agent | None:
    async def read() -> Agent | None:
        client = connect(redis_url)
        try:
            return await DeskStore(client, visitor_ttl_seconds=1).agent(agent_id)
        finally:
            await client.close()

    return asyncio.run(read())


def test_create_with_supervisor_then_off_and_on(
    command: Any, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    create = ("create", "9201", "--name", "赵主管", "--password-stdin", "--supervisor")
    assert command(capsys, *create)[:2] == (
        0,
        "agent 9201 (赵主管) saved, capacity 3, supervisor\n",
    )
    found = agent(redis_url, "9201")
    assert found is not None and found.supervisor
    assert command(capsys, "supervisor", "9201", "--off") == (0, "agent 9201: supervisor off\n", "")
    assert agent(redis_url, "9201").supervisor is False  # type: ignore[union-attr]
    assert command(capsys, "supervisor", "9201", "--on")[:2] == (0, "agent 9201: supervisor on\n")
    assert agent(redis_url, "9201").supervisor is True  # type: ignore[union-attr]


def test_a_new_password_keeps_the_flag_unless_told(
    command: Any, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command(capsys, "create", "9202", "--name", "王芳", "--password-stdin", "--supervisor")
    command(capsys, "create", "9202", "--name", "王芳", "--password-stdin")
    assert agent(redis_url, "9202").supervisor is True  # type: ignore[union-attr]
    command(capsys, "create", "9202", "--name", "王芳", "--password-stdin", "--no-supervisor")
    assert agent(redis_url, "9202").supervisor is False  # type: ignore[union-attr]
    command(capsys, "create", "9203", "--name", "李强", "--password-stdin")
    assert agent(redis_url, "9203").supervisor is False  # type: ignore[union-attr]


def test_an_unknown_agent_cannot_be_made_supervisor(
    command: Any, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert command(capsys, "supervisor", "9299", "--on") == (2, "", "error: no agent 9299\n")
    assert agent(redis_url, "9299") is None
    with pytest.raises(SystemExit):  # --on or --off is required
        command(capsys, "supervisor", "9201")


def test_list_shows_every_agent_and_who_is_supervisor(
    command: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    command(capsys, "create", "9204", "--name", "孙丽", "--capacity", "2", "--password-stdin")
    command(capsys, "create", "9205", "--name", "周主管", "--password-stdin", "--supervisor")
    code, out, _ = command(capsys, "list")
    lines: List[str] = out.splitlines()
    assert (code, lines[0]) == (0, "工号\t姓名\t接待上限\t质检主管")
    assert "9204\t孙丽\t2\t否" in lines and "9205\t周主管\t3\t是" in lines
    ids = [line.split("\t")[0] for line in lines[1:]]
    assert ids == sorted(ids)
