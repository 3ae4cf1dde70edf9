"""The compliance package's one spaCy pipeline: a blank `zh` pipeline segmented by jieba.

It carries two span rulers: `service_language`, the inventory's forbidden-phrase patterns
(compliance/checker.py), and `personal_numbers`, token patterns for phone, ID-card, bank-card
and account numbers (compliance/masking.py). It is built on first use, once per process
(`get_nlp`); importing this module loads neither spaCy nor jieba.
"""

import logging
import sys
import threading
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, cast

from compliance.inventory import Inventory, load_inventory

if TYPE_CHECKING:
    from spacy.language import Language

ROOT = Path(__file__).resolve().parent.parent
# The bot's jieba user dictionary (config.yml): the checker segments text as the bot's NLU does.
USER_DICTIONARIES = ROOT / "dictionaries" / "jieba"

RULES = "service_language"
NUMBERS = "personal_numbers"

# A token that ends in digits (an ID card's may end in X), optionally after ASCII letters, e.g.
# `13812345678`, `11010519491231002X`, `ID3857102946`; then more digit groups or dashes.
NUMBER_START = r"^(?:[0-9A-Za-z]*[A-Za-z])?\d+[Xx]?$"
NUMBER_PART = r"^(?:\d+[Xx]?|-)$"
NUMBER_CHAIN: List[Dict[str, Any]] = [
    {"TEXT": {"REGEX": NUMBER_START}},
    {"TEXT": {"REGEX": NUMBER_PART}, "OP": "*"},
]

_LOCK = threading.Lock()


def import_spacy() -> ModuleType:
    """Imports spaCy without TensorFlow unless something already loaded it.

    thinc (spaCy's ML library) imports TensorFlow when it is installed, as it is beside Rasa:
    that costs ~3 s and ~360 MB per process (desk, action server) for nothing the blank pipeline
    uses (docs/compliance.md, scripts/bench_compliance.py). TensorFlow stays importable after.
    """
    if "spacy" in sys.modules or "tensorflow" in sys.modules:
        import spacy

        return spacy
    sys.modules["tensorflow"] = None  # type: ignore[assignment]  # thinc: "not installed"
    try:
        import spacy
    finally:
        if sys.modules.get("tensorflow", "") is None:
            del sys.modules["tensorflow"]
    return spacy


class Segmenter:
    """jieba's segmentation with the bot's user dictionary and the inventory's words.

    A private copy of jieba's default dictionary, so adding words never changes how other code in
    the process (Rasa's JiebaTokenizer) segments. spaCy calls `cut(text, cut_all=False)`.
    """

    def __init__(self, words: Iterable[str], dictionaries: Path | None) -> None:
        import jieba

        jieba.dt.check_initialized()  # spaCy's jieba segmenter has loaded it already
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.FREQ = dict(jieba.dt.FREQ)
        self.tokenizer.total = jieba.dt.total
        self.tokenizer.initialized = True
        if dictionaries is not None:
            for path in sorted(dictionaries.glob("*.txt")):
                self.tokenizer.load_userdict(str(path))
        for word in words:
            self.tokenizer.add_word(word)

    def cut(self, text: str, cut_all: bool = False) -> Iterable[str]:
        """The words of `text`, in order (jieba's accurate mode with HMM, as spaCy uses it)."""
        words: Iterable[str] = self.tokenizer.cut(text, cut_all=cut_all)
        return words


def build_nlp(inventory: Inventory, dictionaries: Path | None = USER_DICTIONARIES) -> "Language":
    """A new pipeline for `inventory`; `dictionaries` is a folder of jieba user dictionaries."""
    spacy = import_spacy()
    import jieba  # before quieting its logger: importing jieba sets the logger's level

    jieba_logger = logging.getLogger(jieba.__name__)
    level = jieba_logger.level
    jieba_logger.setLevel(logging.WARNING)  # jieba prints its dictionary loading at DEBUG
    try:
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    finally:
        jieba_logger.setLevel(level)
    nlp.tokenizer.jieba_seg = Segmenter(inventory.words, dictionaries)
    rules = nlp.add_pipe("span_ruler", name=RULES, config={"spans_key": RULES, "validate": True})
    rules.add_patterns(
        [
            {"label": rule.id, "pattern": list(pattern)}
            for rule in inventory.rules
            for pattern in rule.patterns
        ]
    )
    numbers = nlp.add_pipe(
        "span_ruler",
        name=NUMBERS,
        config={
            "spans_key": NUMBERS,
            "spans_filter": {"@misc": "spacy.first_longest_spans_filter.v1"},
            "validate": True,
        },
    )
    numbers.add_patterns([{"label": "number", "pattern": NUMBER_CHAIN}])
    return cast("Language", nlp)


@lru_cache(maxsize=1)
def default_inventory() -> Inventory:
    """compliance/inventory.yml, read once per process."""
    return load_inventory()


@lru_cache(maxsize=1)
def _default_nlp() -> "Language":
    return build_nlp(default_inventory())


def get_nlp() -> "Language":
    """The process's pipeline for compliance/inventory.yml, built on the first call."""
    with _LOCK:
        return _default_nlp()


def segment(text: str) -> List[str]:
    """jieba's words for `text`, as the pipeline segments it (the bot's user dictionary and the
    inventory's words included): the learned checker's word features."""
    tokenizer: Any = get_nlp().tokenizer  # spaCy's ChineseTokenizer; build_nlp set jieba_seg
    segmenter = cast(Segmenter, tokenizer.jieba_seg)
    return list(segmenter.cut(text))
