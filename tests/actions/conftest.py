"""Fixtures of the account-verification and directory tests: generated directories, customers."""

import sqlite3
from pathlib import Path
from typing import List, Tuple

import pytest

from actions.directory import Customer
from actions.directory_cli import generate_sample

Row = Tuple[str, str, str, str]


@pytest.fixture(scope="session")
def directory_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite customer directory as `make directory` writes it (1,000 customers)."""
    path = tmp_path_factory.mktemp("directory") / "directory.sqlite3"
    generate_sample(path, count=1000, seed=7)
    return path


@pytest.fixture
def customer(directory_path: Path) -> Customer:
    """A different record for each test: a locked record stays locked for the session."""
    with sqlite3.connect(directory_path) as db:
        row = db.execute(
            "SELECT account_number, name, phone, address FROM customers ORDER BY RANDOM() LIMIT 1"
        ).fetchone()
    return Customer(*row)


def rows(path: Path) -> List[Row]:
    """Every customer of a SQLite directory file, by 户号."""
    with sqlite3.connect(path) as connection:
        found: List[Row] = connection.execute(
            "SELECT account_number, name, phone, address FROM customers ORDER BY account_number"
        ).fetchall()
    connection.close()
    return found


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default sample (1,200 customers, seed 4001), written once per test module."""
    path = tmp_path_factory.mktemp("directory") / "directory.sqlite3"
    assert generate_sample(path) == 1200
    return path


@pytest.fixture(scope="module")
def sample_rows(sample: Path) -> List[Row]:
    return rows(sample)
