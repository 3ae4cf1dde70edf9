"""Agent passwords (salted scrypt) and login tokens.

scrypt takes ~35-50 ms of CPU: the desk runs `check_password` in a thread pool
(desk/login_guard.py), never on the event loop."""

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """A salted scrypt hash, `scrypt$<salt>$<hash>` in URL-safe base64."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P)
    encode = base64.urlsafe_b64encode
    return f"scrypt${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a hash made by `hash_password` (constant-time compare)."""
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.urlsafe_b64decode(digest)
    actual = hashlib.scrypt(
        password.encode("utf-8"), salt=base64.urlsafe_b64decode(salt), n=_N, r=_R, p=_P
    )
    return hmac.compare_digest(expected, actual)


# What an unknown 工号's password is checked against, so that it costs the same scrypt as a
# known one's: a random salt and digest, which no password matches.
_DUMMY_SALT = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode()
_DUMMY_HASH = f"scrypt${_DUMMY_SALT}${base64.urlsafe_b64encode(secrets.token_bytes(64)).decode()}"


def check_password(password: str, stored: str | None) -> bool:
    """`verify_password`, doing the same work when there is no stored hash (an unknown 工号):
    the answer is then False, after checking `password` against a dummy hash."""
    matches = verify_password(password, _DUMMY_HASH if stored is None else stored)
    return matches and stored is not None


def new_token() -> str:
    return secrets.token_urlsafe(32)
