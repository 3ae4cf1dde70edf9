from pathlib import Path
from typing import Any, Dict, List, Type

from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.nlu.entity_extractor import StoredCRFEntityExtractor
from rasa_addons.nlu.regex_featurizer import FastRegexFeaturizer, PatternMarks
from tests.rasa_addons.nlu.conftest import (
    Entities,
    featurized,
    found,
    sample,
    trained_and_loaded,
)


def token_marks(message: Message) -> List[Dict[str, Any]]:
    return [dict(token.get("pattern", {})) for token in message.get("text_tokens", [])]


def test_the_features_and_token_marks_are_rasas(project_data: TrainingData, tmp_path: Path) -> None:
    ours = featurized(
        FastRegexFeaturizer, project_data, sample(project_data, 800, tmp_path), tmp_path
    )
    rasas = featurized(RegexFeaturizer, project_data, sample(project_data, 800, tmp_path), tmp_path)

    marked_tokens = 0
    for mine, theirs in zip(ours, rasas, strict=True):
        for kind in (0, 1):
            a = mine.get_sparse_features(TEXT)[kind]
            b = theirs.get_sparse_features(TEXT)[kind]
            assert (a is None) == (b is None), mine.get(TEXT)
            if a is not None:
                assert a.features.shape == b.features.shape
                assert (a.features.tocsr() != b.features.tocsr()).nnz == 0
        assert token_marks(mine) == token_marks(theirs)
        # in the same order too: the CRF's features are made from the items
        assert [list(m) for m in token_marks(mine)] == [list(m) for m in token_marks(theirs)]
        marked_tokens += sum(any(m.values()) for m in token_marks(theirs))
    # the sample exercises the patterns, and every token carries every name, True or False
    assert marked_tokens > 500
    names = {p["name"] for p in project_data.regex_features}
    names |= {t["name"] for t in project_data.lookup_tables}
    assert set(token_marks(ours[0])[0]) == names


def test_marks_hash_by_their_content() -> None:
    marks = PatternMarks({"phone": True, "number_lookup": False})

    assert (
        marks.fingerprint() == PatternMarks({"number_lookup": False, "phone": True}).fingerprint()
    )
    assert (
        marks.fingerprint() != PatternMarks({"phone": False, "number_lookup": False}).fingerprint()
    )
    assert marks.fingerprint() != PatternMarks({"phone": True}).fingerprint()
    # and so does a token: Rasa's training cache sees every change of a mark
    token = Token("138", 0, data={"pattern": marks})
    other = Token(
        "138", 0, data={"pattern": PatternMarks({"phone": False, "number_lookup": False})}
    )
    assert token.fingerprint() != other.fingerprint()
    assert dict(marks) == {"phone": True, "number_lookup": False}


def crf_entities(cls: Type[RegexFeaturizer], data: TrainingData, storage: Path) -> Entities:
    """Entities a CRF trained on every other example with entities finds in the others."""
    storage.mkdir()
    messages = featurized(cls, data, sample(data, 1000, storage), storage)
    with_entities = [m for m in messages if m.get(ENTITIES)]
    extractor = trained_and_loaded(StoredCRFEntityExtractor, with_entities[::2], storage)
    return found(extractor, with_entities[1::2])


def test_the_crf_finds_the_same_entities_with_the_same_confidences(
    project_data: TrainingData, tmp_path: Path
) -> None:
    ours = crf_entities(FastRegexFeaturizer, project_data, tmp_path / "ours")
    rasas = crf_entities(RegexFeaturizer, project_data, tmp_path / "rasas")

    assert ours == rasas
    assert sum(map(len, ours)) > 100
