"""What a visitor's socket may do, whatever client it is (docs/security.md).

- **Text**: a string of valid Unicode (a lone surrogate cannot be stored or shown).
- **Slash payloads**: Rasa runs any text that starts with "/" as an intent with entities
  (`/inform{"account_number": …}` would fill slots no question asked for). A visitor may send
  only the payloads of the buttons the bot offered since their last message, and the desk's own
  (the opening and the queue's button); any other line that starts with a slash after Unicode
  normalisation (full-width ／, any blank first) goes to Rasa as text, without its slashes.
- **Identity**: the durable browser id the chat page keeps, or, for rasa-webchat, its kept
  session token, becomes a digest (`visitor_id`) the verification limits count by.
"""

import hashlib
import re
import unicodedata
from typing import Collection

from common.contract import LEAVE_QUEUE_PAYLOAD, OPENING_PAYLOAD

# Payloads a visitor may always send: the desk's own.
DESK_PAYLOADS = frozenset({OPENING_PAYLOAD, LEAVE_QUEUE_PAYLOAD})
# A browser id the chat page made: 128 random bits or more, URL-safe base64 or hex.
BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{22,128}")


def is_valid_text(text: str) -> bool:
    """Whether `text` is valid Unicode (no lone surrogates), so it can be stored and shown."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _leading(text: str) -> str:
    """The text as Rasa's payload parser sees its start: NFKC-normalised, blanks stripped."""
    return unicodedata.normalize("NFKC", text).strip()


def is_payload(text: str) -> bool:
    """Whether Rasa could read `text` as a payload, now or after a client normalises it."""
    return _leading(text).startswith("/")


def for_rasa(text: str, offered: Collection[str]) -> str:
    """What goes to Rasa for the visitor's `text`: an offered or desk payload as it is; any
    other slash line as text, its leading slashes and blanks removed ("" if nothing is left)."""
    if not is_payload(text) or text in offered or text in DESK_PAYLOADS:
        return text
    stripped = text
    while is_payload(stripped):  # its first non-blank character is a slash, in some width
        stripped = stripped.lstrip()[1:]
    return stripped.strip()


def visitor_id(browser_id: object, session_token: str) -> str:
    """The visitor's identity for the verification limits: a digest of the browser id the chat
    page keeps, or of the session token (rasa-webchat keeps it) when there is no valid one."""
    if isinstance(browser_id, str) and BROWSER_ID.fullmatch(browser_id):
        source = f"browser:{browser_id}"
    else:
        source = f"session:{session_token}"
    return token_digest(source)[:32]


def token_digest(token: str) -> str:
    """A secret's name in Redis keys: its SHA-256, never the secret itself."""
    return hashlib.sha256(token.encode()).hexdigest()
