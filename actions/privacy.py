"""Masking of phone, ID-card, bank-card and account numbers for log lines."""

import logging
import re
from typing import Match

# A run of 10 or more digits (ID cards may end in X), spaces or dashes allowed between
# groups: 11-digit mobiles, 10-digit 户号, 18-character ID cards, 16-19-digit bank cards.
_LONG_NUMBER = re.compile(r"(?<![0-9])\d(?:[- ]?\d){8,}[\dXx](?![0-9A-Za-z])")


def _mask(match: Match[str]) -> str:
    digits = re.sub(r"[- ]", "", match.group(0))
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_personal_data(text: str) -> str:
    """Replaces the middle of every long number with asterisks (138****5678)."""
    return _LONG_NUMBER.sub(_mask, text)


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal numbers in every record it lets through."""

    def filter(self, record: logging.LogRecord) -> bool:
        masked = mask_personal_data(record.getMessage())
        record.msg, record.args = masked, None
        return True
