"""Personal numbers found by the pipeline's token patterns, masked as the old regex did, and
the same numbers written other ways (Chinese or full-width digits, other separators)."""

import random
import re
from typing import List, Match, Tuple

import pytest

from compliance.masking import (
    PersonalNumber,
    find_personal_numbers,
    kind_of,
    mask_personal_numbers,
)

# What actions.privacy did before the spaCy pipeline: the reference for the masking's behaviour.
LEGACY = re.compile(r"(?<![0-9])\d(?:[- ]?\d){8,}[\dXx](?![0-9A-Za-z])")


def legacy_mask(text: str) -> str:
    def mask(match: Match[str]) -> str:
        digits = re.sub(r"[- ]", "", match.group(0))
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]

    return LEGACY.sub(mask, text)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("手机13812345678", [(2, 13, "13812345678", "mobile")]),
        ("电话 138-1234-5678 谢谢", [(3, 16, "13812345678", "mobile")]),
        ("电话 138 1234 5678", [(3, 16, "13812345678", "mobile")]),
        ("身份证11010519491231002X", [(3, 21, "11010519491231002X", "id_card")]),
        ("卡号6222 0212 3456 7890 128", [(2, 25, "6222021234567890128", "bank_card")]),
        ("户号3857102946。", [(2, 12, "3857102946", "account")]),
        ("编号ID123456789012", [(4, 16, "123456789012", "number")]),
        ("订单123456,尾号3391", []),
    ],
)
def test_numbers_are_found_with_their_kind(
    text: str, found: List[Tuple[int, int, str, str]]
) -> None:
    assert [(n.start, n.end, n.digits, n.kind) for n in find_personal_numbers(text)] == found


def test_a_number_shows_its_first_three_and_last_four_digits() -> None:
    assert PersonalNumber(0, 11, "13812345678", "mobile").masked == "138****5678"
    assert kind_of("1381234567") == "account"
    assert kind_of("23812345678") == "number"


@pytest.mark.parametrize(
    "text",
    [
        "电话 138 -1234 5678",  # a space and a dash: not one number
        "13812345678abc",  # digits run into letters
        "138  1234  5678",  # two spaces
        "今天是2026年11月22日 18:30",
    ],
)
def test_what_is_not_one_number_stays(text: str) -> None:
    assert mask_personal_numbers(text) == text == legacy_mask(text)


def realistic_texts(seed: int, count: int) -> List[str]:
    """Chinese words, punctuation and numbers as people write them: plain, in groups of 3-4
    joined by spaces or dashes (the last group at least 2 digits), an ID card's X."""
    rnd = random.Random(seed)
    words = ["我的", "手机", "是", "户号", "身份证", "卡号", ",", "。", " ", ":", "电话", "订单"]
    words += ["年", "号", "(", ")", "您好", "ID", "tel", "No", "x", "-", "尾号", "谢谢"]

    def number() -> str:
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.choice(range(3, 21))))
        if rnd.random() < 0.15:
            digits = digits[:-1] + rnd.choice("Xx")
        if rnd.random() < 0.3:
            groups, i = [], 0
            while i < len(digits):
                size = rnd.choice([3, 4, 4])
                size = len(digits) - i if len(digits) - i - size == 1 else size
                groups.append(digits[i : i + size])
                i += size
            digits = rnd.choice([" ", "-"]).join(groups)
        return digits

    return [
        "".join(rnd.choice(words) if rnd.random() < 0.6 else number() for _ in range(6))
        for _ in range(count)
    ]


def test_realistic_texts_are_masked_exactly_as_before() -> None:
    texts = realistic_texts(seed=20261123, count=1500)
    assert sum(legacy_mask(t) != t for t in texts) > 500  # plenty of numbers among them
    assert [t for t in texts if mask_personal_numbers(t) != legacy_mask(t)] == []


@pytest.mark.parametrize(
    ("text", "masked", "before"),
    [
        # A last group of one digit: now masked with the rest (the regex left it out).
        ("卡号 2857 6139 634 1。", "卡号 285*****6341。", "卡号 285****9634 1。"),
        # A decimal number (a Unix time in a log line) is not a personal number.
        ("ts=1763800000.123", "ts=1763800000.123", "ts=176***0000.123"),
        # The digits of a hex id are not a personal number.
        (
            "conversation=0123456789abcdef0123456789012345",
            "conversation=0123456789abcdef0123456789012345",
            "conversation=0123456789abcdef012*********2345",
        ),
        ("trace=abcdef0123456789", "trace=abcdef0123456789", "trace=abcdef012***6789"),
        # A date and a time are not joined to what follows them.
        ("2026-12-07 20:30 到账", "2026-12-07 20:30 到账", "202***0720:30 到账"),
        ("20:30 138 1234 5678", "20:30 138****5678", "20:301******5678"),
        ("2026-12-07 13812345678", "2026-12-07 138****5678", "202************5678"),
        # An amount of money after its currency sign is not a personal number.
        ("退款¥1234567890.00", "退款¥1234567890.00", "退款¥123***7890.00"),
        # Numbers written other ways: the regex missed them.
        ("电话136.1234.5678", "电话136****5678", "电话136.1234.5678"),
        ("电话一三八一二三四五六七八", "电话138****5678", "电话一三八一二三四五六七八"),
        ("电话１３８１２３４５６７８", "电话138****5678", "电话１３８****５６７８"),
    ],
)
def test_the_deliberate_differences_from_the_regex(text: str, masked: str, before: str) -> None:
    assert (mask_personal_numbers(text), legacy_mask(text)) == (masked, before)


def test_a_text_with_few_digits_does_not_reach_spacy(monkeypatch: pytest.MonkeyPatch) -> None:
    import compliance.masking

    def no_pipeline() -> None:
        raise AssertionError("the pipeline was asked")

    monkeypatch.setattr(compliance.masking, "get_nlp", no_pipeline)
    assert mask_personal_numbers("订单12345678,谢谢") == "订单12345678,谢谢"
    # Chinese digits that are words, and digits that are a date, a time or a hex id.
    assert mask_personal_numbers("我一直在等一个电话,一二三") == "我一直在等一个电话,一二三"
    log = "2026-12-07 20:30:15 held conversation=3f9a0c1b2d4e5f60718293a4b5c6d7e8 ahead=3"
    assert mask_personal_numbers(log) == log
    with pytest.raises(AssertionError):
        mask_personal_numbers("订单123456789")
    with pytest.raises(AssertionError):
        mask_personal_numbers("电话一三八一二三四五六七八")
