import logging
from pathlib import Path
from typing import Iterator

import pytest
import structlog

from scripts.evaluate import (
    Prediction,
    Scores,
    _faq_config,
    answer_confidence,
    chosen_faq_threshold,
    data_notes,
    faq_report,
    faq_sweep,
    quiet_logs,
    report,
)


def prediction(text: str, true_intent: str, intent: str) -> Prediction:
    return Prediction(text, true_intent, true_intent, intent, 0.9, 0.5, None)


PREDICTIONS = [
    prediction("你好", "greet", "greet"),
    prediction("在不在呀", "greet", "out_of_scope"),
    prediction("今天天气怎么样", "out_of_scope", "out_of_scope"),
    prediction("讲个笑话", "out_of_scope", "out_of_scope"),
]


@pytest.mark.parametrize("show_errors", [True, False])
def test_the_report_gives_the_figures(
    show_errors: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    accuracy, rejected = report("set", PREDICTIONS, 0.6, 0.1, show_errors=show_errors)

    assert (accuracy, rejected) == (0.75, 1.0)
    assert "intent accuracy (top intent, no fallback)   0.750" in capsys.readouterr().out


def test_the_report_prints_what_was_misclassified(capsys: pytest.CaptureFixture[str]) -> None:
    report("set", PREDICTIONS, 0.6, 0.1)

    out = capsys.readouterr().out
    assert "misclassified (1), first 15:\n  '在不在呀': greet -> out_of_scope (0.90)" in out


def test_a_blind_set_keeps_its_texts_out_of_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    report("set", PREDICTIONS, 0.6, 0.1, show_errors=False)

    out = capsys.readouterr().out
    assert "misclassified: 1 (not printed, so that the blind sets stay blind)" in out
    assert "在不在呀" not in out


@pytest.fixture
def restored_logging() -> Iterator[None]:
    yield
    logging.disable(logging.NOTSET)
    structlog.reset_defaults()


@pytest.mark.usefixtures("restored_logging")
def test_parses_logged_by_rasa_do_not_show_their_text(capsys: pytest.CaptureFixture[str]) -> None:
    quiet_logs()

    # what rasa.core.processor logs for every message it parses
    structlog.get_logger().debug(
        "processor.message.parse", parse_data_text="盲测集里的一句话", parse_data_intent={}
    )

    captured = capsys.readouterr()
    assert "盲测集里的一句话" not in captured.out + captured.err


def faq(text: str, topic: str, guess: str, intent: float, confidence: float) -> Prediction:
    """An FAQ question: its topic, the topic guessed, the intent's and the topic's confidence."""
    return Prediction(text, "faq", topic, "faq", intent, 0.5, guess, confidence)


FAQ_PREDICTIONS = [
    faq("几点上班", "faq/hours", "faq/hours", 0.95, 0.99),  # 0.94
    faq("多少钱", "faq/price", "faq/price", 0.9, 0.9),  # 0.81
    faq("发票怎么开", "faq/price", "faq/hours", 0.8, 0.6),  # 0.48, wrong
    faq("在吗", "faq/hours", "faq/hours", 0.7, 0.5),  # 0.35
    Prediction("讲个笑话", "out_of_scope", "out_of_scope", "faq", 0.7, 0.5, "faq/price", 0.5),
    Prediction("嗯嗯", "affirm", "affirm", "faq", 0.55, 0.5, "faq/price", 0.9),  # falls back
    prediction("你好", "greet", "greet"),
]


def test_per_label_figures_give_precision_recall_f1_and_counts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from scripts.evaluate import label_scores

    scores = label_scores(FAQ_PREDICTIONS, also=["ask_invoice"])

    assert scores["faq/hours"] == Scores(2 / 3, 1.0, 0.8, 2)
    # faq/price is guessed for a joke and, before the fallback, for 嗯嗯: precision 1/3
    assert scores["faq/price"] == Scores(1 / 3, 1 / 2, 0.4, 2)
    assert scores["faq"] == Scores(4 / 6, 1.0, 0.8, 4)
    assert scores["ask_invoice"] == Scores(0.0, 0.0, 0.0, 0)
    report("set", FAQ_PREDICTIONS, 0.6, 0.1, trained={"faq/hours": 700, "faq/price": 30})
    out = capsys.readouterr().out
    assert (
        "  label                    precision  recall     F1  tested  in data/nlu\n"
        "  affirm                       0.000   0.000  0.000       1            0\n"
        "  faq                          0.667   1.000  0.800       4          730\n"
        "    faq/hours                  0.667   1.000  0.800       2          700\n"
        "    faq/price                  0.333   0.500  0.400       2           30\n"
        "  greet                        1.000   1.000  1.000       1            0\n"
    ) in out


def test_the_faq_sweep_answers_asks_and_counts_wrong_answers_asked() -> None:
    rows = faq_sweep(FAQ_PREDICTIONS, 0.6, 0.1, [0.3, 0.4, 0.5, 0.9])

    # 5 messages pass the FallbackClassifier as faq, at 0.94, 0.81, 0.48 (wrong topic), 0.35
    # and 0.35 (a joke): 2 would get a wrong answer
    assert [(r.threshold, r.questions) for r in rows] == [(0.3, 5), (0.4, 5), (0.5, 5), (0.9, 5)]
    assert [r.answered for r in rows] == [1.0, 0.6, 0.4, 0.2]
    assert [r.right for r in rows] == [3 / 5, 2 / 3, 1.0, 1.0]
    assert [r.wrong_asked for r in rows] == [0.0, 0.5, 1.0, 1.0]
    assert chosen_faq_threshold(rows) == 0.5
    assert chosen_faq_threshold(rows[:2]) is None


def test_the_sweep_thresholds_what_faq_topic_fallback_does() -> None:
    from rasa_addons.nlu.faq_topic_fallback import answer_confidence as component

    p = FAQ_PREDICTIONS[2]
    selector = {"faq": {"response": {"intent_response_key": p.faq_key, "confidence": 0.6}}}

    assert answer_confidence(p) == component({"name": "faq", "confidence": 0.8}, selector, "faq")


def test_the_faq_report_names_the_chosen_and_the_configured_threshold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert faq_report("cv", FAQ_PREDICTIONS, 0.6, 0.1, None) == 0.5

    out = capsys.readouterr().out
    assert "  0.50          0.400          1.000                        1.000  <- chosen\n" in out
    assert "  0.45          0.600          0.667                        0.500\n" in out
    assert "chosen: 0.50, the lowest threshold whose answers are right >= 98% (config.yml: not " \
        "configured)" in out  # fmt: skip


def test_the_configured_faq_threshold_is_read_from_the_pipeline(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n- name: FallbackClassifier\n  threshold: 0.6\n")
    assert _faq_config(config) is None
    config.write_text(
        "pipeline:\n- name: rasa_addons.nlu.faq_topic_fallback.FaqTopicFallback\n"
        "  threshold: 0.45\n"
    )
    assert _faq_config(config) == 0.45


def test_new_and_small_labels_are_named() -> None:
    trained = {"greet": 700, "faq/hours": 800, "faq/price": 750, "ask_invoice": 30}

    assert data_notes(trained, {"greet", "faq/hours", "faq/price"}) == [
        "measured by cross-validation only (in no test set of tests/nlu): ask_invoice (30 "
        "examples)",
        "warning: ask_invoice has 30 examples, fewer than 73 (10% of the median label's 725): "
        "it is easily outvoted",
    ]
