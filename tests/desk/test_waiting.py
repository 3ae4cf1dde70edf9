"""Waiting logic without servers: where a handoff goes, when a queue update may come, ratings."""

from datetime import datetime
from typing import List, Tuple
from zoneinfo import ZoneInfo

import pytest

from desk.hours import WorkingHours
from desk.waiting import (
    RATING_LABELS,
    queue_update_due,
    rating_buttons,
    rating_score,
    route,
    summarise_ratings,
)

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


def test_rating_buttons_offer_five_to_one_and_their_payloads_parse_back() -> None:
    buttons = rating_buttons()
    assert [b["title"] for b in buttons] == ["非常满意", "满意", "一般", "不满意", "非常不满意"]
    assert [rating_score(b["payload"]) for b in buttons] == [5, 4, 3, 2, 1]
    assert set(RATING_LABELS) == {1, 2, 3, 4, 5}


@pytest.mark.parametrize(
    "text",
    ['/rating{"score":6}', '/rating{"score":0}', "/rating", "评分5", '/rating{"score":5} x', ""],
)
def test_anything_else_is_not_a_rating(text: str) -> None:
    assert rating_score(text) is None


def test_ratings_are_summarised_per_agent_with_the_bot_first() -> None:
    records = [
        {"agent_id": "1001", "agent_name": "王芳", "score": 5, "comment": "", "ts": 1.0},
        {"agent_id": "1001", "agent_name": "王芳", "score": 4, "comment": "很耐心", "ts": 2.0},
        {"agent_id": "bot", "agent_name": "智能客服", "score": 3, "comment": "", "ts": 3.0},
        {"agent_id": "1001", "agent_name": "王芳", "score": 2, "comment": "等太久", "ts": 4.0},
    ]
    assert summarise_ratings(records) == [
        {
            "agent_id": "bot",
            "name": "智能客服",
            "count": 1,
            "scores": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 0},
            "comments": [],
            "average": 3.0,
        },
        {
            "agent_id": "1001",
            "name": "王芳",
            "count": 3,
            "scores": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1},
            "comments": [
                {"score": 2, "comment": "等太久", "ts": 4.0},
                {"score": 4, "comment": "很耐心", "ts": 2.0},
            ],
            "average": 3.67,
        },
    ]
    assert summarise_ratings([]) == []
