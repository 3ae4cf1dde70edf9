"""The checker matches words, not substrings, and applies each rule's conditions."""

from typing import Any, Dict, List, Tuple

import pytest

from compliance.checker import Checker, Violation, check, default_checker
from compliance.inventory import parse_inventory
from compliance.pipeline import build_nlp

Found = List[Tuple[str, str]]  # (rule, matched)


def found(text: str) -> Found:
    return [(v.rule, v.matched) for v in check(text)]


def test_possibly_inside_the_word_impossible_is_not_vague() -> None:
    assert default_checker().words("不可能让您久等") == ["不可能", "让", "您", "久等"]
    assert check("不可能让您久等") == []


def test_possibly_as_a_word_is_vague_with_its_place_seed_and_suggestion() -> None:
    rule = default_checker().inventory.rule("vague_possibly")
    assert check("这个可能要等") == [
        Violation(
            rule="vague_possibly",
            name="模糊性语言「可能」",
            category="模糊性语言",
            matched="可能",
            start=2,
            end=4,
            seed="000",
            suggestion=rule.suggestion,
            category_id="vague",
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好,请问有什么可以帮你?", [("impersonal_ni", "你好"), ("impersonal_ni", "你")]),
        ("你的订单已发货", [("impersonal_ni", "你的")]),
        ("你们几点下班?", [("impersonal_ni", "你们")]),
        ("您好,请问有什么可以帮您?", []),
        ("迷你版的说明已发给您", []),  # 你 inside the word 迷你
        ("您是不是说「你们几点上班」?", []),  # the visitor's words, quoted
        ("您说的“你们客服不理人”我已经记录", []),
        ("「你」字的敬称是「您」,你记住了", [("impersonal_ni", "你")]),
    ],
)
def test_the_impersonal_ni_addresses_the_customer_only(text: str, expected: Found) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("喂,您好", [("bare_wei", "喂")]),
        ("喂…喂…", [("bare_wei", "喂"), ("bare_wei", "喂")]),
        ("宠物喂养的注意事项已发给您", []),
        ("请按时给宝宝喂奶", []),
    ],
)
def test_wei_only_as_the_word_wei(text: str, expected: Found) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我不知道。", [("vague_dont_know", "不知道")]),
        ("不知道您是否方便留下电话?", []),  # unless_after 您/是否
        ("等一会儿!", [("provoking_wait", "等一会儿")]),
        ("请您稍等一会儿。", []),  # unless_before 稍
        ("这个不行。", [("refusal_buxing", "不行")]),  # position end
        ("这样不行的话,我们换一种方法。", []),
        ("再见!", [("perfunctory_closing", "再见")]),  # position whole
        ("感谢来电,再见!", []),
        ("啊,我看一下。", [("filler_opener", "啊")]),  # position start
        ("好的。啊,我看一下。", [("filler_opener", "啊")]),
        ("天啊,怎么这样!", [("filler_exclamation", "天啊"), ("filler_exclamation", "怎么这样!")]),
        ("如有不清楚的地方,请随时咨询。", []),  # unless_after 的
        ("您的电话听不清楚。", []),  # the word 听不清楚 (inventory `words`)
        ("嗯。", [("perfunctory_o_en", "嗯")]),  # position whole
        ("嗯嗯", [("perfunctory_o_en", "嗯嗯")]),  # one match for the run (OP +)
        ("嗯,好的。", [("perfunctory_o_en_opening", "嗯")]),  # position opening
        ("好的。哦哦,我看一下。", [("perfunctory_o_en_opening", "哦哦")]),
        ("您的快递明天就到哦。", []),
        ("打错了,真烦!", [("provoking_wrong_number", "打错了"), ("provoking_annoyed", "真烦")]),
        ("您真烦", [("provoking_annoyed", "真烦")]),
        ("您打错了号码也没关系", []),  # provoking_wrong_number's unless_before 您
    ],
)
def test_rule_conditions(text: str, expected: Found) -> None:
    assert found(text) == expected


def test_check_reports_context_rules_too_with_no_confidence() -> None:
    # Whether a context-dependent rule's match holds the line is compliance.screening's
    # decision; the checker reports every match.
    [violation] = check("已经发货的订单没办法直接改地址,我马上联系快递员帮您改派。")
    assert violation.rule == "refusal_no_way" and violation.confidence is None
    assert default_checker().rules["refusal_no_way"].needs_context


def test_violations_come_in_text_order() -> None:
    text = "喂,这个可能要等,你去投诉好了。"
    assert [(v.start, v.rule) for v in check(text)] == [
        (0, "bare_wei"),
        (4, "vague_possibly"),
        (9, "impersonal_ni"),
        (10, "provoking_go_complain"),
    ]
    assert all(text[v.start : v.end] == v.matched for v in check(text))


def test_an_empty_or_plain_text_has_no_violation() -> None:
    assert check("") == []
    assert check("   ") == []
    assert check("12345") == []


def test_a_checker_for_another_inventory() -> None:
    data: Dict[str, Any] = {
        "categories": {"test": "测试"},
        "words": ["不可能"],
        "rules": [
            {
                "id": "maybe",
                "name": "「可能」",
                "category": "test",
                "forbidden": [{"seed": "000", "quote": "可能"}],
                "recommended": [{"seed": "002", "quote": "请稍等,我帮您查一下。"}],
                "suggestion": "请稍等,我帮您查一下。",
                "patterns": [["可能"]],
                "examples": {"positive": ["可能吧"], "negative": ["不可能"]},
            }
        ],
    }
    inventory = parse_inventory(data)
    checker = Checker(inventory, build_nlp(inventory))
    assert [(v.rule, v.category, v.matched) for v in checker.check("这个可能要等,你等着")] == [
        ("maybe", "测试", "可能")
    ]
    assert checker.check("不可能让您久等") == []
