"""Rasa's LogisticRegressionClassifier, safe for messages without features and faster to train."""

from typing import List

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix, csr_matrix, hstack


def sentence_features(message: Message, sparse: bool) -> List[Features]:
    """The text's sentence features of each featurizer, in the order they were added."""
    return [
        f
        for f in message.features
        if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse() == sparse
    ]


def has_features(message: Message) -> bool:
    """Whether the featurizers produced any sentence feature for the message's text."""
    return bool(sentence_features(message, sparse=True) or sentence_features(message, sparse=False))


def sentence_matrix(messages: List[Message]) -> csr_matrix:
    """The messages' sentence features, one row each: sparse columns first, then dense ones.

    The same matrix as Rasa's `_create_X`, which asks each message for all its features
    combined (sequence features too, deep-copied) and stacks one matrix per message: 25 of the
    logistic regression's 61 s of training at 13,000 examples, profiled
    (docs/nlu-evaluation.md). Here each message's sentence blocks are read as they are and the
    matrix is built at once. Messages whose features differ in width are refused, as Rasa's
    stacking refuses them.
    """
    rows, columns, values = [], [], []
    widths = set()
    for row, message in enumerate(messages):
        width = 0
        for block in sentence_features(message, sparse=True):
            matrix = coo_matrix(block.features)
            rows.append(np.full(matrix.nnz, row))
            columns.append(matrix.col + width)
            values.append(matrix.data)
            width += matrix.shape[1]
        widths.add(width)
    if len(widths) > 1:
        raise ValueError(f"the messages' sparse sentence features differ in width: {widths}")
    width = widths.pop() if widths else 0
    parts = []
    if width:
        parts.append(
            coo_matrix(
                (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
                shape=(len(messages), width),
            )
        )
    dense = [[b.features for b in sentence_features(m, sparse=False)] for m in messages]
    if any(dense):
        parts.append(csr_matrix(np.vstack([np.hstack(blocks) for blocks in dense])))
    return hstack(parts, format="csr")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SafeLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Classifies intents like LogisticRegressionClassifier.

    Rasa 3.6's component raises on a message its featurizers left without features (an empty
    message), and the message is then lost. Such a message gets no intent and confidence 0
    here instead, so the FallbackClassifier turns it into `nlu_fallback`.
    """

    def _create_X(self, messages: List[Message]) -> csr_matrix:
        return sentence_matrix(messages)

    def process(self, messages: List[Message]) -> List[Message]:
        featured = []
        for message in messages:
            if has_features(message):
                featured.append(message)
            else:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        if featured:
            super().process(featured)
        return messages
