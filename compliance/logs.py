"""Masked logs in every process of the product, whichever library writes them.

Rasa and rasa-sdk configure their own handlers (coloredlogs, structlog rendered through the
standard library), so a filter on one handler misses records. `mask_every_record` replaces the
process's log-record factory instead: every record is masked where it is made, before any
handler, formatter or structlog renderer sees it.
"""

import logging
from typing import Any

from compliance.masking import MaskingFilter

_installed = False


def mask_every_record() -> None:
    """Masks personal numbers in the message of every log record this process creates."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()
    masking = MaskingFilter()  # the desk's handler filter, applied where records are made

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            masking.filter(record)
        except (TypeError, ValueError):  # a bad format string: leave it to logging to report
            pass
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True
