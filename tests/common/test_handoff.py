"""The handoff signal as the desk reads it: what it does not know or cannot check counts as none."""

from typing import Any

import pytest

from common.handoff import REASONS, parse_reason, parse_verification


@pytest.mark.parametrize("reason", REASONS)
def test_every_reason_the_bot_sends_is_kept(reason: str) -> None:
    assert parse_reason(reason) == reason


@pytest.mark.parametrize("value", [None, "", "vip", 3, ["complaint"], "Complaint"])
def test_an_unknown_reason_is_a_plain_request_for_a_human(value: Any) -> None:
    assert parse_reason(value) == "request_human"


@pytest.mark.parametrize(
    "verification",
    [
        None,
        "verified",
        {},
        {"status": "verified", "account_number": "1234567890"},  # a key missing
        {"status": "maybe", "account_number": "1234567890", "method": "name"},
        {"status": "verified", "account_number": 1234567890, "method": "name"},
        {"status": "verified", "account_number": "1234567890", "method": ["name"]},
    ],
)
def test_a_malformed_verification_counts_as_none(verification: Any) -> None:
    assert parse_verification(verification) is None


def test_verification_keeps_only_the_known_keys() -> None:
    given = {"status": "verified", "account_number": None, "method": None, "extra": 1}
    assert parse_verification(given) == {
        "status": "verified",
        "account_number": None,
        "method": None,
    }
