import asyncio
import hashlib
import random
import re
import sqlite3
from pathlib import Path
from typing import Any, Awaitable, List, Tuple, TypeVar

import pytest

from actions.directory import (
    Customer,
    DirectoryUnavailable,
    HttpDirectory,
    SqliteDirectory,
    generate_sample,
    main,
    open_directory,
)
from actions.normalize import normalize_address, normalize_name
from actions.settings import Settings

T = TypeVar("T")
Row = Tuple[str, str, str, str]

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


def rows(path: Path) -> List[Row]:
    with sqlite3.connect(path) as connection:
        found: List[Row] = connection.execute(
            "SELECT account_number, name, phone, address FROM customers ORDER BY account_number"
        ).fetchall()
    connection.close()
    return found


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


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("directory") / "directory.sqlite3"
    assert generate_sample(path) == 1200
    return path


@pytest.fixture(scope="module")
def sample_rows(sample: Path) -> List[Row]:
    return rows(sample)


def test_sample_has_the_requested_number_of_unique_customers(sample_rows: List[Row]) -> None:
    assert len(sample_rows) == 1200
    assert len({row[0] for row in sample_rows}) == 1200
    assert len({row[2] for row in sample_rows}) == 1200
    assert len({(row[1], row[3]) for row in sample_rows}) == 1200


def test_sample_values_are_realistic_and_normalised(sample_rows: List[Row]) -> None:
    for account_number, name, phone, address in sample_rows:
        assert re.fullmatch(r"[1-9][0-9]{9}", account_number)
        assert re.fullmatch(r"1[3-9][0-9]{9}", phone)
        assert normalize_name(name) == name
        assert normalize_address(address) == address
        assert re.fullmatch(r"\w+[省市]\w*[区]\w+[路街道]\d+号(\d+幢\d+室)?", address), address
    names = [row[1] for row in sample_rows]
    assert any(name[:2] in ("欧阳", "司马", "上官", "诸葛") for name in names)
    assert any("·" in name for name in names)
    assert {len(name) for name in names} >= {2, 3}


def test_sample_has_an_index_on_name_and_address(sample: Path) -> None:
    with sqlite3.connect(sample) as connection:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM customers WHERE name = ? AND address = ?",
            ("王芳", "x"),
        ).fetchall()
    connection.close()
    assert "USING INDEX" in str(plan)


def test_sample_is_deterministic_per_seed(tmp_path: Path, sample_rows: List[Row]) -> None:
    assert generate_sample(tmp_path / "same.sqlite3") == 1200
    assert rows(tmp_path / "same.sqlite3") == sample_rows
    generate_sample(tmp_path / "other.sqlite3", seed=4002)
    other = rows(tmp_path / "other.sqlite3")
    assert len(other) == 1200
    assert {row[0] for row in other} != {row[0] for row in sample_rows}
    assert [row[1:] for row in other] != [row[1:] for row in sample_rows]


def test_generate_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "var" / "directory.sqlite3"
    assert generate_sample(path, count=30, seed=1) == 30
    assert generate_sample(path, count=10, seed=2) == 10
    assert len(rows(path)) == 10
    assert [entry.name for entry in path.parent.iterdir()] == ["directory.sqlite3"]


def test_generate_rejects_a_negative_count(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_sample(tmp_path / "d.sqlite3", count=-1)
    assert not (tmp_path / "d.sqlite3").exists()


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


class NarrowRandom(random.Random):
    """Every choice is the first; every integer one of the first four: collisions are frequent."""

    def randint(self, a: int, b: int) -> int:
        return super().randint(a, min(b, a + 3))

    def choice(self, seq: Any) -> Any:
        return seq[0]


def test_generate_skips_colliding_draws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "Random", NarrowRandom)  # the module generate_sample uses
    for seed in range(10):
        assert generate_sample(tmp_path / "d.sqlite3", count=4, seed=seed) == 4
        found = rows(tmp_path / "d.sqlite3")
        assert sorted(row[0] for row in found) == [str(10**9 + n) for n in range(4)]
        assert len({row[2] for row in found}) == 4
        assert len({(row[1], row[3]) for row in found}) == 4


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


def test_cli_generate_and_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--path", "var/d.sqlite3", "--count", "25", "--seed", "7"]) == 0
    assert capsys.readouterr().out == "wrote 25 customers to var/d.sqlite3\n"
    account_number, name, phone, address = rows(tmp_path / "var" / "d.sqlite3")[3]

    assert main(["show", account_number, "--path", "var/d.sqlite3"]) == 0
    assert capsys.readouterr().out == (
        f"account_number: {account_number}\nname: {name}\nphone: {phone}\naddress: {address}\n"
    )
    assert main(["show", "0000000000", "--path", "var/d.sqlite3"]) == 1
    assert "0000000000" in capsys.readouterr().err
    assert main(["show", "12345", "--path", "var/d.sqlite3"]) == 2
    assert main(["show", "1234567890", "--path", "missing.sqlite3"]) == 1
    assert "make directory" in capsys.readouterr().err


def test_cli_defaults_come_from_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIRECTORY_PATH", str(tmp_path / "env.sqlite3"))
    monkeypatch.delenv("DIRECTORY_URL", raising=False)
    assert main(["generate", "--count", "4"]) == 0
    assert len(rows(tmp_path / "env.sqlite3")) == 4
    account_number = rows(tmp_path / "env.sqlite3")[0][0]
    capsys.readouterr()
    assert main(["show", account_number]) == 0
    assert account_number in capsys.readouterr().out


def test_every_generated_name_is_one_the_form_accepts(tmp_path: Path) -> None:
    path = tmp_path / "directory.sqlite3"
    generate_sample(path, count=1200)
    with sqlite3.connect(path) as db:
        names = [row[0] for row in db.execute("SELECT name FROM customers")]
    assert [name for name in names if normalize_name(name) != name] == []


def test_the_list_command_prints_the_first_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "directory.sqlite3"
    generate_sample(path, count=1000, seed=3)
    assert main(["list", "--path", str(path), "--limit", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    with sqlite3.connect(path) as db:
        first = db.execute(
            "SELECT account_number, name, phone, address FROM customers ORDER BY rowid LIMIT 2"
        ).fetchall()
    assert lines == ["  ".join(row) for row in first]
    assert main(["list", "--path", str(tmp_path / "missing.sqlite3")]) == 1
