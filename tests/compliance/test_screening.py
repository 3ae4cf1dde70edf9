"""Rules OR classifier: what holds a line, and what the agent is told about it."""

from typing import List, Tuple

import pytest

from compliance.checker import check
from compliance.pipeline import default_inventory
from compliance.screening import screen

Found = List[Tuple[str, str, str]]  # (rule, category_id, source)


def found(text: str) -> Found:
    return [(v.rule, v.category_id, v.source) for v in screen(text)]


def test_a_paraphrase_no_rule_matches_is_held_by_the_classifier() -> None:
    text = "这个问题我们不负责"
    assert check(text) == []
    [violation] = screen(text)
    inventory = default_inventory()
    assert (violation.rule, violation.name, violation.category) == (
        "learned_blame",
        "推卸责任(模型识别)",
        "推卸责任",
    )
    assert (violation.seed, violation.suggestion) == ("000", inventory.suggestions["blame"])
    assert text[violation.start : violation.end] == violation.matched
    assert violation.matched == violation.features[0].text
    assert violation.confidence is not None and violation.confidence > 0.5


def test_an_insult_is_held_for_you_and_as_provoking() -> None:
    # issue 21: 「你怎么这么笨」 was flagged only for 你.
    assert found("你怎么这么笨") == [
        ("impersonal_ni", "impersonal", "rule"),
        ("learned_provoking", "provoking", "classifier"),
    ]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("这个不关我的事", "blame"),
        ("这个问题我们不负责", "blame"),
        ("我们下班了,明天再说", "perfunctory"),
        ("这是规定", "provoking"),
        ("这不归我们管", "blame"),
        ("你怎么这么笨", "provoking"),
    ],
)
def test_the_issues_examples_are_held_for_their_category(text: str, category: str) -> None:
    assert category in {v.category_id for v in screen(text)}


def test_the_classifier_adds_nothing_when_a_rule_has_its_category() -> None:
    assert found("这个可能要等") == [("vague_possibly", "vague", "rule")]


def test_compliant_and_empty_lines_are_not_held() -> None:
    for text in ("", "   ", "不可能让您久等的", "我们会负责到底", "请稍等,我帮您查一下。"):
        assert screen(text) == []


def test_a_rule_violation_explains_itself_with_its_span() -> None:
    [violation] = screen("这个可能要等")
    assert violation.why == "用了「可能」"
    why = {"text": "用了「可能」", "span": "可能", "start": 2, "end": 4}
    assert violation.to_json()["why"] == why


def test_a_classifier_violation_explains_itself_with_its_features() -> None:
    [violation] = screen("这个问题我们不负责")
    data = violation.to_json()
    features = data["why"]["features"]
    assert data["source"] == "classifier" and data["category_id"] == "blame"
    assert 1 <= len(features) <= 3
    assert [f["text"] for f in features] == [f.text for f in violation.features]
    assert all(set(f) == {"text", "unit", "weight"} and f["weight"] > 0 for f in features)
    assert data["why"]["confidence"] == round(violation.confidence or 0, 3)
    quoted = "".join(f"「{f['text']}」" for f in features)
    percent = round((violation.confidence or 0) * 100)
    assert data["why"]["text"] == f"模型判断为推卸责任(把握 {percent}%),依据{quoted}"
    # the fields the console and the desk's records used before stay as they were
    assert set(data) >= {"rule", "name", "category", "matched", "suggestion", "seed"}
