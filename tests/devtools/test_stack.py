"""The commands the stack starts its services with: no secret on any command line."""

import stat
from pathlib import Path

from devtools.stack import Stack, default_rasa_workers, embedded_redis_password, rasa_tracker_env


def test_no_secret_appears_on_any_command_line(tmp_path: Path) -> None:
    """`ps` shows every user the command lines: the secrets go in environments and stdin."""
    stack = Stack(log_dir=tmp_path / "logs", redis_dir=tmp_path / "redis")
    secrets = [
        stack.rasa_token,
        stack.callback_token,
        stack.channel_token,
        stack.action_token,
        stack.redis_password,
    ]
    for service in stack.services.values():
        line = " ".join(service.command)
        assert not [s for s in secrets if s in line], service.name
    env = stack.services["rasa"].env
    assert (env["RASA_TOKEN"], env["RASA_CHANNEL_TOKEN"], env["ACTION_SERVER_TOKEN"]) == (
        stack.rasa_token,
        stack.channel_token,
        stack.action_token,
    )
    assert env["RASA_REDIS_PASSWORD"] == stack.redis_password
    assert f"requirepass {stack.redis_password}" in str(stack.services["redis"].stdin)
    assert "bind 127.0.0.1" in str(stack.services["redis"].stdin)


def test_the_embedded_redis_password_is_made_once_and_readable_only_by_its_owner(
    tmp_path: Path,
) -> None:
    first = embedded_redis_password(tmp_path)
    assert len(first) >= 24
    assert embedded_redis_password(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "password").stat().st_mode) == 0o600


def test_rasa_gets_the_tracker_store_password_from_the_redis_url() -> None:
    env = rasa_tracker_env("redis://:p%40ss@10.0.0.5:6380/2")
    assert env == {
        "RASA_REDIS_HOST": "10.0.0.5",
        "RASA_REDIS_PORT": "6380",
        "RASA_REDIS_DB": "2",
        "RASA_REDIS_PASSWORD": "p@ss",
    }
    assert rasa_tracker_env("redis://127.0.0.1:6379/0")["RASA_REDIS_PASSWORD"] == ""


GIB = 2**30


def test_rasa_runs_as_many_workers_as_asked(tmp_path: Path) -> None:
    one = Stack(log_dir=tmp_path / "logs", redis_dir=tmp_path / "redis")
    assert one.services["rasa"].env["SANIC_WORKERS"] == "1"
    two = Stack(log_dir=tmp_path / "logs", redis_dir=tmp_path / "redis", rasa_workers=2)
    assert two.services["rasa"].env["SANIC_WORKERS"] == "2"
    # only Rasa: the action server and the desks are single processes
    assert "SANIC_WORKERS" not in two.services["actions"].env


def test_default_workers_follow_cores_and_memory() -> None:
    assert default_rasa_workers(2, 24 * GIB) == 2  # this machine: one per core
    assert default_rasa_workers(8, 4 * GIB) == 2  # 1.5 GB a model: memory caps it
    assert default_rasa_workers(4, 1 * GIB) == 1  # never fewer than one
    assert default_rasa_workers(None, 24 * GIB) == 1  # cores unknown
