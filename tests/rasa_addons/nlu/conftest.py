"""The project's own training data, tokenized and featurized by real pipeline components."""

from pathlib import Path
from typing import List, Tuple, Type

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from tests.conftest import ROOT

# the RegexFeaturizer's settings in config.yml
REGEX_CONFIG = {"use_word_boundaries": False, "case_sensitive": False}


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="session")
def project_data() -> TrainingData:
    """data/nlu: its examples, regexes and lookup tables."""
    return load_data(str(ROOT / "data" / "nlu"))


def sample(data: TrainingData, count: int, storage: Path) -> List[Message]:
    """Fresh copies of `count` examples, those with entities first, tokenized by jieba."""
    examples = sorted(data.nlu_examples, key=lambda m: (not m.get(ENTITIES), m.get(TEXT)))
    messages = [Message(data=dict(m.data)) for m in examples[:count]]
    messages += [Message(data={TEXT: text}) for text in ("QQ号码123456789", "ai客服", "  ")]
    tokenizer = JiebaTokenizer.create(
        {
            **JiebaTokenizer.get_default_config(),
            "dictionary_path": str(ROOT / "dictionaries/jieba"),
        },
        LocalModelStorage(storage),
        Resource("tokenizer"),
        context(),
    )
    tokenizer.process_training_data(TrainingData(training_examples=messages))
    return messages


def featurized(
    cls: Type[RegexFeaturizer], data: TrainingData, messages: List[Message], storage: Path
) -> List[Message]:
    """`messages` with the features and token marks of `cls` trained on `data`."""
    featurizer = cls.create(
        {**cls.get_default_config(), **REGEX_CONFIG},
        LocalModelStorage(storage),
        Resource(cls.__name__),
        context(),
    )
    featurizer.train(data)
    featurizer.process_training_data(TrainingData(training_examples=messages))
    return messages


Entities = List[List[Tuple[str, str, int, int, float]]]


def trained_and_loaded(
    cls: Type[CRFEntityExtractor], training: List[Message], storage: Path
) -> CRFEntityExtractor:
    """`cls` trained on `training`, then loaded from the model storage as Rasa loads a model."""
    resource = Resource(f"crf_{cls.__name__}")
    config = cls.get_default_config()
    cls.create(config, LocalModelStorage(storage), resource, context()).train(
        TrainingData(training_examples=training)
    )
    return cls.load(config, LocalModelStorage(storage), resource, context())


def found(extractor: CRFEntityExtractor, messages: List[Message]) -> Entities:
    """The entities `extractor` finds in copies of `messages` cleared of theirs."""
    copies = [Message(data={**m.data, ENTITIES: []}, features=m.features) for m in messages]
    extractor.process(copies)
    return [
        [
            (e["entity"], e["value"], e["start"], e["end"], e["confidence_entity"])
            for e in m.get(ENTITIES)
        ]
        for m in copies
    ]
