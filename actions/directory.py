"""The customer directory: who holds a 户号, for verifying a visitor's identity.

Two backends behind one `Directory` protocol, picked by `open_directory` from the settings:
`SqliteDirectory` (a local file, `make directory` writes a sample with actions/directory_cli.py)
and `HttpDirectory` (the company's CRM). Inputs are normalised again here (actions/normalize.py)
and compared by exact equality; anything that does not normalise finds nobody.

HTTP contract (what a CRM implements for `HttpDirectory`, base URL in DIRECTORY_URL):

    GET {base}/customers/{account_number}
        200 {"account_number": "...", "name": "...", "phone": "...", "address": "..."}
        404 when no customer holds that 户号
    GET {base}/customers?name=<name>&address=<address>
        200 {"customers": [{"account_number", "name", "phone", "address"}, ...]}
        (exact match on name and address; an empty list when nobody matches)

    Every request carries `Authorization: Bearer <token>` when DIRECTORY_TOKEN is set.
    The account number is 10 digits and the phone 11 digits; values are normalised on receipt
    and records that do not match the query are dropped.
    Connection errors, timeouts (DIRECTORY_TIMEOUT_SECONDS), 5xx, 401/403, any other status,
    or a malformed body raise DirectoryUnavailable (whose message holds no personal data).

The operators' command line and the sample data are in actions/directory_cli.py.
"""

import asyncio
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Protocol, Tuple

import aiohttp

from actions.normalize import (
    normalize_account_number,
    normalize_address,
    normalize_name,
    normalize_phone,
)
from actions.settings import Settings

MAX_MATCHES = 20  # at most this many customers from a name + address search
MAX_BODY_BYTES = 1 << 20
# The customers table's columns, in order (actions/directory_cli.py lists them too).
FIELDS = ("account_number", "name", "phone", "address")


@dataclass(frozen=True)
class Customer:
    """One customer record; every field normalised (phone: 11 digits)."""

    account_number: str
    name: str
    phone: str
    address: str


class DirectoryError(Exception):
    """Base of the directory's errors."""


class DirectoryUnavailable(DirectoryError):
    """The backend is missing, unreachable, too slow, refused us, or answered nonsense."""


class Directory(Protocol):
    """Finds customers; inputs are normalised again by every backend."""

    async def find(self, account_number: str) -> Customer | None:
        """The customer holding `account_number`, or None."""
        ...

    async def find_by_name_and_address(self, name: str, address: str) -> List[Customer]:
        """Customers with exactly this name and address (usually zero or one)."""
        ...

    async def close(self) -> None:
        """Releases connections; the directory may be used again afterwards."""
        ...


def _customer(record: Mapping[str, Any]) -> Customer:
    """A Customer from a stored or received record; DirectoryUnavailable when malformed."""
    values: List[str] = []
    for field in FIELDS:
        value = record.get(field)
        if not isinstance(value, str):
            raise DirectoryUnavailable("customer directory returned a malformed record")
        values.append(value)
    account_number, name, phone, address = (
        normalize_account_number(values[0]),
        normalize_name(values[1]),
        normalize_phone(values[2]),
        normalize_address(values[3]),
    )
    if account_number is None or name is None or phone is None or address is None:
        raise DirectoryUnavailable("customer directory returned a malformed record")
    return Customer(account_number=account_number, name=name, phone=phone, address=address)


class SqliteDirectory:
    """A read-only SQLite file with a `customers` table; queries run in a worker thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            if not self.path.is_file():
                raise DirectoryUnavailable(
                    f"customer directory {self.path} is missing: run `make directory`"
                )
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            try:
                connection.execute("PRAGMA query_only = ON")
            except sqlite3.Error:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _query(self, sql: str, parameters: Tuple[str, ...]) -> List[Customer]:
        with self._lock:
            try:
                cursor = self._connect().execute(sql, parameters)
                rows = cursor.fetchall()
            except sqlite3.Error as error:
                raise DirectoryUnavailable(
                    f"customer directory {self.path} is unreadable ({type(error).__name__})"
                ) from None
        return [_customer(dict(zip(FIELDS, row, strict=True))) for row in rows]

    async def find(self, account_number: str) -> Customer | None:
        """The customer holding `account_number`, or None."""
        number = normalize_account_number(account_number)
        if number is None:
            return None
        found = await asyncio.to_thread(
            self._query,
            "SELECT account_number, name, phone, address FROM customers WHERE account_number = ?",
            (number,),
        )
        return found[0] if found else None

    async def find_by_name_and_address(self, name: str, address: str) -> List[Customer]:
        """Customers with exactly this name and address, by 户号, at most MAX_MATCHES."""
        clean_name, clean_address = normalize_name(name), normalize_address(address)
        if clean_name is None or clean_address is None:
            return []
        return await asyncio.to_thread(
            self._query,
            "SELECT account_number, name, phone, address FROM customers"
            f" WHERE name = ? AND address = ? ORDER BY account_number LIMIT {MAX_MATCHES}",
            (clean_name, clean_address),
        )

    async def close(self) -> None:
        """Closes the file; the next lookup opens it again."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class HttpDirectory:
    """The company's CRM over HTTP (the contract is in this module's docstring)."""

    def __init__(self, base_url: str, token: str | None, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            headers = {"Accept": "application/json"}
            if self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            self._session = aiohttp.ClientSession(headers=headers, timeout=self._timeout)
        return self._session

    async def _get(
        self, path: str, params: Mapping[str, str] | None = None
    ) -> Dict[str, Any] | None:
        """The JSON object of a 200 answer, None for 404; else DirectoryUnavailable."""
        try:
            async with self._client().get(
                f"{self.base_url}{path}", params=params, allow_redirects=False
            ) as response:
                if response.status == 404:
                    return None
                if response.status != 200:
                    raise DirectoryUnavailable(
                        f"customer directory answered HTTP {response.status}"
                    )
                body = bytearray()
                async for chunk in response.content.iter_chunked(1 << 16):
                    body += chunk
                    if len(body) > MAX_BODY_BYTES:
                        raise DirectoryUnavailable(
                            "customer directory answered with an oversized body"
                        )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise DirectoryUnavailable(
                f"customer directory unreachable ({type(error).__name__})"
            ) from None
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise DirectoryUnavailable("customer directory answered with invalid JSON") from None
        if not isinstance(data, dict):
            raise DirectoryUnavailable("customer directory answered with invalid JSON")
        return data

    async def find(self, account_number: str) -> Customer | None:
        """The customer holding `account_number`, or None (HTTP 404)."""
        number = normalize_account_number(account_number)
        if number is None:
            return None
        data = await self._get(f"/customers/{number}")
        if data is None:
            return None
        customer = _customer(data)
        if customer.account_number != number:
            raise DirectoryUnavailable("customer directory returned another customer")
        return customer

    async def find_by_name_and_address(self, name: str, address: str) -> List[Customer]:
        """Customers with exactly this name and address, by 户号, at most MAX_MATCHES."""
        clean_name, clean_address = normalize_name(name), normalize_address(address)
        if clean_name is None or clean_address is None:
            return []
        data = await self._get("/customers", {"name": clean_name, "address": clean_address})
        records = data.get("customers") if data is not None else None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise DirectoryUnavailable("customer directory returned a malformed list")
        customers = {customer.account_number: customer for customer in map(_customer, records)}
        matches = [
            customer
            for _, customer in sorted(customers.items())
            if customer.name == clean_name and customer.address == clean_address
        ]
        return matches[:MAX_MATCHES]

    async def close(self) -> None:
        """Closes the HTTP session; the next lookup opens a new one."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def open_directory(settings: Settings) -> Directory:
    """The CRM when DIRECTORY_URL is set, else the SQLite file at DIRECTORY_PATH."""
    if settings.directory_url:
        return HttpDirectory(
            settings.directory_url, settings.directory_token, settings.directory_timeout_seconds
        )
    return SqliteDirectory(settings.directory_path)
