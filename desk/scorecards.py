"""质检评分 in the desk: a card for each conversation an agent closes, and who may read which.

The card is computed by compliance/scorecard.py (pure) when the lifecycle's `close` transition
has happened (`Scorecards.closed`, a listener registered after the one that says the closing
line, so the card sees it) and kept by a `ScorecardStore` (desk/scorecard_store.py) with the
agent's stretch of the transcript, personal numbers masked: a supervisor reads other agents'
chats, and nobody needs the numbers to judge the wording.

An agent reads their own cards; an agent marked supervisor (`python -m desk.agents supervisor`)
reads everyone's. For anyone else the `agent` filter is ignored: the answer is their own.
"""

import csv
import io
import logging
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Sequence

from common.records import Entry
from compliance.masking import mask_personal_numbers
from compliance.scorecard import ITEMS, Limits, score
from desk.compliance_report import compliance_day
from desk.errors import DeskError
from desk.lifecycle import Change
from desk.scorecard_store import Card, ScorecardStore
from desk.settings import DeskSettings
from desk.store import Agent, DeskStore

logger = logging.getLogger(__name__)

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Excel runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = (
    "结束时间",
    "会话",
    "工号",
    "客服",
    "得分",
    "通过项",
    "未通过项",
    "首次响应(秒)",
    "最长静默(秒)",
)


def limits_of(settings: DeskSettings) -> Limits:
    """The scorecard's limits from the desk's settings (the apology's is the slow-agent one)."""
    return Limits(
        apology_after_seconds=settings.agent_slow_seconds,
        first_response_seconds=settings.qc_first_response_seconds,
        silence_seconds=settings.qc_silence_seconds,
    )


def masked_line(entry: Entry) -> Entry:
    """A transcript line as the card keeps it: personal numbers masked."""
    line = entry.copy()
    line["text"] = mask_personal_numbers(entry.get("text", ""))
    if "buttons" in entry:
        line["buttons"] = [
            {
                "title": mask_personal_numbers(button["title"]),
                "payload": mask_personal_numbers(button["payload"]),
            }
            for button in entry["buttons"]
        ]
    return line


def build_card(
    conversation_id: str,
    agent_id: str,
    agent_name: str,
    start: int,
    closed_at: float,
    lines: Sequence[Entry],
    settings: DeskSettings,
) -> Card:
    """The stored card: who, when, the judged items and totals, the stretch of the transcript."""
    judged = score(lines, agent_id, limits_of(settings), closed_at).to_json()
    for item in judged["items"]:
        for line in item["lines"]:
            line["text"] = mask_personal_numbers(line["text"])
    return {
        "id": f"{conversation_id}-{start}",
        "conversation_id": conversation_id,
        "agent_id": agent_id,
        "agent_name": agent_name,
        "start": start,
        "closed_at": closed_at,
        "day": compliance_day(closed_at, settings.compliance_utc_offset_hours),
        **judged,
        "transcript": [masked_line(entry) for entry in lines],
    }


def checked_day(raw: str | None, today: str) -> str:
    """`?day=YYYY-MM-DD`, today when absent; 400 otherwise."""
    if raw is None or raw == "":
        return today
    try:
        if DAY.match(raw):
            return date.fromisoformat(raw).isoformat()
    except ValueError:
        pass
    raise DeskError("malformed", "日期格式应为YYYY-MM-DD")


def checked_item(raw: str | None) -> str | None:
    """`?failed=<item id>`: only cards failing that item; 400 for an unknown id."""
    if raw is None or raw == "":
        return None
    if raw not in ITEMS:
        raise DeskError("malformed", "未知的质检项")
    return raw


def cell(value: Any) -> str:
    """A CSV cell Excel shows as text, never runs."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: List[Card], utc_offset_hours: float) -> str:
    """The rows as CSV for Excel: UTF-8 with a BOM (else Excel reads Chinese as ANSI)."""
    zone = timezone(timedelta(hours=utc_offset_hours))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        closed = datetime.fromtimestamp(float(row["closed_at"]), zone)
        failed = [ITEMS.get(item, item) for item in row.get("failed") or []]
        writer.writerow(
            [
                cell(closed.strftime("%Y-%m-%d %H:%M:%S")),
                cell(row["conversation_id"]),
                cell(row["agent_id"]),
                cell(row.get("agent_name")),
                cell(row["score"]),
                cell(f"{row['passed']}/{row['total']}"),
                cell("、".join(failed)),
                cell(row.get("first_response_seconds")),
                cell(row.get("longest_silence_seconds")),
            ]
        )
    return "\ufeff" + out.getvalue()


class Scorecards:
    """Scores closed conversations and answers the console's 质检 view."""

    def __init__(
        self,
        store: ScorecardStore,
        desk_store: DeskStore,
        settings: DeskSettings,
        clock: Callable[[], float],
    ) -> None:
        self.store = store
        self.desk_store = desk_store
        self.settings = settings
        self.clock = clock

    async def closed(self, change: Change) -> None:
        """The `close` listener: scores the closing agent's stretch and stores it once.

        `change.detail` has `start` (where the agent took the chat) and `at` (the close); a card
        of that stretch already stored is left as it is.
        """
        if change.agent_id is None:
            return
        start = int(change.detail.get("start", 0))
        closed_at = float(change.detail.get("at", self.clock()))
        lines = await self.desk_store.transcript(change.conversation_id, start)
        agent = await self.desk_store.agent(change.agent_id)
        card = build_card(
            change.conversation_id,
            change.agent_id,
            agent.name if agent else change.agent_id,
            start,
            closed_at,
            lines,
            self.settings,
        )
        keep_seconds = self.settings.visitor_session_days * 86400
        stored = await self.store.save(card, keep_seconds)
        logger.info(
            "scorecard conversation=%s agent=%s score=%d failed=%s%s",
            change.conversation_id,
            change.agent_id,
            card["score"],
            ",".join(card["failed"]) or "-",
            "" if stored else " (already stored)",
        )

    def today(self) -> str:
        return compliance_day(self.clock(), self.settings.compliance_utc_offset_hours)

    async def listing(
        self, viewer: Agent, day: str | None, agent_id: str | None, failed: str | None
    ) -> Dict[str, Any]:
        """A day's rows the viewer may see, filtered by agent (supervisors only) and by a
        failed item, with what the filters offer."""
        day = checked_day(day, self.today())
        item = checked_item(failed)
        if viewer.supervisor:
            every = await self.store.rows(day)
            agents = {row["agent_id"]: row.get("agent_name") or row["agent_id"] for row in every}
            wanted = agent_id or None
            rows = [row for row in every if wanted is None or row["agent_id"] == wanted]
        else:  # their own, whatever `agent` says
            wanted = viewer.agent_id
            rows = await self.store.rows(day, viewer.agent_id)
            agents = {viewer.agent_id: viewer.name}
        if item is not None:
            rows = [row for row in rows if item in (row.get("failed") or [])]
        return {
            "day": day,
            "utc_offset_hours": self.settings.compliance_utc_offset_hours,  # the day's zone
            "supervisor": viewer.supervisor,
            "agent": wanted,
            "failed": item,
            "items": [{"id": key, "name": name} for key, name in ITEMS.items()],
            "agents": [{"agent_id": a, "name": agents[a]} for a in sorted(agents)],
            "scorecards": rows,
        }

    async def card(self, viewer: Agent, card_id: str) -> Card:
        """One card with its transcript: the viewer's own, or any for a supervisor."""
        card = await self.store.card(card_id)
        if card is None:
            raise DeskError("not_found", "质检记录不存在", 404)
        if card["agent_id"] != viewer.agent_id and not viewer.supervisor:
            raise DeskError("forbidden", "您只能查看自己的质检记录", 403)
        return card

    async def csv(
        self, viewer: Agent, day: str | None, agent_id: str | None, failed: str | None
    ) -> tuple[str, str]:
        """(the listing as CSV, its day), with the listing's filters and permissions."""
        listing = await self.listing(viewer, day, agent_id, failed)
        return csv_text(listing["scorecards"], self.settings.compliance_utc_offset_hours), str(
            listing["day"]
        )
