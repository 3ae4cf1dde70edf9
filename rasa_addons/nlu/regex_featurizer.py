"""Rasa's RegexFeaturizer, with the same features and token marks made and hashed faster."""

import json
import re
from collections.abc import Iterator, Mapping
from typing import Dict, List, Tuple

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.shared.nlu.constants import ACTION_TEXT, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.io import get_text_hash
from scipy.sparse import coo_matrix


class PatternMarks(Mapping[str, bool]):
    """A token's marks: every pattern name, True if the token is inside a match.

    Reads like the dict Rasa stores, and hashes itself in one go, as Rasa's tokens, messages
    and features do (`fingerprint()`, which Rasa's training cache calls instead of hashing
    every entry: two md5 sums per name and token, 10 of the 13 s it took to hash 13,000
    training examples; docs/nlu-evaluation.md).
    """

    def __init__(self, marks: Dict[str, bool]) -> None:
        self._marks = marks

    def __getitem__(self, name: str) -> bool:
        return self._marks[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._marks)

    def __len__(self) -> int:
        return len(self._marks)

    def __repr__(self) -> str:
        return f"PatternMarks({self._marks!r})"

    def fingerprint(self) -> str:
        return str(get_text_hash(json.dumps(self._marks, sort_keys=True)))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class FastRegexFeaturizer(RegexFeaturizer):
    """RegexFeaturizer's features and token marks, made and hashed faster.

    Rasa's component marks each token with a dict of every pattern name, True or False, by
    looping over all patterns for every token, and Rasa's training cache then hashes every
    entry of every dict (docs/nlu-evaluation.md). Here each token's marks start from one
    all-False template, only the matches are visited, and the marks are `PatternMarks`.
    Features and marks are Rasa's (tests/rasa_addons/nlu/test_regex_featurizer.py), so the CRF,
    the one reader of the marks, learns the same model.
    """

    def _features_for_patterns(
        self, message: Message, attribute: str
    ) -> Tuple[coo_matrix | None, coo_matrix | None]:
        text = message.get(attribute)
        tokens = message.get(TOKENS_NAMES[attribute], []) if text else []
        if not tokens:
            return None, None
        flags = 0 if self.case_sensitive else re.IGNORECASE
        sequence = np.zeros([len(tokens), len(self.known_patterns)])
        # A regex and a lookup table may share a name; as in Rasa, the last one sets the mark.
        deciding = {pattern["name"]: index for index, pattern in enumerate(self.known_patterns)}
        unmatched = dict.fromkeys(deciding, False)
        marks: List[Dict[str, bool]] = [
            {**token.get("pattern", default={}), **unmatched} for token in tokens
        ]
        for pattern_index, pattern in enumerate(self.known_patterns):
            name = pattern["name"]
            for match in re.finditer(pattern["pattern"], text, flags=flags):
                for token_index, token in enumerate(tokens):
                    if token.start < match.end() and token.end > match.start():
                        sequence[token_index, pattern_index] = 1.0
                        if deciding[name] == pattern_index:
                            marks[token_index][name] = True
        for token, token_marks in zip(tokens, marks, strict=True):
            token.set("pattern", PatternMarks(token_marks))
        sentence = np.zeros([1, len(self.known_patterns)])
        if attribute in (RESPONSE, TEXT, ACTION_TEXT):
            sentence = sequence.max(axis=0, keepdims=True)
        return coo_matrix(sequence), coo_matrix(sentence)
