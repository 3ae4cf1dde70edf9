"""Every response follows the service-language standards in ../shared/reference/.

The forbidden phrases (服务忌语) are those the seeds list: 000 (模糊性语言, 激怒, 反诘, 开脱),
002 (the 忌 column), 004 (敷衍、怠慢 and 不知道/不清楚). The spaCy checker of the compliance
issue will replace this word list; until then a substring check keeps the responses clean.
"""

from typing import Any, Dict, Iterator, Tuple

import pytest
import yaml

from tests.conftest import ROOT

FORBIDDEN = [
    # seed 000: 模糊性语言
    "不清楚",
    "不知道",
    "大概",
    "也许",
    "可能",
    "不晓得",
    "这个是有差异的",
    "应该是的吧",
    # seed 000: 容易激怒客户的语言
    "你不明白吗",
    "我刚才已说过",
    "已经跟你讲过",
    "还要问",
    "反复说过",
    "再三说过",
    "我跟你说",
    "我们公司的规定是",
    "我们向来都是这样的",
    "明白了吗",
    "知道了吗",
    "听不懂我说话",
    "你可以去问公司",
    "你去投诉好了",
    "不归我们管",
    "不能办",
    "我也没办法",
    # seed 000: 反诘性语言
    "你难道还不知道",
    "我怎么知道",
    "这个你还不明白",
    "你清楚了没有",
    "你说呢",
    "你到底想怎么样",
    "谁跟你说的",
    "清楚了没",
    # seed 000: 找原因开脱
    "我是新员工",
    # seed 002: 忌
    "喂",
    "查什么",
    "打错了",
    "真烦",
    "快点说",
    "你先听我说完",
    "你听我说",
    "等一会",
    "你问我",
    "又不是我的错",
    "没办法",
    "解决不了",
    "提意见也没用",
    "根本不可行",
    # seed 004: 敷衍、怠慢
    "哦",
    "嗯",
]


def desk_texts() -> Iterator[Tuple[str, str]]:
    """What the desk itself says (desk/phrases.yml): system lines, reasons, quick replies."""
    phrases = yaml.safe_load((ROOT / "desk" / "phrases.yml").read_text(encoding="utf-8"))
    for section in ("system", "reasons"):
        for key, text in phrases[section].items():
            yield f"desk.{section}.{key}", text
    for reply in phrases["canned"]:
        yield f"desk.canned.{reply['title']}", reply["text"]


def texts(domain: Dict[str, Any]) -> Iterator[Tuple[str, str]]:
    yield from desk_texts()
    for name, variants in domain["responses"].items():
        for variant in variants:
            yield name, variant["text"]
            for button in variant.get("buttons", []):
                yield name, button["title"]
    affirmation = domain["affirmation"]
    for key in ("question_one", "question_two", "none_of_these"):
        yield f"affirmation.{key}", affirmation[key]
    for key, label in affirmation["labels"].items():
        if not key.startswith("faq/"):  # FAQ labels are the visitor's own words
            yield f"affirmation.labels.{key}", label


def test_the_check_sees_every_response(domain: Dict[str, Any]) -> None:
    names = {name for name, _ in texts(domain)}
    assert set(domain["responses"]) <= names
    assert {"desk.system.queued", "desk.system.bot_unavailable", "desk.canned.稍等"} <= names


@pytest.mark.parametrize("phrase", FORBIDDEN)
def test_no_forbidden_phrase(domain: Dict[str, Any], phrase: str) -> None:
    offending = [name for name, text in texts(domain) if phrase in text]
    assert offending == [], f"{phrase!r} in {offending}"


def test_the_visitor_is_addressed_as_nin(domain: Dict[str, Any]) -> None:
    offending = [(name, text) for name, text in texts(domain) if "你" in text]
    assert offending == []


@pytest.mark.parametrize(
    ("response", "seed_wording"),
    [
        ("utter_opening", "很高兴为您服务,有什么可以帮到您?"),
        ("utter_closing", "有您的支持我们会做得更好!祝您生活愉快!再见"),
        ("utter_calm_down", "对不起,我为我们的工作给您带来的麻烦深表歉意"),
        ("utter_complaint_recorded", "您提出的问题,我们已经详细做下记录"),
        ("utter_anything_else", "请问还有什么可以帮您?"),
        ("utter_handoff", "正在为您转接人工客服"),
    ],
)
def test_key_lines_quote_the_standards(
    domain: Dict[str, Any], response: str, seed_wording: str
) -> None:
    assert seed_wording in domain["responses"][response][0]["text"]
