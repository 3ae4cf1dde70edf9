"""Personal numbers written other ways than plain ASCII digits (Chinese or full-width digits,
dots, wide spaces and dashes between groups) are masked as the plain form is; what holds digits
but is not personal (dates, times, money, short numbers, hex ids) stays as it is."""

import random
import uuid
from typing import Callable, List, Tuple

import pytest

from compliance.masking import find_personal_numbers, finding_text, mask_personal_numbers


@pytest.mark.parametrize(
    ("text", "masked", "kind"),
    [
        # Separators: dots, spaces, dashes (ASCII, full-width, en and em), wide spaces.
        ("电话136.1234.5678", "电话136****5678", "mobile"),
        ("电话 136.1234.5678.", "电话 136****5678.", "mobile"),
        ("电话138 1234 5678", "电话138****5678", "mobile"),
        ("电话138-1234-5678", "电话138****5678", "mobile"),
        ("电话138－1234－5678", "电话138****5678", "mobile"),
        ("电话138—1234—5678", "电话138****5678", "mobile"),
        ("电话138–1234–5678", "电话138****5678", "mobile"),
        ("电话138\u30001234\u30005678", "电话138****5678", "mobile"),
        ("电话138\u00a01234\u00a05678", "电话138****5678", "mobile"),
        ("电话1 3 8 1 2 3 4 5 6 7 8", "电话138****5678", "mobile"),
        # Chinese digits: 一 or 幺 for 1, 〇 or 零 for 0, financial forms; with separators.
        ("电话一三八一二三四五六七八", "电话138****5678", "mobile"),
        ("电话幺三八幺二三四五六七八", "电话138****5678", "mobile"),
        ("我的手机是幺三八一二三四五六七八,谢谢", "我的手机是138****5678,谢谢", "mobile"),
        ("电话是幺叁捌壹贰叁肆伍陆柒捌", "电话是138****5678", "mobile"),
        ("电话一三六〇〇〇〇零零零零", "电话136****0000", "mobile"),
        ("电话幺三八 幺二三四 五六七八", "电话138****5678", "mobile"),
        ("电话一三八-一二三四-五六七八", "电话138****5678", "mobile"),
        ("电话一 三 八 一 二 三 四 五 六 七 八", "电话138****5678", "mobile"),
        ("户号三八五七一〇二九四六", "户号385***2946", "account"),
        ("户号三八五七一〇二九四六个", "户号385***2946个", "account"),
        # Full-width digits, alone or with full-width separators, letters and X.
        ("电话１３８１２３４５６７８", "电话138****5678", "mobile"),
        ("电话１３８－１２３４－５６７８", "电话138****5678", "mobile"),
        ("ｔｅｌ１３８１２３４５６７８", "ｔｅｌ138****5678", "mobile"),
        ("身份证11010519491231002Ｘ", "身份证110***********002X", "id_card"),
        # Mixed writing.
        ("电话138一二三45678", "电话138****5678", "mobile"),
        ("电话138一45678九〇", "电话138****7890", "mobile"),
        ("电话１３８一二三４５６７８", "电话138****5678", "mobile"),
        ("电话138 一二三四 5678", "电话138****5678", "mobile"),
        ("电话13812345六七八", "电话138****5678", "mobile"),
        # ID cards with spaces (single, wide), dashes and dots; in Chinese digits.
        ("身份证 110105 19491231 002X", "身份证 110***********002X", "id_card"),
        ("身份证110105 1949 1231 002x", "身份证110***********002x", "id_card"),
        (
            "身份证：１１０１０５\u3000１９４９１２３１\u3000００２Ｘ",
            "身份证：110***********002X",
            "id_card",
        ),
        ("身份证110105-19491231-002X", "身份证110***********002X", "id_card"),
        ("身份证110105.1949.1231.002X", "身份证110***********002X", "id_card"),
        ("身份证一一〇一〇五一九四九一二三一〇〇二X", "身份证110***********002X", "id_card"),
        # Bank cards with dots; numbers next to dates, times, hex ids.
        ("卡号6222.0212.3456.7890.128", "卡号622************0128", "bank_card"),
        ("2026-12-07 13812345678", "2026-12-07 138****5678", "mobile"),
        ("20:30 138 1234 5678", "20:30 138****5678", "mobile"),
        ("2026-12-07T20:30:00Z 13812345678", "2026-12-07T20:30:00Z 138****5678", "mobile"),
        (
            "id=3f9a0c1b2d4e5f60718293a4b5c6d7e8 13812345678",
            "id=3f9a0c1b2d4e5f60718293a4b5c6d7e8 138****5678",
            "mobile",
        ),
        # A Chinese digit that is a word with the next character is left to it.
        ("幺三八一二三四五六七八一下", "138****5678一下", "mobile"),
        ("一三八一二三四五六七八一直没人接", "138****5678一直没人接", "mobile"),
        ("订单号2023112212345一直没发货", "订单号202******2345一直没发货", "number"),
        # Letters before the digits, as before: a prefix, not part of a hex id.
        ("编号ID一二三四五六七八九〇一二", "编号ID123*****9012", "number"),
        ("ab1234567890", "ab123***7890", "account"),
    ],
)
def test_a_number_written_another_way_is_masked_as_the_plain_form(
    text: str, masked: str, kind: str
) -> None:
    assert mask_personal_numbers(text) == masked
    assert [number.kind for number in find_personal_numbers(text)] == [kind]


HEX_ID = "3f9a0c1b2d4e5f60718293a4b5c6d7e8"


@pytest.mark.parametrize(
    "text",
    [
        # Dates, times, money.
        "2026-12-07",
        "2026-12-07 20:30",
        "2026-12-07 20:30:15,123 INFO desk.service accepted",
        "2026/12/07 20:30",
        "2026.12.07 20:30",
        "2026年12月7日 20:30",
        "二〇二六年十二月七日晚上八点半",
        "20:30",
        "20：30",
        "营业时间 09:00-21:00",
        "¥1,234.50",
        "￥1234567890.00",
        "金额$12,345,678.90",
        "ts=1763800000.123",
        "1763800000.123.456",
        # Short numbers.
        "订单 3 件",
        "工号 1001",
        "工号1001,订单 3 件,尾号5678",
        "订单123456,尾号3391",
        "打了12345678三五次",
        # Hex ids, UUIDs, versions, IP addresses.
        f"conversation={HEX_ID}",
        HEX_ID.upper(),
        "conversation=0123456789abcdef0123456789012345",
        "0123456789abcdef",
        "abcdef0123456789",
        "9f86d081884c7d65",
        "trace 550e8400-e29b-41d4-a716-446655440000",
        "trace=c0952136-4231-2b70-3417-acafc2bce481conversation=",
        "rasa 3.6.21",
        "192.168.100.200",
        "10.0.0.1:5005",
        # Text, Chinese digits that are words, digits beside words.
        "我一直在等一个电话",
        "一二三四五六七八九十",
        "第一二三四五六七八九",
        "三三两两,一五一十,七七八八",
        "尾号5678一直没收到",
        "您好,请问有什么可以帮您?",
        "13812345678abc",
        "138  1234  5678",
    ],
)
def test_what_is_not_a_personal_number_stays(text: str) -> None:
    assert mask_personal_numbers(text) == text
    assert find_personal_numbers(text) == []


def test_a_log_line_keeps_its_ids_and_times_and_masks_its_numbers() -> None:
    line = (
        f"2026-12-07 20:30:15,123 INFO conversation={HEX_ID} agent=1001 ahead=3 "
        "访客说:我的电话是一三八 一二三四 五六七八,身份证110105 19491231 002X,金额¥1,234.50"
    )
    assert mask_personal_numbers(line) == (
        f"2026-12-07 20:30:15,123 INFO conversation={HEX_ID} agent=1001 ahead=3 "
        "访客说:我的电话是138****5678,身份证110***********002X,金额¥1,234.50"
    )


# How each digit may be written (1 and 0 have two Chinese forms); an ID card's X stays a letter.
CHINESE = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))
CHINESE.update({"0": "〇零", "1": "一幺"})
FINANCIAL = dict(zip("0123456789", "零壹贰叁肆伍陆柒捌玖", strict=True))
FULL_WIDTH = dict(zip("0123456789Xx", "０１２３４５６７８９Ｘｘ", strict=True))
Writer = Callable[[random.Random, str], str]


def _plain(rnd: random.Random, digits: str) -> str:
    return digits


def _full_width(rnd: random.Random, digits: str) -> str:
    return "".join(FULL_WIDTH[c] for c in digits)


def _chinese(rnd: random.Random, digits: str) -> str:
    return "".join(rnd.choice(CHINESE.get(c, c)) for c in digits)


def _financial(rnd: random.Random, digits: str) -> str:
    return "".join(FINANCIAL.get(c, c) for c in digits)


def _mixed(rnd: random.Random, digits: str) -> str:
    """Each digit plain, full-width or Chinese, and at least 3 in Chinese."""
    chinese = set(rnd.sample(range(len(digits) - 1), 3))
    return "".join(
        _chinese(rnd, c) if i in chinese else rnd.choice([_plain, _full_width, _chinese])(rnd, c)
        for i, c in enumerate(digits)
    )


WRITERS: List[Writer] = [_plain, _full_width, _chinese, _financial, _mixed]
# How numbers are grouped, and what may join the groups.
GROUPS = {"mobile": [3, 4, 4], "id_card": [6, 8, 4], "bank_card": [4, 4, 4, 4, 3]}
GROUPS["account"] = [4, 3, 3]
DOTTED_GROUPS = {"mobile": [3, 4, 4], "id_card": [6, 4, 4, 4], "bank_card": [4, 4, 4, 4, 3]}
SEPARATORS = ["", " ", "-", "\u3000", "－", "—"]
BEFORE = ["", "电话", "我的手机是", "身份证号:", "户号 ", "卡号:", "tel ", "麻烦打", "(", "号码是"]
AFTER = ["", ",谢谢", "。", " 请回电", ")", "!", ",尽快联系我"]


def _digits(rnd: random.Random, kind: str) -> str:
    digits = "".join(rnd.choice("0123456789") for _ in range(17))
    if kind == "mobile":
        return "1" + rnd.choice("3456789") + digits[:9]
    if kind == "id_card":
        return rnd.choice("123456") + digits[:16] + rnd.choice("0123456789Xx")
    if kind == "bank_card":
        return "62" + digits[:17]
    return rnd.choice("3456789") + digits[:9]


def _grouped(written: str, sizes: List[int], separator: str) -> str:
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return separator.join(written[at : at + size] for at, size in zip(starts, sizes, strict=True))


def written_numbers(seed: int, count: int) -> List[Tuple[str, str, str]]:
    """(text, the text masked, kind) for numbers written every way, in short sentences."""
    rnd = random.Random(seed)
    cases = []
    for _ in range(count):
        kind = rnd.choice(list(GROUPS))
        digits = _digits(rnd, kind)
        written = rnd.choice(WRITERS)(rnd, digits)
        how = rnd.random()
        if how < 0.15 and kind in DOTTED_GROUPS:
            number = _grouped(written, DOTTED_GROUPS[kind], rnd.choice([".", "．"]))
        elif how < 0.6:
            number = _grouped(written, GROUPS[kind], rnd.choice(SEPARATORS))
        else:
            number = written
        before, after = rnd.choice(BEFORE), rnd.choice(AFTER)
        masked = digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
        cases.append((before + number + after, before + masked + after, kind))
    return cases


def test_numbers_written_every_way_are_masked_as_the_plain_form() -> None:
    cases = written_numbers(seed=20261207, count=600)
    assert {kind for _, _, kind in cases} == set(GROUPS)
    wrong = [
        (text, mask_personal_numbers(text), masked)
        for text, masked, _ in cases
        if mask_personal_numbers(text) != masked
    ]
    assert wrong == []
    found = [[n.kind for n in find_personal_numbers(text)] for text, _, _ in cases]
    assert found == [[kind] for _, _, kind in cases]


def not_personal_texts(seed: int, count: int) -> List[str]:
    """Sentences of dates, times, money, short numbers and ids, with words between them."""
    rnd = random.Random(seed)

    def item() -> str:
        choice = rnd.randrange(9)
        if choice == 0:
            year, month, day = rnd.randrange(1990, 2040), rnd.randrange(1, 13), rnd.randrange(1, 29)
            separator = rnd.choice("-/.")
            return f"{year}{separator}{month:02}{separator}{day:02}"
        if choice == 1:
            return f"{rnd.randrange(24):02}:{rnd.randrange(60):02}" + rnd.choice(["", ":05"])
        if choice == 2:
            return f"¥{rnd.randrange(1, 10**7):,}.{rnd.randrange(100):02}"
        if choice == 3:
            return f"订单 {rnd.randrange(1, 20)} 件"
        if choice == 4:
            return f"工号{rnd.randrange(1000, 10000)}"
        if choice == 5:
            hex_id = uuid.UUID(int=rnd.getrandbits(128)).hex
            return hex_id if any(c.isalpha() for c in hex_id) else "ff" + hex_id[2:]
        if choice == 6:
            return str(uuid.UUID(int=rnd.getrandbits(128)))
        if choice == 7:
            return "".join(rnd.choice("0123456789abcdef") for _ in range(16)) + "f"
        return f"{rnd.randrange(2000, 2030)}年{rnd.randrange(1, 13)}月{rnd.randrange(1, 29)}日"

    words = [",", "。", " 您好 ", " 到账 ", "conversation=", " ahead=3 ", "我一直在等", "一下"]
    return [
        "".join(rnd.choice(words) + item() for _ in range(6)) + rnd.choice(words)
        for _ in range(count)
    ]


def test_dates_times_money_and_ids_stay_in_any_order() -> None:
    texts = not_personal_texts(seed=20261208, count=500)
    assert [t for t in texts if mask_personal_numbers(t) != t] == []


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("电话一三八-１２３４－5678", "电话138-1234-5678"),
        ("电话136.1234.5678。", "电话136-1234-5678。"),
        ("138\u30001234—5678", "138 1234-5678"),
        ("我一直在等一个电话", "我一直在等一个电话"),
        ("2026-12-07 20:30 ¥1,234.50", "__________ _____ ¥________"),
        (f"id={HEX_ID}", "id=" + "_" * 32),
    ],
)
def test_the_patterns_see_numbers_written_plainly_and_nothing_else(text: str, seen: str) -> None:
    assert finding_text(text) == seen


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_finding_text_has_the_same_length(seed: int) -> None:
    rnd = random.Random(seed)
    alphabet = "0123456789０１２３４５６７８９一二三幺〇零壹Xx Ｘ.．-－—:：\u3000¥abcdef是号一下"
    for _ in range(2000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(40)))
        assert len(finding_text(text)) == len(text)
