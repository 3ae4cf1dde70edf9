"""The phrase inventory (compliance/inventory.yml) as typed, validated objects.

Every rule quotes the seed that forbids its wording and the wording to use instead, and lists
its patterns as word sequences (jieba words, `a|b` for alternatives, a trailing `?` for an
optional word) or raw spaCy token patterns (docs/compliance.md describes the format).

A rule is `exact` (its match holds a line) or, with `context: model`, context-dependent: its
words have an acceptable sense too (「长时间不登录可能会冻结账户」 warns; 「线上没办法改,我帮您联系
快递员」 offers another way), so a match holds a line only when the learned checker also judges
the line not compliant (compliance/screening.py). Such a rule says `why` in one line and lists
`acceptable` examples: sentences it matches that must be sent.
"""

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Literal, Tuple, cast

import yaml

INVENTORY_PATH = Path(__file__).with_name("inventory.yml")
SEEDS = ("000", "001", "002", "003", "004")
POSITIONS = ("anywhere", "start", "opening", "end", "whole")
CONTEXTS = ("exact", "model")

Position = Literal["anywhere", "start", "opening", "end", "whole"]
Context = Literal["exact", "model"]
TokenPattern = Dict[str, Any]


class InventoryError(ValueError):
    """The inventory file breaks its format; the message names the rule and the field."""


@dataclass(frozen=True)
class Citation:
    """A verbatim quote from one seed file (`000`..`004` in ../shared/reference/)."""

    seed: str
    quote: str


@dataclass(frozen=True)
class Rule:
    """One forbidden phrase (or family of phrases) and what to say instead.

    Attributes:
        id: stable ASCII id, e.g. `vague_possibly`.
        name: short Chinese name shown to agents, e.g. `模糊性语言「可能」`.
        category: Chinese label of the category (`模糊性语言`, ...).
        forbidden: the seeds' own forbidden wording, quoted; the first one is the rule's seed.
        recommended: the seeds' recommended wording, quoted.
        suggestion: the wording an agent or bot author is told to use.
        patterns: spaCy token patterns, one per way of saying it.
        unless_before: words that, right before a match, make it acceptable.
        unless_after: words that, right after a match, make it acceptable.
        position: where in a sentence the match counts (`start`: first word of a sentence;
            `opening`: the same, with more words after it in the message; `end`: only
            punctuation follows; `whole`: the whole message).
        skip_quoted: matches inside 「」 or “” quote someone else and are not counted.
        positive: example sentences the rule must catch (and, for a context rule, the
            learned checker must hold).
        negative: compliant example sentences no rule may catch.
        category_id: the category's id (`vague`, ...).
        context: `exact` (a match holds the line) or `model` (a match holds it only when the
            learned checker also judges the line not compliant).
        why: for a context rule, why its words cannot tell the senses apart (one line).
        acceptable: for a context rule, compliant sentences it matches that must be sent.
    """

    id: str
    name: str
    category: str
    forbidden: Tuple[Citation, ...]
    recommended: Tuple[Citation, ...]
    suggestion: str
    patterns: Tuple[Tuple[TokenPattern, ...], ...]
    unless_before: Tuple[str, ...]
    unless_after: Tuple[str, ...]
    position: Position
    skip_quoted: bool
    positive: Tuple[str, ...]
    negative: Tuple[str, ...]
    category_id: str = ""
    context: Context = "exact"
    why: str = ""
    acceptable: Tuple[str, ...] = ()

    @property
    def seed(self) -> str:
        """The seed file whose forbidden wording the rule comes from first."""
        return self.forbidden[0].seed

    @property
    def needs_context(self) -> bool:
        """Whether a match holds a line only with the learned checker's agreement."""
        return self.context == "model"


@dataclass(frozen=True)
class Inventory:
    """Every rule, the words the segmenter must keep whole for them, the categories (id →
    Chinese label) and what to say instead per category (for the learned checker's warnings)."""

    rules: Tuple[Rule, ...]
    words: Tuple[str, ...]
    categories: Dict[str, str] = dataclasses.field(default_factory=dict)
    suggestions: Dict[str, str] = dataclasses.field(default_factory=dict)

    def category_seed(self, category_id: str) -> str:
        """The seed of the category's first rule: where its forbidden wording comes from."""
        return next(rule.seed for rule in self.rules if rule.category_id == category_id)

    def category_suggestion(self, category_id: str) -> str:
        """What to say instead of the category's wording (its first rule's when the inventory
        has no `suggestions`)."""
        if category_id in self.suggestions:
            return self.suggestions[category_id]
        return next(r.suggestion for r in self.rules if r.category_id == category_id)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError if there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def token_pattern(word: Any) -> TokenPattern:
    """One token of a pattern: `可能` → ORTH, `你|您` → ORTH IN, `还?` → optional, dict as is."""
    if isinstance(word, dict):
        return dict(word)
    if not isinstance(word, str) or not word:
        raise InventoryError(f"a pattern word must be a string or a mapping, not {word!r}")
    pattern: TokenPattern = {}
    if len(word) > 1 and word.endswith("?"):
        word, pattern["OP"] = word[:-1], "?"
    alternatives = word.split("|")
    pattern["ORTH"] = alternatives[0] if len(alternatives) == 1 else {"IN": alternatives}
    return pattern


def _strings(rule_id: str, value: Any, field: str, *, required: bool) -> Tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InventoryError(f"{rule_id}: {field} must be a list of non-empty strings")
    if required and not value:
        raise InventoryError(f"{rule_id}: {field} must not be empty")
    return tuple(value)


def _citations(rule_id: str, value: Any, field: str) -> Tuple[Citation, ...]:
    if not isinstance(value, list) or not value:
        raise InventoryError(f"{rule_id}: {field} must list at least one seed quote")
    citations = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"seed", "quote"}:
            raise InventoryError(f"{rule_id}: each {field} entry has exactly `seed` and `quote`")
        seed, quote = item["seed"], item["quote"]
        if seed not in SEEDS or not isinstance(quote, str) or not quote:
            raise InventoryError(f"{rule_id}: {field} seed must be one of {SEEDS}, with a quote")
        citations.append(Citation(seed, quote))
    return tuple(citations)


def _rule(raw: Any, categories: Dict[str, str]) -> Rule:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise InventoryError(f"every rule needs an `id`: {raw!r}")
    rule_id = raw["id"]
    for field in ("name", "category", "suggestion"):
        if not isinstance(raw.get(field), str) or not raw[field]:
            raise InventoryError(f"{rule_id}: `{field}` must be a non-empty string")
    if raw["category"] not in categories:
        raise InventoryError(f"{rule_id}: unknown category {raw['category']!r}")
    patterns = raw.get("patterns")
    if not isinstance(patterns, list) or not patterns:
        raise InventoryError(f"{rule_id}: `patterns` must list at least one pattern")
    for pattern in patterns:
        if not isinstance(pattern, list) or not pattern:
            raise InventoryError(f"{rule_id}: a pattern is a non-empty list of words")
    position = raw.get("position", "anywhere")
    if position not in POSITIONS:
        raise InventoryError(f"{rule_id}: position must be one of {POSITIONS}")
    examples = raw.get("examples")
    if not isinstance(examples, dict):
        raise InventoryError(f"{rule_id}: `examples` needs `positive` and `negative`")
    context = raw.get("context", "exact")
    if context not in CONTEXTS:
        raise InventoryError(f"{rule_id}: context must be one of {CONTEXTS}")
    why = raw.get("why", "")
    if context == "model" and (not isinstance(why, str) or not why.strip() or "\n" in why.strip()):
        raise InventoryError(f"{rule_id}: a `context: model` rule says `why` in one line")
    if context == "exact" and (why or examples.get("acceptable")):
        raise InventoryError(f"{rule_id}: `why` and `acceptable` are for `context: model` rules")
    return Rule(
        id=rule_id,
        name=raw["name"],
        category=categories[raw["category"]],
        forbidden=_citations(rule_id, raw.get("forbidden"), "forbidden"),
        recommended=_citations(rule_id, raw.get("recommended"), "recommended"),
        suggestion=raw["suggestion"],
        patterns=tuple(tuple(token_pattern(w) for w in p) for p in patterns),
        unless_before=_strings(rule_id, raw.get("unless_before"), "unless_before", required=False),
        unless_after=_strings(rule_id, raw.get("unless_after"), "unless_after", required=False),
        position=cast(Position, position),
        skip_quoted=bool(raw.get("skip_quoted", False)),
        positive=_strings(rule_id, examples.get("positive"), "positive", required=True),
        negative=_strings(rule_id, examples.get("negative"), "negative", required=True),
        category_id=raw["category"],
        context=cast(Context, context),
        why=why.strip() if isinstance(why, str) else "",
        acceptable=_strings(
            rule_id, examples.get("acceptable"), "acceptable", required=context == "model"
        ),
    )


def parse_inventory(data: Any) -> Inventory:
    """Validates the inventory's YAML data; `InventoryError` names what is wrong."""
    if not isinstance(data, dict):
        raise InventoryError("the inventory is a mapping with `categories`, `words` and `rules`")
    categories = data.get("categories")
    if not isinstance(categories, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in categories.items()
    ):
        raise InventoryError("`categories` maps ids to Chinese labels")
    words = [w["word"] if isinstance(w, dict) else w for w in data.get("words") or []]
    if not all(isinstance(w, str) and w for w in words):
        raise InventoryError("`words` lists words (or {word, why}) for the segmenter")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise InventoryError("`rules` must list at least one rule")
    rules: List[Rule] = [_rule(raw, categories) for raw in raw_rules]
    ids = [rule.id for rule in rules]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise InventoryError(f"duplicated rule ids: {duplicated}")
    suggestions = data.get("suggestions") or {}  # optional: then the category's first rule's
    if not isinstance(suggestions, dict) or (suggestions and set(suggestions) != set(categories)):
        raise InventoryError("`suggestions` maps every category id to the wording to use instead")
    if not all(isinstance(v, str) and v for v in suggestions.values()):
        raise InventoryError("every `suggestions` entry is a non-empty string")
    unused = sorted(set(categories) - {rule.category_id for rule in rules})
    if unused:
        raise InventoryError(f"categories without a rule: {unused}")
    return Inventory(
        rules=tuple(rules),
        words=tuple(words),
        categories=dict(categories),
        suggestions=dict(suggestions),
    )


def load_inventory(path: Path = INVENTORY_PATH) -> Inventory:
    """Reads and validates an inventory file (default: compliance/inventory.yml)."""
    return parse_inventory(yaml.safe_load(path.read_text(encoding="utf-8")))
