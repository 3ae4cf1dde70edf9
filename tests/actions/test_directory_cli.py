"""The customer directory's sample data and the operators' command line (directory_cli.py)."""

import random
import re
import sqlite3
from pathlib import Path
from typing import Any, List

import pytest

from actions.directory_cli import generate_sample, main
from actions.normalize import normalize_address, normalize_name
from tests.actions.conftest import Row, rows


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
