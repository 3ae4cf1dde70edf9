"""Evaluation of the service-language checkers: the rules and the learned classifier.

    python -m scripts.evaluate_compliance [--no-cv] [--blind-dir tests/compliance/blind]
    python -m scripts.evaluate_compliance --cv-repeats 5   # only the repeated cross-validation
    make evaluate-compliance

1. Cross-validation on compliance/training/ (5 folds, stratified): each fold's model is fitted
   on the other four, its thresholds (t_context included) chosen by an inner cross-validation on
   those four only (as `compliance.classifier.fit` does), so no line is scored by a model that
   saw it. Per category: recall and precision of the classifier's category, and of today's
   combination; caught % and false-alarm % (near misses separately) of the rules alone, the
   classifier alone, every rule OR the classifier (before context-dependent rules), and today's
   combination (exact rules OR the classifier OR a context rule the classifier agrees with), and
   what other values of `CONTEXT_RECALL` would give. Then the same figures on the dev set
   (tests/compliance/dev.yml, never trained on, not blind), with its misses by sentence.
2. The blind sets, tests/compliance/blind/*.yml (`forbidden: {category: [sentences]}`,
   `compliant: [sentences]`), written by other authors and never read while writing the
   training data: caught % of the forbidden sentences (by a rule or the classifier, any category
   counts), per-category recall (the category matches) and precision. Only counts and
   percentages are printed for them: never a sentence, and for misses only the category.
3. False alarms on the compliant corpus: the blind sets' compliant sentences, every bot text of
   domain.yml (FAQ answers included), every line of desk/phrases.yml, the inventory's recommended
   wording and compliance/corpus.txt. Flagged sentences of the non-blind sources are printed.

Ends with the targets (>= 90 % of the blind forbidden sentences caught, <= 1 % of the compliant
corpus flagged), "met" or "NOT met" each; exits 1 if one is not met.
"""

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
BLIND_DIR = ROOT / "tests" / "compliance" / "blind"
CORPUS = ROOT / "compliance" / "corpus.txt"
DEV = ROOT / "tests" / "compliance" / "dev.yml"
TARGET_CAUGHT = 0.90
TARGET_FALSE_ALARMS = 0.01
MIN_CORPUS = 500


@dataclass(frozen=True)
class Outcome:
    """What the checkers did with one sentence: its label (a category id, or `ok`), the
    categories they held it for (empty: it would be sent) and which held it (`rule`,
    `classifier`)."""

    label: str
    categories: FrozenSet[str]
    sources: FrozenSet[str] = frozenset()

    @property
    def flagged(self) -> bool:
        return bool(self.categories)


@dataclass
class BlindSet:
    """A blind set: (category id, sentence) for each forbidden sentence, and compliant ones."""

    name: str
    forbidden: List[Tuple[str, str]] = field(default_factory=list)
    compliant: List[str] = field(default_factory=list)


def pct(part: int, whole: int) -> str:
    """`part/whole (xx.x %)`."""
    share = 100.0 * part / whole if whole else 0.0
    return f"{part}/{whole} ({share:.1f} %)"


def category_ids() -> Dict[str, str]:
    """Category id or Chinese label → category id (a blind set may use either)."""
    from compliance.pipeline import default_inventory

    categories = default_inventory().categories
    return {**{k: k for k in categories}, **{v: k for k, v in categories.items()}}


def load_blind(directory: Path = BLIND_DIR) -> List[BlindSet]:
    """Every blind set in `directory` (name order); ValueError for a malformed file (the message
    names the file and the key, never a sentence)."""
    ids = category_ids()
    sets = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        forbidden, compliant = data.get("forbidden") or {}, data.get("compliant") or []
        if not isinstance(forbidden, dict) or not isinstance(compliant, list):
            raise ValueError(f"{path.name}: needs `forbidden: {{category: [...]}}`, `compliant`")
        blind = BlindSet(path.stem)
        for category, sentences in forbidden.items():
            if str(category) not in ids or not isinstance(sentences, list):
                raise ValueError(f"{path.name}: unknown category or no list: {category!r}")
            blind.forbidden += [(ids[str(category)], str(s)) for s in sentences if s]
        blind.compliant = [str(s) for s in compliant if s]
        sets.append(blind)
    return sets


def compliant_corpus() -> Dict[str, List[str]]:
    """The non-blind compliant sentences by source: domain.yml, desk/phrases.yml, the
    inventory's recommended wording, compliance/corpus.txt."""
    from compliance.lint import DEFAULT_DOMAIN, DEFAULT_PHRASES, domain_texts, phrases_texts
    from compliance.pipeline import default_inventory

    def texts(path: Path, named: Any) -> List[str]:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return [text for _, text in named(data) if text.strip()]

    recommended = {c.quote for r in default_inventory().rules for c in r.recommended}
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    corpus = [line.split(" | ", 1)[1] for line in lines if " | " in line and line[0] != "#"]
    return {
        "domain.yml": texts(DEFAULT_DOMAIN, domain_texts),
        "desk/phrases.yml": texts(DEFAULT_PHRASES, phrases_texts),
        "inventory recommended": sorted(recommended),
        "compliance/corpus.txt": corpus,
    }


def outcomes(pairs: Iterable[Tuple[str, str]]) -> List[Outcome]:
    """(label, text) → what rules and classifier did (compliance.screening.screen)."""
    from compliance.screening import screen

    found = []
    for label, text in pairs:
        violations = screen(text)
        categories = frozenset(v.category_id for v in violations)
        found.append(Outcome(label, categories, frozenset(v.source for v in violations)))
    return found


def false_alarm_line(found: Sequence[Outcome]) -> str:
    """Counts only: how many compliant sentences each checker held, and for which category."""
    held = [o for o in found if o.flagged]
    by_source = Counter(source for o in held for source in o.sources)
    by_category = Counter(category for o in held for category in o.categories)
    sources = ", ".join(f"{s} {n}" for s, n in sorted(by_source.items())) or "none"
    categories = ", ".join(f"{c} {n}" for c, n in sorted(by_category.items())) or "none"
    return f"  compliant flagged by: {sources}; as: {categories}"


def category_lines(found: Sequence[Outcome], categories: Iterable[str]) -> List[str]:
    """Per category: recall (its sentences held for that category) and precision (of the
    sentences held for it, how many are its own)."""
    lines = []
    for category in categories:
        own = [o for o in found if o.label == category]
        held_for = [o for o in found if category in o.categories]
        right = sum(category in o.categories for o in own)
        precision = sum(o.label == category for o in held_for)
        lines.append(
            f"  {category:<12} recall {pct(right, len(own)):<20} "
            f"precision {pct(precision, len(held_for))}"
        )
    return lines


def report_blind(sets: Sequence[BlindSet]) -> Tuple[int, int, List[Outcome]]:
    """Prints counts and percentages only; returns (caught, forbidden) and the compliant
    sentences' outcomes."""
    from compliance.pipeline import default_inventory

    all_forbidden: List[Outcome] = []
    all_compliant: List[Outcome] = []
    for blind in sets:
        forbidden = outcomes(blind.forbidden)
        compliant = outcomes(("ok", text) for text in blind.compliant)
        caught = sum(o.flagged for o in forbidden)
        flagged = sum(o.flagged for o in compliant)
        print(
            f"blind {blind.name}: forbidden caught {pct(caught, len(forbidden))}, "
            f"compliant flagged {pct(flagged, len(compliant))}"
        )
        all_forbidden += forbidden
        all_compliant += compliant
    caught = sum(o.flagged for o in all_forbidden)
    print(f"blind, all sets: forbidden caught {pct(caught, len(all_forbidden))}")
    labels = {o.label for o in all_forbidden}
    present = [c for c in default_inventory().categories if c in labels]
    for line in category_lines(all_forbidden + all_compliant, present):
        print(line)
    print(false_alarm_line(all_compliant))
    missed = Counter(o.label for o in all_forbidden if not o.flagged)
    missed_line = ", ".join(f"{c} {n}" for c, n in sorted(missed.items())) or "none"
    print(f"  missed, by category: {missed_line}")
    return caught, len(all_forbidden), all_compliant


def report_corpus(blind_compliant: Sequence[Outcome]) -> Tuple[int, int]:
    """Prints false alarms per source (the non-blind flagged sentences by name); returns
    (flagged, size) over the whole compliant corpus."""
    from compliance.screening import screen

    flagged = sum(o.flagged for o in blind_compliant)
    size = len(blind_compliant)
    print(f"compliant corpus: blind sets {pct(flagged, size)} flagged")
    for source, sentences in compliant_corpus().items():
        held = [(text, screen(text)) for text in sentences]
        held = [(text, found) for text, found in held if found]
        print(f"compliant corpus: {source} {pct(len(held), len(sentences))} flagged")
        for text, found in held:
            reasons = ", ".join(f"{v.rule} 「{v.matched}」" for v in found)
            print(f"    {text!r}: {reasons}")
        flagged += len(held)
        size += len(sentences)
    print(f"compliant corpus, all: {pct(flagged, size)} flagged")
    return flagged, size


@dataclass(frozen=True)
class Judged:
    """One line seen by each part of the checkers apart, so that every combination can be
    scored: the categories exact rules hold it for, those context-dependent rules match it for
    (`context: model`), the classifier's most likely category and score, and whether the
    classifier holds it by itself."""

    label: str
    exact: FrozenSet[str]
    context: FrozenSet[str]
    category: str
    score: float
    flagged: bool

    def held(self, combination: str, context_threshold: float) -> FrozenSet[str]:
        """The categories `combination` (one of COMBINATIONS) holds the line for."""
        learned = frozenset([self.category]) if self.flagged else frozenset()
        if combination == RULES:
            return self.exact | self.context
        if combination == CLASSIFIER:
            return learned
        if combination == BEFORE:
            return self.exact | self.context | learned
        agreed = self.context if self.score >= context_threshold else frozenset()
        return self.exact | agreed | learned


RULES = "rules alone"
CLASSIFIER = "classifier alone"
BEFORE = "rules OR classifier (every rule exact, before)"
NOW = "exact rules OR classifier OR context rule with the classifier >= t_context (now)"
COMBINATIONS = (RULES, CLASSIFIER, BEFORE, NOW)
SWEEP = (0.90, 0.95, 0.97, 0.98, 0.99, 1.0)  # CONTEXT_RECALL values shown beside the chosen one


def judge(texts: Sequence[Tuple[str, str]], model: Any) -> List[Judged]:
    """(label, text) → each part's findings, with `model` (compliance.classifier.Model)."""
    from compliance.checker import default_checker

    checker = default_checker()
    scores = model.scores([text for _, text in texts])
    judged = []
    for (label, text), (category, score) in zip(texts, scores, strict=True):
        found = checker.check(text)
        context = frozenset(v.category_id for v in found if checker.rules[v.rule].needs_context)
        exact = frozenset(v.category_id for v in found if not checker.rules[v.rule].needs_context)
        flagged = score > model.threshold_for(text)
        judged.append(Judged(label, exact, context, category, score, flagged))
    return judged


def combination_lines(
    judged: Sequence[Judged], thresholds: Sequence[float], near: Sequence[bool] = ()
) -> List[str]:
    """Caught % and false-alarm % of each combination (`thresholds`: t_context per line, the
    line's own model's; `near`: which lines are near misses, shown apart when given)."""
    lines = []
    for combination in COMBINATIONS:
        held = [bool(j.held(combination, t)) for j, t in zip(judged, thresholds, strict=True)]
        forbidden = [h for j, h in zip(judged, held, strict=True) if j.label != "ok"]
        ok = [h for j, h in zip(judged, held, strict=True) if j.label == "ok"]
        line = f"  {combination}: caught {pct(sum(forbidden), len(forbidden))}"
        line += f", false alarms {pct(sum(ok), len(ok))}"
        if near:
            misses = [h for j, h, n in zip(judged, held, near, strict=True) if n]
            line += f" (near misses {pct(sum(misses), len(misses))})"
        lines.append(line)
    return lines


def sweep_lines(
    judged: Sequence[Judged], models: Sequence[Any], near: Sequence[bool] = ()
) -> List[str]:
    """The combination `now` for each CONTEXT_RECALL in SWEEP: what each line's model would
    have chosen as t_context (its `context_scores`), and the figures that gives."""
    from compliance.classifier import CONTEXT_RECALL, choose_context_threshold

    lines = []
    for recall in sorted({*SWEEP, CONTEXT_RECALL}):
        chosen = {
            id(m): choose_context_threshold(m.context_scores, recall, m.threshold) for m in models
        }
        thresholds = [chosen[id(m)] for m in models]
        held = [bool(j.held(NOW, t)) for j, t in zip(judged, thresholds, strict=True)]
        forbidden = [h for j, h in zip(judged, held, strict=True) if j.label != "ok"]
        ok = [h for j, h in zip(judged, held, strict=True) if j.label == "ok"]
        shown = ", ".join(f"{t:.3f}" for t in dict.fromkeys(chosen.values()))
        mark = " (chosen)" if recall == CONTEXT_RECALL else ""
        line = f"  recall {recall:.2f}{mark}: t_context {shown}; caught "
        line += f"{pct(sum(forbidden), len(forbidden))}, false alarms {pct(sum(ok), len(ok))}"
        if near:
            misses = [h for h, n in zip(held, near, strict=True) if n]
            line += f" (near misses {pct(sum(misses), len(misses))})"
        lines.append(line)
    return lines


def cross_validate(folds: int = 5) -> None:
    """Prints the nested cross-validation figures on compliance/training/: per category for
    the classifier and for today's combination, then caught % and false-alarm % of the rules
    alone, the classifier alone, the combination before context rules and today's, and what
    other values of CONTEXT_RECALL would give."""
    from sklearn.model_selection import StratifiedKFold

    from compliance.classifier import OK, SEED, fit, load_training
    from compliance.pipeline import default_inventory

    examples = load_training()
    labels = [e.label for e in examples]
    judged: List[Judged] = [Judged(OK, frozenset(), frozenset(), OK, 0.0, False)] * len(examples)
    models: List[Any] = [None] * len(examples)
    started = time.perf_counter()
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train, test in splitter.split(examples, labels):
        model = fit([examples[i] for i in train])
        fold = judge([(examples[i].label, examples[i].text) for i in test], model)
        for i, one in zip(test, fold, strict=True):
            judged[i], models[i] = one, model
    elapsed = time.perf_counter() - started
    thresholds = [m.context_threshold for m in models]
    shown = ", ".join(f"{t:.3f}" for t in dict.fromkeys(thresholds))
    print(f"cross-validation: {folds} folds, {len(examples)} training sentences ({elapsed:.1f} s)")
    print(f"  t_context per fold: {shown}")
    categories = list(default_inventory().categories)
    for name in (CLASSIFIER, NOW):
        found = [Outcome(j.label, j.held(name, t)) for j, t in zip(judged, thresholds, strict=True)]
        forbidden = [o for o in found if o.label != OK]
        ok = [(o, e) for o, e in zip(found, examples, strict=True) if o.label == OK]
        near = [o for o, e in ok if e.near_miss]
        print(f"{name}:")
        for line in category_lines(found, categories):
            print(line)
        print(f"  caught {pct(sum(o.flagged for o in forbidden), len(forbidden))}")
        print(
            f"  false alarms {pct(sum(o.flagged for o, _ in ok), len(ok))}"
            f" (near misses {pct(sum(o.flagged for o in near), len(near))})"
        )
    near_misses = [e.near_miss for e in examples]
    print("cross-validation, the combinations:")
    for line in combination_lines(judged, thresholds, near_misses):
        print(line)
    print("cross-validation, t_context chosen for other CONTEXT_RECALL values:")
    for line in sweep_lines(judged, models, near_misses):
        print(line)


def repeated_sweep(repeats: int, folds: int = 5) -> None:
    """Prints caught and false alarms summed over `repeats` nested cross-validations, each with
    another outer split (seeds SEED, SEED + 1, …), for the combinations before and classifier
    alone and for today's at each CONTEXT_RECALL of SWEEP: one split's figures move by a few
    lines with the split; the sum shows the trade-off `CONTEXT_RECALL` was chosen on."""
    from sklearn.model_selection import StratifiedKFold

    from compliance.classifier import (
        CONTEXT_RECALL,
        OK,
        SEED,
        choose_context_threshold,
        fit,
        load_training,
    )

    examples = load_training()
    labels = [e.label for e in examples]
    recalls = sorted({*SWEEP, CONTEXT_RECALL})
    caught: Counter[str] = Counter()
    alarms: Counter[str] = Counter()
    for repeat in range(repeats):
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED + repeat)
        for train, test in splitter.split(examples, labels):
            model = fit([examples[i] for i in train])
            judged = judge([(examples[i].label, examples[i].text) for i in test], model)
            thresholds = {BEFORE: 0.0, CLASSIFIER: 0.0}
            for recall in recalls:
                thresholds[f"recall {recall:.2f}"] = choose_context_threshold(
                    model.context_scores, recall, model.threshold
                )
            for name, threshold in thresholds.items():
                combination = name if name in (BEFORE, CLASSIFIER) else NOW
                for j in judged:
                    held = bool(j.held(combination, threshold))
                    if j.label == OK:
                        alarms[name] += held
                    else:
                        caught[name] += held
    forbidden = repeats * sum(label != OK for label in labels)
    compliant = repeats * sum(label == OK for label in labels)
    print(f"cross-validation repeated {repeats} times (outer seeds {SEED}-{SEED + repeats - 1}):")
    for name in [BEFORE, CLASSIFIER, *(f"recall {r:.2f}" for r in recalls)]:
        mark = " (chosen)" if name == f"recall {CONTEXT_RECALL:.2f}" else ""
        print(
            f"  {name}{mark}: caught {pct(caught[name], forbidden)}, "
            f"false alarms {pct(alarms[name], compliant)}"
        )


def report_dev(path: Path = DEV) -> None:
    """Prints the dev set's figures (tests/compliance/dev.yml: never trained on, not blind) for
    each combination and CONTEXT_RECALL value, and its misses and false alarms by sentence."""
    from compliance.classifier import default_model

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    ids = category_ids()
    texts = [(ids[str(c)], str(s)) for c, lines in data["forbidden"].items() for s in lines]
    texts += [("ok", str(s)) for s in data["compliant"]]
    model = default_model()
    judged = judge(texts, model)
    print(f"dev set ({path.name}, t_context {model.context_threshold:.3f}):")
    for line in combination_lines(judged, [model.context_threshold] * len(judged)):
        print(line)
    for line in sweep_lines(judged, [model] * len(judged)):
        print(line)
    for j, (_, text) in zip(judged, texts, strict=True):
        held = j.held(NOW, model.context_threshold)
        if (j.label != "ok") != bool(held):
            kind = "missed" if j.label != "ok" else "held"
            print(f"    {kind} ({j.label}, score {j.score:.2f}): {text!r}")


def timings() -> None:
    """Prints how long a fit and a cached load take."""
    import tempfile

    from compliance.classifier import fit, load_or_fit, load_training

    examples = load_training()
    started = time.perf_counter()
    model = fit(examples)
    fitted = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as cache:
        load_or_fit(cache_dir=Path(cache))
        started = time.perf_counter()
        load_or_fit(cache_dir=Path(cache))
        loaded = time.perf_counter() - started
    print(
        f"model: {len(examples)} sentences, threshold {model.threshold:.3f} "
        f"(short lines {model.short_threshold:.3f}, context rules {model.context_threshold:.3f}); "
        f"fit {fitted:.2f} s (5-fold threshold search included), cached load {loaded:.2f} s"
    )


def verdict(name: str, met: bool, figure: str) -> bool:
    """Prints one target's line, `met` or `NOT met`."""
    print(f"target: {name}: {figure}: {'met' if met else 'NOT met'}")
    return met


def targets(caught: int, forbidden: int, flagged: int, size: int) -> bool:
    """Prints both targets; whether both are met (a corpus under MIN_CORPUS sentences or no
    blind forbidden sentence at all is not met: there is nothing to measure)."""
    met = [
        verdict(
            f"blind forbidden sentences caught >= {TARGET_CAUGHT:.0%}",
            forbidden > 0 and caught >= TARGET_CAUGHT * forbidden,
            pct(caught, forbidden),
        ),
        verdict(
            f"compliant corpus (>= {MIN_CORPUS} sentences) flagged <= {TARGET_FALSE_ALARMS:.0%}",
            size >= MIN_CORPUS and flagged <= TARGET_FALSE_ALARMS * size,
            pct(flagged, size),
        ),
    ]
    return all(met)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the evaluation; 0 when both targets are met, else 1."""
    parser = argparse.ArgumentParser(prog="python -m scripts.evaluate_compliance")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    parser.add_argument("--blind-dir", type=Path, default=BLIND_DIR)
    parser.add_argument(
        "--cv-repeats",
        type=int,
        default=0,
        metavar="N",
        help="only the cross-validation, repeated over N outer splits (CONTEXT_RECALL's choice)",
    )
    args = parser.parse_args(argv)
    if args.cv_repeats:
        repeated_sweep(args.cv_repeats)
        return 0
    from compliance.screening import default_screen

    started = time.perf_counter()
    default_screen()
    print(f"rules and classifier ready in {time.perf_counter() - started:.1f} s")
    if not args.no_cv:
        timings()
        cross_validate()
        report_dev()
    sets = load_blind(args.blind_dir)
    if not sets:
        print(f"no blind sets in {args.blind_dir}")
    caught, forbidden, blind_compliant = report_blind(sets)
    flagged, size = report_corpus(blind_compliant)
    return 0 if targets(caught, forbidden, flagged, size) else 1


if __name__ == "__main__":
    sys.exit(main())
