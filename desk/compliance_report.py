"""The agents' service-language report (docs/compliance.md): warnings and forced sends per day.

desk/service.py counts, per agent and day, each line held for a forbidden phrase (服务忌语) and
each one sent anyway; this reads those counts back for the console's 话术提醒 panel. Days are
kept in `DESK_COMPLIANCE_UTC_OFFSET` (China Standard Time by default).
"""

import time
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List

from desk.errors import DeskError
from desk.settings import DeskSettings
from desk.store import Agent, DeskStore


def compliance_day(ts: float, utc_offset_hours: float) -> str:
    """The day (`YYYY-MM-DD`) a moment falls on in the time zone the counts are kept in."""
    zone = timezone(timedelta(hours=utc_offset_hours))
    return datetime.fromtimestamp(ts, zone).date().isoformat()


def days_ending(last: str, count: int) -> List[str]:
    """`count` consecutive days ending with `last`, oldest first."""
    end = date.fromisoformat(last)
    return [(end - timedelta(days=count - 1 - i)).isoformat() for i in range(count)]


async def compliance_report(
    store: DeskStore, settings: DeskSettings, agent: Agent, days: int | None = None
) -> Dict[str, Any]:
    """Each agent's warnings and forced sends per day, the last `days` days (default
    `compliance_days`): every agent with any, and the asking agent."""
    count = settings.compliance_days if days is None else days
    if not 1 <= count <= settings.compliance_keep_days:
        limit = settings.compliance_keep_days
        raise DeskError("malformed", f"天数须在1到{limit}之间")
    today = compliance_day(time.time(), settings.compliance_utc_offset_hours)
    day_list = days_ending(today, count)
    counts = await store.compliance_counts(day_list)
    agents: List[Dict[str, Any]] = []
    for agent_id in sorted(set(counts) | {agent.agent_id}):
        known = await store.agent(agent_id)
        by_kind = counts.get(agent_id, {})
        agents.append(
            {
                "agent_id": agent_id,
                "name": known.name if known else agent_id,
                "warnings": [by_kind.get("warnings", {}).get(d, 0) for d in day_list],
                "forced": [by_kind.get("forced", {}).get(d, 0) for d in day_list],
            }
        )
    return {"days": day_list, "agents": agents}
