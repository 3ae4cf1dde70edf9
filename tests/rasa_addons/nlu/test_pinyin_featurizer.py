from pathlib import Path
from typing import List, Set

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.nlu.pinyin_featurizer import (
    PinyinFeaturizer,
    longest_syllable,
    pinyin_syllables,
    split_pinyin,
    syllables,
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("xiexie", ["xie", "xie"]),
        ("zaijian", ["zai", "jian"]),
        ("gonghao", ["gong", "hao"]),
        # the fewest syllables: xian, not xi an
        ("xian", ["xian"]),
        # ti a nan is found first; tian an (天安) is one syllable shorter
        ("tianan", ["tian", "an"]),
        ("lv", ["lv"]),
        ("hello", None),
        ("ok", None),
        ("asdfgh", None),
        ("a", None),
        ("", None),
    ],
)
def test_split_pinyin(word: str, expected: List[str]) -> None:
    assert split_pinyin(word) == expected


def test_the_syllables_are_toneless_and_latin() -> None:
    known = pinyin_syllables()
    assert {"xie", "zai", "lv", "a"} <= known
    assert all(s.isascii() and s.isalpha() and s.islower() for s in known)
    assert "xiè" not in known and "lü" not in known


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("谢谢", ["xie", "xie"]),
        ("写写", ["xie", "xie"]),
        ("XieXie", ["xie", "xie"]),
        ("在见啦", ["zai", "jian", "la"]),
        ("gonghao多少", ["gong", "hao", "duo", "shao"]),
        ("shi jiqiren ma", ["shi", "ji", "qi", "ren", "ma"]),
        ("hello在吗", ["zai", "ma"]),
        ("ok 13812345678 👍!!", []),
        ("", []),
    ],
)
def test_syllables(text: str, expected: List[str]) -> None:
    assert syllables(text) == expected


def tokenized(texts: List[str], tokenizer: JiebaTokenizer) -> List[Message]:
    messages = [Message(data={TEXT: text, INTENT: "any"}) for text in texts]
    tokenizer.process_training_data(TrainingData(training_examples=messages))
    return messages


@pytest.fixture
def tokenizer(tmp_path: Path) -> JiebaTokenizer:
    return JiebaTokenizer.create(
        JiebaTokenizer.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("tokenizer"),
        ExecutionContext(GraphSchema({}), "test"),
    )


@pytest.fixture
def featurizer(tmp_path: Path, tokenizer: JiebaTokenizer) -> PinyinFeaturizer:
    component = PinyinFeaturizer.create(
        PinyinFeaturizer.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("pinyin"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    component.train(
        TrainingData(training_examples=tokenized(["谢谢", "再见", "工号多少"], tokenizer))
    )
    return component


def columns(message: Message) -> Set[int]:
    sentence = message.get_sparse_features(TEXT)[1]
    assert sentence is not None
    return set(sentence.features.tocoo().col)


def test_a_homophone_and_pinyin_get_the_features_of_the_word(
    featurizer: PinyinFeaturizer, tokenizer: JiebaTokenizer
) -> None:
    word, homophone, latin, other = tokenized(["谢谢", "写写", "xiexie", "再见"], tokenizer)

    featurizer.process([word, homophone, latin, other])

    assert columns(word) == columns(homophone) == columns(latin)
    assert columns(word).isdisjoint(columns(other))


def test_sequence_features_stay_aligned_with_the_tokens(
    featurizer: PinyinFeaturizer, tokenizer: JiebaTokenizer
) -> None:
    (message,) = tokenized(["ok 工号多少"], tokenizer)

    featurizer.process([message])

    sequence = message.get_sparse_features(TEXT)[0]
    assert sequence is not None
    assert sequence.features.shape[0] == len(message.get("text_tokens"))


def test_only_the_text_is_featurized(
    featurizer: PinyinFeaturizer, tokenizer: JiebaTokenizer
) -> None:
    (message,) = tokenized(["谢谢"], tokenizer)

    featurizer.process_training_data(TrainingData(training_examples=[message]))

    assert message.get_sparse_features(INTENT) == (None, None)
    assert message.get_sparse_features(TEXT)[1] is not None


def test_the_longest_syllable() -> None:
    assert longest_syllable() == 6 == len("zhuang")
