"""HttpDirectory against a real HTTP server implementing the contract (tests/integration/crm.py)."""

import asyncio
import dataclasses
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Awaitable, Callable, List, TypeVar

import pytest
import requests

from actions.directory import (
    MAX_MATCHES,
    Customer,
    DirectoryUnavailable,
    HttpDirectory,
    SqliteDirectory,
)
from actions.directory_cli import generate_sample
from tests.integration.crm import StandInCrm

pytestmark = pytest.mark.integration

T = TypeVar("T")
TOKEN = "test-token-1"
Body = Callable[[StandInCrm, HttpDirectory], Awaitable[T]]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crm") / "directory.sqlite3"
    generate_sample(path, count=200, seed=11)
    return path


@pytest.fixture(scope="module")
def customers(sample: Path) -> List[Customer]:
    async def all_customers() -> List[Customer]:
        with sqlite3.connect(sample) as connection:
            numbers = [row[0] for row in connection.execute("SELECT account_number FROM customers")]
        connection.close()
        directory = SqliteDirectory(sample)
        found = [await directory.find(number) for number in numbers]
        await directory.close()
        return [customer for customer in found if customer is not None]

    return asyncio.run(all_customers())


def with_crm(
    sample: Path,
    body: Body[T],
    server_token: str | None = TOKEN,
    client_token: str | None = TOKEN,
    timeout: float = 5.0,
) -> T:
    """Runs `body` with a started stand-in CRM and an HttpDirectory pointing at it."""

    async def scenario() -> T:
        crm = StandInCrm(SqliteDirectory(sample), token=server_token)
        await crm.start()
        directory = HttpDirectory(crm.base_url + "/", client_token, timeout)
        try:
            return await body(crm, directory)
        finally:
            await directory.close()
            await crm.stop()

    return asyncio.run(scenario())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_hits_are_the_same_customers_as_sqlite(sample: Path, customers: List[Customer]) -> None:
    chosen = customers[:25]

    async def body(crm: StandInCrm, directory: HttpDirectory) -> None:
        assert [await directory.find(c.account_number) for c in chosen] == chosen
        assert crm.lookups == {c.account_number: 1 for c in chosen}

    with_crm(sample, body)


def test_a_miss_is_none_and_invalid_input_sends_nothing(
    sample: Path, customers: List[Customer]
) -> None:
    taken = {c.account_number for c in customers}
    missing = next(str(n) for n in range(1_000_000_000, 2_000_000_000) if str(n) not in taken)

    async def body(crm: StandInCrm, directory: HttpDirectory) -> None:
        assert await directory.find(missing) is None
        assert await directory.find("12345") is None
        assert await directory.find("../customers") is None
        assert await directory.find("'; DROP TABLE customers; --") is None
        assert crm.lookups == {missing: 1}
        assert crm.lookup_count() == 1

    with_crm(sample, body)


def test_name_and_address(sample: Path, customers: List[Customer]) -> None:
    customer = customers[7]

    async def body(crm: StandInCrm, directory: HttpDirectory) -> None:
        local = SqliteDirectory(sample)
        expected = await local.find_by_name_and_address(customer.name, customer.address)
        await local.close()
        assert expected == [customer]
        spaced = " ".join(customer.name)
        assert await directory.find_by_name_and_address(spaced, customer.address + "。") == [
            customer
        ]
        assert await directory.find_by_name_and_address(customer.name, "浙江省某某市无此路") == []
        assert await directory.find_by_name_and_address("王", customer.address) == []  # invalid
        assert crm.searches == 2
        assert crm.lookups == {}

    with_crm(sample, body)


@pytest.mark.parametrize("status", [500, 502, 503, 401, 403, 400, 429, 302])
def test_failures_are_unavailable(sample: Path, customers: List[Customer], status: int) -> None:
    customer = customers[0]

    async def body(crm: StandInCrm, directory: HttpDirectory) -> None:
        crm.fail_status = status
        with pytest.raises(DirectoryUnavailable) as failure:
            await directory.find(customer.account_number)
        assert str(status) in str(failure.value)
        assert customer.account_number not in str(failure.value)
        with pytest.raises(DirectoryUnavailable) as failure:
            await directory.find_by_name_and_address(customer.name, customer.address)
        assert customer.name not in str(failure.value)
        assert crm.lookups == {customer.account_number: 1}

    with_crm(sample, body)


def test_a_timeout_is_unavailable(sample: Path, customers: List[Customer]) -> None:
    async def body(crm: StandInCrm, directory: HttpDirectory) -> float:
        crm.delay_seconds = 2.0
        started = time.monotonic()
        with pytest.raises(DirectoryUnavailable, match="unreachable"):
            await directory.find(customers[0].account_number)
        return time.monotonic() - started

    assert with_crm(sample, body, timeout=0.3) < 1.5


@pytest.mark.parametrize("client_token", ["wrong-token", None], ids=["wrong", "missing"])
def test_a_wrong_token_is_unavailable(
    sample: Path, customers: List[Customer], client_token: str | None
) -> None:
    async def body(crm: StandInCrm, directory: HttpDirectory) -> None:
        with pytest.raises(DirectoryUnavailable, match="401"):
            await directory.find(customers[0].account_number)

    with_crm(sample, body, client_token=client_token)


def test_no_token_is_sent_when_none_is_set(sample: Path, customers: List[Customer]) -> None:
    async def body(crm: StandInCrm, directory: HttpDirectory) -> None:
        assert await directory.find(customers[0].account_number) == customers[0]

    with_crm(sample, body, server_token=None, client_token=None)


@pytest.mark.parametrize(
    "malformed", ["<html>not json</html>", "null", "[]", '"text"', "[" * 100_000, '{"customers": ']
)
def test_a_malformed_body_is_unavailable(
    sample: Path, customers: List[Customer], malformed: str
) -> None:
    customer = customers[0]

    async def body(crm: StandInCrm, directory: HttpDirectory) -> None:
        crm.malformed = malformed
        with pytest.raises(DirectoryUnavailable, match="invalid JSON"):
            await directory.find(customer.account_number)
        with pytest.raises(DirectoryUnavailable, match="invalid JSON"):
            await directory.find_by_name_and_address(customer.name, customer.address)

    with_crm(sample, body)


@pytest.mark.parametrize(
    "malformed",
    [
        "{}",
        '{"account_number": 1234567890, "name": "王芳", "phone": "13800000000", "address": "x"}',
        '{"customers": "none"}',
        '{"customers": [1, 2]}',
        '{"customers": [{"name": "王芳"}]}',
    ],
)
def test_a_malformed_record_is_unavailable(
    sample: Path, customers: List[Customer], malformed: str
) -> None:
    customer = customers[0]

    async def body(crm: StandInCrm, directory: HttpDirectory) -> None:
        crm.malformed = malformed
        with pytest.raises(DirectoryUnavailable, match="malformed"):
            await directory.find(customer.account_number)
        with pytest.raises(DirectoryUnavailable, match="malformed"):
            await directory.find_by_name_and_address(customer.name, customer.address)

    with_crm(sample, body)


class WrongDirectory:
    """A CRM backend that answers with the wrong records."""

    def __init__(self, customer: Customer, other: Customer) -> None:
        self.customer, self.other = customer, other

    async def find(self, account_number: str) -> Customer | None:
        return self.other

    async def find_by_name_and_address(self, name: str, address: str) -> List[Customer]:
        return [self.other, self.customer, self.customer]

    async def close(self) -> None:
        pass


def test_records_that_do_not_match_the_query(customers: List[Customer]) -> None:
    customer, other = customers[0], customers[1]

    async def scenario() -> None:
        crm = StandInCrm(WrongDirectory(customer, other))
        await crm.start()
        directory = HttpDirectory(crm.base_url, None, 5.0)
        try:
            with pytest.raises(DirectoryUnavailable, match="another customer"):
                await directory.find(customer.account_number)
            found = await directory.find_by_name_and_address(customer.name, customer.address)
            assert found == [customer]
        finally:
            await directory.close()
            await crm.stop()

    asyncio.run(scenario())


class ManyDirectory:
    """A CRM backend whose every search answers with `count` customers, all alike but the 户号."""

    def __init__(self, customer: Customer, count: int) -> None:
        self.customers = [
            dataclasses.replace(customer, account_number=str(2_000_000_000 + n))
            for n in range(count)
        ]

    async def find(self, account_number: str) -> Customer | None:
        return None

    async def find_by_name_and_address(self, name: str, address: str) -> List[Customer]:
        return self.customers

    async def close(self) -> None:
        pass


@pytest.mark.parametrize(("count", "found"), [(30, MAX_MATCHES), (12_000, None)])
def test_long_lists(customers: List[Customer], count: int, found: int | None) -> None:
    customer = customers[0]

    async def scenario() -> None:
        crm = StandInCrm(ManyDirectory(customer, count))
        await crm.start()
        directory = HttpDirectory(crm.base_url, None, 5.0)
        try:
            if found is None:
                with pytest.raises(DirectoryUnavailable, match="oversized"):
                    await directory.find_by_name_and_address(customer.name, customer.address)
            else:
                matches = await directory.find_by_name_and_address(customer.name, customer.address)
                assert [m.account_number for m in matches] == [
                    str(2_000_000_000 + n) for n in range(found)
                ]
        finally:
            await directory.close()
            await crm.stop()

    asyncio.run(scenario())


def test_connection_refused_is_unavailable() -> None:
    async def scenario() -> None:
        directory = HttpDirectory(f"http://127.0.0.1:{closed_port()}", TOKEN, 5.0)
        try:
            with pytest.raises(DirectoryUnavailable, match="unreachable"):
                await directory.find("1234567890")
            with pytest.raises(DirectoryUnavailable, match="unreachable"):
                await directory.find_by_name_and_address("王芳", "浙江省杭州市西湖区")
        finally:
            await directory.close()

    asyncio.run(scenario())


def test_one_session_is_reused_and_closed(sample: Path, customers: List[Customer]) -> None:
    async def body(crm: StandInCrm, directory: HttpDirectory) -> None:
        assert directory._session is None
        await directory.find(customers[0].account_number)
        session = directory._session
        assert session is not None
        await directory.find(customers[1].account_number)
        assert directory._session is session
        await directory.close()
        assert session.closed and directory._session is None
        assert await directory.find(customers[2].account_number) == customers[2]

    with_crm(sample, body)


def test_in_a_thread_counts_every_lookup_exactly(sample: Path, customers: List[Customer]) -> None:
    crm = StandInCrm(SqliteDirectory(sample), token=TOKEN)
    base_url = crm.start_in_thread()
    chosen = customers[:10]
    try:

        async def concurrent() -> List[Customer | None]:
            directory = HttpDirectory(base_url, TOKEN, 5.0)
            try:
                return await asyncio.gather(
                    *(directory.find(c.account_number) for c in chosen for _ in range(4))
                )
            finally:
                await directory.close()

        assert asyncio.run(concurrent()) == [c for c in chosen for _ in range(4)]
        assert crm.lookups == {c.account_number: 4 for c in chosen}

        def hammer() -> None:
            for c in chosen:
                response = requests.get(
                    f"{base_url}/customers/{c.account_number}",
                    headers={"Authorization": f"Bearer {TOKEN}"},
                    timeout=5,
                )
                assert response.status_code == 200

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert crm.lookup_count() == 80
        assert crm.lookup_count(chosen[0].account_number) == 8

        async def failing() -> None:
            directory = HttpDirectory(base_url, TOKEN, 5.0)
            try:
                await directory.find(chosen[0].account_number)
            finally:
                await directory.close()

        crm.fail_status = 503
        with pytest.raises(DirectoryUnavailable):
            asyncio.run(failing())
        assert crm.lookup_count(chosen[0].account_number) == 9

        crm.reset()
        assert crm.lookups == {} and crm.lookup_count() == 0
    finally:
        crm.stop_thread()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base_url}/customers/{chosen[0].account_number}", timeout=5)
