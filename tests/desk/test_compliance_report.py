"""The agents' service-language report: the days it covers and a series per agent."""

import asyncio
import time
from typing import Any, Dict, List

import pytest

from desk.compliance_report import compliance_day, compliance_report, days_ending
from desk.errors import DeskError
from desk.settings import DeskSettings
from desk.store import Agent

AGENT = Agent("1001", "王芳", 3, "online", 1)


class ReportStore:
    """What `compliance_report` reads: the day counts and the agents."""

    def __init__(self) -> None:
        self.counts: Dict[str, Dict[str, Dict[str, int]]] = {}

    async def compliance_counts(self, days: List[str]) -> Dict[str, Dict[str, Dict[str, int]]]:
        return self.counts

    async def agent(self, agent_id: str) -> Agent | None:
        return {"1001": AGENT, "1002": Agent("1002", "李强", 3, "online", 0)}.get(agent_id)


def report(store: ReportStore, days: int | None = None) -> Dict[str, Any]:
    """The report `AGENT` asks for, with the default settings."""
    answer = compliance_report(store, DeskSettings(), AGENT, days)  # type: ignore[arg-type]
    return asyncio.run(answer)


def test_days_are_counted_in_china_standard_time_by_default() -> None:
    midnight_utc = 1763683200.0  # 2025-11-21 00:00 UTC = 08:00 in Beijing
    assert compliance_day(midnight_utc - 1, 8) == "2025-11-21"  # 07:59:59 in Beijing
    assert compliance_day(midnight_utc - 8 * 3600 - 1, 8) == "2025-11-20"
    assert compliance_day(midnight_utc - 1, 0) == "2025-11-20"
    assert days_ending("2025-03-02", 3) == ["2025-02-28", "2025-03-01", "2025-03-02"]


def test_the_report_has_a_series_per_agent_and_the_asking_agent() -> None:
    store = ReportStore()
    days = days_ending(compliance_day(time.time(), 8), 3)
    store.counts = {"1002": {"warnings": {days[0]: 2, days[2]: 1}, "forced": {days[2]: 1}}}
    assert report(store, 3) == {
        "days": days,
        "agents": [
            {"agent_id": "1001", "name": "王芳", "warnings": [0, 0, 0], "forced": [0, 0, 0]},
            {"agent_id": "1002", "name": "李强", "warnings": [2, 0, 1], "forced": [0, 0, 1]},
        ],
    }
    assert len(report(store)["days"]) == 14


@pytest.mark.parametrize("days", [0, 91])
def test_the_report_covers_1_to_keep_days(days: int) -> None:
    with pytest.raises(DeskError) as raised:
        report(ReportStore(), days)
    assert (raised.value.code, raised.value.message) == ("malformed", "天数须在1到90之间")
