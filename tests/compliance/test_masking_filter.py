"""The logging filter every desk log record passes through."""

import logging

from compliance.masking import MaskingFilter


def test_a_record_is_masked_after_its_arguments_are_filled_in() -> None:
    record = logging.LogRecord(
        "desk",
        logging.INFO,
        __file__,
        1,
        "留言 phone=%s from %s",
        ("13812345678", "户号3857102946"),
        None,
    )
    assert MaskingFilter().filter(record) is True
    assert record.getMessage() == "留言 phone=138****5678 from 户号385***2946"
    assert record.args is None


def test_short_numbers_in_a_record_stay() -> None:
    record = logging.LogRecord("desk", logging.INFO, __file__, 1, "订单%d", (123456,), None)
    MaskingFilter().filter(record)
    assert record.getMessage() == "订单123456"
