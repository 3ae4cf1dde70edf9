"""The compliance evaluation: figures for the blind sets, and never one of their sentences."""

from pathlib import Path
from typing import List

import pytest
import yaml

from scripts.evaluate_compliance import (
    BEFORE,
    BLIND_DIR,
    CLASSIFIER,
    NOW,
    RULES,
    Judged,
    combination_lines,
    load_blind,
    main,
    report_blind,
    report_corpus,
    targets,
)

# A stand-in blind set: each sentence carries a marker that must never reach the report.
FORBIDDEN = {
    "vague": ["这个我也不清楚甲一", "大概要三天吧甲二"],
    "推卸责任": ["这事不归我们管甲三"],  # a Chinese label works as the category
    "filler": ["您好,欢迎光临本店甲四"],  # compliant wording: the checkers miss it
}
COMPLIANT = ["请稍等,我帮您查一下乙一", "感谢您的耐心等待乙二", "这个可能要等乙三"]
MARKERS = ["甲一", "甲二", "甲三", "甲四", "乙一", "乙二", "乙三"]


@pytest.fixture
def blind_dir(tmp_path: Path) -> Path:
    data = {"forbidden": FORBIDDEN, "compliant": COMPLIANT}
    (tmp_path / "stand_in.yml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return tmp_path


def test_the_report_gives_counts_and_no_blind_sentence(
    blind_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--no-cv", "--blind-dir", str(blind_dir)]) == 1  # 3 of 4 caught: NOT met
    out = capsys.readouterr().out
    assert [m for m in MARKERS if m in out] == []
    assert "blind stand_in: forbidden caught 3/4 (75.0 %), compliant flagged 1/3 (33.3 %)" in out
    assert "  missed, by category: filler 1\n" in out
    assert "  compliant flagged by: rule 1; as: vague 1\n" in out
    assert "  blame        recall 1/1 (100.0 %)" in out
    assert "target: blind forbidden sentences caught >= 90%: 3/4 (75.0 %): NOT met" in out


def test_the_real_blind_sets_never_reach_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    sets = load_blind()
    if not sets:
        pytest.skip(f"no blind sets in {BLIND_DIR}")
    _, _, compliant = report_blind(sets)
    report_corpus(compliant)
    # The report's own lines: counts, category ids and the non-blind corpus's flagged lines
    # (indented, quoted). Those last are ours, and a short blind line may be part of one.
    out = "\n".join(
        line for line in capsys.readouterr().out.splitlines() if not line.startswith("    '")
    )
    blind: List[str] = [s for b in sets for _, s in b.forbidden] + [
        s for b in sets for s in b.compliant
    ]
    # Only lines with a Chinese character: 「ok」 is a blind line and part of 「provoking」.
    chinese = [s for s in blind if any("\u4e00" <= char <= "\u9fff" for char in s)]
    leaked = sum(1 for s in chinese if s in out)
    assert len(chinese) > 0.9 * len(blind)
    assert leaked == 0


def test_an_unknown_category_is_named_without_its_sentences(tmp_path: Path) -> None:
    data = {"forbidden": {"rude": ["不许打印的句子"]}, "compliant": []}
    (tmp_path / "bad.yml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ValueError) as raised:
        load_blind(tmp_path)
    assert str(raised.value) == "bad.yml: unknown category or no list: 'rude'"


@pytest.mark.parametrize(
    ("figures", "met", "lines"),
    [
        ((491, 545, 9, 906), True, ["491/545 (90.1 %): met", "9/906 (1.0 %): met"]),
        ((490, 545, 10, 906), False, ["490/545 (89.9 %): NOT met", "10/906 (1.1 %): NOT met"]),
        ((0, 0, 0, 499), False, ["0/0 (0.0 %): NOT met", "0/499 (0.0 %): NOT met"]),
    ],
)
def test_the_targets(
    figures: tuple[int, int, int, int],
    met: bool,
    lines: List[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert targets(*figures) is met
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 2)[2] for line in out] == lines


def test_each_combination_holds_what_its_parts_hold() -> None:
    # a line an exact rule holds for blame, a context rule matches for vague; the classifier
    # scores it 0.6 for provoking, below its own threshold (not flagged)
    line = Judged("ok", frozenset({"blame"}), frozenset({"vague"}), "provoking", 0.6, False)
    assert line.held(RULES, 0.5) == {"blame", "vague"}
    assert line.held(CLASSIFIER, 0.5) == frozenset()
    assert line.held(BEFORE, 0.5) == {"blame", "vague"}
    assert line.held(NOW, 0.5) == {"blame", "vague"}  # the classifier agrees: 0.6 >= 0.5
    assert line.held(NOW, 0.7) == {"blame"}  # it does not: the context rule's match is dropped
    flagged = Judged("vague", frozenset(), frozenset(), "vague", 0.9, True)
    assert flagged.held(NOW, 0.95) == flagged.held(CLASSIFIER, 0.95) == {"vague"}


def test_combination_lines_count_caught_and_false_alarms() -> None:
    judged = [
        Judged("vague", frozenset(), frozenset({"vague"}), "vague", 0.6, False),
        Judged("ok", frozenset(), frozenset({"vague"}), "vague", 0.1, False),
    ]
    lines = combination_lines(judged, [0.5, 0.5], [False, True])
    assert lines[0] == (
        f"  {RULES}: caught 1/1 (100.0 %), false alarms 1/1 (100.0 %) (near misses 1/1 (100.0 %))"
    )
    assert lines[3] == (
        f"  {NOW}: caught 1/1 (100.0 %), false alarms 0/1 (0.0 %) (near misses 0/1 (0.0 %))"
    )
