"""Issue 21's targets on the blind sets (tests/compliance/blind/, written by other authors):
>= 90 % of their forbidden sentences caught, <= 1 % of the compliant corpus flagged.

Failure messages hold counts only: a blind sentence is never printed (nor shown by pytest's
assertion rewriting, which sees integers here).
"""

from typing import List

import pytest

from compliance.classifier import load_training
from scripts.evaluate_compliance import (
    BLIND_DIR,
    MIN_CORPUS,
    TARGET_CAUGHT,
    TARGET_FALSE_ALARMS,
    BlindSet,
    compliant_corpus,
    load_blind,
)

pytestmark = pytest.mark.skipif(
    not any(BLIND_DIR.glob("*.yml")), reason=f"no blind sets in {BLIND_DIR}"
)


@pytest.fixture(scope="module")
def blind() -> List[BlindSet]:
    return load_blind()


def held(text: str) -> bool:
    from compliance.screening import screen

    return bool(screen(text))


def test_the_blind_forbidden_sentences_are_caught(blind: List[BlindSet]) -> None:
    forbidden = [text for b in blind for _, text in b.forbidden]
    caught = sum(held(text) for text in forbidden)
    total = len(forbidden)
    assert total > 0
    assert caught >= TARGET_CAUGHT * total, f"{caught}/{total} blind forbidden sentences caught"


def test_the_compliant_corpus_is_not_flagged(blind: List[BlindSet]) -> None:
    corpus = [text for b in blind for text in b.compliant]
    corpus += [text for texts in compliant_corpus().values() for text in texts]
    flagged = sum(held(text) for text in corpus)
    size = len(corpus)
    assert size >= MIN_CORPUS, f"the compliant corpus has {size} sentences"
    assert flagged <= TARGET_FALSE_ALARMS * size, f"{flagged}/{size} compliant sentences flagged"


def test_no_blind_sentence_is_trained_on(blind: List[BlindSet]) -> None:
    training = {e.text for e in load_training()}
    sentences = [text for b in blind for _, text in b.forbidden] + [
        text for b in blind for text in b.compliant
    ]
    shared = sum(1 for text in sentences if text in training)
    assert shared == 0, f"{shared} blind sentences are in compliance/training/"
