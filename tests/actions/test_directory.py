import asyncio
import hashlib
import sqlite3
from pathlib import Path
from typing import Any, Awaitable, List, Tuple, TypeVar

import pytest

from actions.directory import (
    Customer,
    DirectoryUnavailable,
    HttpDirectory,
    SqliteDirectory,
    open_directory,
)
from actions.directory_cli import generate_sample
from actions.settings import Settings
from tests.actions.conftest import Row, rows

T = TypeVar("T")

INJECTIONS = [
    "'; DROP TABLE customers; --",
    "1234567890' OR '1'='1",
    "' OR 1=1 --",
    "王芳' OR '1'='1",
    '" OR ""="',
    "%",
    "_",
    "*",
]


def run(awaitable: Awaitable[T]) -> T:
    async def wrapped() -> T:
        return await awaitable

    return asyncio.run(wrapped())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_directory(path: Path, records: List[Tuple[Any, ...]]) -> Path:
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE customers"
        " (account_number TEXT PRIMARY KEY, name TEXT, phone TEXT, address TEXT)"
    )
    connection.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", records)
    connection.commit()
    connection.close()
    return path


def test_find_returns_the_customer(sample: Path, sample_rows: List[Row]) -> None:
    directory = SqliteDirectory(sample)
    account_number, name, phone, address = sample_rows[17]
    expected = Customer(account_number=account_number, name=name, phone=phone, address=address)
    assert run(directory.find(account_number)) == expected
    wide = account_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert run(directory.find(f"{wide[:4]}-{wide[4:]}")) == expected
    run(directory.close())


def test_find_misses(sample: Path, sample_rows: List[Row]) -> None:
    directory = SqliteDirectory(sample)
    taken = {row[0] for row in sample_rows}
    missing = next(str(n) for n in range(1_000_000_000, 2_000_000_000) if str(n) not in taken)
    assert run(directory.find(missing)) is None
    assert run(directory.find("123")) is None
    assert run(directory.find("")) is None
    run(directory.close())


def test_find_by_name_and_address(sample: Path, sample_rows: List[Row]) -> None:
    directory = SqliteDirectory(sample)
    account_number, name, phone, address = sample_rows[42]
    expected = [Customer(account_number, name, phone, address)]
    assert run(directory.find_by_name_and_address(name, address)) == expected
    spaced = " ".join(name)
    assert run(directory.find_by_name_and_address(f"户名是 {spaced}", f"{address}。")) == expected
    other_address = sample_rows[43][3]
    assert run(directory.find_by_name_and_address(name, other_address)) == []
    assert run(directory.find_by_name_and_address(name, "")) == []
    assert run(directory.find_by_name_and_address("", address)) == []
    run(directory.close())


def test_find_by_name_and_address_lists_every_match(tmp_path: Path) -> None:
    address = "浙江省杭州市西湖区文三路128号3幢502室"
    path = write_directory(
        tmp_path / "d.sqlite3",
        [
            ("2000000002", "王芳", "13800000002", address),
            ("2000000001", "王芳", "13800000001", address),
            ("2000000003", "王芳", "13800000003", "浙江省杭州市西湖区文三路128号3幢503室"),
            ("2000000004", "李强", "13800000004", address),
        ],
    )
    directory = SqliteDirectory(path)
    found = run(directory.find_by_name_and_address("王芳", address))
    assert [customer.account_number for customer in found] == ["2000000001", "2000000002"]
    run(directory.close())


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_shaped_input_finds_nobody_and_changes_nothing(
    sample: Path, sample_rows: List[Row], text: str
) -> None:
    before = digest(sample)
    directory = SqliteDirectory(sample)
    _, name, _, address = sample_rows[0]
    assert run(directory.find(text)) is None
    assert run(directory.find_by_name_and_address(text, address)) == []
    assert run(directory.find_by_name_and_address(name, text)) == []
    assert run(directory.find_by_name_and_address(text, text)) == []
    run(directory.close())
    assert digest(sample) == before
    assert len(rows(sample)) == 1200


def test_the_file_is_opened_read_only(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    generate_sample(path, count=5)
    directory = SqliteDirectory(path)
    with pytest.raises(DirectoryUnavailable):
        directory._query("DELETE FROM customers", ())
    connection = directory._connect()
    connection.execute("PRAGMA query_only = OFF")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("DELETE FROM customers")
    run(directory.close())
    assert len(rows(path)) == 5


def test_a_missing_file_is_unavailable(tmp_path: Path) -> None:
    directory = SqliteDirectory(tmp_path / "nothing.sqlite3")
    with pytest.raises(DirectoryUnavailable, match="make directory"):
        run(directory.find("1234567890"))
    with pytest.raises(DirectoryUnavailable, match="make directory"):
        run(directory.find_by_name_and_address("王芳", "浙江省杭州市"))
    assert not (tmp_path / "nothing.sqlite3").exists()


def test_a_file_appearing_later_is_used(tmp_path: Path) -> None:
    path = tmp_path / "later.sqlite3"
    directory = SqliteDirectory(path)
    with pytest.raises(DirectoryUnavailable):
        run(directory.find("1234567890"))
    generate_sample(path, count=3)
    assert run(directory.find(rows(path)[0][0])) is not None
    run(directory.close())


@pytest.mark.parametrize(
    "content", [b"not a database at all, just text" * 100, b""], ids=["garbage", "empty"]
)
def test_an_unreadable_file_is_unavailable(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "d.sqlite3"
    path.write_bytes(content)
    with pytest.raises(DirectoryUnavailable):
        run(SqliteDirectory(path).find("1234567890"))


def test_a_malformed_record_is_unavailable(tmp_path: Path) -> None:
    path = write_directory(
        tmp_path / "d.sqlite3",
        [
            ("1234567890", "王芳", "138", "浙江省杭州市西湖区"),
            ("1234567891", None, "13800000000", "浙江省杭州市西湖区"),
        ],
    )
    directory = SqliteDirectory(path)
    with pytest.raises(DirectoryUnavailable, match="malformed"):
        run(directory.find("1234567890"))
    with pytest.raises(DirectoryUnavailable, match="malformed"):
        run(directory.find("1234567891"))
    run(directory.close())


def test_concurrent_lookups(sample: Path, sample_rows: List[Row]) -> None:
    directory = SqliteDirectory(sample)

    async def lookups() -> List[Customer | None]:
        found = await asyncio.gather(*(directory.find(row[0]) for row in sample_rows[:100]))
        await directory.close()
        return found

    found = run(lookups())
    assert [customer.account_number if customer else None for customer in found] == [
        row[0] for row in sample_rows[:100]
    ]


def test_open_directory_picks_the_backend(tmp_path: Path) -> None:
    local = open_directory(Settings(directory_path=tmp_path / "d.sqlite3"))
    assert isinstance(local, SqliteDirectory)
    assert local.path == tmp_path / "d.sqlite3"
    remote = open_directory(
        Settings(
            directory_url="http://crm.example/api/", directory_token="t", directory_path=tmp_path
        )
    )
    assert isinstance(remote, HttpDirectory)
    assert remote.base_url == "http://crm.example/api"
