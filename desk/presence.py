"""Presence follows reality: who has a socket open, counted in Redis across desk instances.

- An agent is 在线 only while one of their consoles is connected: each console socket is a member
  `{login}:{sid}` of the sorted set `desk:consoles:{agent id}`. `{login}` is a hash of the
  session token (never the token itself: key names are not secrets), so a logout finds and
  disconnects exactly its own sockets.
- A visitor is on the page while one of their chat sockets is connected: members `{sid}` of
  `desk:visitors:{conversation id}`.

Each member is scored by when it stops counting unless renewed; the instance holding the socket
renews its own every `RENEW_SECONDS`, so the sockets of a desk instance that died stop counting
within `SOCKET_TTL_SECONDS` without any disconnect event. What an agent or a visitor going away
means is desk/service.py's (`agent_away`, `agent_gone`, `visitor_gone`).

A console socket lives only as long as its login: logging out disconnects the login's sockets on
every instance at once (`forget_login`), and each instance also checks its own consoles' logins
every `DESK_AGENT_SESSION_CHECK_SECONDS` (`watch_logins`), so a login that expired, or ended
while its socket's member was missing (a lapsed renewal, a socket that connected while the
logout ran), loses its sockets within that time too.
"""

import asyncio
import logging
import time
from typing import Awaitable, Callable, Dict, List, NoReturn, Tuple

from redis.asyncio import Redis

from desk.guard import token_digest
from desk.store import P

logger = logging.getLogger(__name__)

RENEW_SECONDS = 10.0
SOCKET_TTL_SECONDS = 3 * RENEW_SECONDS


def login_id(token: str) -> str:
    """A console login's name in key members: a hash of its token, not the token."""
    return token_digest(token)[:16]


class SocketSet:
    """The live sockets of each owner (an agent, a conversation): one sorted set per owner."""

    def __init__(
        self, redis: "Redis[str]", prefix: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.clock = clock
        # This instance's sockets: sid → (owner, member), renewed by `renew`.
        self.local: Dict[str, Tuple[str, str]] = {}

    def key(self, owner: str) -> str:
        return f"{P}{self.prefix}:{owner}"

    async def connected(self, owner: str, member: str, sid: str) -> None:
        self.local[sid] = (owner, member)
        await self.redis.zadd(self.key(owner), {member: self.clock() + SOCKET_TTL_SECONDS})

    async def disconnected(self, sid: str) -> str | None:
        """Forgets a socket of this instance; returns its owner (None if not one of ours)."""
        known = self.local.pop(sid, None)
        if known is None:
            return None
        owner, member = known
        await self.redis.zrem(self.key(owner), member)
        return owner

    async def live(self, owner: str) -> int:
        """How many sockets of the owner count now (expired ones are dropped)."""
        key = self.key(owner)
        await self.redis.zremrangebyscore(key, "-inf", self.clock())
        return int(await self.redis.zcard(key))

    async def members(self, owner: str) -> List[str]:
        return list(await self.redis.zrange(self.key(owner), 0, -1))

    async def forget(self, owner: str, members: List[str]) -> None:
        if members:
            await self.redis.zrem(self.key(owner), *members)
        gone = set(members)
        for sid, (known_owner, member) in list(self.local.items()):
            if known_owner == owner and member in gone:
                del self.local[sid]

    async def renew(self) -> None:
        """Keeps this instance's sockets counting."""
        if not self.local:
            return
        until = self.clock() + SOCKET_TTL_SECONDS
        async with self.redis.pipeline(transaction=False) as pipe:
            for owner, member in self.local.values():
                pipe.zadd(self.key(owner), {member: until}, xx=True)
            await pipe.execute()


class ConsoleRegistry(SocketSet):
    """Agents' console sockets (`desk:consoles:{agent id}`)."""

    def __init__(self, redis: "Redis[str]", clock: Callable[[], float] = time.time) -> None:
        super().__init__(redis, "consoles", clock)
        # This instance's console sockets: sid → their login's token digest (the session key's).
        self.logins: Dict[str, str] = {}

    async def console_connected(self, agent_id: str, token: str, sid: str) -> None:
        self.logins[sid] = token_digest(token)
        await self.connected(agent_id, f"{login_id(token)}:{sid}", sid)

    async def disconnected(self, sid: str) -> str | None:
        self.logins.pop(sid, None)
        return await super().disconnected(sid)

    async def ended_logins(self, alive: Callable[[List[str]], Awaitable[List[bool]]]) -> List[str]:
        """This instance's console sockets whose login no longer lasts (ended or expired).

        `alive` tells, for token digests, whether each login still lasts (one Redis round trip).
        """
        if not self.logins:
            return []
        digests = sorted(set(self.logins.values()))
        lasting = {d for d, ok in zip(digests, await alive(digests), strict=True) if ok}
        return [sid for sid, digest in list(self.logins.items()) if digest not in lasting]

    async def forget_login(self, agent_id: str, token: str) -> List[str]:
        """Removes one login's consoles (logout); returns their sids to disconnect."""
        prefix = f"{login_id(token)}:"
        members = [m for m in await self.members(agent_id) if m.startswith(prefix)]
        await self.forget(agent_id, members)
        return [m[len(prefix) :] for m in members]


class VisitorSockets(SocketSet):
    """Visitors' chat sockets (`desk:visitors:{conversation id}`)."""

    def __init__(self, redis: "Redis[str]", clock: Callable[[], float] = time.time) -> None:
        super().__init__(redis, "visitors", clock)


async def watch_logins(
    consoles: ConsoleRegistry,
    alive: Callable[[List[str]], Awaitable[List[bool]]],
    disconnect: Callable[[str], Awaitable[None]],
    every: float,
) -> NoReturn:
    """Every `every` seconds, disconnects this instance's consoles whose login ended or expired
    (runs until cancelled)."""
    while True:
        try:
            for sid in await consoles.ended_logins(alive):
                logger.info("console %s: its login ended or expired, disconnecting", sid)
                await disconnect(sid)
                await consoles.disconnected(sid)  # forgotten even if no disconnect event came
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("login watch")
        await asyncio.sleep(every)
