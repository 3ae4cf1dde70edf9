"""Agent password hashing and tokens."""

from desk.auth import hash_password, new_token, verify_password


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
