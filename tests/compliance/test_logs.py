"""Every log record of a process is masked where it is made, whoever configured the handlers."""

import logging

import pytest

from compliance import logs


def test_records_from_any_logger_are_masked_before_handlers_see_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    factory = logging.getLogRecordFactory()
    logs._installed = False
    try:
        logs.mask_every_record()
        logs.mask_every_record()  # a second call changes nothing
        with caplog.at_level(logging.INFO):
            logging.getLogger("rasa.somewhere").warning("user_text=%s", "/{坏 13912345678")
            logging.getLogger("structlog").info("手机 13912345678 身份证 110105199001011234")
        messages = [r.getMessage() for r in caplog.records]
        assert messages and all("13912345678" not in m for m in messages)
        assert all("110105199001011234" not in m for m in messages)
        assert "user_text=/{坏 " in messages[0]
    finally:
        logging.setLogRecordFactory(factory)
        logs._installed = False
