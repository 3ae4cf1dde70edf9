"""Presence follows reality: an agent is 在线 only while one of their consoles is connected.

Each console socket is a member `{login}:{sid}` of the sorted set `desk:consoles:{agent id}`,
scored by when it stops counting unless renewed; the instance holding the socket renews its own
every `RENEW_SECONDS`, so the sockets of a desk instance that died stop counting within
`SOCKET_TTL_SECONDS` without any disconnect event. `{login}` is a hash of the session token
(never the token itself: key names are not secrets).

When an agent has no live console, the desk's `away` timer fires after the grace period (a
reload reconnects well within it) and the agent goes offline; what that means for the queue and
for the agent's own chats is desk/service.py's (`agent_away`, `agent_gone`).
"""

import hashlib
import time
from typing import Callable, Dict, List, Set, Tuple

from redis.asyncio import Redis

from desk.store import P

RENEW_SECONDS = 10.0
SOCKET_TTL_SECONDS = 3 * RENEW_SECONDS


def login_id(token: str) -> str:
    """A console login's name in key members: a hash of its token, not the token."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def consoles_key(agent_id: str) -> str:
    return f"{P}consoles:{agent_id}"


class ConsoleRegistry:
    """The console sockets of every agent, as this instance and the others keep them."""

    def __init__(self, redis: "Redis[str]", clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.clock = clock
        # This instance's sockets: sid → (agent id, login), renewed by `renew`.
        self.local: Dict[str, Tuple[str, str]] = {}

    async def connected(self, agent_id: str, token: str, sid: str) -> None:
        login = login_id(token)
        self.local[sid] = (agent_id, login)
        await self.redis.zadd(
            consoles_key(agent_id), {f"{login}:{sid}": self.clock() + SOCKET_TTL_SECONDS}
        )

    async def disconnected(self, sid: str) -> str | None:
        """Forgets a socket of this instance; returns its agent id (None if not a console)."""
        known = self.local.pop(sid, None)
        if known is None:
            return None
        agent_id, login = known
        await self.redis.zrem(consoles_key(agent_id), f"{login}:{sid}")
        return agent_id

    async def live(self, agent_id: str) -> int:
        """How many consoles of the agent count now (expired ones are dropped)."""
        key = consoles_key(agent_id)
        now = self.clock()
        await self.redis.zremrangebyscore(key, "-inf", now)
        return int(await self.redis.zcard(key))

    async def sockets_of_login(self, agent_id: str, token: str) -> List[str]:
        """The sids of one login's consoles, on every instance."""
        prefix = f"{login_id(token)}:"
        members = await self.redis.zrange(consoles_key(agent_id), 0, -1)
        return [m[len(prefix) :] for m in members if m.startswith(prefix)]

    async def forget_login(self, agent_id: str, token: str) -> List[str]:
        """Removes one login's consoles (logout); returns their sids to disconnect."""
        sids = await self.sockets_of_login(agent_id, token)
        login = login_id(token)
        if sids:
            await self.redis.zrem(consoles_key(agent_id), *[f"{login}:{sid}" for sid in sids])
        for sid in sids:
            self.local.pop(sid, None)
        return sids

    async def renew(self) -> Set[str]:
        """Keeps this instance's sockets counting; returns the agents that have any."""
        until = self.clock() + SOCKET_TTL_SECONDS
        agents: Set[str] = set()
        async with self.redis.pipeline(transaction=False) as pipe:
            for sid, (agent_id, login) in self.local.items():
                pipe.zadd(consoles_key(agent_id), {f"{login}:{sid}": until}, xx=True)
                agents.add(agent_id)
            await pipe.execute()
        return agents
