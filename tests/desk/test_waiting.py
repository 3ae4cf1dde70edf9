"""Waiting logic without servers: where a handoff goes, when a queue update may come."""

from datetime import datetime
from typing import List, Tuple
from zoneinfo import ZoneInfo

import pytest

from common.hours import WorkingHours
from desk.waiting import queue_update_due, route

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED_004 = WorkingHours.from_settings()


@pytest.mark.parametrize(
    ("is_open", "loads", "when_no_agent", "expected"),
    [
        (False, [(3, 0)], "message", "after_hours"),  # outside hours even with agents online
        (False, [], "queue", "after_hours"),
        (True, [], "message", "no_agent"),
        (True, [], "queue", "busy"),  # queued with the busy auto-reply until someone comes
        (True, [(1, 1), (3, 2)], "message", "available"),
        (True, [(1, 1), (2, 2)], "message", "busy"),  # every online agent at capacity
        (True, [(2, 3)], "message", "busy"),  # over capacity (capacity lowered meanwhile)
    ],
)
def test_a_handoff_is_routed_by_hours_and_presence(
    is_open: bool, loads: List[Tuple[int, int]], when_no_agent: str, expected: str
) -> None:
    assert route(is_open, loads, when_no_agent) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 23, 8, 29, 59, tzinfo=SHANGHAI), "after_hours"),  # Monday
        (datetime(2026, 11, 23, 8, 30, tzinfo=SHANGHAI), "available"),
        (datetime(2026, 11, 28, 16, 0, tzinfo=SHANGHAI), "after_hours"),  # Saturday 16:00
        (datetime(2026, 11, 27, 16, 30, tzinfo=SHANGHAI), "available"),  # Friday
    ],
)
def test_seed_004_hours_with_an_injected_clock(moment: datetime, expected: str) -> None:
    assert route(SEED_004.is_open(moment), [(3, 0)], "message") == expected


def test_a_holiday_sends_every_handoff_to_the_message_form() -> None:
    hours = WorkingHours.from_settings(holidays_spec="2026-10-01..2026-10-07")
    moment = datetime(2026, 10, 5, 10, 0, tzinfo=SHANGHAI)  # a Monday in 国庆
    assert route(hours.is_open(moment), [(3, 0)], "message") == "after_hours"
    assert hours.reply_time(moment) == "10月8日(周四)8:30以后"


@pytest.mark.parametrize(
    ("told_at", "now", "interval", "due"),
    [
        (None, 100.0, 30.0, 100.0),  # never told: now
        (90.0, 100.0, 30.0, 120.0),  # told 10 s ago: 20 s more
        (50.0, 100.0, 30.0, 100.0),  # told long ago: now
        (100.0, 100.0, 0.0, 100.0),
    ],
)
def test_queue_updates_come_at_most_every_interval(
    told_at: float | None, now: float, interval: float, due: float
) -> None:
    assert queue_update_due(told_at, now, interval) == due
