"""Agent logins against a real Redis server: session keys never name the token, and a console
socket goes when its login does, by logout or expiry, on whichever instance holds it."""

import asyncio
import hashlib
from typing import Any, Awaitable, Callable, Dict, List, Tuple

from common.redis_connection import connect
from desk.phrases import load_phrases
from desk.presence import ConsoleRegistry, watch_logins
from desk.service import AGENTS, Desk
from desk.settings import ROOT, DeskSettings
from desk.store import DeskStore

TOKEN_A, TOKEN_B = "token-a-" + "x" * 40, "token-b-" + "y" * 40


def run_store(redis_url: str, scenario: Callable[[DeskStore], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        client = connect(redis_url)
        try:
            for key in await client.keys("desk:*"):
                await client.delete(key)
            return await scenario(DeskStore(client, visitor_ttl_seconds=60))
        finally:
            await client.close()

    return asyncio.run(main())


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_a_session_is_kept_under_its_tokens_digest_and_behaves_as_before(redis_url: str) -> None:
    async def scenario(store: DeskStore) -> Tuple[Any, ...]:
        await store.create_session(TOKEN_A, "2001", 300)
        keys = await store.redis.keys("desk:session:*")
        ttl = await store.redis.ttl(f"desk:session:{digest(TOKEN_A)}")
        found = await store.session_agent(TOKEN_A), await store.session_agent(TOKEN_B)
        await store.end_session(TOKEN_A)
        return keys, ttl, found, await store.session_agent(TOKEN_A)

    keys, ttl, found, after = run_store(redis_url, scenario)
    assert keys == [f"desk:session:{digest(TOKEN_A)}"]
    assert not any("token-a" in key for key in keys)
    assert 295 <= ttl <= 300
    assert found == ("2001", None)
    assert after is None


def test_the_consoles_of_ended_or_expired_logins_are_found(redis_url: str) -> None:
    async def scenario(store: DeskStore) -> List[str]:
        consoles = ConsoleRegistry(store.redis)
        await store.create_session(TOKEN_A, "2001", 300)
        await store.create_session(TOKEN_B, "2001", 1)
        await consoles.console_connected("2001", TOKEN_A, "sid-a1")
        await consoles.console_connected("2001", TOKEN_A, "sid-a2")
        await consoles.console_connected("2001", TOKEN_B, "sid-b")
        assert await consoles.ended_logins(store.sessions_alive) == []
        await store.redis.pexpire(f"desk:session:{digest(TOKEN_B)}", 1)  # B expires
        await asyncio.sleep(0.05)
        return await consoles.ended_logins(store.sessions_alive)

    assert run_store(redis_url, scenario) == ["sid-b"]


def test_the_watch_disconnects_and_forgets_those_consoles(redis_url: str) -> None:
    async def scenario(store: DeskStore) -> Tuple[List[str], Dict[str, str], List[str]]:
        consoles = ConsoleRegistry(store.redis)
        cut: List[str] = []

        async def disconnect(sid: str) -> None:
            cut.append(sid)

        await store.create_session(TOKEN_A, "2001", 300)
        await store.create_session(TOKEN_B, "2002", 300)
        await consoles.console_connected("2001", TOKEN_A, "sid-a")
        await consoles.console_connected("2002", TOKEN_B, "sid-b")
        watch = asyncio.create_task(
            watch_logins(consoles, store.sessions_alive, disconnect, every=0.02)
        )
        await store.end_session(TOKEN_A)  # ended elsewhere; its member here untouched
        for _ in range(100):
            if cut:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)  # no second disconnect for the same socket
        watch.cancel()
        return cut, consoles.logins, await consoles.members("2001")

    cut, logins, members = run_store(redis_url, scenario)
    assert cut == ["sid-a"]
    assert logins == {"sid-b": digest(TOKEN_B)}
    assert members == []


class DisconnectingSio:
    """socket.io as the desk sees it: a disconnect runs the desk's disconnect handler."""

    def __init__(self) -> None:
        self.desk: Desk | None = None
        self.disconnected: List[str] = []

    async def emit(self, event: str, data: Any, **_: Any) -> None:
        pass

    async def disconnect(self, sid: str, namespace: str | None = None) -> None:
        assert namespace == AGENTS
        self.disconnected.append(sid)
        assert self.desk is not None
        await self.desk.console_disconnected(sid)


def run_desk(redis_url: str, scenario: Callable[[Desk, DisconnectingSio], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        client = connect(redis_url)
        for key in await client.keys("desk:*"):
            await client.delete(key)
        sio = DisconnectingSio()
        settings = DeskSettings(instance_id="t", agent_session_check_seconds=0.05)
        desk = Desk(
            settings,
            DeskStore(client, visitor_ttl_seconds=3600),
            None,  # type: ignore[arg-type]  # no Rasa: nothing here talks to the bot
            sio,  # type: ignore[arg-type]
            load_phrases(ROOT / "domain.yml", "测试网"),
        )
        sio.desk = desk
        desk.start()
        try:
            return await scenario(desk, sio)
        finally:
            await desk.stop()
            await client.close()

    return asyncio.run(main())


async def until_disconnected(sio: DisconnectingSio, count: int) -> List[str]:
    for _ in range(200):
        if len(sio.disconnected) >= count:
            break
        await asyncio.sleep(0.02)
    return sio.disconnected


def test_a_logout_cuts_its_socket_even_when_the_sockets_member_lapsed(redis_url: str) -> None:
    async def scenario(desk: Desk, sio: DisconnectingSio) -> Tuple[List[str], int]:
        await desk.store.create_session(TOKEN_A, "2001", 300)
        await desk.store.create_session(TOKEN_B, "2001", 300)
        await desk.console_connected("2001", TOKEN_A, "sid-a")
        await desk.console_connected("2001", TOKEN_B, "sid-b")
        # The member of sid-a is gone (a renewal lapsed and another instance dropped it): the
        # logout does not find it in Redis.
        await desk.store.redis.zrem("desk:consoles:2001", f"{digest(TOKEN_A)[:16]}:sid-a")
        await desk.logged_out("2001", TOKEN_A)
        cut = await until_disconnected(sio, 1)
        await asyncio.sleep(0.2)
        return cut, await desk.consoles.live("2001")

    cut, live = run_desk(redis_url, scenario)
    assert cut == ["sid-a"]  # the other login's socket stays
    assert live == 1


def test_an_expired_login_loses_its_sockets(redis_url: str) -> None:
    async def scenario(desk: Desk, sio: DisconnectingSio) -> Tuple[List[str], Any]:
        await desk.store.create_session(TOKEN_A, "2001", 1)
        await desk.store.create_session(TOKEN_B, "2002", 300)
        await desk.console_connected("2001", TOKEN_A, "sid-a1")
        await desk.console_connected("2001", TOKEN_A, "sid-a2")
        await desk.console_connected("2002", TOKEN_B, "sid-b")
        cut = await until_disconnected(sio, 2)
        await asyncio.sleep(0.2)
        return sorted(cut), await desk.store.redis.zcard("desk:consoles:2001")

    cut, left = run_desk(redis_url, scenario)
    assert cut == ["sid-a1", "sid-a2"]
    assert left == 0
