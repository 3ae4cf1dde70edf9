"""What the bot (action server, Rasa) and the desk agree on: one definition, imported by both.

Payloads the desk sends as if typed, intents only the desk raises, the metadata it attaches to
every visitor message, and the names of the custom messages (signals) the bot posts back. The
signals' fields are documented in docs/handoff.md.
"""

from typing import Final, Literal, Tuple

# Sent for a new conversation so the bot opens with its opening line, as rasa-webchat's
# initPayload would; it is not a line of the transcript.
OPENING_PAYLOAD: Final = "/greet"
# The queue's own button: the desk handles it, it never reaches Rasa.
LEAVE_QUEUE_PAYLOAD: Final = "/leave_queue"

# Intents only the desk raises (trigger_intent); a visitor typing one is refused.
EXTERNAL_PREFIX: Final = "EXTERNAL_"
IDLE_INTENT: Final = "EXTERNAL_idle"
AFTER_HOURS_INTENT: Final = "EXTERNAL_after_hours"
NO_AGENT_INTENT: Final = "EXTERNAL_no_agent"
DESK_INTENTS: Final = (IDLE_INTENT, AFTER_HOURS_INTENT, NO_AGENT_INTENT)
# Entities of the offline intents (slots of the same names in domain.yml).
WORKING_HOURS_ENTITY: Final = "working_hours"
REPLY_TIME_ENTITY: Final = "reply_time"

# Keys of the metadata the desk puts on every visitor message (the tracker's `user` event).
CLIENT_IP_KEY: Final = "client_ip"  # the visitor's address: the per-address verification limit
# The visitor's durable browser identity (docs/security.md): a long random id the chat page keeps
# across chats (or, for rasa-webchat, a digest of its kept session id); the per-visitor limit.
VISITOR_ID_KEY: Final = "visitor_id"
DESK_STATE_KEY: Final = "desk_state"  # the conversation's state when the message was queued
DELIVERY_ID_KEY: Final = "desk_delivery_id"  # the inbox item's id: delivered once (docs/desk.md)

# The conversation's states as the bot sees them in `desk_state` (desk/lifecycle.py has the
# machine). Messages reach Rasa only in these three; with an agent they go to the agent.
DeskState = Literal["bot", "queued", "closed"]
BOT_STATES: Final[Tuple[DeskState, ...]] = ("bot", "queued", "closed")

# The handoff signal's slot with what the visitor said went wrong (a complaint heard first).
COMPLAINT_SLOT: Final = "complaint_description"

# Custom messages (`json_message`) the bot posts to the channel.
HANDOFF_SIGNAL: Final = "handoff"
CLOSED_SIGNAL: Final = "closed"
LEAVE_MESSAGE_SIGNAL: Final = "leave_message"


def is_desk_only(text: str) -> bool:
    """Whether a visitor's text would raise a desk-only intent: `/EXTERNAL_…`.

    Rasa's RegexInterpreter strips blanks after the slash (`/ EXTERNAL_idle` runs the intent),
    so every Unicode blank there is skipped before comparing.
    """
    if not text.startswith("/"):
        return False
    return text[1:].lstrip().startswith(EXTERNAL_PREFIX)
