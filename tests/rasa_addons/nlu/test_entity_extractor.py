from pathlib import Path
from typing import List

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.nlu.entity_extractor import StoredCRFEntityExtractor
from tests.rasa_addons.nlu.conftest import context, featurized, found, sample, trained_and_loaded


@pytest.fixture
def examples(project_data: TrainingData, tmp_path: Path) -> List[Message]:
    """The project's examples with entities (and some without), tokenized and featurized."""
    return featurized(RegexFeaturizer, project_data, sample(project_data, 1000, tmp_path), tmp_path)


def test_the_loaded_model_finds_what_rasas_finds(examples: List[Message], tmp_path: Path) -> None:
    training, held_out = examples[::2], examples[1::2]

    ours = found(trained_and_loaded(StoredCRFEntityExtractor, training, tmp_path), held_out)
    rasas = found(trained_and_loaded(CRFEntityExtractor, training, tmp_path), held_out)

    assert ours == rasas
    assert sum(map(len, ours)) > 100
    assert {e[0] for m in ours for e in m} == {"account_number", "phone", "person_name"}


def test_the_model_stores_the_trained_crf_not_the_training_set(
    examples: List[Message], tmp_path: Path
) -> None:
    for name, cls in (("ours", StoredCRFEntityExtractor), ("rasas", CRFEntityExtractor)):
        (tmp_path / name).mkdir()
        trained_and_loaded(cls, examples, tmp_path / name)

    ours = {p.name: p.stat().st_size for p in (tmp_path / "ours").rglob("*") if p.is_file()}
    rasas = {p.name: p.stat().st_size for p in (tmp_path / "rasas").rglob("*") if p.is_file()}
    assert set(ours) == {"crf_order.json", "entity.crfsuite"}
    assert "crf_dataset.json" in rasas
    assert sum(ours.values()) * 10 < rasas["crf_dataset.json"]


def test_an_untrained_extractor_loads_and_finds_nothing(tmp_path: Path) -> None:
    """No example has entities: nothing is trained or stored, and loading still works."""
    config = StoredCRFEntityExtractor.get_default_config()
    resource = Resource("crf")
    StoredCRFEntityExtractor.create(config, LocalModelStorage(tmp_path), resource, context()).train(
        TrainingData(training_examples=[Message(data={TEXT: "你好", "intent": "greet"})])
    )
    loaded = StoredCRFEntityExtractor.load(config, LocalModelStorage(tmp_path), resource, context())

    message = Message(data={TEXT: "你好"})
    loaded.process([message])
    assert message.get(ENTITIES, []) == []
