"""Masking of phone, ID-card, bank-card and account numbers for log lines, the queue and exports.

The numbers are found by the compliance package's spaCy pipeline (compliance/masking.py), the
same one that checks service language: 11-digit mobiles, 10-digit 户号, 18-character ID cards,
16-19-digit bank cards and any other run of 10 or more digits, with single spaces or dashes
between groups.
"""

import logging

from compliance.masking import mask_personal_numbers


def mask_personal_data(text: str) -> str:
    """Replaces the middle of every long number with asterisks (138****5678)."""
    return mask_personal_numbers(text)


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal numbers in every record it lets through."""

    def filter(self, record: logging.LogRecord) -> bool:
        masked = mask_personal_data(record.getMessage())
        record.msg, record.args = masked, None
        return True
