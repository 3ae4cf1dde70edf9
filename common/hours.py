"""Working hours of the human agents, and what to tell a visitor about them.

Pure logic: every question takes the moment to judge as an aware `datetime`, so callers (and
tests) bring their own clock. The default hours are seed 004 (在线客服工作规范): 每周一至周五
8:30至17:00,周六、日 8:30至16:00, in China Standard Time.

Hours are written like `"mon-fri 08:30-17:00; sat-sun 08:30-16:00"`: clauses separated by `;`,
each one or more days (`mon`..`sun`, lists with `,`, ranges with `-`) and one or more spans
`HH:MM-HH:MM` separated by `,` (start inclusive, end exclusive, `24:00` for midnight; a span
never crosses midnight, write `mon-sun 00:00-24:00` for always open). Holidays, closed all day,
are written like `"2026-10-01..2026-10-07, 2026-12-25"`.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Sequence, Set, Tuple
from zoneinfo import ZoneInfo

import chinese_calendar
import yaml

Span = Tuple[int, int]
"""Open from minute `start` of the day to minute `end` (exclusive), `0 <= start < end <= 1440`."""
Spans = Tuple[Span, ...]
"""Spans of one day, sorted, neither overlapping nor touching."""

DEFAULT_HOURS_SPEC = "mon-fri 08:30-17:00; sat-sun 08:30-16:00"
DEFAULT_TIME_ZONE = "Asia/Shanghai"
SEARCH_DAYS = 366
"""How many days ahead `next_opening` and `next_closing` look before giving up."""

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHINESE_DAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
MINUTES_PER_DAY = 24 * 60
ALWAYS_OPEN_TEXT = "工作时间内"
# How `describe` says that public holidays are off and 调休 days worked.
PUBLIC_HOLIDAYS_TEXT = "法定节假日休息"
"""What `reply_time` says when the agents never close within `SEARCH_DAYS`."""
NEVER_OPEN_TEXT = "上班后"
"""What `reply_time` says when the agents never open within `SEARCH_DAYS`."""

_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _clock(minute: int) -> str:
    """`510` as `"08:30"`, the way specs write it."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _chinese_clock(minute: int) -> str:
    """`510` as `"8:30"`, the way visitors read it (`1440` is `"24:00"`)."""
    return f"{minute // 60}:{minute % 60:02d}"


def _normalize(spans: Iterable[Span], where: str) -> Spans:
    """Checks the spans of one day, sorts them and joins touching ones.

    Args:
        spans: the spans, in any order.
        where: the day they belong to, for error messages.

    Raises:
        ValueError: on a minute outside 0-1440, a span that does not end after it starts, or
            spans that overlap.
    """
    ordered = sorted(spans)
    result: List[Span] = []
    for start, end in ordered:
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(
                f"span {_clock(start)}-{_clock(end)} on {where} must end after it starts, "
                "within 00:00-24:00"
            )
        if result and start < result[-1][1]:
            previous = result[-1]
            raise ValueError(
                f"spans {_clock(previous[0])}-{_clock(previous[1])} and "
                f"{_clock(start)}-{_clock(end)} overlap on {where}"
            )
        if result and start == result[-1][1]:
            result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return tuple(result)


def _parse_time(text: str, clause: str) -> int:
    """`"08:30"` as minute 510; ValueError naming `text` unless it is 00:00-24:00."""
    match = _TIME.fullmatch(text)
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2))
        if minutes < 60 and (hours < 24 or (hours == 24 and minutes == 0)):
            return hours * 60 + minutes
    raise ValueError(f"bad time {text!r} in {clause!r}: use HH:MM from 00:00 to 24:00")


def _parse_day(name: str, clause: str) -> int:
    """`"mon"` as 0; ValueError naming `name` unless it is one of `DAY_NAMES`."""
    try:
        return DAY_NAMES.index(name.lower())
    except ValueError:
        raise ValueError(
            f"unknown day {name!r} in {clause!r}: use {', '.join(DAY_NAMES)}"
        ) from None


def _parse_days(text: str, clause: str) -> List[int]:
    """`"mon-wed,fri"` as `[0, 1, 2, 4]`."""
    days: List[int] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise ValueError(f"empty day in {clause!r}")
        first, dash, last = (part.strip() for part in item.partition("-"))
        start = _parse_day(first, clause)
        end = _parse_day(last, clause) if dash else start
        if end < start:
            raise ValueError(
                f"day range {item!r} in {clause!r} runs backwards: days go from mon to sun"
            )
        days.extend(range(start, end + 1))
    return days


def _parse_spans(text: str, clause: str) -> List[Span]:
    """`"09:00-12:00,13:00-18:00"` as `[(540, 720), (780, 1080)]`."""
    spans: List[Span] = []
    for item in text.split(","):
        item = item.strip()
        first, dash, last = (part.strip() for part in item.partition("-"))
        if not dash:
            raise ValueError(f"bad span {item!r} in {clause!r}: use HH:MM-HH:MM")
        start, end = _parse_time(first, clause), _parse_time(last, clause)
        if start >= end:
            raise ValueError(
                f"span {item!r} in {clause!r} must end after it starts "
                "(a span cannot cross midnight: split it at 24:00)"
            )
        spans.append((start, end))
    return spans


def parse_hours(spec: str) -> Dict[int, Spans]:
    """Parses weekly hours like `"mon-fri 08:30-17:00; sat-sun 08:30-16:00"`.

    A day named in several clauses gets the spans of all of them; spans that touch are joined.

    Args:
        spec: clauses separated by `;`, each days then spans (see the module docstring).

    Returns:
        The spans of every weekday, 0 (Monday) to 6 (Sunday); `()` for a closed day.

    Raises:
        ValueError: naming the bad part: an empty spec, a clause without times, an unknown day,
            a backwards day range, a bad time (like 25:00), a span that does not end after it
            starts, or spans that overlap.
    """
    found: Dict[int, List[Span]] = {day: [] for day in range(7)}
    clauses = [clause.strip() for clause in spec.split(";") if clause.strip()]
    if not clauses:
        raise ValueError("the working hours are empty: write them like " + DEFAULT_HOURS_SPEC)
    for clause in clauses:
        words = clause.split()
        first_time = next((i for i, word in enumerate(words) if word[0].isdigit()), 0)
        if not first_time:
            raise ValueError(f"clause {clause!r} needs days then times, like 'mon-fri 08:30-17:00'")
        spans = _parse_spans(" ".join(words[first_time:]), clause)
        for day in _parse_days(" ".join(words[:first_time]), clause):
            found[day].extend(spans)
    return {day: _normalize(spans, DAY_NAMES[day]) for day, spans in found.items()}


def _parse_date(text: str) -> date:
    """`"2026-10-01"` as a date; ValueError naming `text` otherwise."""
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"bad holiday date {text!r}: use YYYY-MM-DD, like 2026-10-01")


def parse_holidays(spec: str) -> FrozenSet[date]:
    """Parses holidays like `"2026-10-01..2026-10-07, 2026-12-25"`.

    Args:
        spec: dates `YYYY-MM-DD` and inclusive ranges `YYYY-MM-DD..YYYY-MM-DD`, separated by
            commas or white space; empty for none.

    Returns:
        Every date named or inside a range.

    Raises:
        ValueError: naming the bad part: a malformed or impossible date, a range that ends
            before it starts, or a range longer than 366 days.
    """
    holidays: Set[date] = set()
    for item in re.split(r"[,\s]+", spec.strip()):
        if not item:
            continue
        first, dots, last = item.partition("..")
        start = _parse_date(first)
        end = _parse_date(last) if dots else start
        if end < start:
            raise ValueError(f"holiday range {item!r} ends before it starts")
        length = (end - start).days + 1
        if length > SEARCH_DAYS:
            raise ValueError(f"holiday range {item!r} is longer than {SEARCH_DAYS} days")
        holidays.update(start + timedelta(days=offset) for offset in range(length))
    return frozenset(holidays)


def _zone(name: str) -> ZoneInfo:
    """The time zone `name`; ValueError naming it if this machine does not know it."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name like {DEFAULT_TIME_ZONE!r} "
            "(the system's tzdata or the tzdata Python package must be installed)"
        ) from None


def _default_week() -> Tuple[Spans, ...]:
    """Seed 004's hours as `WorkingHours.week`."""
    days = parse_hours(DEFAULT_HOURS_SPEC)
    return tuple(days[day] for day in range(7))


def _default_zone() -> ZoneInfo:
    """China Standard Time, looked up when first needed rather than at import."""
    return _zone(DEFAULT_TIME_ZONE)


@dataclass(frozen=True)
class WorkingHours:
    """When human agents answer.

    Attributes:
        zone: the time zone the hours are in.
        week: the spans of each weekday, index 0 (Monday) to 6 (Sunday); checked, sorted and
            touching spans joined on construction.
        holidays: local dates closed all day.
        public_holidays: China's public holidays (法定节假日) closed too, and its make-up
            workdays (调休上班日, usually a weekend day) open with Monday's hours; from the
            `chinese-calendar` package, which knows the State Council's yearly notices (a year
            it does not know yet has the weekly hours only).
    """

    zone: ZoneInfo = field(default_factory=_default_zone)
    week: Tuple[Spans, ...] = field(default_factory=_default_week)
    holidays: FrozenSet[date] = frozenset()
    public_holidays: bool = False

    def __post_init__(self) -> None:
        """Checks and normalises `week`; ValueError if it is not 7 days of valid spans."""
        if len(self.week) != 7:
            raise ValueError(f"week needs the spans of 7 days, got {len(self.week)}")
        week = tuple(_normalize(spans, DAY_NAMES[day]) for day, spans in enumerate(self.week))
        object.__setattr__(self, "week", week)

    @classmethod
    def from_settings(
        cls,
        hours_spec: str = DEFAULT_HOURS_SPEC,
        holidays_spec: str = "",
        tz_name: str = DEFAULT_TIME_ZONE,
        public_holidays: bool = False,
    ) -> "WorkingHours":
        """Builds the hours from the text of settings.

        Args:
            hours_spec: weekly hours, see `parse_hours`.
            holidays_spec: holidays, see `parse_holidays`.
            tz_name: IANA time zone, like `"Asia/Shanghai"`.
            public_holidays: China's public holidays and make-up workdays count.

        Raises:
            ValueError: naming the bad part of any of them.
        """
        days = parse_hours(hours_spec)
        return cls(
            zone=_zone(tz_name.strip()),
            week=tuple(days[day] for day in range(7)),
            holidays=parse_holidays(holidays_spec),
            public_holidays=public_holidays,
        )

    def spans_on(self, day: date) -> Spans:
        """The spans of a local date: none on a holiday, Monday's on a make-up workday, else
        its weekday's."""
        if day in self.holidays:
            return ()
        if self.public_holidays:
            if day in chinese_calendar.holidays:
                return ()
            if day in chinese_calendar.workdays:
                return self.week[0]
        return self.week[day.weekday()]

    def _local(self, moment: datetime) -> datetime:
        """`moment` in the configured zone; ValueError if it is naive."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"moment {moment.isoformat()} has no time zone")
        return moment.astimezone(self.zone)

    def _at(self, day: date, minute: int) -> datetime:
        """Minute `minute` (up to 1440) of the local date `day`, as an aware datetime."""
        day += timedelta(days=minute // MINUTES_PER_DAY)
        minute %= MINUTES_PER_DAY
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)

    def _span_at(self, local: datetime) -> Span | None:
        """The span `local` (in the configured zone) falls in, if any."""
        minute = local.hour * 60 + local.minute
        for start, end in self.spans_on(local.date()):
            if start <= minute < end:
                return (start, end)
        return None

    def _opening(self, local: datetime) -> Tuple[date, int] | None:
        """Day and minute of the first opening after the closed moment `local`."""
        today = local.date()
        minute = local.hour * 60 + local.minute
        for start, _ in self.spans_on(today):
            if start > minute:
                return today, start
        for offset in range(1, SEARCH_DAYS + 1):
            day = today + timedelta(days=offset)
            spans = self.spans_on(day)
            if spans:
                return day, spans[0][0]
        return None

    def _closing(self, local: datetime, span: Span) -> Tuple[date, int] | None:
        """Day and minute (up to 1440) when the opening `span` that `local` is in ends."""
        day, end = local.date(), span[1]
        for _ in range(SEARCH_DAYS):
            if end < MINUTES_PER_DAY:
                return day, end
            spans = self.spans_on(day + timedelta(days=1))
            if not spans or spans[0][0] > 0:
                return day, end
            day, end = day + timedelta(days=1), spans[0][1]
        return None

    def is_open(self, moment: datetime) -> bool:
        """Whether agents work at `moment` (aware, any zone; start inclusive, end exclusive).

        Raises:
            ValueError: if `moment` is naive.
        """
        return self._span_at(self._local(moment)) is not None

    def next_opening(self, moment: datetime) -> datetime | None:
        """The first moment at or after `moment` when agents work.

        Args:
            moment: aware, any zone.

        Returns:
            `moment` itself (in the configured zone) if open then; else the next opening within
            `SEARCH_DAYS` days, in the configured zone; None if there is none.

        Raises:
            ValueError: if `moment` is naive.
        """
        local = self._local(moment)
        if self._span_at(local) is not None:
            return local
        found = self._opening(local)
        return None if found is None else self._at(*found)

    def next_closing(self, moment: datetime) -> datetime | None:
        """The first moment at or after `moment` when agents do not work.

        Openings that run to 24:00 and go on from 00:00 the next day count as one.

        Args:
            moment: aware, any zone.

        Returns:
            `moment` itself (in the configured zone) if closed then; else the end of the
            current opening, in the configured zone; None if it lasts more than `SEARCH_DAYS`
            days.

        Raises:
            ValueError: if `moment` is naive.
        """
        local = self._local(moment)
        span = self._span_at(local)
        if span is None:
            return local
        found = self._closing(local, span)
        return None if found is None else self._at(*found)

    def describe(self) -> str:
        """The weekly hours in Chinese, like `"周一至周五 8:30-17:00,周六、周日 8:30-16:00"`.

        Days with the same spans are grouped (runs of 3 or more days as `至`, others listed with
        `、`), groups in the order of their first day; closed days and holidays are left out;
        `全天` is 00:00-24:00. `"无"` if every day is closed.
        """
        groups: Dict[Spans, List[int]] = {}
        for day, spans in enumerate(self.week):
            if spans:
                groups.setdefault(spans, []).append(day)
        parts = [
            f"{_describe_days(days)} {_describe_spans(spans)}" for spans, days in groups.items()
        ]
        if parts and self.public_holidays:
            parts.append(PUBLIC_HOLIDAYS_TEXT)
        return ",".join(parts) or "无"

    def reply_time(self, moment: datetime) -> str:
        """When a visitor who writes at `moment` can expect an agent's answer, in Chinese.

        Open: before the current opening ends (`"今天17:00前"`, or `"明天(11月24日 周二)2:00前"`
        for an opening running past midnight; `"随时"` if it never ends). Closed: after the next
        opening (`"今天8:30以后"`, `"明天(11月24日 周二)8:30以后"`, `"11月26日(周四)8:30以后"`;
        `"另行通知"` if there is none within `SEARCH_DAYS` days).

        Raises:
            ValueError: if `moment` is naive.
        """
        local = self._local(moment)
        span = self._span_at(local)
        if span is not None:
            closing = self._closing(local, span)
            if closing is None:
                return ALWAYS_OPEN_TEXT
            return _describe_when(local.date(), *closing) + "前"
        opening = self._opening(local)
        if opening is None:
            return NEVER_OPEN_TEXT
        return _describe_when(local.date(), *opening) + "以后"


def _describe_days(days: Sequence[int]) -> str:
    """`[0, 1, 2, 3, 4]` as `"周一至周五"`, `[5, 6]` as `"周六、周日"`."""
    runs: List[List[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: List[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{CHINESE_DAY_NAMES[run[0]]}至{CHINESE_DAY_NAMES[run[-1]]}")
        else:
            parts.extend(CHINESE_DAY_NAMES[day] for day in run)
    return "、".join(parts)


def _describe_spans(spans: Spans) -> str:
    """`((510, 1020),)` as `"8:30-17:00"`; several spans joined with `、`."""
    if spans == ((0, MINUTES_PER_DAY),):
        return "全天"
    return "、".join(f"{_chinese_clock(start)}-{_chinese_clock(end)}" for start, end in spans)


def _describe_when(today: date, day: date, minute: int) -> str:
    """Minute `minute` of `day` as seen on `today`: `"今天8:30"`, `"明天(11月24日 周二)8:30"`,
    `"11月26日(周四)8:30"`."""
    weekday = CHINESE_DAY_NAMES[day.weekday()]
    offset = (day - today).days
    if offset == 0:
        when = "今天"
    elif offset == 1:
        when = f"明天({day.month}月{day.day}日 {weekday})"
    else:
        when = f"{day.month}月{day.day}日({weekday})"
    return when + _chinese_clock(minute)


@dataclass(frozen=True)
class HoursFile:
    """hours.yml: the agents' hours as a person writes them (see the file for its form)."""

    weekly: str = DEFAULT_HOURS_SPEC  # as `parse_hours` reads it, one clause per row
    holidays: str = ""  # as `parse_holidays` reads it
    timezone: str = DEFAULT_TIME_ZONE
    public_holidays: bool = True


def read_hours_file(path: Path) -> HoursFile:
    """Reads hours.yml; ValueError naming the file and what in it is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError, yaml.YAMLError) as error:  # ValueError: a date like 2026-13-01
        raise ValueError(f"{path}: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected keys weekly, holidays, timezone, public_holidays")
    unknown = set(data) - {"weekly", "holidays", "timezone", "public_holidays"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    rows = data.get("weekly") or []
    if not isinstance(rows, list) or not all(
        isinstance(row, dict) and set(row) == {"days", "hours"} for row in rows
    ):
        raise ValueError(f"{path}: weekly is a list of rows with `days` and `hours`")
    holidays = data.get("holidays") or []
    if not isinstance(holidays, list):
        raise ValueError(f"{path}: holidays is a list of dates or ranges")
    public = data.get("public_holidays", True)
    if not isinstance(public, bool):
        raise ValueError(f"{path}: public_holidays is true or false")
    read = HoursFile(
        weekly="; ".join(f"{row['days']} {row['hours']}" for row in rows),
        holidays=", ".join(str(day) for day in holidays),
        timezone=str(data.get("timezone") or DEFAULT_TIME_ZONE),
        public_holidays=public,
    )
    try:
        WorkingHours.from_settings(read.weekly, read.holidays, read.timezone)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    return read
