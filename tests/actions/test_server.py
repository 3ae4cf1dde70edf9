"""The action server answers only Rasa: calls without the shared secret are refused."""

from types import SimpleNamespace

import pytest

from actions.server import authorized, guarded_app
from common.settings import SettingsError


@pytest.mark.parametrize(
    ("args", "expected"),
    [({"token": "s3cret"}, True), ({"token": "s3cre"}, False), ({"token": ""}, False), ({}, False)],
)
def test_only_the_shared_secret_is_authorized(args: dict[str, str], expected: bool) -> None:
    request = SimpleNamespace(args=args)
    assert authorized(request, "s3cret") is expected  # type: ignore[arg-type]


def test_an_empty_configured_token_authorizes_nobody() -> None:
    assert authorized(SimpleNamespace(args={"token": ""}), "") is False  # type: ignore[arg-type]


def test_the_server_will_not_start_without_a_secret() -> None:
    with pytest.raises(SettingsError, match="ACTION_SERVER_TOKEN"):
        guarded_app("")
