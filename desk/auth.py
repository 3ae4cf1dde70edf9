"""Agent passwords (salted scrypt) and login tokens."""

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


def new_token() -> str:
    return secrets.token_urlsafe(32)
