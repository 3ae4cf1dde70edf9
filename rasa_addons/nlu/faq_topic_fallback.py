"""Asks instead of answering when the FAQ topic is unsure.

The FallbackClassifier looks only at the intent: a message that is fairly surely a question
(`faq` at 0.7) passes it even when the ResponseSelector's topic is a guess, and the visitor gets
another topic's answer. The chance that the answer is the right one is the intent's confidence
times the topic's; below `threshold` this component predicts `nlu_fallback` instead, so the
two-stage fallback asks "您是不是说「…」或「…」?" with the likeliest topics as buttons
(actions/suggestions.py reads the selector's ranking). The threshold is read off
`make evaluate`'s FAQ-topic sweep (docs/nlu-evaluation.md).
"""

from typing import Any, Dict, List, Mapping

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

RETRIEVAL_INTENT = "faq"


def answer_confidence(
    intent: Mapping[str, Any], selector: Mapping[str, Any], retrieval_intent: str
) -> float | None:
    """The intent's confidence times the selector's in its top topic, for `retrieval_intent`.

    None when another intent won or the selector gave no answer (nothing to doubt).
    """
    if intent.get(INTENT_NAME_KEY) != retrieval_intent:
        return None
    response = (selector.get(retrieval_intent) or {}).get("response") or {}
    if not response.get("intent_response_key"):
        return None
    topic = float(response.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    return float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) * topic


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FaqTopicFallback(GraphComponent, IntentClassifier):
    """Predicts `nlu_fallback` when the retrieval intent won but its topic is unsure.

    Goes after the ResponseSelector and the FallbackClassifier. The intent ranking is kept
    below the fallback, so the question can offer the topics the selector ranked.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """`threshold` on intent × topic confidence; `retrieval_intent` whose topics count."""
        return {"threshold": 0.5, "retrieval_intent": RETRIEVAL_INTENT}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqTopicFallback":
        """Creates the component; it has nothing to train."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Replaces an unsure FAQ answer's intent with `nlu_fallback`."""
        threshold = float(self._config["threshold"])
        for message in messages:
            confidence = answer_confidence(
                message.get(INTENT) or {},
                message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {},
                self._config["retrieval_intent"],
            )
            if confidence is None or confidence >= threshold:
                continue
            # As Rasa's FallbackClassifier does: the fallback's confidence is the threshold.
            fallback = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: threshold,
            }
            message.set(INTENT, fallback, add_to_output=True)
            ranking = list(message.get(INTENT_RANKING_KEY) or [])
            message.set(INTENT_RANKING_KEY, [dict(fallback), *ranking], add_to_output=True)
        return messages
