from pathlib import Path

from scripts.training_summary import Step, main, steps, summary

HOOKS = "INFO     rasa.engine.training.hooks  -"


def line(when: str, what: str, name: str) -> str:
    """A line of Rasa's training log at 2026-12-07 `when`."""
    ending = " from cache." if what == "Restored" else "."
    return f"2026-12-07 {when} {HOOKS} {what} component '{name}'{ending}"


LOG = "\n".join(
    [
        line("23:26:10", "Starting to train", "JiebaTokenizer"),
        line("23:26:11", "Finished training", "JiebaTokenizer"),
        line("23:26:17", "Starting to train", "CountVectorsFeaturizer"),
        line("23:26:18", "Finished training", "CountVectorsFeaturizer"),
        line("23:26:32", "Starting to train", "CountVectorsFeaturizer"),
        "Epochs:   0%|          | 0/10 [00:00<?, ?it/s]",
        "\x1b[0m" + line("23:26:34", "Finished training", "CountVectorsFeaturizer"),
        line("23:29:47", "Restored", "TEDPolicy"),
        "Your Rasa model is trained and saved at 'models/bot.tar.gz'.",
    ]
)


def test_each_component_is_retrained_with_its_seconds_or_reused() -> None:
    assert steps(LOG.splitlines()) == [
        Step("JiebaTokenizer", True, 1.0),
        Step("CountVectorsFeaturizer", True, 1.0),
        Step("CountVectorsFeaturizer", True, 2.0),
        Step("TEDPolicy", False),
    ]


def test_summary_names_both_lists() -> None:
    assert summary(steps(LOG.splitlines())) == (
        "retrained: JiebaTokenizer 1 s, CountVectorsFeaturizer 1 s, CountVectorsFeaturizer 2 s\n"
        "reused from the cache: TEDPolicy"
    )


def test_a_fully_cached_training_retrained_nothing() -> None:
    cached = [Step("TEDPolicy", False), Step("JiebaTokenizer", False)]
    assert summary(cached).splitlines()[0] == "retrained: nothing"


def test_main_reads_the_log_file(tmp_path: Path, capsys) -> None:
    log = tmp_path / "train.log"
    log.write_text(LOG, encoding="utf-8")
    assert main([str(log)]) == 0
    assert capsys.readouterr().out.startswith("retrained: JiebaTokenizer 1 s")
    assert main([]) == 2
