"""What holds an agent's line: the inventory's rules OR the learned checker.

`screen(text)` lists the rules' violations (compliance/checker.py), then, when the classifier
(compliance/classifier.py) flags the line for a category no rule found in it, one more
violation for that category: its Chinese label, the inventory's suggestion for the category,
and as reason the features that weighed most. So 「你怎么这么笨」 is held for 你 (rule) and as
激怒客户的语言 (classifier), and 「这个问题我们不负责」, which no rule matches, as 推卸责任.

An exact rule's match always holds the line. A context-dependent rule's (`context: model` in
compliance/inventory.yml: 可能, 没办法, 等一会 …, words with an acceptable sense too) holds it
only when the classifier's score reaches the model's `context_threshold`, lower than the
threshold at which the classifier holds a line by itself: 「这个可能要等」 is held, 「长时间不登录
可能会冻结账户,建议您定期登录」 is sent. The violation still names the rule, its span and its
suggestion, and carries the classifier's confidence.
"""

from dataclasses import replace
from functools import lru_cache
from typing import List, Tuple

from compliance.checker import Checker, Violation, default_checker
from compliance.classifier import Feature, Model, Verdict, default_model, normalize

LEARNED_PREFIX = "learned_"  # rule id of a classifier violation: learned_<category id>


def _span(text: str, features: Tuple[Feature, ...]) -> Tuple[str, int, int]:
    """The strongest feature as written in `text` and where (the whole text if none is found:
    `normalize` keeps offsets, so a feature is found unless it spans folded whitespace)."""
    folded = normalize(text) if len(normalize(text)) == len(text) else text
    for feature in features:
        start = folded.find(feature.text)
        if start >= 0:
            return text[start : start + len(feature.text)], start, start + len(feature.text)
    return text, 0, len(text)


class Screen:
    """The rules and the classifier, for one inventory."""

    def __init__(self, checker: Checker, model: Model) -> None:
        self.checker = checker
        self.model = model

    def learned(self, text: str, verdict: Verdict) -> Violation:
        """The classifier's violation for a flagged verdict."""
        inventory = self.checker.inventory
        label = inventory.categories[verdict.category]
        matched, start, end = _span(text, verdict.features)
        return Violation(
            rule=LEARNED_PREFIX + verdict.category,
            name=f"{label}(模型识别)",
            category=label,
            matched=matched,
            start=start,
            end=end,
            seed=inventory.category_seed(verdict.category),
            suggestion=inventory.category_suggestion(verdict.category),
            category_id=verdict.category,
            source="classifier",
            confidence=verdict.score,
            features=verdict.features,
        )

    def screen(self, text: str) -> List[Violation]:
        """The rules' violations in order (a context-dependent rule's only when the classifier
        agrees, with its confidence), then the classifier's if it flags a category none of them
        has."""
        matches = self.checker.check(text)
        if not text.strip():
            return matches
        verdict = self.model.verdict(text)
        agrees = verdict.score >= self.model.context_threshold
        violations: List[Violation] = []
        for violation in matches:
            if not self.checker.rules[violation.rule].needs_context:
                violations.append(violation)
            elif agrees:
                violations.append(replace(violation, confidence=verdict.score))
        if verdict.flagged and verdict.category not in {v.category_id for v in violations}:
            violations.append(self.learned(text, verdict))
        return violations


@lru_cache(maxsize=1)
def default_screen() -> Screen:
    """The process's rules and classifier (compliance/inventory.yml, compliance/training/)."""
    return Screen(default_checker(), default_model())


def screen(text: str) -> List[Violation]:
    """Every reason to hold `text`: the rules' violations, then the classifier's."""
    return default_screen().screen(text)
