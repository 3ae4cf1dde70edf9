"""The false-positive corpus: 200+ compliant sentences from the seeds, the bot and the desk."""

import re
from pathlib import Path
from typing import Dict, List, Tuple

from compliance.checker import check
from tests.compliance.conftest import without_space
from tests.conftest import ROOT

CORPUS = ROOT / "compliance" / "corpus.txt"
SOURCE = re.compile(r"^(?:00[0-4]|004 \(简体\)|domain \S+|desk \S+)$")


def corpus(path: Path = CORPUS) -> List[Tuple[str, str]]:
    """(source, sentence) of every line that is not blank or a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = [line.split(" | ", 1) for line in lines if line.strip() and not line.startswith("#")]
    return [(source, sentence) for source, sentence in entries]


def test_the_corpus_has_at_least_200_sentences_with_their_source() -> None:
    entries = corpus()
    assert len(entries) >= 200
    assert [source for source, _ in entries if not SOURCE.match(source)] == []
    assert len({sentence for _, sentence in entries}) >= 200


def test_the_corpus_draws_on_every_seed_the_bot_and_the_desk() -> None:
    kinds = {source.split(" ")[0] for source, _ in corpus()}
    assert kinds == {"000", "001", "002", "003", "004", "domain", "desk"}


def test_no_rule_flags_any_corpus_sentence() -> None:
    flagged = {s: [v.rule for v in check(s)] for _, s in corpus() if check(s)}
    assert flagged == {}


def test_seed_sentences_are_verbatim(seeds: Dict[str, str]) -> None:
    entries = [(source, s) for source, s in corpus() if re.fullmatch(r"00[0-4]", source)]
    assert [(source, s) for source, s in entries if without_space(s) not in seeds[source]] == []
