import pytest

from actions.normalize import (
    ACCOUNT_NUMBER_DIGITS,
    find_account_number,
    find_phone_last4,
    halfwidth,
    normalize_account_number,
    normalize_address,
    normalize_name,
    normalize_phone,
)

SQL = "'; DROP TABLE customers; --"
SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２３４５６７８９０", "1234567890"),
        ("ＡＢＣ　ｄｅｆ", "ABC def"),
        ("户号：３８５７", "户号:3857"),
        ("已经是半角 abc 123", "已经是半角 abc 123"),
        ("", ""),
    ],
)
def test_halfwidth(text: str, expected: str) -> None:
    assert halfwidth(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的户号是 １２３４-５６７８ ９０", "1234567890"),
        ("1234567890", "1234567890"),
        ("户号3857102946", "3857102946"),
        ("户号：１２３４．５６７８．９０。", "1234567890"),
        ("1234 5678 90", "1234567890"),
        ("1234－5678－90", "1234567890"),
        ("1234—5678—90", "1234567890"),
        ("1234‐5678–90", "1234567890"),
        ("1234 - 5678 - 90 谢谢", "1234567890"),
        ("是0123456789", "0123456789"),
        ("户号1234567890，手机尾号8888", "1234567890"),
        ("2019年开的户，户号1234567890", "1234567890"),
        ("1234567890，对，就是1234567890", "1234567890"),
        ("my number is 1234567890", "1234567890"),
        ("户号1234567890😀", "1234567890"),
        (f"1234567890{SQL}", "1234567890"),
        ("123456789", None),  # 9 digits
        ("12345678901", None),  # 11 digits: a phone
        ("１２３４５", None),
        ("12345abc90", None),
        ("1234567890abc", None),
        ("A1234567890", None),
        ("1234567890-x", None),
        ("户号1234567890，订单AB1234", "1234567890"),  # short runs are left aside
        ("户号1234567890，编号1234567AB", None),
        ("户号1234567890或者1234567891", None),
        ("户号1234567890，电话13812345678", None),
        ("我不知道户号", None),
        ("", None),
        ("   ", None),
        ("😀😀", None),
        (SQL, None),
        (SCRIPT, None),
        ("1234567890' OR '1'='1", "1234567890"),
    ],
)
def test_find_account_number(text: str, expected: str | None) -> None:
    assert find_account_number(text) == expected


def test_account_number_has_ten_digits() -> None:
    assert ACCOUNT_NUMBER_DIGITS == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234567890", "1234567890"),
        ("１２３４-５６７８ ９０", "1234567890"),
        ("1234.5678.90", "1234567890"),
        ("户号1234567890", None),
        ("1234567890' OR '1'='1", None),
        ("123456789", None),
        ("12345678901", None),
        ("١٢٣٤٥٦٧٨٩٠", None),  # Arabic-Indic digits are digits, but not ours
        ("", None),
        (SQL, None),
    ],
)
def test_normalize_account_number(text: str, expected: str | None) -> None:
    assert normalize_account_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("尾号８８８８", "8888"),
        ("后四位是 12 34", "1234"),
        ("后4位是8888", "8888"),
        ("手机末4位：0427。", "0427"),
        ("最后四位 5-6-7-8", "5678"),
        ("8888", "8888"),
        ("888", None),
        ("88888", None),
        ("尾号13812345678", None),
        ("88a8", None),
        ("尾号8888a", None),
        ("尾号8888，不对，是1234", None),
        ("", None),
        ("不记得了", None),
        ("😀8888😀", "8888"),
        (SQL, None),
        (SCRIPT, None),
    ],
)
def test_find_phone_last4(text: str, expected: str | None) -> None:
    assert find_phone_last4(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８ １２３４ ５６７８", "13812345678"),
        ("1381234567", None),
        ("١٣٨١٢٣٤٥٦٧٨", None),  # Arabic-Indic digits
        ("phone 13812345678", None),
        ("", None),
    ],
)
def test_normalize_phone(text: str, expected: str | None) -> None:
    assert normalize_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("王芳", "王芳"),
        ("户名是 王 芳", "王芳"),
        ("我叫王芳", "王芳"),
        ("我是王芳。", "王芳"),
        ("户名：王芳！", "王芳"),
        ("户主是　欧阳娜娜", "欧阳娜娜"),
        ("名字是司马光", "司马光"),
        ("姓名是诸葛亮", "诸葛亮"),
        ("我的名字叫张伟", "张伟"),
        ("买买提·艾力", "买买提·艾力"),
        ("买买提・艾力", "买买提·艾力"),
        ("阿依古丽.吐尔逊", "阿依古丽·吐尔逊"),
        ("王", None),
        ("我叫王", None),
        ("王芳1", None),
        ("Wang Fang", None),
        ("王芳abc", None),
        ("王芳😀", None),
        ("😀", None),
        ("", None),
        ("   ", None),
        ("户名是", None),
        ("·王芳·", "王芳"),
        ("买买提··艾力", None),
        ("王" * 5, "王" * 5),
        ("王" * 6, None),
        ("你们网站应该加个夜间模式", None),  # a sentence is no name
        ("段远子", "段远子"),  # NLU took this one for an insult: the form must still take it
        ("万俟卨", "万俟卨"),
        ("好的", None),  # no surname: everyday replies are never a name attempt
        ("你好", None),
        ("你们真垃圾", None),
        ("谢谢", None),  # a surname first, but an everyday word
        ("明白了", None),
        ("马上", None),
        ("阿依古丽·" + "王" * 15, "阿依古丽·" + "王" * 15),
        ("阿依古丽·" + "王" * 17, None),
        (SQL, None),
        ("王芳' OR '1'='1", None),
        (SCRIPT, None),
    ],
)
def test_normalize_name(text: str, expected: str | None) -> None:
    assert normalize_name(text) == expected


ADDRESS = "浙江省杭州市西湖区文三路128号3幢502室"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ADDRESS, ADDRESS),
        ("浙江省 杭州市 西湖区 文三路 128 号 3 幢 502 室", ADDRESS),
        ("浙江省杭州市西湖区文三路１２８号３幢５０２室。", ADDRESS),
        ("地址是：浙江省杭州市西湖区文三路128号3幢502室", ADDRESS),
        ("我住在浙江省杭州市西湖区文三路128号3幢502室", ADDRESS),
        ("我家在浙江省杭州市西湖区文三路128号3幢502室", ADDRESS),
        ("北京市海淀区中关村大街27号#B座-1201", "北京市海淀区中关村大街27号B座1201"),
        ("北京市海淀区 b座", "北京市海淀区B座"),
        ("上海市,浦东新区", "上海市浦东新区"),
        ("杭州西湖", "杭州西湖"),
        ("杭州市", None),  # 3 characters
        ("住在杭州", None),  # 2 after the lead-in
        ("1234 Main Street", None),  # no CJK character
        ("😀😀😀😀", None),
        ("", None),
        ("  。，  ", None),
        (SQL, None),
        (SCRIPT, None),
        ("杭州市' OR '1'='1", "杭州市OR11"),
        ("路" * 201, None),
    ],
)
def test_normalize_address(text: str, expected: str | None) -> None:
    assert normalize_address(text) == expected
