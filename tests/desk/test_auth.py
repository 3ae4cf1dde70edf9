"""Agent password hashing and tokens."""

import hashlib
from typing import Any, Dict, List

import pytest

from desk import auth
from desk.auth import check_password, hash_password, new_token, verify_password


def test_the_right_password_verifies_and_a_wrong_one_does_not() -> None:
    stored = hash_password("s3cret-口令")
    assert stored.startswith("scrypt$")
    assert "s3cret" not in stored
    assert verify_password("s3cret-口令", stored)
    assert not verify_password("s3cret-口", stored)
    assert not verify_password("", stored)


def test_each_hash_is_salted() -> None:
    assert hash_password("same-password") != hash_password("same-password")


def test_malformed_stored_hashes_never_verify() -> None:
    for stored in ["", "plain", "md5$a$b", "scrypt$only-two"]:
        assert not verify_password("anything", stored)


def test_tokens_are_long_and_unique() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(token) >= 40 for token in tokens)


def test_an_unknown_agent_costs_one_scrypt_like_a_known_one_and_never_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = hash_password("s3cret")
    calls: List[Dict[str, Any]] = []
    real = hashlib.scrypt

    def counting(password: bytes, **kwargs: Any) -> bytes:
        calls.append({k: v for k, v in kwargs.items() if k != "salt"})
        return real(password, **kwargs)

    monkeypatch.setattr(auth.hashlib, "scrypt", counting)
    assert check_password("s3cret", stored)
    assert not check_password("wrong", stored)
    for password in ("s3cret", "", "wrong"):
        assert not check_password(password, None)
    assert len(calls) == 5
    assert all(call == calls[0] for call in calls)  # the same parameters: the same work
