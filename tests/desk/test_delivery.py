"""Delivery sends an inbox item to Rasa as it was stored, metadata included."""

import asyncio
from typing import Any, Dict, List, Tuple

from desk.delivery import RasaDelivery
from desk.service import inbox_message
from desk.settings import DeskSettings


class FakeRasa:
    def __init__(self) -> None:
        self.sent: List[Tuple[str, str, Dict[str, Any] | None]] = []

    async def send_message(
        self, conversation_id: str, text: str, metadata: Dict[str, Any] | None = None
    ) -> None:
        self.sent.append((conversation_id, text, metadata))


async def notify(conversation_id: str, name: str) -> None:
    raise AssertionError(f"nothing to tell {conversation_id}: {name}")


def test_a_stored_message_goes_with_its_metadata() -> None:
    rasa = FakeRasa()
    delivery = RasaDelivery(DeskSettings(), None, rasa, notify)  # type: ignore[arg-type]
    asyncio.run(delivery._deliver("c1", inbox_message("你好", "203.0.113.7")))
    asyncio.run(delivery._deliver("c1", {"kind": "message", "text": "an item from before"}))
    assert rasa.sent == [
        ("c1", "你好", {"client_ip": "203.0.113.7"}),
        ("c1", "an item from before", None),
    ]
