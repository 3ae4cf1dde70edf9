"""One lazily built pipeline per process, without side effects on import or on jieba."""

import subprocess
import sys

import jieba

from compliance.pipeline import NUMBERS, RULES, get_nlp
from tests.conftest import ROOT


def test_importing_loads_neither_spacy_nor_jieba() -> None:
    code = (
        "import sys, compliance.checker, compliance.lint, compliance.masking; "
        "print(sorted(m for m in ('spacy', 'jieba', 'tensorflow') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout) == (0, "[]\n")


def test_building_the_pipeline_leaves_tensorflow_out_but_importable() -> None:
    code = (
        "import sys; from compliance.checker import check; check('可能'); "
        "print('tensorflow' in sys.modules, sys.modules.get('tensorflow', 0) is None)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout) == (0, "False False\n")


def test_one_pipeline_with_the_rules_and_the_number_patterns() -> None:
    nlp = get_nlp()
    assert get_nlp() is nlp
    assert nlp.lang == "zh"
    assert nlp.pipe_names == [RULES, NUMBERS]


def test_the_inventory_words_stay_out_of_jiebas_own_dictionary() -> None:
    get_nlp()
    assert list(jieba.cut("您的电话听不清楚")) == ["您", "的", "电话", "听", "不", "清楚"]
    words = [token.text for token in get_nlp().make_doc("您的电话听不清楚")]
    assert words == ["您", "的", "电话", "听不清楚"]
