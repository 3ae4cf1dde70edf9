"""Personal numbers (phone, ID-card, bank-card, account) found and masked by the compliance
pipeline's `personal_numbers` token patterns, for logs, the queue and exports; `MaskingFilter`
masks every record of the desk's logs.

A number is a run of 10 or more digits (an ID card's last may be X) in one token or in digit
groups joined by single spaces or dashes (`138-1234-5678`, `6222 0212 3456 7890 128`); it is
shown as its first 3 and last 4 digits with asterisks between (`138****5678`).

The patterns see the text as written after `finding_text`, which changes characters one for one
(so offsets still hold): full-width and other Unicode digits, Chinese digits read one by one
(`一三八…`, `幺`, `〇`/`零`, `壹贰…`), full-width X, dots grouping a number like a phone's
(`136.1234.5678`) and wide spaces or dashes between digits all become what the plain form has;
hex ids, UUIDs, times, dates and amounts of money are blanked out so that none of their digits
counts. A masked number always shows ASCII digits (`一三八一二三四五六七八` → `138****5678`).
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, List

from compliance.pipeline import NUMBERS, get_nlp

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

    from compliance.pipeline import Segmenter

MIN_CHARS = 10  # the shortest number masked: a 10-digit 户号
KEEP_START, KEEP_END = 3, 4


# Chinese digits as a number is read out one digit at a time (幺 for 1) and in financial form.
CHINESE_DIGITS = "〇零幺一二三四五六七八九壹贰叁肆伍陆柒捌玖"
_CHINESE_TO_ASCII = str.maketrans(CHINESE_DIGITS, "001123456789123456789")
_CHINESE_DIGIT = re.compile(f"[{CHINESE_DIGITS}]")
# What may stand between two digits of a number as written: a space, dash or dot, maybe wide.
_SEPARATOR = "[ \u00a0\u3000\\-\uff0d\u2010-\u2015\u2212.\uff0e]"
_DIGIT_SEQUENCE = re.compile(f"[0-9{CHINESE_DIGITS}](?:{_SEPARATOR}?[0-9{CHINESE_DIGITS}])*")
CHINESE_RUN = 3  # this many Chinese digits in a sequence make it a number's
# Nine digits with at most one separator between each two: what any number needs (an ID card's X
# may be its tenth character); a text without them skips the pipeline.
_NINE_DIGITS = re.compile(r"\d(?:[ -]?\d){8}")
_NINE_DIGITS_AS_WRITTEN = re.compile(
    f"[\\d{CHINESE_DIGITS}](?:{_SEPARATOR}?[\\d{CHINESE_DIGITS}]){{8}}"
)
_NON_ASCII_DIGIT = re.compile(r"[^\D0-9]")
# A full-width X after a digit; a wide space, a dash, a full-width dot or colon between digits.
_WIDE = re.compile("(?<=[0-9])[Ｘｘ]|(?<=[0-9])[\u00a0\u3000－‐‑‒–—―−．：](?=[0-9])")
_WIDE_TO_ASCII = str.maketrans("Ｘｘ\u00a0\u3000－‐‑‒–—―−．：", "Xx  --------.:")
# Digit groups joined by two or more dots, each middle group of 4 digits: a phone, ID or card
# number (`136.1234.5678`), never a decimal number, an IP address or a date (`2026.12.07`).
_DOTTED = re.compile(r"(?<![\d.])\d{2,6}(?:\.\d{4})+\.\d{2,4}[Xx]?(?!\.?\d)")
# What holds digits but is no personal number; blanked out before the patterns run.
_NOT_PERSONAL = re.compile(
    r"(?<![0-9A-Za-z])(?=[0-9]*[A-Fa-f])[0-9A-Fa-f]{16,}(?![0-9A-Za-z])"  # a hex id
    r"|(?=[0-9-]{0,35}[A-Fa-f])[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}"  # a UUID
    r"|(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])"  # a time, 20:30 or 20:30:15
    # a date, 2026-12-07, 2026/12/07 or 2026.12.07
    r"|(?<![\d./-])(?:19|20)\d\d([-./])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])(?![\d]|[-./]\d)"
    r"|(?<=[¥￥$])\d[\d,]*(?:\.\d+)?"  # an amount of money
)
BLANK = "_"


def _is_word(text: str) -> bool:
    """Whether `text` is a word of the pipeline's jieba dictionary (一下, 第一)."""
    segmenter: Segmenter = get_nlp().tokenizer.jieba_seg  # type: ignore[union-attr]
    return bool(segmenter.tokenizer.FREQ.get(text))


def _chinese_digits(match: "re.Match[str]") -> str:
    """A sequence of digits, Chinese digits and single separators, with its Chinese digits as
    ASCII ones if the sequence is long enough to hold a number and they are its digits: 3 or
    more of them (`一三八…`, `幺 三 八 …`), or fewer between ASCII digits (`138一二345678`).
    One at the edge of a number is not (`…2345一直`); with 3 or more, one that makes a word
    with the character beyond it is not either (`…五六七八一下`, `第一三八…`), unless the
    rest is too short to be masked."""
    written = match.group()
    ascii_ = written.translate(_CHINESE_TO_ASCII)
    if ascii_ == written or sum(map(str.isdecimal, ascii_)) < MIN_CHARS - 1:
        return written
    if written[0] == ascii_[0] and written[-1] == ascii_[-1]:
        return ascii_
    if sum(a != b for a, b in zip(written, ascii_, strict=True)) < CHINESE_RUN:
        return written
    text, start, end = match.string, match.start(), match.end()
    first = 1 if start > 0 and _is_word(text[start - 1 : start + 1]) else 0
    last = len(written) - (1 if end < len(text) and _is_word(text[end - 1 : end + 1]) else 0)
    if sum(map(str.isdecimal, ascii_[first:last])) < MIN_CHARS:
        return ascii_
    return written[:first] + ascii_[first:last] + written[last:]


def finding_text(text: str) -> str:
    """`text` as the patterns see it: the same length, character for character, with numbers
    written the plain way and the digits of what is not personal blanked out."""
    if not text.isascii():
        text = _NON_ASCII_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)
        if _CHINESE_DIGIT.search(text):
            text = _DIGIT_SEQUENCE.sub(_chinese_digits, text)
        text = _WIDE.sub(lambda m: m.group().translate(_WIDE_TO_ASCII), text)
    if "." in text:
        text = _DOTTED.sub(lambda m: m.group().replace(".", "-"), text)
    return _NOT_PERSONAL.sub(lambda m: BLANK * len(m.group()), text)


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
    if not _NINE_DIGITS_AS_WRITTEN.search(text):
        return []  # too few digits together: no spaCy needed
    finding = finding_text(text)
    if not _NINE_DIGITS.search(finding):
        return []  # nor once dates, times, money and ids are left out
    nlp = get_nlp()
    doc = nlp.get_pipe(NUMBERS)(nlp.make_doc(finding))  # the rules' ruler is not needed here
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
