from pathlib import Path
from typing import List

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.nlu.nearest_examples import NearestExamplesClassifier, blend, plain, votes

RANKING = [
    {"name": "greet", "confidence": 0.5},
    {"name": "thank", "confidence": 0.3},
    {"name": "deny", "confidence": 0.2},
]


def test_plain() -> None:
    assert plain("  Ok 好 的\n") == "ok好的"


def test_the_nearest_examples_vote_with_their_similarity() -> None:
    labels = ["greet", "thank", "greet", "deny"]
    # greet 0.9 + 0.3, thank 0.6, deny is not among the 3 nearest
    assert votes([0.9, 0.6, 0.3, 0.2], labels, k=3) == pytest.approx(
        {"greet": 2 / 3, "thank": 1 / 3}
    )


def test_examples_with_nothing_in_common_do_not_vote() -> None:
    assert votes([0.5, 0.0, 0.0], ["greet", "thank", "deny"], k=3) == {"greet": 1.0}
    assert votes([0.0, 0.0], ["greet", "thank"], k=3) == {}


def test_blend_gives_the_votes_their_weight() -> None:
    blended = blend(RANKING, {"thank": 0.75, "praise": 0.25}, weight=0.4)

    assert [e["name"] for e in blended] == ["thank", "greet", "deny", "praise"]
    assert [e["confidence"] for e in blended] == pytest.approx([0.48, 0.3, 0.12, 0.1])
    assert sum(e["confidence"] for e in blended) == pytest.approx(1.0)


def test_without_votes_every_confidence_shrinks() -> None:
    blended = blend(RANKING, {}, weight=0.3)

    assert [e["name"] for e in blended] == ["greet", "thank", "deny"]
    assert [e["confidence"] for e in blended] == pytest.approx([0.35, 0.21, 0.14])


def classified(text: str, ranking: List[dict]) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, ranking[0] if ranking else {"name": None, "confidence": 0.0})
    message.set(INTENT_RANKING_KEY, ranking)
    return message


def component(storage: Path, **config: object) -> NearestExamplesClassifier:
    return NearestExamplesClassifier.create(
        {**NearestExamplesClassifier.get_default_config(), **config},
        LocalModelStorage(storage),
        Resource("nearest"),
        ExecutionContext(GraphSchema({}), "test"),
    )


@pytest.fixture
def trained(tmp_path: Path) -> NearestExamplesClassifier:
    examples = [
        Message(data={TEXT: text, INTENT: intent})
        for text, intent in [
            ("在么", "greet"),
            ("在吗", "greet"),
            ("谢谢", "thank"),
            ("不是", "deny"),
        ]
    ]
    classifier = component(tmp_path, k=2, weight=0.5)
    classifier.train(TrainingData(training_examples=examples))
    return NearestExamplesClassifier.load(
        {**NearestExamplesClassifier.get_default_config(), "k": 2, "weight": 0.5},
        LocalModelStorage(tmp_path),
        Resource("nearest"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def test_a_trained_and_loaded_component_sets_the_blended_intent(
    trained: NearestExamplesClassifier,
) -> None:
    # the classifier alone would say thank; the nearest examples are both greet
    message = classified(
        "在么在么", [{"name": "thank", "confidence": 0.6}, {"name": "greet", "confidence": 0.4}]
    )

    trained.process([message])

    assert message.get(INTENT) == {"name": "greet", "confidence": pytest.approx(0.7)}
    assert [e["name"] for e in message.get(INTENT_RANKING_KEY)] == ["greet", "thank"]


def test_a_message_like_no_example_keeps_its_intent_with_less_confidence(
    trained: NearestExamplesClassifier,
) -> None:
    message = classified(
        "asdf", [{"name": "thank", "confidence": 0.8}, {"name": "greet", "confidence": 0.2}]
    )

    trained.process([message])

    assert message.get(INTENT) == {"name": "thank", "confidence": pytest.approx(0.4)}


def test_a_message_without_ranking_is_left_alone(trained: NearestExamplesClassifier) -> None:
    empty = classified("", [])

    trained.process([empty])

    assert empty.get(INTENT) == {"name": None, "confidence": 0.0}
    assert empty.get(INTENT_RANKING_KEY) == []


def test_the_ranking_is_cut_to_its_length(tmp_path: Path) -> None:
    classifier = component(tmp_path, ranking_length=2)
    classifier.train(
        TrainingData(training_examples=[Message(data={TEXT: "谢谢", INTENT: "thank"})])
    )
    message = classified("谢谢", RANKING)

    classifier.process([message])

    assert [e["name"] for e in message.get(INTENT_RANKING_KEY)] == ["thank", "greet"]


def test_an_untrained_component_changes_nothing(tmp_path: Path) -> None:
    message = classified("你好", RANKING)

    component(tmp_path).process([message])

    assert message.get(INTENT_RANKING_KEY) == RANKING
