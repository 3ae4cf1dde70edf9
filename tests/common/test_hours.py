"""Working hours of the agents (seed 004), judged at fixed moments: no test reads the clock."""

import dataclasses
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, FrozenSet, Tuple
from zoneinfo import ZoneInfo

import pytest

from common.hours import (
    DEFAULT_HOURS_SPEC,
    DEFAULT_TIME_ZONE,
    SEARCH_DAYS,
    HoursFile,
    Spans,
    WorkingHours,
    parse_holidays,
    parse_hours,
    read_hours_file,
)
from tests.conftest import ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours.from_settings()  # seed 004: mon-fri 8:30-17:00, sat-sun 8:30-16:00
CLOSED_WEEK: Tuple[Spans, ...] = ((),) * 7


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    """A moment of 2026 in Shanghai; in November 2026 the 23rd is a Monday, the 29th a Sunday."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


def hours(spec: str, holidays: str = "", tz_name: str = DEFAULT_TIME_ZONE) -> WorkingHours:
    return WorkingHours.from_settings(spec, holidays, tz_name)


def test_the_calendar_the_tests_rely_on() -> None:
    assert [at(day, 12).strftime("%a") for day in range(23, 30)] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]


# --- is_open ---------------------------------------------------------------------------------

WEEKDAY_BOUNDARIES = [
    ((8, 29, 59), False),
    ((8, 30, 0), True),
    ((12, 0, 0), True),
    ((16, 0, 0), True),
    ((16, 59, 59), True),
    ((17, 0, 0), False),
    ((0, 0, 0), False),
    ((23, 59, 59), False),
]
WEEKEND_BOUNDARIES = [
    ((8, 29, 59), False),
    ((8, 30, 0), True),
    ((15, 59, 59), True),
    ((16, 0, 0), False),
    ((16, 59, 59), False),
    ((17, 0, 0), False),
    ((0, 0, 0), False),
]


@pytest.mark.parametrize("day", range(23, 28))  # Monday to Friday
@pytest.mark.parametrize(("clock", "expected"), WEEKDAY_BOUNDARIES)
def test_weekday_boundaries(day: int, clock: Tuple[int, int, int], expected: bool) -> None:
    assert HOURS.is_open(at(day, *clock)) is expected


@pytest.mark.parametrize("day", [28, 29])  # Saturday, Sunday
@pytest.mark.parametrize(("clock", "expected"), WEEKEND_BOUNDARIES)
def test_weekend_boundaries(day: int, clock: Tuple[int, int, int], expected: bool) -> None:
    assert HOURS.is_open(at(day, *clock)) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Monday 2026-11-23 in Shanghai (UTC+8) is Monday 00:30-09:00 UTC.
        (datetime(2026, 11, 23, 0, 29, 59, tzinfo=timezone.utc), False),
        (datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc), True),
        (datetime(2026, 11, 23, 8, 59, 59, tzinfo=timezone.utc), True),
        (datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc), False),
        # Sunday 23:00 UTC is already Monday 7:00 in Shanghai: closed; Sunday 1:00 UTC is 9:00.
        (datetime(2026, 11, 22, 23, 0, tzinfo=timezone.utc), False),
        (datetime(2026, 11, 22, 1, 0, tzinfo=timezone.utc), True),
        # Friday 20:00 in New York (UTC-5) is Saturday 9:00 in Shanghai.
        (datetime(2026, 11, 27, 20, 0, tzinfo=ZoneInfo("America/New_York")), True),
        (datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8))), True),
    ],
)
def test_moments_in_other_zones_are_judged_in_shanghai(moment: datetime, expected: bool) -> None:
    assert HOURS.is_open(moment) is expected


def test_a_holiday_is_closed_all_day() -> None:
    holiday_monday = hours(DEFAULT_HOURS_SPEC, "2026-11-23")
    assert not any(holiday_monday.is_open(at(23, hour)) for hour in range(24))
    assert holiday_monday.is_open(at(24, 8, 30))
    assert holiday_monday.spans_on(date(2026, 11, 23)) == ()
    assert holiday_monday.spans_on(date(2026, 11, 24)) == ((510, 1020),)


def test_always_open() -> None:
    always = hours("mon-sun 00:00-24:00")
    assert all(always.is_open(at(day, hour, 59, 59)) for day in range(23, 30) for hour in range(24))


@pytest.mark.parametrize("method", ["is_open", "next_opening", "next_closing", "reply_time"])
def test_a_naive_moment_is_refused(method: str) -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        getattr(HOURS, method)(datetime(2026, 11, 23, 10, 0))


# --- next_opening / next_closing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(27, 17), at(28, 8, 30)),  # Friday closing -> Saturday
        (at(29, 16), at(30, 8, 30)),  # Sunday closing -> Monday
        (at(23, 0), at(23, 8, 30)),  # before opening -> today
        (at(23, 8, 29, 59), at(23, 8, 30)),
        (at(23, 23, 59, 59), at(24, 8, 30)),
        (at(28, 16, 30), at(29, 8, 30)),  # Saturday evening -> Sunday
        (at(23, 8, 30), at(23, 8, 30)),  # open: the moment itself
        (at(23, 10, 15, 30), at(23, 10, 15, 30)),
    ],
)
def test_next_opening(moment: datetime, expected: datetime) -> None:
    assert HOURS.next_opening(moment) == expected


def test_next_opening_is_in_the_configured_zone() -> None:
    sunday_evening = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)  # 17:00 in Shanghai
    opening = HOURS.next_opening(sunday_evening)
    assert opening == datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)
    assert opening is not None and opening.tzinfo == SHANGHAI
    assert (opening.hour, opening.minute) == (8, 30)


@pytest.mark.parametrize(
    ("holidays", "moment", "expected"),
    [
        ("2026-11-23", at(23, 7), at(24, 8, 30)),  # a Monday holiday -> Tuesday
        ("2026-11-23", at(22, 16), at(24, 8, 30)),  # from the Sunday before
        ("2026-11-23", at(23, 12), at(24, 8, 30)),  # during the holiday
        ("2026-11-27..2026-11-30", at(26, 17), at(1, 8, 30, month=12)),  # Friday-Monday
        ("2026-11-28..2026-11-29", at(27, 16, 59, 59), at(27, 16, 59, 59)),  # still open
        ("2026-11-28..2026-11-29", at(27, 17), at(30, 8, 30)),  # weekend off
        ("2026-10-01..2026-10-07", at(30, 17, month=9), at(8, 8, 30, month=10)),  # 国庆
    ],
)
def test_next_opening_skips_holidays(holidays: str, moment: datetime, expected: datetime) -> None:
    assert hours(DEFAULT_HOURS_SPEC, holidays).next_opening(moment) == expected


def test_next_opening_looks_366_days_ahead() -> None:
    start = date(2026, 11, 23)
    last = start + timedelta(days=SEARCH_DAYS - 1)
    off_a_year = f"{start}..{last}"  # the longest range there may be
    daily = "mon-sun 09:00-10:00"
    found = hours(daily, off_a_year).next_opening(at(23, 8))
    assert found == datetime(2027, 11, 24, 9, 0, tzinfo=SHANGHAI)  # the 367th day, a Wednesday
    assert last + timedelta(days=1) == date(2027, 11, 24)
    beyond = f"{off_a_year},{last + timedelta(days=1)}"
    assert hours(daily, beyond).next_opening(at(23, 8)) is None


def test_never_open() -> None:
    closed = WorkingHours(week=CLOSED_WEEK)
    assert not closed.is_open(at(23, 10))
    assert closed.next_opening(at(23, 10)) is None
    assert closed.next_closing(at(23, 10)) == at(23, 10)


@pytest.mark.parametrize(
    ("spec", "holidays", "moment", "expected"),
    [
        (DEFAULT_HOURS_SPEC, "", at(23, 10), at(23, 17)),
        (DEFAULT_HOURS_SPEC, "", at(28, 8, 30), at(28, 16)),
        (DEFAULT_HOURS_SPEC, "", at(23, 17), at(23, 17)),  # closed: the moment itself
        ("mon-sun 09:00-12:00,13:00-18:00", "", at(23, 11), at(23, 12)),
        ("mon-sun 09:00-12:00,13:00-18:00", "", at(23, 12, 30), at(23, 12, 30)),
        # An opening that runs through midnight ends when the next day's first span ends.
        ("fri 20:00-24:00; sat 00:00-02:00", "", at(27, 21), at(28, 2)),
        ("mon 20:00-24:00", "", at(23, 21), at(24, 0)),
        ("mon-sun 00:00-24:00", "2026-11-25", at(23, 10), at(25, 0)),
    ],
)
def test_next_closing(spec: str, holidays: str, moment: datetime, expected: datetime) -> None:
    assert hours(spec, holidays).next_closing(moment) == expected


def test_next_closing_of_always_open_is_none() -> None:
    assert hours("mon-sun 00:00-24:00").next_closing(at(23, 10)) is None


def test_other_time_zones_follow_daylight_saving() -> None:
    berlin = hours(DEFAULT_HOURS_SPEC, tz_name="Europe/Berlin")
    # Clocks go forward on Sunday 2026-03-29: Saturday 8:30 is UTC+1, Sunday 8:30 UTC+2.
    saturday_closing = datetime(2026, 3, 28, 15, 0, tzinfo=timezone.utc)  # 16:00 in Berlin
    assert not berlin.is_open(saturday_closing)
    assert berlin.next_opening(saturday_closing) == datetime(
        2026, 3, 29, 6, 30, tzinfo=timezone.utc
    )
    assert berlin.is_open(datetime(2026, 3, 29, 6, 30, tzinfo=timezone.utc))
    assert not berlin.is_open(datetime(2026, 3, 29, 6, 29, 59, tzinfo=timezone.utc))


# --- describe ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (DEFAULT_HOURS_SPEC, "周一至周五 8:30-17:00,周六、周日 8:30-16:00"),
        ("mon-sun 00:00-24:00", "周一至周日 全天"),
        ("mon,wed 09:00-12:00,13:00-18:00", "周一、周三 9:00-12:00、13:00-18:00"),
        ("mon-tue 09:00-17:00", "周一、周二 9:00-17:00"),
        ("mon-fri 09:00-18:00", "周一至周五 9:00-18:00"),
        (
            "mon-wed 09:00-18:00; thu 09:00-12:00; fri-sun 09:00-18:00",
            "周一至周三、周五至周日 9:00-18:00,周四 9:00-12:00",
        ),
        (
            "mon,wed,fri 10:00-20:00; tue,thu 08:00-12:00",
            "周一、周三、周五 10:00-20:00,周二、周四 8:00-12:00",
        ),
        ("sun 10:00-11:00; mon 09:05-10:00", "周一 9:05-10:00,周日 10:00-11:00"),
        ("sat 20:00-24:00", "周六 20:00-24:00"),
        ("mon 09:00-12:00,12:00-13:00", "周一 9:00-13:00"),  # touching spans are one
    ],
)
def test_describe(spec: str, expected: str) -> None:
    assert hours(spec).describe() == expected


def test_describe_leaves_holidays_out() -> None:
    assert hours(DEFAULT_HOURS_SPEC, "2026-10-01..2026-10-07").describe() == HOURS.describe()


def test_describe_when_never_open() -> None:
    assert WorkingHours(week=CLOSED_WEEK).describe() == "无"


def test_the_bots_hours_slot_starts_with_the_default_hours(domain: Dict[str, Any]) -> None:
    """The FAQ answer quotes the `working_hours` slot (the session start fills it from the
    settings); before that it holds hours.yml's hours, described as the desk describes them."""
    read = read_hours_file(ROOT / "hours.yml")
    hours = WorkingHours.from_settings(
        read.weekly, read.holidays, read.timezone, public_holidays=read.public_holidays
    )
    assert "{working_hours}" in domain["responses"]["utter_faq/business_hours"][0]["text"]
    assert domain["slots"]["working_hours"]["initial_value"] == hours.describe()


# --- reply_time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "holidays", "moment", "expected"),
    [
        # open: before the current opening ends
        (DEFAULT_HOURS_SPEC, "", at(23, 10), "今天17:00前"),
        (DEFAULT_HOURS_SPEC, "", at(23, 8, 30), "今天17:00前"),
        (DEFAULT_HOURS_SPEC, "", at(28, 15, 59, 59), "今天16:00前"),
        ("mon 20:00-24:00", "", at(23, 21), "今天24:00前"),
        ("mon 20:00-24:00; tue 00:00-02:00", "", at(23, 21), "明天(11月24日 周二)2:00前"),
        ("mon-sun 00:00-24:00", "", at(23, 21), "工作时间内"),
        # closed: after the next opening
        (DEFAULT_HOURS_SPEC, "", at(23, 7), "今天8:30以后"),
        (DEFAULT_HOURS_SPEC, "", at(23, 8, 29, 59), "今天8:30以后"),
        ("mon-sun 09:00-12:00,13:00-18:00", "", at(23, 12), "今天13:00以后"),
        (DEFAULT_HOURS_SPEC, "", at(23, 17), "明天(11月24日 周二)8:30以后"),
        (DEFAULT_HOURS_SPEC, "", at(23, 23, 59, 59), "明天(11月24日 周二)8:30以后"),
        (DEFAULT_HOURS_SPEC, "", at(22, 16), "明天(11月23日 周一)8:30以后"),
        (DEFAULT_HOURS_SPEC, "", at(27, 17), "明天(11月28日 周六)8:30以后"),
        (DEFAULT_HOURS_SPEC, "2026-11-24..2026-11-25", at(23, 17), "11月26日(周四)8:30以后"),
        (DEFAULT_HOURS_SPEC, "2026-11-27..2026-11-30", at(26, 17), "12月1日(周二)8:30以后"),
        (DEFAULT_HOURS_SPEC, "2027-01-01", at(31, 17, month=12), "1月2日(周六)8:30以后"),
        ("mon-fri 09:00-18:00", "", at(27, 18), "11月30日(周一)9:00以后"),
    ],
)
def test_reply_time(spec: str, holidays: str, moment: datetime, expected: str) -> None:
    assert hours(spec, holidays).reply_time(moment) == expected


def test_reply_time_counts_days_in_shanghai() -> None:
    # Monday 16:00 UTC is Tuesday 0:00 in Shanghai: "today" is Tuesday.
    assert HOURS.reply_time(datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)) == "今天8:30以后"


def test_reply_time_when_never_open() -> None:
    assert WorkingHours(week=CLOSED_WEEK).reply_time(at(23, 10)) == "上班后"


# --- parse_hours -------------------------------------------------------------------------------

WEEKDAYS_ONLY: Spans = ((510, 1020),)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            DEFAULT_HOURS_SPEC,
            {0: WEEKDAYS_ONLY, 1: WEEKDAYS_ONLY, 2: WEEKDAYS_ONLY, 3: WEEKDAYS_ONLY}
            | {4: WEEKDAYS_ONLY, 5: ((510, 960),), 6: ((510, 960),)},
        ),
        (
            "mon,wed 09:00-12:00,13:00-18:00",
            {0: ((540, 720), (780, 1080)), 1: (), 2: ((540, 720), (780, 1080))}
            | {3: (), 4: (), 5: (), 6: ()},
        ),
        ("mon-sun 00:00-24:00", {day: ((0, 1440),) for day in range(7)}),
        # spaces, case, one-digit hours and a trailing `;` are all right
        (" MON - Fri  8:30-17:00 ; ", {day: WEEKDAYS_ONLY if day < 5 else () for day in range(7)}),
        (
            "mon 09:00-12:00, 13:00-18:00",
            {0: ((540, 720), (780, 1080))} | {d: () for d in range(1, 7)},
        ),
        # spans come out sorted; clauses naming the same day add up; touching spans join
        (
            "mon 13:00-18:00,09:00-12:00",
            {0: ((540, 720), (780, 1080))} | {d: () for d in range(1, 7)},
        ),
        (
            "mon-fri 09:00-12:00; mon-fri 13:00-18:00; fri 12:00-13:00",
            {day: ((540, 720), (780, 1080)) for day in range(4)}
            | {4: ((540, 1080),), 5: (), 6: ()},
        ),
    ],
)
def test_parse_hours(spec: str, expected: Dict[int, Spans]) -> None:
    assert parse_hours(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "the working hours are empty"),
        (" ; ;", "the working hours are empty"),
        ("mon", "clause 'mon' needs days then times"),
        ("09:00-17:00", "clause '09:00-17:00' needs days then times"),
        ("mon-fri 08:30-17:00; 09:00-12:00", "clause '09:00-12:00' needs days then times"),
        ("mun 09:00-17:00", "unknown day 'mun' in 'mun 09:00-17:00'"),
        ("monday 09:00-17:00", "unknown day 'monday'"),
        ("周一 09:00-17:00", "unknown day '周一'"),
        ("mon-fri 08:30-17:00; sat-sum 08:30-16:00", "unknown day 'sum' in 'sat-sum 08:30-16:00'"),
        ("fri-mon 09:00-17:00", "day range 'fri-mon' in 'fri-mon 09:00-17:00' runs backwards"),
        ("mon,,tue 09:00-17:00", "empty day in 'mon,,tue 09:00-17:00'"),
        ("mon 25:00-26:00", "bad time '25:00' in 'mon 25:00-26:00'"),
        ("mon 08:00-24:30", "bad time '24:30'"),
        ("mon 08:60-09:00", "bad time '08:60'"),
        ("mon 8-17", "bad time '8'"),
        ("mon 0830-1700", "bad time '0830'"),
        ("mon 8.30-17:00", "bad time '8.30'"),
        ("mon 09:00-17:00-18:00", "bad time '17:00-18:00'"),
        ("mon 09:00", "bad span '09:00' in 'mon 09:00'"),
        ("mon 09:00-12:00,", "bad span ''"),
        ("mon 17:00-08:30", "span '17:00-08:30' in 'mon 17:00-08:30' must end after it starts"),
        ("mon 09:00-09:00", "span '09:00-09:00' in 'mon 09:00-09:00' must end after it starts"),
        ("mon 24:00-24:00", "span '24:00-24:00'"),
        ("mon 09:00-12:00,11:00-13:00", "spans 09:00-12:00 and 11:00-13:00 overlap on mon"),
        (
            "mon-fri 09:00-12:00; wed 10:00-11:00",
            "spans 09:00-12:00 and 10:00-11:00 overlap on wed",
        ),
        ("mon,mon 09:00-12:00", "spans 09:00-12:00 and 09:00-12:00 overlap on mon"),
    ],
)
def test_parse_hours_names_the_bad_part(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_hours(spec)


# --- parse_holidays ----------------------------------------------------------------------------


def days(first: date, last: date) -> FrozenSet[date]:
    return frozenset(first + timedelta(days=n) for n in range((last - first).days + 1))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("", frozenset()),
        ("  ", frozenset()),
        ("2026-10-01,2026-10-02", {date(2026, 10, 1), date(2026, 10, 2)}),
        ("2026-10-01..2026-10-07", days(date(2026, 10, 1), date(2026, 10, 7))),
        ("2026-10-01..2026-10-01", {date(2026, 10, 1)}),
        (
            " 2026-12-31..2027-01-02 ,\n2026-10-01  2026-10-01..2026-10-02,",
            days(date(2026, 12, 31), date(2027, 1, 2)) | {date(2026, 10, 1), date(2026, 10, 2)},
        ),
        ("2024-01-01..2024-12-31", days(date(2024, 1, 1), date(2024, 12, 31))),  # 366 days
        ("2028-02-29", {date(2028, 2, 29)}),
    ],
)
def test_parse_holidays(spec: str, expected: FrozenSet[date]) -> None:
    assert parse_holidays(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("2026-13-01", "bad holiday date '2026-13-01'"),
        ("2026-02-30", "bad holiday date '2026-02-30'"),
        ("2027-02-29", "bad holiday date '2027-02-29'"),
        ("2026/10/01", "bad holiday date '2026/10/01'"),
        ("20261001", "bad holiday date '20261001'"),
        ("2026-10-1", "bad holiday date '2026-10-1'"),
        ("2026-10-01,tomorrow", "bad holiday date 'tomorrow'"),
        ("2026-10-01..", "bad holiday date ''"),
        ("..2026-10-01", "bad holiday date ''"),
        ("2026-10-01...2026-10-02", "bad holiday date '.2026-10-02'"),
        ("2026-10-01..2026-10-32", "bad holiday date '2026-10-32'"),
        ("2026-10-01-2026-10-07", "bad holiday date '2026-10-01-2026-10-07'"),
        ("2026-10-07..2026-10-01", "holiday range '2026-10-07..2026-10-01' ends before it starts"),
        (
            "2026-01-01..2027-01-02",
            "holiday range '2026-01-01..2027-01-02' is longer than 366 days",
        ),
    ],
)
def test_parse_holidays_names_the_bad_part(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_holidays(spec)


# --- WorkingHours ------------------------------------------------------------------------------


def test_defaults_are_seed_004_in_china_standard_time() -> None:
    assert WorkingHours() == HOURS
    assert HOURS.zone == ZoneInfo("Asia/Shanghai")
    assert HOURS.holidays == frozenset()
    assert HOURS.week == (WEEKDAYS_ONLY,) * 5 + (((510, 960),),) * 2


def test_from_settings_reads_every_part() -> None:
    custom = WorkingHours.from_settings("mon 09:00-10:00", "2026-10-01", " UTC ")
    assert custom == WorkingHours(
        zone=ZoneInfo("UTC"),
        week=(((540, 600),), (), (), (), (), (), ()),
        holidays=frozenset({date(2026, 10, 1)}),
    )
    assert custom.is_open(datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc))


@pytest.mark.parametrize("tz_name", ["Mars/Olympus", "", "Asia", "Asia/", "../etc/passwd", "/etc"])
def test_from_settings_refuses_an_unknown_time_zone(tz_name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"unknown time zone {tz_name!r}")):
        WorkingHours.from_settings(DEFAULT_HOURS_SPEC, "", tz_name)


@pytest.mark.parametrize(
    ("hours_spec", "holidays_spec", "message"),
    [
        ("mon 25:00-26:00", "", "bad time '25:00'"),
        (DEFAULT_HOURS_SPEC, "2026-10-32", "bad holiday date '2026-10-32'"),
    ],
)
def test_from_settings_passes_on_bad_specs(
    hours_spec: str, holidays_spec: str, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        WorkingHours.from_settings(hours_spec, holidays_spec)


def test_the_week_is_checked_and_normalised() -> None:
    week: Tuple[Spans, ...] = (((780, 1080), (540, 720), (720, 780)),) + ((),) * 6
    assert WorkingHours(week=week).week[0] == ((540, 1080),)
    with pytest.raises(ValueError, match="week needs the spans of 7 days, got 6"):
        WorkingHours(week=((),) * 6)
    with pytest.raises(ValueError, match="spans 09:00-12:00 and 11:00-13:00 overlap on tue"):
        WorkingHours(week=((), ((540, 720), (660, 780)), (), (), (), (), ()))
    with pytest.raises(ValueError, match="span 17:00-08:30 on sun must end after it starts"):
        WorkingHours(week=((),) * 6 + (((1020, 510),),))
    with pytest.raises(ValueError, match="on mon must end after it starts, within 00:00-24:00"):
        WorkingHours(week=(((600, 1500),),) + ((),) * 6)


def test_working_hours_are_immutable_and_hashable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        HOURS.holidays = frozenset()  # type: ignore[misc]
    assert len({HOURS, WorkingHours.from_settings()}) == 1


# --- China's public holidays and make-up workdays (chinese-calendar) ---------------------------


CALENDAR = WorkingHours.from_settings(public_holidays=True)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (datetime(2026, 10, 1, 10, tzinfo=SHANGHAI), False),  # 国庆节, a Thursday
        (datetime(2026, 2, 17, 10, tzinfo=SHANGHAI), False),  # 春节, a Tuesday
        (datetime(2026, 10, 10, 16, 30, tzinfo=SHANGHAI), True),  # 调休: a Saturday worked...
        (datetime(2026, 10, 10, 17, 30, tzinfo=SHANGHAI), False),  # ...with Monday's hours
        (datetime(2026, 11, 23, 10, tzinfo=SHANGHAI), True),  # an ordinary Monday
    ],
)
def test_public_holidays_close_and_make_up_days_open(moment: datetime, open_: bool) -> None:
    assert CALENDAR.is_open(moment) is open_
    assert HOURS.is_open(moment) is (moment.weekday() < 5 or moment.hour < 16)  # weekly only


def test_after_a_public_holiday_the_reply_comes_on_the_next_working_day() -> None:
    # 2026-10-01..07 are off, 2026-10-08 (Thursday) is the first working day.
    moment = datetime(2026, 9, 30, 18, tzinfo=SHANGHAI)
    assert CALENDAR.reply_time(moment) == "10月8日(周四)8:30以后"


def test_describe_says_public_holidays_are_off() -> None:
    assert CALENDAR.describe() == "周一至周五 8:30-17:00,周六、周日 8:30-16:00,法定节假日休息"


# --- hours.yml ---------------------------------------------------------------------------------


def test_the_shipped_hours_file_is_seed_004_with_public_holidays() -> None:
    assert read_hours_file(ROOT / "hours.yml") == HoursFile(
        weekly="mon-fri 08:30-17:00; sat-sun 08:30-16:00",
        holidays="",
        timezone="Asia/Shanghai",
        public_holidays=True,
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("weekly: [{days: mon, hours: 25:00-26:00}]", "25:00"),
        ("weekly: [{days: moon, hours: 08:00-09:00}]", "moon"),
        ("weekly: [{day: mon, hours: 08:00-09:00}]", "rows with `days` and `hours`"),
        ("holidays: [2026-13-01]", "month must be in 1..12"),
        ("public_holidays: sometimes", "true or false"),
        ("weekly: [{days: mon, hours: 08:00-09:00}]\ntimezone: Mars/Olympus", "Mars/Olympus"),
        ("hollidays: []", "unknown keys hollidays"),
        ("- just a list", "expected keys"),
        ("weekly: [", "hours.yml"),
    ],
)
def test_a_bad_hours_file_names_the_file_and_the_problem(
    tmp_path: Any, text: str, problem: str
) -> None:
    path = tmp_path / "hours.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(problem)) as error:
        read_hours_file(path)
    assert str(path) in str(error.value)
