"""Pinyin features: what a message sounds like, beside how it is written.

Visitors write what they hear: homophones and typos of the input method (写写 for 谢谢, 在见 for
再见, 攻号 for 工号) and pinyin itself (xiexie, zai jian, gonghao多少). Word and character
features see nothing in common between 谢谢, 写写 and xiexie; their syllables (xie xie) are the
same. The featurizer is Rasa's CountVectorsFeaturizer over each token's tone-less syllables
instead of its characters.
"""

import re
from functools import lru_cache
from typing import Dict, FrozenSet, List

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PINYIN_DICT
from pypinyin.contrib.tone_convert import to_normal
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT

_RUNS = re.compile(r"[\u4e00-\u9fff]+|[a-z]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def pinyin_syllables() -> FrozenSet[str]:
    """Every tone-less syllable pypinyin knows (ü written v, as on a keyboard)."""
    syllables = set()
    for readings in PINYIN_DICT.values():
        for reading in readings.split(","):
            syllable = to_normal(reading).replace("ü", "v")
            if syllable.isascii() and syllable.isalpha():
                syllables.add(syllable)
    return frozenset(syllables)


@lru_cache(maxsize=1)
def longest_syllable() -> int:
    """The length of the longest syllable (6: zhuang), how far a split looks ahead."""
    return max(map(len, pinyin_syllables()))


def split_pinyin(word: str) -> List[str] | None:
    """`word` as the fewest pinyin syllables (zaijian: zai jian), or None if it is not pinyin.

    A single letter is not taken for pinyin: "a", "e" and "o" are syllables, but mostly they
    are English or abbreviations.
    """
    if len(word) < 2:
        return None
    known = pinyin_syllables()
    longest = longest_syllable()
    # best[i]: the fewest syllables spelling word[:i], None while unreachable.
    best: List[List[str] | None] = [[]] + [None] * len(word)
    for start in range(len(word)):
        prefix = best[start]
        if prefix is None:
            continue
        for end in range(start + 1, min(start + longest, len(word)) + 1):
            current = best[end]
            if word[start:end] in known and (current is None or len(prefix) + 1 < len(current)):
                best[end] = prefix + [word[start:end]]
    return best[-1]


def syllables(text: str) -> List[str]:
    """The tone-less syllables of `text`: its Chinese characters read out, its pinyin split.

    Latin words that are not pinyin (ok, hello), digits and everything else give none.
    """
    result: List[str] = []
    for run in _RUNS.findall(text.lower()):
        if _HAN.match(run):
            result.extend(lazy_pinyin(run, style=Style.NORMAL))
        else:
            result.extend(split_pinyin(run) or [])
    return result


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class PinyinFeaturizer(CountVectorsFeaturizer):
    """CountVectorsFeaturizer over the syllables of each token of the message text.

    Only the text is featurized (not intents, responses or action names): sounds help to
    understand a visitor, not to tell labels apart. Each token becomes its syllables, so the
    sequence features stay aligned with the tokens, and `max_ngram` 2 adds syllable pairs
    (sentence features join the tokens, so pairs cross token boundaries: 在见 is zai jian
    even when jieba cuts it in two).
    """

    @staticmethod
    def get_default_config() -> Dict[str, object]:
        """CountVectorsFeaturizer's defaults with syllable pairs."""
        return {**CountVectorsFeaturizer.get_default_config(), "max_ngram": 2}

    @staticmethod
    def _attributes_for(analyzer: str) -> List[str]:
        return [TEXT]

    def _process_tokens(self, tokens: List[str], attribute: str = TEXT) -> List[str]:
        return [" ".join(syllables(token)) for token in tokens]
