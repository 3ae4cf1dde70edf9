"""Normalisation of what a visitor types to verify an account: 户号, phone tail, name, address.

Pure functions, no I/O. Every value is NFKC-normalised first (full-width digits, letters and
spaces become ASCII), then reduced to one canonical form, or None when the text does not hold
exactly one plausible value. The directory compares canonical forms by exact equality.
"""

import re
import unicodedata
from typing import List, Match, Pattern, Set, Tuple

from actions.surnames import COMPOUND_SURNAMES, NOT_NAMES, SINGLE_SURNAMES

ACCOUNT_NUMBER_DIGITS = 10
PHONE_DIGITS = 11
PHONE_LAST_DIGITS = 4
NAME_MIN_CHARS = 2
# A Han name is at most 5 characters (compound surname + given name); longer is a sentence, which
# must not pass for a name and cost the visitor a check. Names whose parts a middle dot separates
# (transliterated minority names, 买买提·艾力) may run to 20.
NAME_MAX_CHARS = 5
DOTTED_NAME_MAX_CHARS = 20
ADDRESS_MIN_CHARS = 4
ADDRESS_MAX_CHARS = 200

# A run of 7 or more digits that is not a 户号 (a phone, an ID card, a mistyped 户号) makes the
# text ambiguous; shorter runs (a year, a phone tail, a house number) are left aside.
_AMBIGUOUS_DIGITS = 7

_CJK = (
    "\u3400-\u4dbf"  # extension A
    "\u4e00-\u9fff"  # unified ideographs
    "\U00020000-\U0003134f"  # extensions B-G
)
_CJK_CHAR = re.compile(f"[{_CJK}]")
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"  # after NFKC, full-width － is "-"
# Digit groups joined by whitespace, or by one dash or dot with optional whitespace around it.
_DASH_CLASS = re.escape(_DASHES)
_NUMBER = re.compile(rf"[0-9]+(?:(?:\s*[{_DASH_CLASS}.]\s*|\s+)[0-9]+)*")
_JOINERS = re.compile(rf"[\s{_DASH_CLASS}.]")
_LATIN = re.compile(r"[A-Za-z]")
# Lead-ins naming the phone tail, whose own digit would otherwise count ("后4位是8888").
_PHONE_TAIL_LEAD_IN = re.compile(r"(?:[后末尾]|最后)\s*(?:4|四)\s*位(?:数)?")

_NAME = re.compile(f"[{_CJK}]+(?:·[{_CJK}]+)*")
_NAME_DOTS = str.maketrans(dict.fromkeys("·•‧∙⋅・･.", "·"))
_NAME_LEAD_INS = (
    "我的名字叫",
    "我的名字是",
    "我的户名是",
    "开户人是",
    "开户名是",
    "户主姓名",
    "名字叫",
    "名字是",
    "户名是",
    "户名叫",
    "户主是",
    "户主叫",
    "姓名是",
    "姓名叫",
    "我叫",
    "我是",
    "户名",
    "户主",
    "姓名",
    "本人",
)

_ADDRESS_LEAD_INS = (
    "我的地址是",
    "我家的地址是",
    "我家住在",
    "我家地址",
    "我住在",
    "地址是",
    "住址是",
    "地址在",
    "我家在",
    "我家住",
    "家住在",
    "住在",
    "家住",
    "家在",
    "地址",
    "住址",
)


def halfwidth(text: str) -> str:
    """NFKC-normalises `text`: full-width digits, letters, spaces and most punctuation to ASCII."""
    return unicodedata.normalize("NFKC", text)


def _strip_lead_ins(text: str, lead_ins: Tuple[str, ...]) -> str:
    """Removes lead-ins (longest first, repeatedly) and a colon after them."""
    ordered = sorted(lead_ins, key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for lead_in in ordered:
            if text.startswith(lead_in):
                text = text[len(lead_in) :].lstrip(":：")
                changed = True
                break
    return text


def _strip_punctuation(text: str) -> str:
    """Removes punctuation (Unicode category P*) from both ends."""
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(text[end - 1]).startswith("P"):
        end -= 1
    return text[start:end]


def _letter_attached(text: str, match: Match[str]) -> bool:
    """Whether a Latin letter touches the digit run (directly, or across a dash or dot)."""
    before = match.start() - 1
    while before >= 0 and text[before] in _DASHES + ".":
        before -= 1
    after = match.end()
    while after < len(text) and text[after] in _DASHES + ".":
        after += 1
    return (before >= 0 and bool(_LATIN.match(text[before]))) or (
        after < len(text) and bool(_LATIN.match(text[after]))
    )


def _digit_runs(text: str, pattern: Pattern[str] = _NUMBER) -> List[Tuple[str, bool]]:
    """Every digit run in already-normalised `text`: (its digits, whether letters touch it)."""
    return [
        (_JOINERS.sub("", match.group(0)), _letter_attached(text, match))
        for match in pattern.finditer(text)
    ]


def normalize_account_number(text: str) -> str | None:
    """The 户号 when `text` is nothing but one (separators allowed), else None."""
    digits = _JOINERS.sub("", halfwidth(text))
    if len(digits) == ACCOUNT_NUMBER_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def find_account_number(text: str) -> str | None:
    """The 户号 (exactly 10 digits) in free text, or None when there is not exactly one.

    Spaces, dashes and dots between digit groups are ignored. Any other run of 7 or more digits,
    or one with Latin letters attached, makes the text ambiguous; shorter runs are ignored.
    """
    candidates: Set[str] = set()
    for digits, tainted in _digit_runs(halfwidth(text)):
        if len(digits) == ACCOUNT_NUMBER_DIGITS and not tainted:
            candidates.add(digits)
        elif len(digits) >= _AMBIGUOUS_DIGITS:
            return None
    return candidates.pop() if len(candidates) == 1 else None


def find_phone_last4(text: str) -> str | None:
    """The last four digits of a phone number in free text ("尾号8888"), else None.

    The text must hold exactly one digit run, of exactly 4 digits, with no letters attached.
    """
    runs = _digit_runs(_PHONE_TAIL_LEAD_IN.sub(" ", halfwidth(text)))
    if len(runs) != 1:
        return None
    digits, tainted = runs[0]
    return digits if len(digits) == PHONE_LAST_DIGITS and not tainted else None


def normalize_phone(text: str) -> str | None:
    """An 11-digit mobile number without separators, or None."""
    digits = _JOINERS.sub("", halfwidth(text))
    if len(digits) == PHONE_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def normalize_name(text: str) -> str | None:
    """A Chinese personal name ("户名是 王 芳" → "王芳"), or None.

    Valid names are 2-5 CJK characters starting with a surname (actions/surnames.py) and not an
    everyday word (谢谢, 明白), or up to 20 when a middle dot separates the parts (minority names).
    """
    name = "".join(halfwidth(text).split())
    name = _strip_lead_ins(name, _NAME_LEAD_INS)
    name = _strip_punctuation(name)
    name = name.translate(_NAME_DOTS)
    if not _NAME.fullmatch(name):
        return None
    chars = len(name.replace("·", ""))
    if "·" in name:  # transliterated names: no Han surname to check
        return name if NAME_MIN_CHARS <= chars <= DOTTED_NAME_MAX_CHARS else None
    if not NAME_MIN_CHARS <= chars <= NAME_MAX_CHARS or name in NOT_NAMES:
        return None
    surname_first = name[0] in SINGLE_SURNAMES or name[:2] in COMPOUND_SURNAMES
    return name if surname_first else None


def normalize_address(text: str) -> str | None:
    """An address with only CJK characters, ASCII letters (upper-cased) and digits, or None.

    Whitespace, punctuation and symbols are dropped, then lead-ins like 地址是 or 住在. Valid
    addresses have 4-200 characters, at least one of them CJK.
    """
    kept = [
        char.upper() if char.isascii() else char
        for char in halfwidth(text)
        if (char.isascii() and char.isalnum()) or _CJK_CHAR.match(char)
    ]
    address = _strip_lead_ins("".join(kept), _ADDRESS_LEAD_INS)
    if not ADDRESS_MIN_CHARS <= len(address) <= ADDRESS_MAX_CHARS:
        return None
    return address if _CJK_CHAR.search(address) else None
