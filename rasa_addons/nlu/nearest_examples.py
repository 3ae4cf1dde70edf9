"""The intents of the nearest training examples, blended into the classifier's ranking.

The logistic regression weighs every feature of a message; a visitor's 在么在么 or 好滴好滴 is
mostly a training example with a character more or less. The few training examples nearest to
the message (cosine similarity of character 1-3-gram TF-IDF vectors) vote for their intents, each
with its similarity, and the votes take `weight` of the confidence. A message like no training
example gets no votes, so its confidences shrink and the FallbackClassifier after this component
asks "您是不是说" sooner. Measured in docs/nlu-evaluation.md.
"""

import json
from typing import Any, Dict, List, Sequence

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer

Ranking = List[Dict[str, Any]]
EXAMPLES_FILE = "examples.json"


def plain(text: str) -> str:
    """The text as the vectorizer compares it: lower case, without white space."""
    return "".join(text.lower().split())


def votes(similarities: Sequence[float], labels: Sequence[str], k: int) -> Dict[str, float]:
    """Each label's share of the similarity of the `k` most similar examples.

    The shares sum to 1; nothing similar at all (every similarity 0) gives no votes.
    """
    scores = np.asarray(similarities, dtype=float)
    nearest = np.argsort(-scores, kind="stable")[:k]
    totals: Dict[str, float] = {}
    for index in nearest:
        if scores[index] > 0:
            totals[labels[index]] = totals.get(labels[index], 0.0) + float(scores[index])
    mass = sum(totals.values())
    return {label: score / mass for label, score in totals.items()} if mass else {}


def blend(ranking: Ranking, shares: Dict[str, float], weight: float) -> Ranking:
    """The ranking with `weight` of each confidence given to the votes, best first."""
    confidences = {entry[INTENT_NAME_KEY]: (1 - weight) * entry["confidence"] for entry in ranking}
    for label, share in shares.items():
        confidences[label] = confidences.get(label, 0.0) + weight * share
    ordered = sorted(confidences.items(), key=lambda item: -item[1])
    return [{INTENT_NAME_KEY: name, "confidence": confidence} for name, confidence in ordered]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class NearestExamplesClassifier(GraphComponent, IntentClassifier):
    """Blends the votes of the nearest training examples into the intent ranking.

    Goes right after the intent classifier whose ranking it blends (with `ranking_length: 0`
    there, so that every intent has its confidence) and before the FallbackClassifier.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """`k` nearest examples vote, for `weight` of the confidence; the ranking keeps
        `ranking_length` intents (0: all)."""
        return {"k": 3, "weight": 0.3, "ranking_length": 10}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        texts: Sequence[str] = (),
        labels: Sequence[str] = (),
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._fit(texts, labels)

    def _fit(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        self._texts = list(texts)
        self._labels = list(labels)
        self._vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), sublinear_tf=True, preprocessor=plain
        )
        self._examples = self._vectorizer.fit_transform(self._texts) if self._texts else None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "NearestExamplesClassifier":
        """An untrained component: it changes no ranking until it is trained."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Keeps every intent example's text and intent."""
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        self._fit([m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples])
        with self._model_storage.write_to(self._resource) as directory:
            content = {"texts": self._texts, "labels": self._labels}
            (directory / EXAMPLES_FILE).write_text(
                json.dumps(content, ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "NearestExamplesClassifier":
        """The trained component; an untrained one if training stored nothing."""
        try:
            with model_storage.read_from(resource) as directory:
                content = json.loads((directory / EXAMPLES_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, content["texts"], content["labels"])

    def process(self, messages: List[Message]) -> List[Message]:
        """Blends the votes into each message's ranking and sets the intent to its top."""
        if self._examples is None:
            return messages
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY)
            if not message.get(TEXT) or not ranking:
                continue
            vector = self._vectorizer.transform([message.get(TEXT)])
            similarities = (self._examples @ vector.T).toarray().ravel()
            shares = votes(similarities, self._labels, self._config["k"])
            blended = blend(ranking, shares, self._config["weight"])
            if self._config["ranking_length"] > 0:
                blended = blended[: self._config["ranking_length"]]
            message.set(INTENT, blended[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, blended, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep their labels."""
        return training_data
