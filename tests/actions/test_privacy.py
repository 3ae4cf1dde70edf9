import pytest

from actions.privacy import mask_personal_data


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的手机是13812345678", "我的手机是138****5678"),
        ("电话 138-1234-5678 谢谢", "电话 138****5678 谢谢"),
        ("户号3857102946", "户号385***2946"),
        ("身份证11010519491231002X", "身份证110***********002X"),
        ("卡号6222021234567890123", "卡号622************0123"),
    ],
)
def test_long_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("text", ["订单123456", "今天是2026年11月22日", "尾号3391", "没有数字"])
def test_short_numbers_are_left_alone(text: str) -> None:
    assert mask_personal_data(text) == text
