"""Rasa's LogisticRegressionClassifier, safe for messages without features."""

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message


def has_features(message: Message) -> bool:
    """Whether the featurizers produced any sentence feature for the message's text."""
    sparse = message.get_sparse_features(TEXT)[1]
    dense = message.get_dense_features(TEXT)[1]
    return sparse is not None or dense is not None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SafeLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Classifies intents like LogisticRegressionClassifier.

    Rasa 3.6's component raises on a message its featurizers left without features (an empty
    message), and the message is then lost. Such a message gets no intent and confidence 0
    here instead, so the FallbackClassifier turns it into `nlu_fallback`.
    """

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
