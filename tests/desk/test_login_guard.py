"""Agent logins against a real Redis server (desk/login_guard.py): the throttle per 工号 and per
address, its back-off, parallel guesses, unknown 工号, key names and logs."""

import asyncio
import hashlib
import logging
import threading
from typing import Any, Awaitable, Callable, Dict, List, Tuple

import pytest

from common.redis_connection import connect
from desk import auth
from desk.auth import hash_password
from desk.login_guard import LoginGuard, Outcome, locked_message, masked, retry_after_header
from desk.settings import DeskSettings

PASSWORD = "right-口令-1"
STORED = {"2001": hash_password(PASSWORD), "2002": hash_password(PASSWORD)}
LIMITS = {
    "login_max_failures": 3,
    "login_max_failures_per_address": 8,
    "login_lockout_seconds": 10.0,
    "login_lockout_max_seconds": 35.0,
    "login_failure_window_seconds": 600,
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def stored_hash(agent_id: str) -> str | None:
    return STORED.get(agent_id)


def run_guard(
    redis_url: str,
    scenario: Callable[[LoginGuard, Clock], Awaitable[Any]],
    **settings: Any,
) -> Any:
    async def main() -> Any:
        client = connect(redis_url)
        clock = Clock()
        guard = LoginGuard(client, DeskSettings(**{**LIMITS, **settings}), clock)
        try:
            for key in await client.keys("desk:login:*"):
                await client.delete(key)
            return await scenario(guard, clock)
        finally:
            guard.close()
            await client.close()

    return asyncio.run(main())


async def login(
    guard: LoginGuard, agent_id: str, password: str | None, address: str = "203.0.113.7"
) -> Outcome:
    return await guard.attempt(agent_id, password, address, stored_hash)


def test_the_limit_th_failure_locks_the_agent_and_even_the_right_password_is_refused(
    redis_url: str,
) -> None:
    async def scenario(guard: LoginGuard, clock: Clock) -> List[Outcome]:
        outcomes = [await login(guard, "2001", "wrong") for _ in range(3)]
        clock.now += 4
        outcomes.append(await login(guard, "2001", "wrong"))
        outcomes.append(await login(guard, "2001", PASSWORD))
        outcomes.append(await login(guard, "2002", PASSWORD))  # another 工号: not locked
        return outcomes

    outcomes = run_guard(redis_url, scenario)
    assert outcomes[:3] == [Outcome(ok=False)] * 3
    assert outcomes[3] == Outcome(ok=False, retry_after=pytest.approx(6.0))
    assert outcomes[4] == Outcome(ok=False, retry_after=pytest.approx(6.0))
    assert outcomes[5] == Outcome(ok=True)


def test_after_the_lock_the_right_password_works_and_forgets_the_failures(redis_url: str) -> None:
    async def scenario(guard: LoginGuard, clock: Clock) -> List[Outcome]:
        for _ in range(3):
            await login(guard, "2001", "wrong")
        clock.now += 10.5
        right = await login(guard, "2001", PASSWORD)
        again = [await login(guard, "2001", "wrong") for _ in range(3)]
        return [right, *again, await login(guard, "2001", PASSWORD)]

    right, *again, locked = run_guard(redis_url, scenario)
    assert right == Outcome(ok=True)
    assert again == [Outcome(ok=False)] * 3  # counted from zero again: three more tries
    assert locked.retry_after == pytest.approx(10.0)


def test_a_success_resets_the_agents_count(redis_url: str) -> None:
    async def scenario(guard: LoginGuard, clock: Clock) -> List[Outcome]:
        first = [await login(guard, "2001", "wrong") for _ in range(2)]
        first.append(await login(guard, "2001", PASSWORD))
        second = [await login(guard, "2001", "wrong") for _ in range(3)]
        return [*first, *second, await login(guard, "2001", "wrong")]

    outcomes = run_guard(redis_url, scenario)
    assert [o.ok for o in outcomes[:3]] == [False, False, True]
    assert all(o == Outcome(ok=False) for o in outcomes[3:6])
    assert outcomes[6].retry_after > 0


def test_each_failure_after_a_lock_doubles_the_next_up_to_the_longest(redis_url: str) -> None:
    async def scenario(guard: LoginGuard, clock: Clock) -> List[float]:
        for _ in range(3):
            await login(guard, "2001", "wrong")
        locks = []
        for _ in range(4):
            refused = await login(guard, "2001", "wrong")
            locks.append(refused.retry_after)
            clock.now += refused.retry_after + 0.01
            assert (await login(guard, "2001", "wrong")) == Outcome(ok=False)  # one more try
        return locks

    assert run_guard(redis_url, scenario) == pytest.approx([10.0, 20.0, 35.0, 35.0], abs=0.02)


def test_an_address_guessing_many_agents_is_locked_and_others_are_not(redis_url: str) -> None:
    async def scenario(guard: LoginGuard, clock: Clock) -> List[Outcome]:
        spray = [await login(guard, f"{3000 + i}", "123456", "198.51.100.9") for i in range(8)]
        spray.append(await login(guard, "2001", PASSWORD, "198.51.100.9"))
        spray.append(await login(guard, "2001", PASSWORD, "198.51.100.10"))
        return spray

    outcomes = run_guard(redis_url, scenario)
    assert outcomes[:8] == [Outcome(ok=False)] * 8
    assert outcomes[8].retry_after == pytest.approx(10.0)  # the right password too
    assert outcomes[9] == Outcome(ok=True)


def test_successes_do_not_count_against_the_address(redis_url: str) -> None:
    async def scenario(guard: LoginGuard, clock: Clock) -> List[bool]:
        oks = []
        for i in range(7):
            await login(guard, f"{3000 + i}", "wrong", "198.51.100.20")
            oks.append((await login(guard, "2001", PASSWORD, "198.51.100.20")).ok)
        # The 8th failure locks: the 7 failures before were counted, the 7 successes were not.
        locked = await login(guard, "2002", "wrong", "198.51.100.20")
        after = await login(guard, "2002", PASSWORD, "198.51.100.20")
        return [*oks, locked.ok, after.retry_after > 0]

    assert run_guard(redis_url, scenario) == [True] * 7 + [False, True]


def test_a_right_password_at_the_address_limit_lifts_the_lock_it_took(redis_url: str) -> None:
    async def scenario(guard: LoginGuard, clock: Clock) -> List[Outcome]:
        for i in range(7):
            await login(guard, f"{3000 + i}", "wrong", "198.51.100.30")
        right = await login(guard, "2001", PASSWORD, "198.51.100.30")  # the 8th attempt
        return [right, await login(guard, "2002", PASSWORD, "198.51.100.30")]

    assert run_guard(redis_url, scenario) == [Outcome(ok=True), Outcome(ok=True)]


def test_parallel_guesses_check_no_more_passwords_than_the_limit(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: List[str] = []
    real = auth.check_password

    def counting(password: str, stored: str | None) -> bool:
        checked.append(password)
        return real(password, stored)

    monkeypatch.setattr("desk.login_guard.check_password", counting)

    async def scenario(guard: LoginGuard, clock: Clock) -> List[Outcome]:
        guesses = [login(guard, "2001", f"guess-{i}", f"192.0.2.{i}") for i in range(20)]
        outcomes = list(await asyncio.gather(*guesses))
        outcomes.append(await login(guard, "2001", PASSWORD, "192.0.2.200"))
        return outcomes

    outcomes = run_guard(redis_url, scenario)
    assert len(checked) == 3
    assert sum(1 for o in outcomes[:20] if o.retry_after > 0) == 17
    assert outcomes[20].retry_after > 0


def test_an_unknown_agent_is_answered_and_throttled_like_a_wrong_password(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: List[Tuple[int, int, int]] = []
    real_scrypt = hashlib.scrypt

    def counting_scrypt(password: bytes, **kwargs: Any) -> bytes:
        hashed.append((kwargs["n"], kwargs["r"], kwargs["p"]))
        return real_scrypt(password, **kwargs)

    monkeypatch.setattr(auth.hashlib, "scrypt", counting_scrypt)

    async def scenario(guard: LoginGuard, clock: Clock) -> Tuple[List[Outcome], ...]:
        known = [await login(guard, "2001", "wrong", "192.0.2.1") for _ in range(4)]
        known_hashes = len(hashed)
        unknown = [await login(guard, "9999", "wrong", "192.0.2.2") for _ in range(4)]
        return known, unknown, [Outcome(ok=len(hashed) == 2 * known_hashes)]

    known, unknown, same_work = run_guard(redis_url, scenario)
    assert known == unknown
    assert same_work == [Outcome(ok=True)]
    assert len(set(hashed)) == 1  # the same scrypt parameters for both


def test_not_a_string_password_never_logs_in(redis_url: str) -> None:
    async def scenario(guard: LoginGuard, clock: Clock) -> Outcome:
        return await login(guard, "2001", None)

    assert run_guard(redis_url, scenario) == Outcome(ok=False)


def test_key_names_never_hold_what_was_typed_and_failures_are_forgotten(redis_url: str) -> None:
    typed = "my-Password-typed-as-工号"

    async def scenario(guard: LoginGuard, clock: Clock) -> Tuple[List[str], Dict[str, int]]:
        await login(guard, typed, "other", "2001:db8::7")
        keys = sorted(await guard.redis.keys("desk:login:*"))
        ttls = {k: await guard.redis.ttl(k) for k in keys if k != "desk:login:pepper"}
        return keys, ttls

    keys, ttls = run_guard(redis_url, scenario)
    assert len(keys) == 3 and "desk:login:pepper" in keys
    for key in keys:
        assert typed not in key and "Password" not in key and "2001:db8" not in key
    assert all(590 <= ttl <= 600 for ttl in ttls.values())


def test_logs_mask_the_agent_and_never_show_the_password(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario(guard: LoginGuard, clock: Clock) -> None:
        for _ in range(3):
            await login(guard, "2001", "wrong-口令-xyz", "203.0.113.50")
        await login(guard, "secret-as-id", "wrong-口令-xyz", "203.0.113.50")

    with caplog.at_level(logging.DEBUG, logger="desk.login_guard"):
        run_guard(redis_url, scenario)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "wrong-口令-xyz" not in text and "2001" not in text and "secret" not in text
    assert "工号 20** from 203.0.113.50 (failures: 3 of 3" in text
    assert "<unknown, 12 chars>" in text
    assert "login locked for 10 s: desk:login:agent:" in text


def test_passwords_are_checked_off_the_event_loop(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: List[str] = []
    real = auth.check_password

    def noting(password: str, stored: str | None) -> bool:
        threads.append(threading.current_thread().name)
        return real(password, stored)

    monkeypatch.setattr("desk.login_guard.check_password", noting)

    async def scenario(guard: LoginGuard, clock: Clock) -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        await asyncio.gather(*(login(guard, "2001", PASSWORD, f"192.0.2.{i}") for i in range(4)))
        task.cancel()
        return ticks

    # (At most the limit's logins of one 工号 are checked at once: the limit is above 4 here.)
    ticks = run_guard(redis_url, scenario, login_hash_threads=2, login_max_failures=5)
    assert len(threads) == 4
    assert all(name.startswith("desk-password") for name in threads)
    assert ticks > 4  # the loop went on while the hashes ran


def test_masking_and_the_429_wording() -> None:
    assert masked("2001", known=True) == "20**"
    assert masked("7", known=True) == "7*"
    assert masked("hunter2", known=False) == "<unknown, 7 chars>"
    assert retry_after_header(0.2) == "1" and retry_after_header(60.0) == "60"
    assert retry_after_header(59.01) == "60"
    assert locked_message(59.5) == "登录失败次数过多,已暂时锁定,请1分钟后再试"
    assert locked_message(61) == "登录失败次数过多,已暂时锁定,请2分钟后再试"
