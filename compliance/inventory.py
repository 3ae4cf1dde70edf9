"""The phrase inventory (compliance/inventory.yml) as typed, validated objects.

Every rule quotes the seed that forbids its wording and the wording to use instead, and lists
its patterns as word sequences (jieba words, `a|b` for alternatives, a trailing `?` for an
optional word) or raw spaCy token patterns (docs/compliance.md describes the format).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Literal, Tuple, cast

import yaml

INVENTORY_PATH = Path(__file__).with_name("inventory.yml")
SEEDS = ("000", "001", "002", "003", "004")
POSITIONS = ("anywhere", "start", "end", "whole")

Position = Literal["anywhere", "start", "end", "whole"]
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
        position: where in a sentence the match counts (`end`: only punctuation follows).
        skip_quoted: matches inside 「」 or “” quote someone else and are not counted.
        positive: example sentences the rule must catch.
        negative: compliant example sentences no rule may catch.
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

    @property
    def seed(self) -> str:
        """The seed file whose forbidden wording the rule comes from first."""
        return self.forbidden[0].seed


@dataclass(frozen=True)
class Inventory:
    """Every rule, and the words the segmenter must keep whole for them."""

    rules: Tuple[Rule, ...]
    words: Tuple[str, ...]

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
    return Inventory(rules=tuple(rules), words=tuple(words))


def load_inventory(path: Path = INVENTORY_PATH) -> Inventory:
    """Reads and validates an inventory file (default: compliance/inventory.yml)."""
    return parse_inventory(yaml.safe_load(path.read_text(encoding="utf-8")))
