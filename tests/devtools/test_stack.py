"""The commands the stack starts its services with: no secret on any command line."""

import stat
from pathlib import Path

from devtools.stack import Stack, embedded_redis_password, rasa_tracker_env


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
