"""Rules OR classifier: what holds a line, and what the agent is told about it; a
context-dependent rule's match holds a line only when the classifier agrees."""

from typing import List, Tuple, cast

import pytest

from compliance.checker import check, default_checker
from compliance.classifier import Model, Verdict, default_model
from compliance.pipeline import default_inventory
from compliance.screening import Screen, screen

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
    [violation] = screen("我已经说过了")
    assert violation.why == "用了「我已经说过了」"
    why = {"text": "用了「我已经说过了」", "span": "我已经说过了", "start": 0, "end": 6}
    assert violation.to_json()["why"] == why


def test_a_context_rule_violation_names_the_rule_and_the_models_confidence() -> None:
    [violation] = screen("这个可能要等")
    rule = default_inventory().rule("vague_possibly")
    assert (violation.rule, violation.source, violation.suggestion) == (
        "vague_possibly",
        "rule",
        rule.suggestion,
    )
    score = default_model().verdict("这个可能要等").score
    assert violation.confidence == score >= default_model().context_threshold
    percent = round(score * 100)
    text = f"用了「可能」,模型也判断此句不合规(把握 {percent}%)"
    assert violation.why == text
    why = {"text": text, "span": "可能", "start": 2, "end": 4, "confidence": round(score, 3)}
    assert violation.to_json()["why"] == why


# A context-dependent rule's words in their acceptable sense (sent) and as a hedge or refusal
# (held for that rule). Written for these tests, in none of the training files.
CONTEXT_CASES = [
    (
        "vague_possibly",
        "机房断电可能会导致网站暂时打不开,我们已经安排了备用电源。",
        "可能明天吧,不好说。",
    ),
    (
        "vague_unclear",
        "您上传的证件照片不清楚,麻烦您重新拍一张发给我。",
        "这个我真不清楚,您问别人吧。",
    ),
    ("vague_dont_know", "很多顾客不知道这个优惠,我已经帮您用上了。", "不知道,系统里没写。"),
    ("refusal_no_way", "这款已经停售没办法补货,我为您找了两款同价位的,您看看。", "这个真没办法。"),
    (
        "refusal_cannot_solve",
        "如果换了网线还是解决不了,我马上给您派师傅上门。",
        "这个问题我们解决不了。",
    ),
    (
        "provoking_wait",
        "麻烦您再等一会儿,仓库同事正在核对库存,一有结果我就告诉您。",
        "等一会儿,我正忙着呢。",
    ),
    ("perfunctory_o_en_opening", "嗯,您说得没错,是我们发错了型号,我马上为您换货。", "嗯,知道了。"),
]


@pytest.mark.parametrize(("rule", "acceptable", "forbidden"), CONTEXT_CASES)
def test_a_context_rules_word_passes_in_its_acceptable_sense_and_is_held_otherwise(
    rule: str, acceptable: str, forbidden: str
) -> None:
    assert default_inventory().rule(rule).needs_context
    assert rule in {v.rule for v in check(acceptable)}  # the rule matches the word
    assert screen(acceptable) == []  # and the line is sent
    held = [v for v in screen(forbidden) if v.rule == rule]
    assert held and held[0].confidence is not None


class Scored:
    """Stands in for the model: every line gets the same score."""

    def __init__(self, score: float) -> None:
        self.score = score
        self.threshold = 0.8
        self.context_threshold = 0.5

    def verdict(self, text: str) -> Verdict:
        return Verdict("vague", self.score, self.score > self.threshold)


def screen_with(score: float, text: str) -> Found:
    screened = Screen(default_checker(), cast(Model, Scored(score))).screen(text)
    return [(v.rule, v.category_id, v.source) for v in screened]


def test_a_context_rule_holds_from_the_context_threshold_an_exact_rule_always() -> None:
    text = "这个可能要等,我已经说过了"
    exact = ("provoking_said_before", "provoking", "rule")
    context = ("vague_possibly", "vague", "rule")
    assert screen_with(0.0, text) == [exact]  # the classifier sees nothing: exact rules hold
    assert screen_with(0.49, text) == [exact]
    assert screen_with(0.5, text) == [context, exact]  # from the context threshold on
    assert screen_with(0.9, text) == [context, exact]  # vague is reported: no classifier's


@pytest.mark.parametrize(
    "text",
    [
        "我已经说过了",
        "你去投诉好了",
        "这不归我们管",
        "您好,你的订单已发货",
        "喂,您好",
        "哦。",
        "这个不行。",
    ],
)
def test_exact_rules_hold_whatever_the_classifier_says(text: str) -> None:
    assert screen_with(0.0, text) == [(v.rule, v.category_id, v.source) for v in check(text)]
    assert screen_with(0.0, text) != []


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
