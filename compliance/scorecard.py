"""质检评分: the quality scorecard of one agent's handling of a conversation (docs/compliance.md).

`score(lines, agent_id, limits, closed_at)` judges the agent's stretch of a transcript (from the
accept to the close) item by item, each passed or failed with the lines it refers to and a
reason in Chinese, and totals them. It only reads the lines: no Redis, no clock, no settings
(the desk passes the limits), so the same transcript always gets the same card.

The items (ITEMS; how each is judged, with the seeds behind it: docs/compliance.md, 质检评分):
开头语 with the agent's 工号, 「您」 throughout, no forbidden phrase, an apology after a long wait,
the visitor's need confirmed, the closing line, and the first-response and longest-silence
times against their limits.
"""

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Sequence, Tuple

from common.records import Entry
from compliance.checker import Violation
from compliance.screening import screen as check_service_language

# Stable ids (API, Redis, CSV, filters) and the names the console shows, in the card's order.
ITEMS: Dict[str, str] = {
    "opening": "开头语",
    "honorific": "称呼用「您」",
    "forbidden": "无服务忌语",
    "apology": "久等致歉",
    "confirm": "确认需求",
    "closing": "结束语",
    "first_response": "首次响应",
    "longest_silence": "最长静默",
}

# The inventory's 你 category (compliance/inventory.yml): judged by `honorific`, so one 你 costs
# one item, not two.
IMPERSONAL = "impersonal"
APOLOGY = re.compile(r"久等|抱歉|对不起|不好意思|见谅|歉意")
ANYTHING_ELSE = re.compile(r"还有(什么|其他|其它|别的)|是否还有|有没有其他")
# A closing line thanks and takes leave: 感谢来电,再见! (000), 感谢您关注……祝您生活愉快!再见 (004).
# A bare 再见 is 敷衍 (seed 002), so the thanks is required.
CLOSING = re.compile(r"(感谢|谢谢).*(再见|祝您)", re.S)


@dataclass(frozen=True)
class Limits:
    """The configured limits, in seconds.

    Attributes:
        apology_after_seconds: a wait longer than this needs an apology (the desk's
            `DESK_AGENT_SLOW_SECONDS`); 0 never does.
        first_response_seconds: the agent's first line after the accept.
        silence_seconds: the longest a visitor may wait for the agent's next line.
    """

    apology_after_seconds: float
    first_response_seconds: float
    silence_seconds: float


@dataclass(frozen=True)
class LineRef:
    """A transcript line an item refers to: its place, sender and text."""

    seq: int
    sender: str
    text: str

    def to_json(self) -> Dict[str, Any]:
        return {"seq": self.seq, "from": self.sender, "text": self.text}


@dataclass(frozen=True)
class Item:
    """One judged item; `seconds` and `limit` only for the timed ones."""

    id: str
    passed: bool
    reason: str
    lines: Tuple[LineRef, ...] = ()
    seconds: float | None = None
    limit: float | None = None

    @property
    def name(self) -> str:
        return ITEMS[self.id]

    def to_json(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "passed": self.passed,
            "reason": self.reason,
            "lines": [line.to_json() for line in self.lines],
            "seconds": self.seconds,
            "limit": self.limit,
        }


@dataclass(frozen=True)
class Scorecard:
    """Every item of `ITEMS`, in order, and the totals."""

    items: Tuple[Item, ...]
    first_response_seconds: float | None = None
    longest_silence_seconds: float | None = None
    by_id: Dict[str, Item] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {item.id: item for item in self.items})

    @property
    def passed(self) -> int:
        return sum(item.passed for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def score(self) -> int:
        """Out of 100, every item weighing the same, rounded half up."""
        return int(100 * self.passed / self.total + 0.5) if self.total else 0

    @property
    def failed(self) -> List[str]:
        return [item.id for item in self.items if not item.passed]

    def to_json(self) -> Dict[str, Any]:
        return {
            "passed": self.passed,
            "total": self.total,
            "score": self.score,
            "failed": self.failed,
            "first_response_seconds": self.first_response_seconds,
            "longest_silence_seconds": self.longest_silence_seconds,
            "items": [item.to_json() for item in self.items],
        }


@dataclass(frozen=True)
class Wait:
    """A visitor waiting for the agent: from their first unanswered line to the agent's next
    line (`reply`), or to the close when none came."""

    start: Entry
    reply: Entry | None
    seconds: float


def duration(seconds: float) -> str:
    """12.5秒, 95秒, 10分05秒: tenths up to ten minutes (so 60.4秒 reads as over 60秒)."""
    if seconds < 600:
        return f"{round(seconds, 1):g}秒"
    whole = int(seconds + 0.5)
    return f"{whole // 60}分{whole % 60:02d}秒"


def ref(entry: Entry) -> LineRef:
    return LineRef(entry.get("seq", 0), entry["from"], entry.get("text", ""))


def _exact(seconds: float) -> float:
    """Differences of Unix times to the millisecond (the transcript's precision)."""
    return round(seconds, 3)


def waits(
    lines: Sequence[Entry], is_agents: Callable[[Entry], bool], closed_at: float
) -> List[Wait]:
    """Each stretch a visitor waited for the agent, in order (lines after the close ignored)."""
    found: List[Wait] = []
    since: Entry | None = None
    for entry in lines:
        if entry["ts"] > closed_at:  # said after the close (a listener retried late)
            continue
        if entry["from"] == "visitor" and since is None:
            since = entry
        elif is_agents(entry) and since is not None:
            found.append(Wait(since, entry, _exact(entry["ts"] - since["ts"])))
            since = None
    if since is not None:
        found.append(Wait(since, None, _exact(closed_at - since["ts"])))
    return found


def opening_pattern(agent_id: str) -> "re.Pattern[str]":
    """您好 …1001号… or 工号1001 (not 11001号)."""
    number = re.escape(agent_id)
    return re.compile(rf"您好.*(?<!\d){number}号|工号(是|为)?\s*{number}(?!\d)", re.S)


def score(
    lines: Sequence[Entry],
    agent_id: str,
    limits: Limits,
    closed_at: float,
    check: Callable[[str], List[Violation]] = check_service_language,
) -> Scorecard:
    """The scorecard of `agent_id`'s stretch of a conversation.

    Args:
        lines: the transcript from the line where the agent took the chat (the accept) to the
            close, in order; lines after it (the closing line the desk says) are read too.
        agent_id: the agent's 工号.
        limits: the configured limits.
        closed_at: when the agent closed it (Unix seconds): an unanswered wait ends there.
        check: the service-language checker: by default the one that holds an agent's line
            (compliance.screening.screen: the rules or the learned classifier).
    """

    def is_agents(entry: Entry) -> bool:
        return entry["from"] == "agent" and entry.get("agent_id", agent_id) == agent_id

    # Each agent line is checked once, though three items read the result (~1.5 ms a check).
    checked: Dict[str, List[Violation]] = {}

    def check_once(text: str) -> List[Violation]:
        if text not in checked:
            checked[text] = check(text)
        return checked[text]

    numbered: List[Entry] = []
    for i, entry in enumerate(lines):  # a line without its place gets its index
        line = entry.copy()
        line.setdefault("seq", i)
        numbered.append(line)
    lines = numbered
    indexed = list(enumerate(lines))
    mine = [(i, entry) for i, entry in indexed if is_agents(entry)]
    found = waits(lines, is_agents, closed_at)
    first_response = _exact(mine[0][1]["ts"] - lines[0]["ts"]) if mine and lines else None
    longest = max(found, key=lambda w: w.seconds) if found else None
    items = (
        _opening(indexed, mine, agent_id),
        _honorific(mine, check_once),
        _forbidden(mine, check_once),
        _apology(found, limits.apology_after_seconds),
        _confirm(mine),
        _closing(indexed, mine),
        _first_response(mine, first_response, limits.first_response_seconds),
        _longest_silence(longest, limits.silence_seconds),
    )
    return Scorecard(items, first_response, longest.seconds if longest else 0.0)


Indexed = List[Tuple[int, Entry]]


def _opening(lines: Indexed, mine: Indexed, agent_id: str) -> Item:
    pattern = opening_pattern(agent_id)
    first_reply = mine[0][0] if mine else len(lines)
    for _, entry in lines[: first_reply + 1]:
        if entry["from"] in ("system", "agent") and pattern.search(entry.get("text", "")):
            return Item("opening", True, f"开头语含工号{agent_id}", (ref(entry),))
    example = f"您好,{agent_id}号客服很高兴为您服务"
    at = (ref(mine[0][1]),) if mine else ()
    return Item("opening", False, f"接入后没有含工号的开头语(如「{example}」)", at)


def _violations(
    mine: Indexed, check: Callable[[str], List[Violation]], impersonal: bool
) -> List[Tuple[int, Entry, List[Violation]]]:
    found = []
    for i, entry in mine:
        hits = [
            v
            for v in check(entry.get("text", ""))
            if (v.rule == "impersonal_ni" or _category_id(v) == IMPERSONAL) == impersonal
        ]
        if hits:
            found.append((i, entry, hits))
    return found


def _category_id(violation: Violation) -> str:
    """The violation's category id (`impersonal`), which the learned checker's violations carry
    without the rule's id; `category` is the Chinese label."""
    return str(getattr(violation, "category_id", ""))


def _quoted(violations: List[Violation]) -> str:
    return "".join(dict.fromkeys(f"「{v.matched}」" for v in violations))


def _honorific(mine: Indexed, check: Callable[[str], List[Violation]]) -> Item:
    found = _violations(mine, check, impersonal=True)
    if not found:
        return Item("honorific", True, f"客服的{len(mine)}句回复均称呼客户「您」")
    words = _quoted([v for _, _, hits in found for v in hits])
    reason = f"{len(found)}句称呼客户用「你」:{words},应称「您」"
    return Item("honorific", False, reason, tuple(ref(e) for _, e, _ in found))


def _forbidden(mine: Indexed, check: Callable[[str], List[Violation]]) -> Item:
    found = {i: (entry, hits) for i, entry, hits in _violations(mine, check, impersonal=False)}
    # A line sent despite a warning counts even if today's checker no longer flags it; one held
    # for 你 alone is `honorific`'s.
    forced = [
        (i, e)
        for i, e in mine
        if e.get("forced") and i not in found and not _violations([(i, e)], check, True)
    ]
    if not found and not forced:
        return Item("forbidden", True, "客服的回复中没有服务忌语")
    parts = []
    if found:
        names = "、".join(dict.fromkeys(v.name for _, hits in found.values() for v in hits))
        parts.append(f"使用服务忌语:{names}")
    sent_anyway = sum(1 for e, _ in found.values() if e.get("forced")) + len(forced)
    if sent_anyway:
        parts.append(f"其中{sent_anyway}句在提醒后仍然发送")
    at = sorted([(i, e) for i, (e, _) in found.items()] + forced, key=lambda pair: pair[0])
    return Item("forbidden", False, ";".join(parts), tuple(ref(e) for _, e in at))


def _apology(found: List[Wait], limit: float) -> Item:
    if limit <= 0:
        return Item("apology", True, "未设置等待时限,不检查致歉", limit=limit)
    long = [w for w in found if w.seconds > limit]
    if not long:
        return Item("apology", True, f"客户没有等待超过{duration(limit)},无需致歉", limit=limit)
    missed = [w for w in long if w.reply is None or not APOLOGY.search(w.reply.get("text", ""))]
    worst = max(w.seconds for w in (missed or long))
    if not missed:
        reason = f"客户等待超过{duration(limit)}后,客服的回复均含致歉"
        return Item("apology", True, reason, seconds=worst, limit=limit)
    lines = tuple(ref(w.reply) if w.reply is not None else ref(w.start) for w in missed)
    reason = (
        f"客户等待{duration(worst)}(超过{duration(limit)})后,"
        "客服回复时未致歉(如「对不起,让您久等了」)"
    )
    return Item("apology", False, reason, lines, seconds=worst, limit=limit)


def _confirm(mine: Indexed) -> Item:
    asked = [(i, e) for i, e in mine if ANYTHING_ELSE.search(e.get("text", ""))]
    if asked:
        i, entry = asked[-1]
        return Item("confirm", True, "结束前确认了客户是否还有其他需要", (ref(entry),))
    reason = "结束前没有确认客户是否还有其他需要(应问「请问还有什么可以帮您?」)"
    return Item("confirm", False, reason)


def _closing(lines: Indexed, mine: Indexed) -> Item:
    asked = [i for i, e in mine if ANYTHING_ELSE.search(e.get("text", ""))]
    after = asked[-1] if asked else (mine[0][0] if mine else 0)
    for _, entry in lines[after:]:
        if entry["from"] in ("system", "agent") and CLOSING.search(entry.get("text", "")):
            return Item("closing", True, "会话以结束语结束", (ref(entry),))
    reason = "没有结束语(如「感谢您的咨询,祝您生活愉快!再见!」)"
    return Item("closing", False, reason)


def _first_response(mine: Indexed, seconds: float | None, limit: float) -> Item:
    if seconds is None:
        return Item("first_response", False, "接入后客服没有回复", limit=limit)
    at = (ref(mine[0][1]),)
    if seconds <= limit:
        reason = f"接入后{duration(seconds)}首次回复(不超过{duration(limit)})"
        return Item("first_response", True, reason, at, seconds, limit)
    reason = f"接入后{duration(seconds)}才首次回复(超过{duration(limit)})"
    return Item("first_response", False, reason, at, seconds, limit)


def _longest_silence(longest: Wait | None, limit: float) -> Item:
    if longest is None:
        return Item("longest_silence", True, "客户没有等待客服回复", seconds=0.0, limit=limit)
    at = (ref(longest.start),) + ((ref(longest.reply),) if longest.reply is not None else ())
    until = "客服回复" if longest.reply is not None else "会话结束"
    if longest.seconds <= limit:
        reason = f"客户最长等待{duration(longest.seconds)}(不超过{duration(limit)})"
        return Item("longest_silence", True, reason, at, longest.seconds, limit)
    reason = f"客户等待{duration(longest.seconds)}才等到{until}(超过{duration(limit)})"
    return Item("longest_silence", False, reason, at, longest.seconds, limit)
