"""check_identity over a real Redis and a real SQLite directory; the fact parser."""

import asyncio
import uuid
from pathlib import Path
from typing import Awaitable, Callable, List, Sequence, TypeVar

import pytest

from actions.directory import (
    Customer,
    DirectoryUnavailable,
    SqliteDirectory,
)
from actions.identity import CheckResult, Fact, Outcome, check_identity, fact_matches, parse_fact
from actions.verification_limits import AttemptLimiter, Subject
from common.redis_connection import connect

T = TypeVar("T")
DAY = 86400


class CountingDirectory(SqliteDirectory):
    """The SQLite directory, counting lookups; `broken` makes it fail like an unreachable CRM."""

    def __init__(self, path: Path, broken: bool = False) -> None:
        super().__init__(path)
        self.lookups = 0
        self.broken = broken

    async def find(self, account_number: str) -> Customer | None:
        self.lookups += 1
        if self.broken:
            raise DirectoryUnavailable("directory down")
        return await super().find(account_number)


def subjects(account_number: str) -> List[Subject]:
    return [
        Subject("account", account_number, 3, DAY),
        Subject("conversation", uuid.uuid4().hex, 3, DAY),
    ]


def with_limiter(redis_url: str, body: Callable[[AttemptLimiter], Awaitable[T]]) -> T:
    async def scenario() -> T:
        limiter = AttemptLimiter(connect(redis_url))
        try:
            return await body(limiter)
        finally:
            await limiter.close()

    return asyncio.run(scenario())


def attempts(
    redis_url: str, directory: CountingDirectory, subject_list: Sequence[Subject], facts: List[Fact]
) -> List[CheckResult]:
    account_number = subject_list[0].value

    async def body(limiter: AttemptLimiter) -> List[CheckResult]:
        return [
            await check_identity(limiter, directory, subject_list, account_number, fact)
            for fact in facts
        ]

    return with_limiter(redis_url, body)


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("王芳", Fact("name", "王芳")),
        ("户名是 欧阳 娜娜", Fact("name", "欧阳娜娜")),
        ("尾号８８１６", Fact("phone_last4", "8816")),
        ("手机后四位是 12 34", Fact("phone_last4", "1234")),
        ("123", None),
        ("12345", None),
        ("", None),
        ("<script>alert(1)</script>", None),
        ("'; DROP TABLE customers; --", None),
    ],
)
def test_parse_fact(text: str, fact: Fact | None) -> None:
    assert parse_fact(text) == fact


def test_fact_matches_name_or_phone_tail(customer: Customer) -> None:
    assert fact_matches(customer, Fact("name", customer.name))
    assert fact_matches(customer, Fact("phone_last4", customer.phone[-4:]))
    assert not fact_matches(customer, Fact("name", customer.name + "华"))
    assert not fact_matches(customer, Fact("phone_last4", customer.phone[:4]))


def test_a_match_is_verified_and_costs_no_check(
    redis_url: str, directory_path: Path, customer: Customer
) -> None:
    directory = CountingDirectory(directory_path)
    subject_list = subjects(customer.account_number)
    results = attempts(redis_url, directory, subject_list, [Fact("name", customer.name)] * 4)
    assert [(r.outcome, r.remaining) for r in results] == [(Outcome.VERIFIED, 3)] * 4
    assert directory.lookups == 4


def test_third_mismatch_locks_and_the_fourth_never_reaches_the_directory(
    redis_url: str, directory_path: Path, customer: Customer
) -> None:
    directory = CountingDirectory(directory_path)
    subject_list = subjects(customer.account_number)
    wrong = Fact("name", "错误姓名")
    results = attempts(redis_url, directory, subject_list, [wrong] * 3)
    assert [(r.outcome, r.remaining) for r in results] == [
        (Outcome.MISMATCH, 2),
        (Outcome.MISMATCH, 1),
        (Outcome.LOCKED, 0),
    ]
    assert [r.blocked_by for r in results] == [None, None, "account"]  # the record's limit
    assert directory.lookups == 3
    # even the right answer is refused now, without a lookup
    [late] = attempts(redis_url, directory, subject_list, [Fact("name", customer.name)])
    assert (late.outcome, late.blocked_by) == (Outcome.LOCKED, "account")
    assert directory.lookups == 3


def test_a_visitor_failing_on_three_records_uses_up_the_visitor_limit(
    redis_url: str, directory_path: Path
) -> None:
    directory = CountingDirectory(directory_path)
    person = Subject("conversation", uuid.uuid4().hex, 3, DAY)
    wrong = Fact("name", "错误姓名")
    results = [
        attempts(redis_url, directory, [Subject("account", number, 3, DAY), person], [wrong])[0]
        for number in (uuid.uuid4().hex[:10] for _ in range(3))  # three different records
    ]
    assert [(r.outcome, r.remaining, r.blocked_by) for r in results] == [
        (Outcome.MISMATCH, 2, None),
        (Outcome.MISMATCH, 1, None),
        (Outcome.LOCKED, 0, "conversation"),
    ]


def test_an_unknown_account_is_a_mismatch(redis_url: str, directory_path: Path) -> None:
    directory = CountingDirectory(directory_path)
    [result] = attempts(redis_url, directory, subjects("9999999999"), [Fact("name", "王芳")])
    assert (result.outcome, result.remaining) == (Outcome.MISMATCH, 2)


def test_an_unavailable_directory_costs_no_check(
    redis_url: str, directory_path: Path, customer: Customer
) -> None:
    directory = CountingDirectory(directory_path, broken=True)
    subject_list = subjects(customer.account_number)
    results = attempts(redis_url, directory, subject_list, [Fact("name", "错误姓名")] * 4)
    assert [r.outcome for r in results] == [Outcome.UNAVAILABLE] * 4
    assert with_limiter(redis_url, lambda limiter: limiter.remaining(subject_list)) == 3
