"""The logging filter every desk log record passes through."""

import logging
from typing import Tuple

import pytest

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


@pytest.mark.parametrize(
    ("message", "args", "logged"),
    [
        ("回电 %s", ("136.1234.5678",), "回电 136****5678"),
        ("回电 %s", ("138 1234 5678",), "回电 138****5678"),
        ("回电 %s", ("138-1234-5678",), "回电 138****5678"),
        ("回电 %s", ("一三八一二三四五六七八",), "回电 138****5678"),
        ("回电 %s", ("幺三八幺二三四五六七八",), "回电 138****5678"),
        ("回电 %s", ("１３８１２３４５６７８",), "回电 138****5678"),
        ("回电 %s", ("138一二三45678",), "回电 138****5678"),
        ("身份证 %s", ("110105 19491231 002X",), "身份证 110***********002X"),
        ("户号%s", ("三八五七一〇二九四六",), "户号385***2946"),
        (
            "held conversation=%s agent=%d at %s",
            ("3f9a0c1b2d4e5f60718293a4b5c6d7e8", 1001, "2026-12-07 20:30"),
            "held conversation=3f9a0c1b2d4e5f60718293a4b5c6d7e8 agent=1001 at 2026-12-07 20:30",
        ),
        (
            "ticket conversation=%s amount=%s",
            ("0123456789abcdef0123456789012345", "¥1,234.50"),
            "ticket conversation=0123456789abcdef0123456789012345 amount=¥1,234.50",
        ),
    ],
)
def test_numbers_written_other_ways_are_masked_and_ids_stay(
    message: str, args: Tuple[object, ...], logged: str
) -> None:
    record = logging.LogRecord("desk", logging.INFO, __file__, 1, message, args, None)
    MaskingFilter().filter(record)
    assert record.getMessage() == logged


def test_a_logger_with_the_filter_writes_masked_lines(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("desk.test_masking_filter")
    masking = MaskingFilter()
    logger.addFilter(masking)
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("访客 %s 留言: 电话%s", "3f9a0c1b2d4e5f60718293a4b5c6d7e8", "138.1234.5678")
    finally:
        logger.removeFilter(masking)
    assert caplog.messages == ["访客 3f9a0c1b2d4e5f60718293a4b5c6d7e8 留言: 电话138****5678"]
