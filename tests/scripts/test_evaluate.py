import logging
from typing import Iterator

import pytest
import structlog

from scripts.evaluate import Prediction, quiet_logs, report


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
