"""Fixtures of the account-verification tests: a generated directory and its customers."""

import sqlite3
from pathlib import Path

import pytest

from actions.directory import Customer, generate_sample


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
