"""NLU evaluation report: cross-validation, FallbackClassifier threshold sweep, held-out set.

Every prediction counted here comes from a model that never saw the example:
- k-fold cross-validation over data/nlu (stratified by intent and FAQ topic), each fold a
  real Rasa NLU model trained with config.yml;
- every test set in tests/nlu, written apart from the training data, parsed by the trained bot
  (models/bot.tar.gz): heldout.yml, and heldout_blind*.yml, each written by an author who never
  saw data/nlu nor the other test sets (only the number of their misclassified examples is
  printed, so that they stay blind).
The report ends with one line per evaluation against the issue's targets.

The threshold sweep simulates the FallbackClassifier on the raw intent ranking (confidence
below the threshold, or top two closer than the ambiguity threshold, means nlu_fallback), so
the threshold in config.yml is read off these figures instead of guessed.

Each evaluation also gives precision, recall and F1 per intent and per FAQ topic, with how many
examples it was tested and trained on; labels that no test set has (a new intent or topic) are
named, cross-validation being their only measure, and labels far smaller than the median get a
warning (scripts/check_data.py's rule). The FAQ-topic sweep simulates FaqTopicFallback
(rasa_addons/nlu/faq_topic_fallback.py) on the questions the FallbackClassifier lets through
as `faq`: per threshold on intent × topic confidence, how many are answered, how many answers
are right, and how many wrong answers become the 您是不是说 question instead; it picks the
lowest threshold whose answers are right FAQ_TARGET of the time and compares it with config.yml.

Usage: python scripts/evaluate.py [--folds 5] [--seed 42]   (or: make evaluate)
To compare pipelines quickly: --config other.yml --only-folds 1.
To score only the test sets with the trained model (7 minutes): --heldout-only.
"""

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
THRESHOLDS = [0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]
# Test sets written by authors who never saw data/nlu: their misclassified texts are not printed.
BLIND_PREFIX = "heldout_blind"
TARGET_ACCURACY = 0.95
TARGET_REJECTION = 0.90
RETRIEVAL_INTENT = "faq"
FAQ_COMPONENT = "rasa_addons.nlu.faq_topic_fallback.FaqTopicFallback"
FAQ_THRESHOLDS = [round(0.3 + 0.05 * i, 2) for i in range(13)]  # 0.30 .. 0.90
# A wrong FAQ answer is a confident wrong answer: the visitor reads another topic's text. 98 %
# right keeps that to one question in fifty; the rest are asked 您是不是说 instead.
FAQ_TARGET = 0.98


@dataclass(frozen=True)
class Prediction:
    """What a model said about one example it never saw."""

    text: str
    true_intent: str  # base intent (faq for every FAQ topic)
    true_key: str  # faq/<topic> for FAQ examples, else the intent
    intent: str  # top intent of the raw ranking, nlu_fallback excluded
    confidence: float
    margin: float  # top confidence minus the second's
    faq_key: str | None  # topic chosen by the response selector
    faq_confidence: float | None = None  # the response selector's confidence in it

    @property
    def key(self) -> str:
        """The label predicted: the FAQ topic for `faq`, else the intent."""
        return self.faq_key or self.intent if self.intent == RETRIEVAL_INTENT else self.intent


def _base_intent(key: str) -> str:
    return key.split("/", 1)[0]


async def _parse_all(model_path: str, examples: Sequence[Tuple[str, str]]) -> List[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    predictions = []
    for text, key in examples:
        parsed = await agent.parse_message(text)
        ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != FALLBACK]
        top = ranking[0] if ranking else {"name": FALLBACK, "confidence": 0.0}
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        selector = (parsed.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
        response = selector.get("response") or {}
        faq_key = response.get("intent_response_key")
        faq_confidence = response.get("confidence")
        predictions.append(
            Prediction(
                text=text,
                true_intent=_base_intent(key),
                true_key=key,
                intent=top["name"],
                confidence=float(top["confidence"]),
                margin=float(top["confidence"]) - float(second),
                faq_key=faq_key,
                faq_confidence=float(faq_confidence) if faq_confidence is not None else None,
            )
        )
    return predictions


def _load(path: Path) -> Any:
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


def _key(message: Any) -> str:
    return str(message.get("intent_response_key") or message.get("intent"))


def _stratified_folds(keys: Sequence[str], k: int, seed: int) -> List[List[int]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [list(test) for _, test in splitter.split(list(range(len(keys))), list(keys))]


def cross_validate(k: int, seed: int, workdir: Path, config: Path, limit: int) -> List[Prediction]:
    """Trains k NLU models (only the first `limit`), each without one fold, and predicts it."""
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = _load(ROOT / "data" / "nlu")
    examples = [m for m in data.training_examples if m.get("intent")]
    keys = [_key(m) for m in examples]
    predictions: List[Prediction] = []
    for fold, test_index in enumerate(_stratified_folds(keys, k, seed)[:limit], start=1):
        held_out = set(test_index)
        train = TrainingData(
            training_examples=[m for i, m in enumerate(examples) if i not in held_out],
            entity_synonyms=data.entity_synonyms,
            regex_features=data.regex_features,
            lookup_tables=data.lookup_tables,
            responses=data.responses,
        )
        train_file = workdir / f"fold{fold}.yml"
        train_file.write_text(train.nlu_as_yaml(), encoding="utf-8")
        started = time.monotonic()
        model = train_nlu(
            str(config),
            str(train_file),
            str(workdir),
            fixed_model_name=f"fold{fold}",
            domain=str(ROOT / "domain.yml"),
        )
        if model is None:
            raise RuntimeError(f"training fold {fold} failed")
        test = [(examples[i].get("text"), keys[i]) for i in test_index]
        predictions += asyncio.run(_parse_all(model, test))
        print(
            f"  fold {fold}/{k}: trained on {len(examples) - len(test)}, "
            f"tested on {len(test)} ({time.monotonic() - started:.0f} s)",
            flush=True,
        )
    return predictions


def heldout(model: Path, path: Path) -> List[Prediction]:
    """Predicts a test set with the trained bot."""
    data = _load(path)
    examples = [(m.get("text"), _key(m)) for m in data.training_examples if m.get("intent")]
    return asyncio.run(_parse_all(str(model), examples))


def falls_back(p: Prediction, threshold: float, ambiguity: float) -> bool:
    return p.confidence < threshold or p.margin < ambiguity


def f1_by_intent(predictions: Sequence[Prediction]) -> Dict[str, Tuple[float, int]]:
    """Per-intent F1 and support of the top intent (no fallback)."""
    tp: Dict[str, int] = defaultdict(int)
    fp: Dict[str, int] = defaultdict(int)
    fn: Dict[str, int] = defaultdict(int)
    for p in predictions:
        if p.intent == p.true_intent:
            tp[p.true_intent] += 1
        else:
            fp[p.intent] += 1
            fn[p.true_intent] += 1
    scores = {}
    for intent in sorted({p.true_intent for p in predictions}):
        precision_denominator = tp[intent] + fp[intent]
        recall_denominator = tp[intent] + fn[intent]
        precision = tp[intent] / precision_denominator if precision_denominator else 0.0
        recall = tp[intent] / recall_denominator if recall_denominator else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[intent] = (f1, recall_denominator)
    return scores


@dataclass(frozen=True)
class Scores:
    """One label's figures in one evaluation."""

    precision: float
    recall: float
    f1: float
    support: int  # examples of the label in the evaluated set


def _scores(pairs: Sequence[Tuple[str, str]], labels: Iterable[str]) -> Dict[str, Scores]:
    """Precision, recall, F1 and support of each label, from (true, predicted) pairs."""
    found = {}
    for label in labels:
        predicted = sum(guess == label for _, guess in pairs)
        support = sum(true == label for true, _ in pairs)
        right = sum(true == guess == label for true, guess in pairs)
        precision = right / predicted if predicted else 0.0
        recall = right / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        found[label] = Scores(precision, recall, f1, support)
    return found


def label_scores(predictions: Sequence[Prediction], also: Iterable[str] = ()) -> Dict[str, Scores]:
    """Per intent (the top intent) and per FAQ topic (right when the intent is `faq` and the
    topic is the example's), for every label of the set and those in `also`."""
    wanted = {p.true_key for p in predictions} | set(also)
    intents = {_base_intent(label) for label in wanted}
    scores = _scores([(p.true_intent, p.intent) for p in predictions], intents)
    topics = {label for label in wanted if "/" in label}
    scores.update(_scores([(p.true_key, p.key) for p in predictions], topics))
    return scores


def _label_table(scores: Dict[str, Scores], trained: Mapping[str, int]) -> List[str]:
    """The per-label lines, FAQ topics under `faq`; `trained` counts data/nlu's examples."""
    lines = [f"  {'label':<24} precision  recall     F1  tested  in data/nlu"]
    intents = sorted(label for label in scores if "/" not in label)
    for intent in intents:
        for label in [intent] + sorted(k for k in scores if k.startswith(f"{intent}/")):
            s = scores[label]
            name = label if label == intent else f"  {label}"
            count = sum(n for k, n in trained.items() if _base_intent(k) == label or k == label)
            in_data = trained.get(label, count if label == intent else 0)
            lines.append(
                f"  {name:<24} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.support:7d}"
                f"  {in_data:11d}"
            )
    return lines


def answer_confidence(p: Prediction) -> float | None:
    """What FaqTopicFallback thresholds: the intent's confidence times the topic's
    (rasa_addons/nlu/faq_topic_fallback.py, answer_confidence); None without a topic."""
    if p.intent != RETRIEVAL_INTENT or p.faq_key is None or p.faq_confidence is None:
        return None
    return p.confidence * p.faq_confidence


@dataclass(frozen=True)
class FaqRow:
    """The FAQ-topic sweep at one threshold."""

    threshold: float
    questions: int  # questions the FallbackClassifier lets through as `faq`
    answered: float  # share of them answered (the rest are asked 您是不是说)
    right: float  # share of the answers that are the example's topic
    wrong_asked: float  # share of the wrong answers that are asked instead


def faq_sweep(
    predictions: Sequence[Prediction],
    threshold: float,
    ambiguity: float,
    thresholds: Iterable[float] = FAQ_THRESHOLDS,
) -> List[FaqRow]:
    """FaqTopicFallback at each of `thresholds`, behind the FallbackClassifier at `threshold`.

    A wrong answer is another topic's answer, or any answer to a message that is no FAQ.
    """
    asked = [
        (p, confidence)
        for p in predictions
        if not falls_back(p, threshold, ambiguity)
        and (confidence := answer_confidence(p)) is not None
    ]
    wrong = [(p, c) for p, c in asked if p.faq_key != p.true_key]
    rows = []
    for t in thresholds:
        answered = [p for p, c in asked if c >= t]
        right = sum(p.faq_key == p.true_key for p in answered)
        rows.append(
            FaqRow(
                t,
                len(asked),
                len(answered) / max(len(asked), 1),
                right / max(len(answered), 1),
                sum(c < t for _, c in wrong) / max(len(wrong), 1),
            )
        )
    return rows


def chosen_faq_threshold(rows: Sequence[FaqRow], target: float = FAQ_TARGET) -> float | None:
    """The lowest threshold whose answers are right at least `target` of the time."""
    return next((row.threshold for row in rows if row.right >= target), None)


def faq_report(
    title: str,
    predictions: Sequence[Prediction],
    threshold: float,
    ambiguity: float,
    configured: float | None,
) -> float | None:
    """Prints the FAQ-topic sweep of one evaluation; returns the threshold it would choose."""
    rows = faq_sweep(predictions, threshold, ambiguity)
    chosen = chosen_faq_threshold(rows)
    questions = rows[0].questions if rows else 0
    print(
        f"FAQ-topic sweep, {title}: the {questions} messages the FallbackClassifier ({threshold}) "
        f"lets through as {RETRIEVAL_INTENT};\nFaqTopicFallback answers them when intent × topic "
        "confidence >= the threshold, else asks 您是不是说:"
    )
    print("  threshold  answered  answers right  wrong answers asked instead")
    for row in rows:
        marks = []
        if row.threshold == chosen:
            marks.append("chosen")
        if configured is not None and abs(row.threshold - configured) < 1e-9:
            marks.append("config.yml")
        marker = f"  <- {', '.join(marks)}" if marks else ""
        right = f"{row.right:13.3f}" if row.answered else f"{'-':>13}"
        print(
            f"  {row.threshold:<9.2f}  {row.answered:8.3f}  {right}"
            f"  {row.wrong_asked:27.3f}{marker}"
        )
    shown = "not configured" if configured is None else f"{configured}"
    if chosen is None:
        best = max(rows, key=lambda row: row.right, default=None)
        reached = f"; best {best.right:.3f} at {best.threshold:.2f}" if best else ""
        print(f"chosen: none reaches {FAQ_TARGET:.0%} right answers{reached} (config.yml: {shown})")
    else:
        print(
            f"chosen: {chosen:.2f}, the lowest threshold whose answers are right >= "
            f"{FAQ_TARGET:.0%} (config.yml: {shown})"
        )
    return chosen


def sweep(
    predictions: Sequence[Prediction], ambiguity: float, thresholds: Iterable[float]
) -> List[Tuple[float, float, float, float, float]]:
    """Per threshold: (threshold, in-scope correct, in-scope falling back, precision of the
    in-scope answers given, unrelated rejected)."""
    in_scope = [p for p in predictions if p.true_intent != OUT_OF_SCOPE]
    unrelated = [p for p in predictions if p.true_intent == OUT_OF_SCOPE]
    rows = []
    for t in thresholds:
        correct = sum(
            p.intent == p.true_intent and not falls_back(p, t, ambiguity) for p in in_scope
        )
        fallback = sum(falls_back(p, t, ambiguity) for p in in_scope)
        answered = len(in_scope) - fallback
        rejected = sum(p.intent == OUT_OF_SCOPE or falls_back(p, t, ambiguity) for p in unrelated)
        rows.append(
            (
                t,
                correct / max(len(in_scope), 1),
                fallback / max(len(in_scope), 1),
                correct / max(answered, 1),
                rejected / max(len(unrelated), 1),
            )
        )
    return rows


def report(
    title: str,
    predictions: Sequence[Prediction],
    threshold: float,
    ambiguity: float,
    show_errors: bool = True,
    trained: Mapping[str, int] | None = None,
) -> Tuple[float, float]:
    """Prints the figures of one evaluation; returns its intent accuracy and the share of
    unrelated questions rejected at the configured threshold.

    Without `show_errors` the misclassified texts are counted, not printed: whoever reads the
    report of a blind set could otherwise tune the data on its errors.
    """
    n = len(predictions)
    accuracy = sum(p.intent == p.true_intent for p in predictions) / n
    scores = f1_by_intent(predictions)
    macro_f1 = sum(f1 for f1, _ in scores.values()) / len(scores)
    faq = [p for p in predictions if p.true_intent == "faq" and p.intent == "faq"]
    topic_accuracy = sum(p.faq_key == p.true_key for p in faq) / max(len(faq), 1)
    print(f"\n== {title}: {n} examples ==")
    print(f"intent accuracy (top intent, no fallback)   {accuracy:.3f}")
    print(f"macro F1                                    {macro_f1:.3f}")
    print(
        f"FAQ topic accuracy (response selector)      {topic_accuracy:.3f}  ({len(faq)} FAQ hits)"
    )
    print(
        "per intent and FAQ topic (top intent, no fallback; a topic counts when intent and "
        "topic are right; tested: examples here):"
    )
    for line in _label_table(label_scores(predictions, trained or {}), trained or {}):
        print(line)
    print(f"fallback sweep (ambiguity_threshold {ambiguity}):")
    print("  threshold  in-scope correct  in-scope to fallback  answers right  unrelated rejected")
    rows = sweep(predictions, ambiguity, sorted(set(THRESHOLDS + [threshold])))
    for t, correct, fallback, precision, rejected in rows:
        marker = "  <- config.yml" if t == threshold else ""
        print(
            f"  {t:<9.2f}  {correct:16.3f}  {fallback:20.3f}  {precision:13.3f}"
            f"  {rejected:18.3f}{marker}"
        )
    [(_, _, _, _, rejected)] = sweep(predictions, ambiguity, [threshold])
    confused = [p for p in predictions if p.intent != p.true_intent]
    if not show_errors:
        print(f"misclassified: {len(confused)} (not printed, so that the blind sets stay blind)")
        return accuracy, rejected
    print(f"misclassified ({len(confused)}), first 15:")
    for p in confused[:15]:
        print(f"  {p.text!r}: {p.true_key} -> {p.intent} ({p.confidence:.2f})")
    return accuracy, rejected


def summary(results: Dict[str, Tuple[int, float, float]]) -> None:
    """One line per evaluation against the issue's targets."""
    print(
        f"\n== targets: intent accuracy >= {TARGET_ACCURACY}, "
        f"unrelated rejected >= {TARGET_REJECTION} =="
    )
    for title, (n, accuracy, rejected) in results.items():
        verdict = (
            "met" if accuracy >= TARGET_ACCURACY and rejected >= TARGET_REJECTION else "NOT met"
        )
        print(f"  {title:<40} n={n:<5} accuracy {accuracy:.3f}  rejected {rejected:.3f}  {verdict}")


def quiet_logs() -> None:
    """Warnings and errors only, from logging and from Rasa's structlog.

    Unconfigured, structlog prints every parse at debug level with its text, which would show a
    blind set's messages (and their predictions) to whoever runs the report.
    """
    from rasa.utils.log_utils import configure_structlog

    logging.disable(logging.WARNING)
    configure_structlog(logging.WARNING)


def _fallback_config(path: Path) -> Tuple[float, float]:
    import yaml

    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == "FallbackClassifier":
            return float(component["threshold"]), float(component["ambiguity_threshold"])
    raise SystemExit("config.yml has no FallbackClassifier")


def _faq_config(path: Path) -> float | None:
    """FaqTopicFallback's threshold in config.yml; None when it is not in the pipeline."""
    import yaml

    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == FAQ_COMPONENT:
            return float(component.get("threshold", 0.5))  # the component's default
    return None


def data_notes(trained: Mapping[str, int], tested: Iterable[str]) -> List[str]:
    """What to read the figures with: labels no test set has, labels far below the median."""
    from scripts.check_data import SMALL_SHARE
    from scripts.nlu_data import median_size

    notes = []
    untested = sorted(set(trained) - set(tested))
    if untested:
        notes.append(
            "measured by cross-validation only (in no test set of tests/nlu): "
            + ", ".join(f"{label} ({trained[label]} examples)" for label in untested)
        )
    median = median_size(trained)
    minimum = int(SMALL_SHARE * median + 0.999999)
    for label, count in sorted(trained.items()):
        if count < minimum:
            notes.append(
                f"warning: {label} has {count} examples, fewer than {minimum} ({SMALL_SHARE:.0%} "
                f"of the median label's {median:.0f}): it is easily outvoted"
            )
    return notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "bot.tar.gz")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument(
        "--only-folds", type=int, default=None, help="train and test only this many folds"
    )
    parser.add_argument(
        "--heldout-only", action="store_true", help="skip cross-validation: score the test sets"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    quiet_logs()
    threshold, ambiguity = _fallback_config(args.config)
    configured = _faq_config(args.config)
    from scripts.nlu_data import heldout_texts, load_project

    trained = load_project(ROOT).sizes()
    tested = {label for path in _test_sets() for _, label in heldout_texts(path)}
    notes = data_notes(trained, tested)
    print(f"data/nlu: {sum(trained.values())} examples, {len(trained)} intents and FAQ topics")
    for note in notes:
        print(f"  {note}")

    results: Dict[str, Tuple[int, float, float]] = {}
    chosen: Dict[str, float | None] = {}
    if not args.heldout_only:
        with tempfile.TemporaryDirectory() as workdir:
            print(f"cross-validation, {args.folds} folds:", flush=True)
            limit = args.only_folds or args.folds
            cv = cross_validate(args.folds, args.seed, Path(workdir), args.config, limit)
        title = "cross-validation over data/nlu"
        results["cross-validation"] = (
            len(cv),
            *report(title, cv, threshold, ambiguity, trained=trained),
        )
        chosen["cross-validation"] = faq_report(title, cv, threshold, ambiguity, configured)

    if args.model.exists():
        pooled: List[Prediction] = []
        for path in _test_sets():
            predictions = heldout(args.model, path)
            pooled += predictions
            title = f"held-out set {path.relative_to(ROOT)}"
            blind = path.name.startswith(BLIND_PREFIX)
            results[path.name] = (
                len(predictions),
                *report(
                    title, predictions, threshold, ambiguity, show_errors=not blind, trained=trained
                ),
            )
        title = "held-out sets together"
        results[title] = (
            len(pooled),
            *report(title, pooled, threshold, ambiguity, show_errors=False, trained=trained),
        )
        chosen[title] = faq_report(title, pooled, threshold, ambiguity, configured)
    else:
        print(f"\n(no {args.model}: run `make train` to also evaluate the held-out sets)")
    summary(results)
    faq_summary(chosen, configured)
    for note in notes:
        print(f"  {note}")
    return 0


def _test_sets() -> List[Path]:
    return sorted((ROOT / "tests" / "nlu").glob("*.yml"))


def faq_summary(chosen: Mapping[str, float | None], configured: float | None) -> None:
    """The FAQ-topic threshold each evaluation would choose, beside config.yml's."""
    shown = "not configured" if configured is None else f"{configured}"
    print(f"\n== FAQ-topic threshold (answers right >= {FAQ_TARGET:.0%}); config.yml: {shown} ==")
    for title, value in chosen.items():
        print(f"  {title:<40} {'none reaches it' if value is None else f'{value:.2f}'}")


if __name__ == "__main__":
    sys.exit(main())
