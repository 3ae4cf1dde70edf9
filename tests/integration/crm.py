"""A stand-in for the company's CRM: the HTTP contract of actions/directory.py over a Directory.

It counts the requests it receives, so tests can assert how many directory checks happened,
and can be switched to fail (an HTTP status, a slow answer, a malformed body).

    crm = StandInCrm(SqliteDirectory(path), token="secret")
    await crm.start()                  # in a running event loop, or:
    base_url = crm.start_in_thread()   # its own loop in a background thread
    ...
    crm.stop_thread()                  # or: await crm.stop()
"""

import asyncio
import dataclasses
import threading
from typing import Dict

from aiohttp import web

from actions.directory import Directory

START_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 1.0  # a request still sleeping in a fault is cut short on stop


class StandInCrm:
    """A real aiohttp server on 127.0.0.1 (a free port) implementing the directory contract.

    Every `GET /customers/{account_number}` that reaches the server counts in `lookups` (keyed
    by the path segment as received), before the token is checked or any fault applies; the
    count is updated before the answer is sent, so it is exact once the client has its answer.
    `searches` counts `GET /customers` (name and address) the same way.
    """

    def __init__(self, directory: Directory, token: str | None = None) -> None:
        self.directory = directory
        self.token = token
        self.fail_status: int | None = None  # answer every request with this status
        self.delay_seconds = 0.0  # sleep this long before answering
        self.malformed: str | None = None  # answer 200 with this body (not a JSON object)
        self.lookups: Dict[str, int] = {}
        self.searches = 0
        self._count_lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>, once started."""
        if self._port is None:
            raise RuntimeError("the stand-in CRM is not running")
        return f"http://127.0.0.1:{self._port}"

    def lookup_count(self, account_number: str | None = None) -> int:
        """Lookups of one account, or of all accounts when None."""
        with self._count_lock:
            if account_number is None:
                return sum(self.lookups.values())
            return self.lookups.get(account_number, 0)

    def reset(self) -> None:
        """Clears the counters and the faults."""
        with self._count_lock:
            self.lookups.clear()
            self.searches = 0
        self.fail_status, self.delay_seconds, self.malformed = None, 0.0, None

    async def start(self) -> None:
        """Starts serving in the running event loop."""
        app = web.Application()
        app.router.add_get("/customers/{account_number}", self._lookup)
        app.router.add_get("/customers", self._search)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Stops serving and closes the directory."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._port = None
        await self.directory.close()

    def start_in_thread(self) -> str:
        """Starts serving on a new event loop in a daemon thread; returns the base URL."""
        if self._thread is not None:
            raise RuntimeError("the stand-in CRM already runs in a thread")
        started = threading.Event()
        failure: Dict[str, BaseException] = {}
        loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as error:  # handed to the caller below
                failure["error"] = error
                started.set()
                loop.close()
                return
            started.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.stop())
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()

        thread = threading.Thread(target=serve, name="stand-in-crm", daemon=True)
        thread.start()
        if not started.wait(START_TIMEOUT):
            raise RuntimeError("the stand-in CRM did not start")
        if "error" in failure:
            thread.join()
            raise failure["error"]
        self._loop, self._thread = loop, thread
        return self.base_url

    def stop_thread(self) -> None:
        """Stops the server started by `start_in_thread` and waits for its thread."""
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_TIMEOUT)
        self._loop, self._thread = None, None

    async def _fault(self, request: web.Request) -> web.Response | None:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.fail_status is not None:
            return web.json_response({"error": "failure"}, status=self.fail_status)
        if self.token is not None:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return web.json_response({"error": "unauthorized"}, status=401)
        if self.malformed is not None:
            return web.Response(text=self.malformed, content_type="application/json")
        return None

    async def _lookup(self, request: web.Request) -> web.Response:
        account_number = request.match_info["account_number"]
        with self._count_lock:
            self.lookups[account_number] = self.lookups.get(account_number, 0) + 1
        fault = await self._fault(request)
        if fault is not None:
            return fault
        customer = await self.directory.find(account_number)
        if customer is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(dataclasses.asdict(customer))

    async def _search(self, request: web.Request) -> web.Response:
        with self._count_lock:
            self.searches += 1
        fault = await self._fault(request)
        if fault is not None:
            return fault
        name, address = request.query.get("name"), request.query.get("address")
        if name is None or address is None:
            return web.json_response({"error": "name and address are required"}, status=400)
        customers = await self.directory.find_by_name_and_address(name, address)
        return web.json_response({"customers": [dataclasses.asdict(c) for c in customers]})
