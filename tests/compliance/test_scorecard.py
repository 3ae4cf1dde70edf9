"""质检评分 on a real transcript: a compliant chat scores full marks, each item fails when its line
is removed or changed, and the times are computed exactly.

transcripts/agent_chat.json is what the desk stored for a chat (tests/desk/test_scorecards.py's
harness: the desk's own code over a real Redis, with an injected clock): the bot, the queue line,
the accept's 开头语, the agent's lines, 请问还有什么可以帮您?, the closing line, the rating request.
"""

import json
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

from common.records import Entry
from compliance.scorecard import ITEMS, Limits, Scorecard, duration, opening_pattern, score

CHAT = json.loads((Path(__file__).parent / "transcripts" / "agent_chat.json").read_text("utf-8"))
AGENT: str = CHAT["agent_id"]
CLOSED_AT: float = CHAT["closed_at"]
LIMITS = Limits(apology_after_seconds=60, first_response_seconds=30, silence_seconds=60)


def stretch() -> List[Entry]:
    """The agent's stretch: from the accept (the 开头语 the desk says) to the rating request."""
    return [dict(e) for e in CHAT["transcript"][CHAT["start"] :]]  # type: ignore[misc]


def judged(lines: List[Entry], limits: Limits = LIMITS, closed_at: float = CLOSED_AT) -> Scorecard:
    return score(lines, AGENT, limits, closed_at)


def at(lines: List[Entry], seq: int) -> Entry:
    [entry] = [e for e in lines if e["seq"] == seq]
    return entry


def without(*seqs: int) -> Callable[[List[Entry]], List[Entry]]:
    return lambda lines: [e for e in lines if e["seq"] not in seqs]


def said(seq: int, text: str, **extra: Any) -> Callable[[List[Entry]], List[Entry]]:
    def change(lines: List[Entry]) -> List[Entry]:
        entry = at(lines, seq)
        entry["text"] = text
        entry.update(extra)  # type: ignore[typeddict-item]
        return lines

    return change


def later(seq: int, seconds: float) -> Callable[[List[Entry]], List[Entry]]:
    """The line `seq` and everything after it `seconds` later (the agent took that long)."""

    def delay(lines: List[Entry]) -> List[Entry]:
        for entry in lines:
            if entry["seq"] >= seq:
                entry["ts"] += seconds
        return lines

    return delay


def test_a_compliant_chat_scores_full_marks() -> None:
    card = judged(stretch())
    assert (card.passed, card.total, card.score, card.failed) == (8, 8, 100, [])
    assert [item.id for item in card.items] == list(ITEMS)
    refers = {item.id: [line.seq for line in item.lines] for item in card.items}
    assert refers == {
        "opening": [3],  # the desk's 您好,9101号客服王芳很高兴为您服务……
        "honorific": [],
        "forbidden": [],
        "apology": [],
        "confirm": [11],
        "closing": [13],
        "first_response": [5],
        "longest_silence": [7, 8],
    }
    reasons = {item.id: item.reason for item in card.items}
    assert reasons == {
        "opening": "开头语含工号9101",
        "honorific": "客服的5句回复均称呼客户「您」",
        "forbidden": "客服的回复中没有服务忌语",
        "apology": "客户没有等待超过60秒,无需致歉",
        "confirm": "结束前确认了客户是否还有其他需要",
        "closing": "会话以结束语结束",
        "first_response": "接入后18.6秒首次回复(不超过30秒)",
        "longest_silence": "客户最长等待16.3秒(不超过60秒)",
    }


def test_the_times_are_computed_exactly() -> None:
    card = judged(stretch())
    # 开头语 at 1795400005.0, the agent's 请稍等 at …023.6; the longest wait is
    # 好的,能不能发顺丰? (…071.3) to the agent's answer (…087.6).
    assert (card.first_response_seconds, card.longest_silence_seconds) == (18.6, 16.3)
    timed = {item.id: (item.seconds, item.limit) for item in card.items}
    assert timed["first_response"] == (18.6, 30)
    assert timed["longest_silence"] == (16.3, 60)


def test_a_wait_nobody_answered_lasts_until_the_close() -> None:
    lines = without(11)(stretch())  # the visitor's 没有了,谢谢 after 不客气 is never answered
    card = judged(lines, closed_at=CLOSED_AT + 100)
    # 没有了,谢谢 at …104.9, closed at …206.9: 102 s
    item = card.by_id["longest_silence"]
    assert (item.passed, item.seconds, [line.seq for line in item.lines]) == (False, 102.0, [12])
    assert item.reason == "客户等待102秒才等到会话结束(超过60秒)"


def test_lines_after_the_close_are_not_waits() -> None:
    # A listener retried late: the visitor wrote again after the close, and the same agent
    # took the chat again five minutes later. Neither is this stretch's.
    lines = stretch()
    lines.append({"seq": 15, "from": "visitor", "ts": CLOSED_AT + 5, "text": "还有个问题"})
    lines.append(
        {"seq": 17, "from": "agent", "ts": CLOSED_AT + 300, "text": "您好", "agent_id": AGENT}
    )
    card = judged(lines)
    assert (card.longest_silence_seconds, card.failed) == (16.3, [])


def test_a_line_stamped_after_the_close_does_not_end_a_wait() -> None:
    # Another desk instance's clock ran ahead: its system line, between the question and the
    # answer, is stamped after the close. The wait still ends at the agent's answer.
    lines = stretch()
    ahead: Entry = {"seq": 5, "from": "system", "ts": CLOSED_AT + 1, "text": "对不起,让您久等了"}
    lines.insert(2, ahead)
    assert (judged(lines).first_response_seconds, judged(lines).failed) == (18.6, [])


def failing(
    change: Callable[[List[Entry]], List[Entry]], limits: Limits = LIMITS
) -> Dict[str, Any]:
    lines = change(stretch())
    # The close moves with the lines a change delays (the rating request is the last line).
    delay = lines[-1]["ts"] - CHAT["transcript"][-1]["ts"]
    card = judged(lines, limits, CLOSED_AT + delay)
    return {item.id: item for item in card.items if not item.passed}


CASES = [
    # (the change, the item that fails, the lines it refers to, its reason)
    pytest.param(
        without(3),
        "opening",
        [5],
        "接入后没有含工号的开头语(如「您好,9101号客服很高兴为您服务」)",
        id="opening removed",
    ),
    pytest.param(
        said(3, "您好,很高兴为您服务,请问有什么可以帮您?"),
        "opening",
        [5],
        "接入后没有含工号的开头语(如「您好,9101号客服很高兴为您服务」)",
        id="opening without the 工号",
    ),
    pytest.param(
        said(3, "您好,19101号客服很高兴为您服务"),
        "opening",
        [5],
        "接入后没有含工号的开头语(如「您好,9101号客服很高兴为您服务」)",
        id="opening with another 工号",
    ),
    pytest.param(
        said(8, "可以的,我已经帮你备注了顺丰发货。"),
        "honorific",
        [8],
        "1句称呼客户用「你」:「你」,应称「您」",
        id="你 instead of 您",
    ),
    pytest.param(
        said(6, "这个可能要等到后天才能发货。"),
        "forbidden",
        [6],
        "使用服务忌语:模糊性语言「可能」",
        id="a forbidden phrase",
    ),
    pytest.param(
        said(6, "这个可能要等到后天才能发货。", forced=True),
        "forbidden",
        [6],
        "使用服务忌语:模糊性语言「可能」;其中1句在提醒后仍然发送",
        id="a forbidden phrase sent anyway",
    ),
    pytest.param(
        said(10, "不客气,这是我们应该做的。", forced=True),
        "forbidden",
        [10],
        "其中1句在提醒后仍然发送",
        id="sent anyway, no longer flagged",
    ),
    pytest.param(
        later(5, 60),
        "apology",
        [5],
        "客户等待71.4秒(超过60秒)后,客服回复时未致歉(如「对不起,让您久等了」)",
        id="no apology after a long wait",
    ),
    pytest.param(
        without(11),
        "confirm",
        [],
        "结束前没有确认客户是否还有其他需要(应问「请问还有什么可以帮您?」)",
        id="need not confirmed",
    ),
    pytest.param(
        without(13),
        "closing",
        [],
        "没有结束语(如「感谢您的咨询,祝您生活愉快!再见!」)",
        id="closing line removed",
    ),
    pytest.param(
        said(13, "再见!"),
        "closing",
        [],
        "没有结束语(如「感谢您的咨询,祝您生活愉快!再见!」)",
        id="a bare 再见",
    ),
    pytest.param(
        later(5, 12),
        "first_response",
        [5],
        "接入后30.6秒才首次回复(超过30秒)",
        id="first response late",
    ),
    pytest.param(
        later(8, 45),
        "longest_silence",
        [7, 8],
        "客户等待61.3秒才等到客服回复(超过60秒)",
        id="a long silence",
    ),
]


# A late reply is late on every count: the items that fail with the one a case is about.
ALSO = {
    "no apology after a long wait": {"longest_silence", "first_response"},
    "a long silence": {"apology"},
}


@pytest.mark.parametrize(("change", "item", "seqs", "reason"), CASES)
def test_each_item_fails_when_its_line_is_removed_or_changed(
    request: pytest.FixtureRequest,
    change: Callable[[List[Entry]], List[Entry]],
    item: str,
    seqs: List[int],
    reason: str,
) -> None:
    failed = failing(change)
    case = request.node.callspec.id
    assert set(failed) == {item} | ALSO.get(case, set())
    assert ([line.seq for line in failed[item].lines], failed[item].reason) == (seqs, reason)


def test_an_apology_in_the_late_reply_passes() -> None:
    # The first reply is then …062.2's 让您久等了……, 50 s after the question.
    lines = without(5)(stretch())
    card = judged(lines, Limits(45, 60, 60))
    apology = card.by_id["apology"]
    assert (apology.passed, apology.seconds, apology.reason) == (
        True,
        50.0,
        "客户等待超过45秒后,客服的回复均含致歉",
    )
    unapologetic = said(6, "您的订单今天下午会安排发货,预计后天送达。")(lines)
    assert judged(unapologetic, Limits(45, 60, 60)).failed == ["apology"]


def test_no_apology_is_required_when_the_slow_agent_limit_is_off() -> None:
    card = judged(later(5, 600)(stretch()), Limits(0, 30, 60))
    item = card.by_id["apology"]
    assert (item.passed, item.reason) == (True, "未设置等待时限,不检查致歉")


def test_an_agent_who_never_replied_fails_the_timed_items() -> None:
    lines = [e for e in stretch() if e["from"] != "agent"]
    card = judged(lines)
    # The visitor's question waits until the close: too long, and never apologised for.
    assert card.failed == ["apology", "confirm", "first_response", "longest_silence"]
    assert card.first_response_seconds is None
    assert card.by_id["first_response"].reason == "接入后客服没有回复"


def test_another_agents_lines_are_not_this_agents() -> None:
    lines = stretch()
    other: Entry = {"seq": 99, "from": "agent", "ts": 1795400015.0, "text": "你好", "agent_id": "1"}
    lines.insert(3, other)
    assert judged(lines).failed == []


def test_the_score_is_out_of_100_rounded_half_up() -> None:
    lines = said(8, "你去投诉好了")(without(11, 13)(stretch()))
    card = judged(lines)
    assert card.failed == ["honorific", "forbidden", "confirm", "closing"]
    assert (card.passed, card.total, card.score) == (4, 8, 50)
    three = judged(without(11, 13)(stretch()))
    assert (three.passed, three.score) == (6, 75)
    five_of_eight = judged(said(8, "你去投诉好了")(without(13)(stretch())))
    assert (five_of_eight.passed, five_of_eight.score) == (5, 63)  # 62.5 → 63


def test_the_card_as_json() -> None:
    data = judged(said(8, "可以的,你放心。")(stretch())).to_json()
    assert {k: v for k, v in data.items() if k != "items"} == {
        "passed": 7,
        "total": 8,
        "score": 88,
        "failed": ["honorific"],
        "first_response_seconds": 18.6,
        "longest_silence_seconds": 16.3,
    }
    assert data["items"][1] == {
        "id": "honorific",
        "name": "称呼用「您」",
        "passed": False,
        "reason": "1句称呼客户用「你」:「你」,应称「您」",
        "lines": [{"seq": 8, "from": "agent", "text": "可以的,你放心。"}],
        "seconds": None,
        "limit": None,
    }


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("您好,9101号客服王芳很高兴为您服务", True),
        ("您好!测试网9101号为您服务", True),
        ("您好,我的工号是9101", True),
        ("您好,19101号客服为您服务", False),
        ("您好,91011号客服为您服务", False),
        ("9101号为您服务", False),  # no 您好
    ],
)
def test_the_opening_names_exactly_this_工号(text: str, found: bool) -> None:
    assert bool(opening_pattern("9101").search(text)) is found


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0秒"),
        (9.5, "9.5秒"),
        (18.6, "18.6秒"),
        (60, "60秒"),
        (95.4, "95.4秒"),
        (599.96, "600秒"),
        (612, "10分12秒"),
    ],
)
def test_durations_read_as_chinese(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown
