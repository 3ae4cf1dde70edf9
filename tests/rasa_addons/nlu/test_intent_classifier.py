from pathlib import Path
from typing import List, Type, TypeVar

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix

from rasa_addons.nlu.intent_classifier import (
    SafeLogisticRegressionClassifier,
    has_features,
    sentence_matrix,
)

C = TypeVar("C", bound=LogisticRegressionClassifier)


def featured(text: str, vector: List[float], intent: str = "") -> Message:
    message = Message(data={TEXT: text, **({"intent": intent} if intent else {})})
    message.add_features(Features(csr_matrix(np.array([vector])), "sentence", TEXT, "test"))
    return message


def trained(cls: Type[C], storage: Path) -> C:
    """`cls` trained on two intents with two-dimensional sentence features."""
    component = cls.create(
        cls.get_default_config(),
        LocalModelStorage(storage),
        Resource("intent_classifier"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    examples = [featured("你好", [1.0, 0.0], "greet"), featured("再见", [0.0, 1.0], "goodbye")]
    component.train(TrainingData(training_examples=examples * 5))
    return component


@pytest.fixture
def classifier(tmp_path: Path) -> SafeLogisticRegressionClassifier:
    return trained(SafeLogisticRegressionClassifier, tmp_path)


def test_has_features() -> None:
    assert has_features(featured("你好", [1.0, 0.0]))
    assert not has_features(Message(data={TEXT: ""}))


def test_a_message_without_features_gets_no_intent(classifier) -> None:
    empty = Message(data={TEXT: ""})
    hello = featured("你好", [1.0, 0.0])

    classifier.process([empty, hello])

    assert empty.get("intent") == {"name": None, "confidence": 0.0}
    assert empty.get("intent_ranking") == []
    assert hello.get("intent")["name"] == "greet"
    assert [r["name"] for r in hello.get("intent_ranking")] == ["greet", "goodbye"]


def random_messages(count: int, with_dense: bool) -> List[Message]:
    """Messages with random features of two featurizers, as the pipeline adds them.

    Each featurizer adds sequence features (one row per token) and sentence features; only the
    sentence features belong in the matrix.
    """
    rng = np.random.default_rng(7)
    messages = []
    for i in range(count):
        message = Message(data={TEXT: f"m{i}"})
        for name in ("words", "chars"):
            tokens = rng.integers(0, 3, size=(3, 40)) * (rng.random((3, 40)) < 0.2)
            message.add_features(Features(csr_matrix(tokens), "sequence", TEXT, name))
            sentence = csr_matrix(tokens.sum(axis=0, keepdims=True))
            message.add_features(Features(sentence, "sentence", TEXT, name))
        if with_dense:
            message.add_features(Features(rng.random((3, 5)), "sequence", TEXT, "dense"))
            message.add_features(Features(rng.random((1, 5)), "sentence", TEXT, "dense"))
        messages.append(message)
    return messages


@pytest.mark.parametrize("with_dense", [False, True])
def test_sentence_matrix_is_rasas_matrix(tmp_path: Path, with_dense: bool) -> None:
    messages = random_messages(60, with_dense)
    rasas = trained(LogisticRegressionClassifier, tmp_path)._create_X(messages)

    ours = sentence_matrix(messages)

    assert ours.shape == rasas.shape == (60, 80 + (5 if with_dense else 0))
    assert ours.format == "csr"
    assert (ours != rasas).nnz == 0
    assert ours.nnz > 0


def test_rasas_own_component_fails_on_it(tmp_path: Path) -> None:
    """Why the subclass exists: drop it once this no longer raises."""
    component = trained(LogisticRegressionClassifier, tmp_path)
    with pytest.raises(ValueError):
        component.process([Message(data={TEXT: ""})])


def test_messages_whose_features_differ_in_width_are_refused() -> None:
    short = featured("你好", [1.0, 0.0])
    longer = featured("再见", [0.0, 1.0, 1.0])

    with pytest.raises(ValueError, match="differ in width"):
        sentence_matrix([short, longer])
    # a message the featurizers left without features (process() keeps those out)
    with pytest.raises(ValueError, match="differ in width"):
        sentence_matrix([short, Message(data={TEXT: ""})])
