"""The inventory: built from the five seeds (verbatim quotes), every rule's examples hold."""

from typing import Any, Dict, List

import pytest
import yaml

from compliance.checker import check
from compliance.inventory import (
    INVENTORY_PATH,
    InventoryError,
    Rule,
    load_inventory,
    parse_inventory,
    token_pattern,
)
from compliance.screening import screen
from tests.compliance.conftest import without_space

INVENTORY = load_inventory()
RULES = {rule.id: rule for rule in INVENTORY.rules}
CONTEXT_RULES = [rule for rule in INVENTORY.rules if rule.needs_context]


def test_the_issues_categories_are_all_there() -> None:
    assert {rule.category for rule in INVENTORY.rules} == {
        "模糊性语言",
        "激怒客户的语言",
        "反诘性语言",
        "推卸责任",
        "找原因开脱",
        "生硬拒绝",
        "称呼不敬",
        "不当招呼",
        "敷衍怠慢",
        "口头语",
    }


def test_every_seed_is_cited() -> None:
    cited = {c.seed for rule in INVENTORY.rules for c in rule.forbidden + rule.recommended}
    forbidding = {rule.seed for rule in INVENTORY.rules}
    assert cited == {"000", "001", "002", "003", "004"}
    assert forbidding == {"000", "002", "003", "004"}  # seed 001 forbids no wording, only acts


@pytest.mark.parametrize("rule", INVENTORY.rules, ids=lambda r: r.id)
def test_every_quote_is_verbatim_in_its_seed(rule: Rule, seeds: Dict[str, str]) -> None:
    missing = [
        (c.seed, c.quote)
        for c in rule.forbidden + rule.recommended
        if without_space(c.quote) not in seeds[c.seed]
    ]
    assert missing == []


@pytest.mark.parametrize("rule", INVENTORY.rules, ids=lambda r: r.id)
def test_every_positive_example_is_caught_by_its_rule(rule: Rule) -> None:
    missed = [text for text in rule.positive if rule.id not in {v.rule for v in check(text)}]
    assert missed == []


@pytest.mark.parametrize("rule", INVENTORY.rules, ids=lambda r: r.id)
def test_every_negative_example_passes_every_rule(rule: Rule) -> None:
    flagged = {text: [v.rule for v in check(text)] for text in rule.negative}
    assert flagged == {text: [] for text in rule.negative}


def test_the_context_dependent_rules_are_those_whose_words_have_two_senses() -> None:
    # Decided rule by rule (docs/compliance.md, "Context-dependent rules"): every other rule
    # is exact, its words forbidden wherever they stand.
    assert {rule.id for rule in CONTEXT_RULES} == {
        "vague_unclear",
        "vague_dont_know",
        "vague_roughly",
        "vague_perhaps",
        "vague_possibly",
        "vague_differs",
        "provoking_ask_again",
        "provoking_go_ask",
        "provoking_wait",
        "provoking_wrong_number",
        "provoking_hang_up",
        "rhetorical_still_dont_get",
        "refusal_no_way",
        "refusal_cannot_solve",
        "refusal_cannot_do",
        "curt_what_to_check",
        "perfunctory_o_en_opening",
    }
    assert all(rule.why and "\n" not in rule.why for rule in CONTEXT_RULES)
    exact = [rule for rule in INVENTORY.rules if not rule.needs_context]
    assert all(rule.context == "exact" and not rule.why and not rule.acceptable for rule in exact)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("我已经说过了", "provoking_said_before"),
        ("你去投诉好了", "provoking_go_complain"),
        ("这不归我们管", "blame_not_our_business"),
        ("你的订单已发货", "impersonal_ni"),
        ("喂", "bare_wei"),
        ("嗯嗯", "perfunctory_o_en"),
        ("这个不行。", "refusal_buxing"),
    ],
)
def test_unambiguous_phrases_stay_exact_rules(text: str, rule: str) -> None:
    assert rule in {v.rule for v in check(text)}
    assert not RULES[rule].needs_context


@pytest.mark.parametrize("rule", CONTEXT_RULES, ids=lambda r: r.id)
def test_a_context_rule_matches_its_acceptable_examples_and_they_are_sent(rule: Rule) -> None:
    unmatched = [text for text in rule.acceptable if rule.id not in {v.rule for v in check(text)}]
    held = {text: [v.rule for v in screen(text)] for text in rule.acceptable if screen(text)}
    assert (unmatched, held) == ([], {})


@pytest.mark.parametrize("rule", CONTEXT_RULES, ids=lambda r: r.id)
def test_a_context_rules_positive_examples_are_held_for_it(rule: Rule) -> None:
    missed = [text for text in rule.positive if rule.id not in {v.rule for v in screen(text)}]
    assert missed == []


def test_a_violation_carries_the_rule_its_seed_and_the_suggestion() -> None:
    [violation] = check("你去投诉好了")[1:]
    rule = RULES["provoking_go_complain"]
    assert violation.to_json() == {
        "rule": "provoking_go_complain",
        "name": "激怒客户「你去投诉好了」",
        "category": "激怒客户的语言",
        "matched": "去投诉好了",
        "suggestion": rule.suggestion,
        "seed": "000",
        "category_id": "provoking",
        "source": "rule",
        "why": {"text": "用了「去投诉好了」", "span": "去投诉好了", "start": 1, "end": 6},
    }
    assert rule.forbidden[0].quote == "你去投诉好了"


@pytest.mark.parametrize(
    ("word", "pattern"),
    [
        ("可能", {"ORTH": "可能"}),
        ("你|您", {"ORTH": {"IN": ["你", "您"]}}),
        ("还?", {"ORTH": "还", "OP": "?"}),
        ("你|您?", {"ORTH": {"IN": ["你", "您"]}, "OP": "?"}),
        ("?", {"ORTH": "?"}),
        ({"LOWER": "ok"}, {"LOWER": "ok"}),
    ],
)
def test_pattern_words_become_spacy_token_patterns(word: Any, pattern: Dict[str, Any]) -> None:
    assert token_pattern(word) == pattern


def _raw() -> Dict[str, Any]:
    data: Dict[str, Any] = yaml.safe_load(INVENTORY_PATH.read_text(encoding="utf-8"))
    return data


def _with_rule(**changes: Any) -> Dict[str, Any]:
    data = _raw()
    data["rules"] = [{**data["rules"][0], **changes}]
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with_rule(category="rude"), "vague_unclear: unknown category 'rude'"),
        (_with_rule(patterns=[]), "vague_unclear: `patterns` must list at least one pattern"),
        (
            _with_rule(forbidden=[{"seed": "005", "quote": "x"}]),
            "vague_unclear: forbidden seed must be one of ('000', '001', '002', '003', '004')",
        ),
        (
            _with_rule(recommended=[]),
            "vague_unclear: recommended must list at least one seed quote",
        ),
        (
            _with_rule(examples={"positive": ["不清楚"], "negative": []}),
            "vague_unclear: negative must not be empty",
        ),
        (_with_rule(position="middle"), "vague_unclear: position must be one of"),
        (_with_rule(context="maybe"), "vague_unclear: context must be one of"),
        (
            _with_rule(why=""),
            "vague_unclear: a `context: model` rule says `why` in one line",
        ),
        (
            _with_rule(examples={"positive": ["不清楚"], "negative": ["您好"]}),
            "vague_unclear: acceptable must be a list of non-empty strings",
        ),
        (
            _with_rule(
                context="exact",
                why="",
                examples={
                    "positive": ["不清楚"],
                    "negative": ["您好"],
                    "acceptable": ["图片不清楚"],
                },
            ),
            "vague_unclear: `why` and `acceptable` are for `context: model` rules",
        ),
        (
            {**_raw(), "rules": [_raw()["rules"][0], _raw()["rules"][0]]},
            "duplicated rule ids: ['vague_unclear']",
        ),
    ],
)
def test_a_malformed_inventory_is_refused_with_the_rule_and_field(
    data: Dict[str, Any], message: str
) -> None:
    with pytest.raises(InventoryError) as raised:
        parse_inventory(data)
    assert str(raised.value).startswith(message)


def test_the_inventory_has_a_rule_per_seed_phrase() -> None:
    # The seed lists, phrase by phrase (000 服务忌语, 002 忌, 003 口头语/结束语, 004 哦、嗯).
    phrases: List[str] = [
        "不清楚", "不知道", "大概", "也许", "可能", "不晓得", "这个是有差异的", "应该是的吧",
        "你不明白吗", "我刚才已说过了", "不是已经跟你讲过了吗", "还要问", "我已经反复说过",
        "我跟你说", "我们公司的规定是", "我们向来都是这样的", "明白了吗", "知道了吗",
        "您听不懂我说话呀", "你可以去问公司", "你去投诉好了", "这事不归我们管", "不能办",
        "我也没办法", "你难道还不知道", "我又不是经理我怎么知道", "这个你还不明白",
        "到现在你清楚了没有", "你说呢", "你到底想怎么样", "谁跟你说的", "清楚了没",
        "我是新员工", "我因故没看到这方面的信息", "这不是我受理的", "喂,查什么", "打错了,真烦",
        "再不出声就挂机啦", "快点说", "你先听我说完么", "你听我说", "等一会", "你问我,我问谁呀",
        "又不是我的错", "没办法", "解决不了", "你提意见也没用", "你的意见根本不可行", "再见",
        "我应该的", "喂,说话呀", "再不说话我就挂了啊", "我晕", "我靠", "天啊", "怎么这样!",
        "真是的", "鬼知道", "啊,稍等", "嗯", "哦", "不行",
    ]  # fmt: skip
    assert [p for p in phrases if not check(p)] == []
