"""The service-language checker: `check(text)` lists the forbidden phrases a message uses.

Matching follows jieba's words through the pipeline's `service_language` span ruler (one
pattern per way of saying a forbidden phrase, compliance/inventory.yml), then each rule's
conditions: a neighbouring word that makes the match acceptable, where in the sentence it must
stand, and whether quoted words count. `check` reports every rule's matches, context-dependent
rules' (`context: model`) included: whether those hold a line is compliance/screening.py's
decision, with the learned checker.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Literal, Set, Tuple

from compliance.classifier import Feature
from compliance.inventory import Inventory, Rule
from compliance.pipeline import RULES, default_inventory, get_nlp

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

SENTENCE_END = frozenset("。!?!?…~;;")
OPENING_QUOTES = frozenset("「『“‘")
CLOSING_QUOTES = frozenset("」』”’")

Source = Literal["rule", "classifier"]


@dataclass(frozen=True)
class Violation:
    """One forbidden phrase in a text.

    Attributes:
        rule: the inventory rule's id.
        name: the rule's Chinese name.
        category: the rule's category (`模糊性语言`, ...).
        matched: the words as written.
        start: character offset of `matched` in the text.
        end: character offset just after `matched`.
        seed: the seed file the forbidden wording comes from (`000`..`004`).
        suggestion: what to say instead.
        category_id: the category's id (`vague`, ...).
        source: `rule` (an inventory rule matched `matched`) or `classifier` (the learned
            checker, compliance/classifier.py: `matched` is its strongest feature in the text).
        confidence: the classifier's 1 - P(ok); for a rule, None, or the classifier's score
            when the rule is context-dependent and the classifier agreed (screening.py).
        features: the classifier's features that weighed most, strongest first.
    """

    rule: str
    name: str
    category: str
    matched: str
    start: int
    end: int
    seed: str
    suggestion: str
    category_id: str = ""
    source: Source = "rule"
    confidence: float | None = None
    features: Tuple[Feature, ...] = ()

    @property
    def why(self) -> str:
        """Why the line is held, in Chinese: the matched words, or the classifier's reasons."""
        if self.source == "rule":
            if self.confidence is None:
                return f"用了「{self.matched}」"
            sure = f"{round(self.confidence * 100)}%"
            return f"用了「{self.matched}」,模型也判断此句不合规(把握 {sure})"
        reasons = "".join(f"「{f.text}」" for f in self.features)
        confidence = f"{round((self.confidence or 0.0) * 100)}%"
        return f"模型判断为{self.category}(把握 {confidence}),依据{reasons}"

    def to_json(self) -> Dict[str, Any]:
        """What the desk sends an agent whose message is held: the first six fields as before,
        then the category id, the source, and `why` (the reason as a sentence, and the matched
        span, with the classifier's confidence for a context-dependent rule; or the classifier's
        confidence and strongest features)."""
        why: Dict[str, Any] = {"text": self.why}
        if self.source == "rule":
            why.update(span=self.matched, start=self.start, end=self.end)
            if self.confidence is not None:
                why.update(confidence=round(self.confidence, 3))
        else:
            why.update(
                confidence=round(self.confidence or 0.0, 3),
                features=[f.to_json() for f in self.features],
            )
        return {
            "rule": self.rule,
            "name": self.name,
            "category": self.category,
            "matched": self.matched,
            "suggestion": self.suggestion,
            "seed": self.seed,
            "category_id": self.category_id,
            "source": self.source,
            "why": why,
        }


def _before(doc: "Doc", span: "Span") -> "Token | None":
    """The word before the match, whitespace skipped; None at the start."""
    index = span.start - 1
    while index >= 0 and doc[index].is_space:
        index -= 1
    return doc[index] if index >= 0 else None


def _after(doc: "Doc", span: "Span") -> "Token | None":
    """The word after the match, whitespace skipped; None at the end."""
    index = span.end
    while index < len(doc) and doc[index].is_space:
        index += 1
    return doc[index] if index < len(doc) else None


def _quoted(text: str, offset: int) -> bool:
    """Whether `offset` lies inside 「」, 『』, “” or ‘’ (unbalanced quotes count as open)."""
    depth = 0
    for char in text[:offset]:
        if char in OPENING_QUOTES:
            depth += 1
        elif char in CLOSING_QUOTES and depth:
            depth -= 1
    return depth > 0


def _at_start(doc: "Doc", span: "Span") -> bool:
    before = _before(doc, span)
    return before is None or before.text in SENTENCE_END or before.text in "\n"


def _opening(doc: "Doc", span: "Span") -> bool:
    """First word of a sentence, and not the whole message: words follow it (「嗯,好的,……」)."""
    return _at_start(doc, span) and not _whole(doc, span)


def _at_end(doc: "Doc", span: "Span") -> bool:
    after = _after(doc, span)
    return after is None or after.text[0] in SENTENCE_END


def _whole(doc: "Doc", span: "Span") -> bool:
    outside = [*doc[: span.start], *doc[span.end :]]
    return all(token.is_punct or token.is_space for token in outside)


def counts(rule: Rule, doc: "Doc", span: "Span") -> bool:
    """Whether a match of `rule` is a violation once the rule's conditions are applied."""
    before, after = _before(doc, span), _after(doc, span)
    if before is not None and before.text in rule.unless_before:
        return False
    if after is not None and after.text in rule.unless_after:
        return False
    if rule.skip_quoted and _quoted(doc.text, span.start_char):
        return False
    if rule.position == "start":
        return _at_start(doc, span)
    if rule.position == "opening":
        return _opening(doc, span)
    if rule.position == "end":
        return _at_end(doc, span)
    if rule.position == "whole":
        return _whole(doc, span)
    return True


def _longest_first(spans: Iterable["Span"]) -> List["Span"]:
    """Per rule, the longest matches that do not overlap (`你的` rather than `你` inside it)."""
    kept: List[Span] = []
    taken: Set[Tuple[str, int]] = set()
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        tokens = {(span.label_, i) for i in range(span.start, span.end)}
        if not tokens & taken:
            kept.append(span)
            taken |= tokens
    return sorted(kept, key=lambda s: (s.start_char, s.label_))


class Checker:
    """Checks texts against one inventory with one pipeline."""

    def __init__(self, inventory: Inventory, nlp: "Language") -> None:
        self.inventory = inventory
        self.nlp = nlp
        self.rules = {rule.id: rule for rule in inventory.rules}

    def check(self, text: str) -> List[Violation]:
        """The violations in `text`, in the order they appear."""
        doc = self.nlp.get_pipe(RULES)(self.nlp.make_doc(text))  # numbers are not needed here
        violations: List[Violation] = []
        for span in _longest_first(doc.spans[RULES]):
            rule = self.rules[span.label_]
            if counts(rule, doc, span):
                violations.append(
                    Violation(
                        rule=rule.id,
                        name=rule.name,
                        category=rule.category,
                        matched=span.text,
                        start=span.start_char,
                        end=span.end_char,
                        seed=rule.seed,
                        suggestion=rule.suggestion,
                        category_id=rule.category_id,
                    )
                )
        return violations

    def words(self, text: str) -> List[str]:
        """How the pipeline segments `text` (for writing patterns and debugging them)."""
        return [token.text for token in self.nlp.make_doc(text)]


@lru_cache(maxsize=1)
def default_checker() -> Checker:
    """The process's checker for compliance/inventory.yml, on `get_nlp()`'s pipeline."""
    return Checker(default_inventory(), get_nlp())


def check(text: str) -> List[Violation]:
    """The violations of compliance/inventory.yml in `text`, in order."""
    return default_checker().check(text)
