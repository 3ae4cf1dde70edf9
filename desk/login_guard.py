"""Agent logins (docs/desk.md, "Agent logins"): throttled per 工号 and per client address, with
passwords checked off the event loop and an unknown 工号 costing what a known one costs.

- **Throttle.** Each 工号 and each client address has a hash in Redis (`n` failures, `until` a
  lock's end), shared by every desk instance. The `DESK_LOGIN_MAX_FAILURES`-th failure of a 工号
  (`DESK_LOGIN_MAX_FAILURES_PER_ADDRESS`-th of an address) locks it for
  `DESK_LOGIN_LOCKOUT_SECONDS`; each failure after a lock doubles the next one, up to
  `DESK_LOGIN_LOCKOUT_MAX_SECONDS`. Failures are forgotten `DESK_LOGIN_FAILURE_WINDOW_SECONDS`
  after the first (or after the last lock ends). While locked every login is refused, the right
  password too, without checking it. A successful login forgets its 工号's failures (not its
  address's: a valid account must not reset an address that guesses others').
- **Parallel guesses.** An attempt is counted as a failure *before* its password is checked (one
  Lua step that also checks the locks) and uncounted when it proves right, and the attempt that
  reaches a limit locks at once: however many arrive together, no more than the limit are checked.
- **Key names.** `desk:login:agent:{digest}` and `desk:login:address:{digest}`, the digests an
  HMAC keyed by a random value kept in Redis (`desk:login:pepper`): what was typed as 工号 (a
  password, by mistake) never appears in a key name, nor can it be guessed back from one.
- **Logs.** Failures and locks are logged with the 工号 masked (`20**`; an unknown one only as
  its length) and the client address; never the password.
- **Same work.** An unknown 工号 is checked against a dummy scrypt hash (desk/auth.py), and gets
  the same answer as a wrong password.
- **Off the loop.** scrypt runs in a pool of `DESK_LOGIN_HASH_THREADS` threads (it releases the
  GIL), so parallel logins queue there while visitors' messages go on.
"""

import asyncio
import hashlib
import hmac
import logging
import math
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Awaitable, Callable, List

from redis.asyncio import Redis

from desk.auth import check_password
from desk.settings import DeskSettings
from desk.store import P

logger = logging.getLogger(__name__)

PEPPER_KEY = f"{P}login:pepper"

# Refuses while either key is locked; otherwise counts the attempt as a failure on both and, on
# reaching a limit, locks at once (the lock is lifted again if the password proves right).
# KEYS: the 工号's hash, the address's hash.
# ARGV: now, window s, first lock s, longest lock s, the 工号's limit, the address's limit.
# Returns {the 工号's failures, the address's failures, 1 if this attempt locked the address,
# seconds still locked ("0": not refused)}.
_BEGIN = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local first, longest = tonumber(ARGV[3]), tonumber(ARGV[4])
local wait = 0
for i = 1, 2 do
  local locked = tonumber(redis.call('HGET', KEYS[i], 'until') or '0') - now
  if locked > wait then wait = locked end
end
if wait > 0 then return {0, 0, 0, tostring(wait)} end
local counts, locks = {}, {}
for i = 1, 2 do
  local n = redis.call('HINCRBY', KEYS[i], 'n', 1)
  local limit = tonumber(ARGV[4 + i])
  counts[i], locks[i] = n, 0
  if n >= limit then
    local lock = math.min(first * 2 ^ (n - limit), longest)
    redis.call('HSET', KEYS[i], 'until', tostring(now + lock))
    redis.call('EXPIRE', KEYS[i], math.ceil(lock + window))
    locks[i] = 1
  elseif n == 1 then
    redis.call('EXPIRE', KEYS[i], math.ceil(window))
  end
end
return {counts[1], counts[2], locks[2], '0'}
"""

# The password was right: forgets the 工号's failures and uncounts the attempt at the address
# (lifting the lock it took, if it took one). KEYS: as _BEGIN's. ARGV: 1 if it locked the address.
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], 'n', -1)
  if ARGV[1] == '1' then redis.call('HDEL', KEYS[2], 'until') end
end
return 1
"""


@dataclass(frozen=True)
class Outcome:
    """A login attempt's answer: `ok`, or refused for `retry_after` seconds (locked), or neither
    (wrong password, unknown 工号: the same)."""

    ok: bool
    retry_after: float = 0.0


def masked(agent_id: str, known: bool) -> str:
    """A 工号 as logs show it: a known one's first two characters, an unknown one (perhaps a
    password typed in the wrong field) only by its length."""
    if not known:
        return f"<unknown, {len(agent_id)} chars>"
    return agent_id[:2] + "*" * max(len(agent_id) - 2, 1)


class LoginGuard:
    """Checks agent logins for one desk instance; the throttle's state is in Redis."""

    def __init__(
        self, redis: "Redis[str]", settings: DeskSettings, clock: Callable[[], float] = time.time
    ) -> None:
        self.redis = redis
        self.settings = settings
        self.clock = clock
        self._begin = redis.register_script(_BEGIN)
        self._succeeded = redis.register_script(_SUCCEEDED)
        self._pepper: bytes | None = None
        self._hashing = ThreadPoolExecutor(
            max_workers=settings.login_hash_threads, thread_name_prefix="desk-password"
        )

    def close(self) -> None:
        self._hashing.shutdown(wait=False, cancel_futures=True)

    async def key(self, kind: str, value: str) -> str:
        """The Redis key of a 工号's or an address's failures (`kind`: agent or address)."""
        if self._pepper is None:
            await self.redis.set(PEPPER_KEY, secrets.token_hex(32), nx=True)
            self._pepper = str(await self.redis.get(PEPPER_KEY)).encode()
        digest = hmac.new(self._pepper, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{P}login:{kind}:{digest[:32]}"

    async def check_password(self, password: str, stored: str | None) -> bool:
        """`desk.auth.check_password` in the hashing pool, off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._hashing, check_password, password, stored)

    async def attempt(
        self,
        agent_id: str,
        password: str | None,
        address: str,
        stored_hash: Callable[[str], Awaitable[str | None]],
    ) -> Outcome:
        """One login: refused while the 工号 or the address is locked, else the password is
        checked (`None`: not a string, never right) against `stored_hash(agent_id)`."""
        settings = self.settings
        keys = [await self.key("agent", agent_id), await self.key("address", address)]
        failures, address_failures, locked_address, wait = await self._begin(
            keys=keys,
            args=[
                repr(self.clock()),
                settings.login_failure_window_seconds,
                repr(settings.login_lockout_seconds),
                repr(settings.login_lockout_max_seconds),
                settings.login_max_failures,
                settings.login_max_failures_per_address,
            ],
        )
        if float(wait) > 0:
            logger.debug("login refused, locked %.0f s more: from %s", float(wait), address)
            return Outcome(ok=False, retry_after=float(wait))
        stored = await stored_hash(agent_id)
        right = await self.check_password(password or "", stored)
        if right and password is not None:
            await self._succeeded(keys=keys, args=[int(locked_address)])
            return Outcome(ok=True)
        self._log_failure(agent_id, stored is not None, address, keys, failures, address_failures)
        return Outcome(ok=False)

    def _log_failure(
        self,
        agent_id: str,
        known: bool,
        address: str,
        keys: List[str],
        failures: int,
        address_failures: int,
    ) -> None:
        settings = self.settings
        logger.info(
            "login failed: 工号 %s from %s (failures: %d of %d for the 工号, %d of %d for the "
            "address)",
            masked(agent_id, known),
            address,
            failures,
            settings.login_max_failures,
            address_failures,
            settings.login_max_failures_per_address,
        )
        for key, count, limit in (
            (keys[0], failures, settings.login_max_failures),
            (keys[1], address_failures, settings.login_max_failures_per_address),
        ):
            if count >= limit:
                lock = lock_seconds(count, limit, settings)
                logger.warning("login locked for %.0f s: %s (%d failures)", lock, key, count)


def lock_seconds(failures: int, limit: int, settings: DeskSettings) -> float:
    """How long the `failures`-th failure locks (the limit-th locks first; each after doubles)."""
    if failures < limit:
        return 0.0
    return min(
        settings.login_lockout_seconds * 2.0 ** min(failures - limit, 64),
        settings.login_lockout_max_seconds,
    )


def retry_after_header(seconds: float) -> str:
    """`Retry-After`'s value: whole seconds, rounded up (at least 1)."""
    return str(max(1, math.ceil(seconds)))


def locked_message(seconds: float) -> str:
    """What a throttled login is told (whole minutes, rounded up)."""
    return f"登录失败次数过多,已暂时锁定,请{max(1, math.ceil(seconds / 60))}分钟后再试"
