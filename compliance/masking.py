"""Personal numbers (phone, ID-card, bank-card, account) found and masked by the compliance
pipeline's `personal_numbers` token patterns, for logs, the queue and exports; `MaskingFilter`
masks every record of the desk's logs.

A number is a run of 10 or more digits (an ID card's last may be X) in one token or in digit
groups joined by single spaces or dashes (`138-1234-5678`, `6222 0212 3456 7890 128`); it is
shown as its first 3 and last 4 digits with asterisks between (`138****5678`).
"""

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, List

from compliance.pipeline import NUMBERS, get_nlp

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

MIN_CHARS = 10  # the shortest number masked: a 10-digit 户号
KEEP_START, KEEP_END = 3, 4


@dataclass(frozen=True)
class PersonalNumber:
    """A number found in a text: its character offsets, its digits and what it looks like."""

    start: int
    end: int
    digits: str
    kind: str

    @property
    def masked(self) -> str:
        hidden = len(self.digits) - KEEP_START - KEEP_END
        return self.digits[:KEEP_START] + "*" * hidden + self.digits[-KEEP_END:]


def kind_of(digits: str) -> str:
    """`mobile` (11 digits from 1), `id_card` (18), `bank_card` (16-19), `account` (10, 户号),
    or `number` for any other run of 10 or more."""
    if len(digits) == 11 and digits[0] == "1":
        return "mobile"
    if len(digits) == 18:
        return "id_card"
    if 16 <= len(digits) <= 19:
        return "bank_card"
    if len(digits) == 10:
        return "account"
    return "number"


def _ends_number(token: "Token") -> bool:
    """An ID card's X ends the number: nothing joins after it."""
    return token.text[-1] in "Xx"


def _runs(span: "Span") -> Iterator[List["Token"]]:
    """The runs of digit groups in a matched chain.

    Groups join when written together, with one space (a token's trailing whitespace is at most
    one space; more spaces are a token of their own and end the chain) or with a dash and no
    spaces (`138-1234`). An ID card's X ends its run; anything else ends a run too.
    """
    run: List[Token] = []
    dashed = False
    for token in span:
        if token.text == "-":
            if run and not dashed and not run[-1].whitespace_ and not token.whitespace_:
                dashed = True
                continue
            if run:
                yield run
            run, dashed = [], False
        elif run and not _ends_number(run[-1]):
            run.append(token)
            dashed = False
        else:
            if run:
                yield run
            run, dashed = [token], False
    if run:
        yield run


_DIGITS_AT_END = re.compile(r"\d+[Xx]?$")


def _number(run: List["Token"]) -> PersonalNumber | None:
    """The run as a personal number, or None if it is too short."""
    first, last = run[0], run[-1]
    digits_at = _DIGITS_AT_END.search(first.text)
    assert digits_at is not None  # the pattern's first token ends in digits
    digits = digits_at.group() + "".join(token.text for token in run[1:])
    if len(digits) < MIN_CHARS:
        return None
    start = first.idx + digits_at.start()
    return PersonalNumber(start, last.idx + len(last.text), digits, kind_of(digits))


def find_personal_numbers(text: str) -> List[PersonalNumber]:
    """Every personal number in `text`, in order."""
    if sum(map(str.isdecimal, text)) < MIN_CHARS - 1:  # too few digits: no spaCy needed
        return []
    nlp = get_nlp()
    doc = nlp.get_pipe(NUMBERS)(nlp.make_doc(text))  # the rules' ruler is not needed here
    found: List[PersonalNumber] = []
    for span in doc.spans[NUMBERS]:
        for run in _runs(span):
            number = _number(run)
            if number is not None:
                found.append(number)
    return found


def mask_personal_numbers(text: str) -> str:
    """`text` with the middle of every personal number replaced by asterisks."""
    pieces: List[str] = []
    done = 0
    for number in find_personal_numbers(text):
        pieces += [text[done : number.start], number.masked]
        done = number.end
    return "".join(pieces) + text[done:]


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal numbers in every record it lets through."""

    def filter(self, record: logging.LogRecord) -> bool:
        masked = mask_personal_numbers(record.getMessage())
        record.msg, record.args = masked, None
        return True
