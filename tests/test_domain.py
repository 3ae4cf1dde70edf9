"""Every response follows the service-language standards in ../shared/reference/.

The forbidden phrases (服务忌语) are the compliance inventory's (compliance/inventory.yml, from
seeds 000-004), checked word by word by its spaCy checker, as `make compliance` does.
"""

from typing import Any, Dict, Iterator, Tuple

import pytest
import yaml

from compliance.screening import screen
from tests.conftest import ROOT


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


def test_no_response_or_desk_line_uses_a_forbidden_phrase(domain: Dict[str, Any]) -> None:
    """Judged as `make check-data` and an agent's line are: the exact rules, and the
    context-dependent ones only where the classifier agrees (「偏远地区可能需要多几天」 passes)."""
    offending = [(name, text, v.matched) for name, text in texts(domain) for v in screen(text)]
    assert offending == []


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
        ("utter_ask_complaint_description", "给您添麻烦了!您是否能将详细情况告诉我?"),
        ("utter_anything_else", "请问还有什么可以帮您?"),
        ("utter_handoff", "正在为您转接人工客服"),
    ],
)
def test_key_lines_quote_the_standards(
    domain: Dict[str, Any], response: str, seed_wording: str
) -> None:
    assert seed_wording in domain["responses"][response][0]["text"]
