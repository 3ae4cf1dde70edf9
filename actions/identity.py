"""Identity checks for account lookups, as plain functions over the limiter and the directory.

The dialogue (data/rules/account.yml) collects a 户号 and one more fact; `check_identity` makes
the one directory check the limits allow, and says what happened. The bot never reads out what
the directory holds: a match only tells the agent who takes over that the visitor is verified.
"""

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Literal, Sequence

from actions.directory import Customer, Directory, DirectoryError
from actions.normalize import find_phone_last4, normalize_name
from actions.verification_limits import AttemptLimiter, Reservation, Subject
from compliance.masking import mask_personal_numbers

logger = logging.getLogger(__name__)

Method = Literal["name", "phone_last4", "address"]


class Outcome(str, Enum):
    """What a verification attempt came to; the values are the `verification_status` slot's."""

    VERIFIED = "verified"
    MISMATCH = "mismatch"  # a failed check, with checks left
    LOCKED = "locked"  # no check left: refused without asking the directory, or the last failed
    UNAVAILABLE = "unavailable"  # the directory could not answer; nothing was counted


@dataclass(frozen=True)
class Fact:
    """The second thing the visitor tells about the record, besides its 户号."""

    method: Method
    value: str


@dataclass(frozen=True)
class CheckResult:
    outcome: Outcome
    remaining: int  # checks left after this attempt
    # LOCKED: the kind of subject with no check left (account, name, visitor, conversation, ip):
    # the one that refused the attempt, or the one this failed check used up.
    blocked_by: str | None = None
    account_number: str | None = None  # the record found by a reverse lookup


def parse_fact(text: str) -> Fact | None:
    """The last 4 digits of the registered phone, or the registered name; None if neither."""
    last4 = find_phone_last4(text)
    if last4 is not None:
        return Fact("phone_last4", last4)
    name = normalize_name(text)
    if name is not None:
        return Fact("name", name)
    return None


def fact_matches(customer: Customer, fact: Fact) -> bool:
    """Exact comparison on normalised values."""
    if fact.method == "phone_last4":
        return customer.phone[-4:] == fact.value
    return customer.name == fact.value


async def check_identity(
    limiter: AttemptLimiter,
    directory: Directory,
    subjects: Sequence[Subject],
    account_number: str,
    fact: Fact,
) -> CheckResult:
    """Reserves an attempt on every subject, then asks the directory once.

    A refused reservation never reaches the directory. A match, or a directory that cannot
    answer, gives the attempt back; a mismatch keeps it.
    """
    reservation = await limiter.reserve(subjects)
    masked = mask_personal_numbers(account_number)
    if not reservation.granted:
        logger.info("verification refused account=%s limit=%s", masked, reservation.blocked_by)
        return CheckResult(Outcome.LOCKED, 0, reservation.blocked_by)
    try:
        customer = await directory.find(account_number)
    except DirectoryError as error:
        await limiter.release(subjects, reservation)
        logger.error("verification directory unavailable account=%s: %s", masked, error)
        return CheckResult(Outcome.UNAVAILABLE, reservation.remaining + 1)
    if customer is not None and fact_matches(customer, fact):
        await limiter.release(subjects, reservation)
        logger.info("verification passed account=%s method=%s", masked, fact.method)
        return CheckResult(Outcome.VERIFIED, reservation.remaining + 1)
    logger.info(
        "verification failed account=%s method=%s remaining=%d",
        masked,
        fact.method,
        reservation.remaining,
    )
    return _failed(reservation)


def _failed(reservation: Reservation) -> CheckResult:
    if reservation.remaining > 0:
        return CheckResult(Outcome.MISMATCH, reservation.remaining)
    return CheckResult(Outcome.LOCKED, 0, reservation.blocked_by)


async def check_by_name_and_address(
    limiter: AttemptLimiter,
    directory: Directory,
    subjects: Sequence[Subject],
    name: str,
    address: str,
) -> CheckResult:
    """The reverse lookup: the one record registered to `name` at `address`, if exactly one.

    Counted like `check_identity` against `subjects` (the visitor's, and the name's); a match
    verifies the visitor for the record found, which only the agent will see.
    """
    reservation = await limiter.reserve(subjects)
    if not reservation.granted:
        logger.info("reverse lookup refused limit=%s", reservation.blocked_by)
        return CheckResult(Outcome.LOCKED, 0, reservation.blocked_by)
    try:
        found = await directory.find_by_name_and_address(name, address)
    except DirectoryError as error:
        await limiter.release(subjects, reservation)
        logger.error("reverse lookup directory unavailable: %s", error)
        return CheckResult(Outcome.UNAVAILABLE, reservation.remaining + 1)
    if len(found) == 1:
        await limiter.release(subjects, reservation)
        account_number = found[0].account_number
        logger.info("reverse lookup passed account=%s", mask_personal_numbers(account_number))
        return CheckResult(Outcome.VERIFIED, reservation.remaining + 1, None, account_number)
    logger.info("reverse lookup failed matches=%d remaining=%d", len(found), reservation.remaining)
    return _failed(reservation)
