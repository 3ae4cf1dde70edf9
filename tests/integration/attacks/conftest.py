"""The attack suite's own product: visitor limits on, small enough to reach in a test."""

import uuid
from typing import Iterator

import pytest
import redis

from devtools.stack import Stack
from tests.integration.conftest import CONFIG, LIFECYCLE_AGENTS, running_stack

# Small limits a test reaches quickly; every other setting as make run's.
ATTACK_DESK = {
    "DESK_HOURS": "mon-sun 00:00-24:00",
    "DESK_PUBLIC_HOLIDAYS": "false",
    "DESK_WHEN_NO_AGENT": "queue",
    "DESK_IDLE_SECONDS": "0",
    "DESK_AGENT_SLOW_SECONDS": "0",
    "DESK_TRUSTED_PROXIES": "127.0.0.1",  # each test poses as its own address
    "DESK_VISITOR_BURST": "4",
    "DESK_VISITOR_PER_SECOND": "0.2",
    "DESK_NEW_CHATS_PER_MINUTE": "5",
    "DESK_RASA_RETRY_SECONDS": "0.5",
}


@pytest.fixture(scope="session")
def attack_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A product with the visitor limits on (ATTACK_DESK), started when an attack needs it."""
    yield from running_stack(
        tmp_path_factory.mktemp("attack-stack"),
        {**CONFIG, **ATTACK_DESK},
        LIFECYCLE_AGENTS,
        capacity=2,
    )


@pytest.fixture(scope="module")
def store_of_attacks(attack_stack: Stack) -> "redis.Redis[str]":
    return redis.Redis.from_url(str(attack_stack.redis_url), decode_responses=True)


def address() -> str:
    """A client address of its own for each visitor (the stack trusts X-Forwarded-For), so the
    per-address limits of one test never reach another's visitors."""
    value = uuid.uuid4().int
    return f"10.{value % 250}.{(value >> 8) % 250}.{(value >> 16) % 250 + 1}"
