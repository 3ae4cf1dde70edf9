"""The bot's data as a bot author edits it: every example, intent, response and label with the
file and line it is written on, for checks that must say where to look.

Rasa's loaders drop line numbers, so this reads the YAML itself (yaml.compose keeps marks). Only
what the checks need is read: NLU examples (block scalars `examples: |` or lists), the intents
rules and stories use, and domain.yml's intents, responses, buttons and `affirmation.labels`.
"""

import re
import statistics
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
# `[王芳](person_name)` or `[x]{"entity": ...}`: the visitor typed only what is in brackets.
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
# `/intent` or `/intent{"entity": ...}` in a button payload.
PAYLOAD_INTENT = re.compile(r"^/([^{@\s]+)")
# A label of the retrieval intent `faq` is `faq/<topic>`; its answer is `utter_faq/<topic>`.
RESPONSE_PREFIX = "utter_"


@dataclass(frozen=True)
class Location:
    """A place in a file, relative to the project root, as `path:line`."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Example:
    """One training example as written, under its label (an intent or `faq/<topic>`)."""

    text: str
    label: str
    where: Location

    @property
    def plain(self) -> str:
        """What the visitor typed: entity annotations removed."""
        return plain(self.text)


@dataclass
class Domain:
    """What domain.yml declares, each name with its line."""

    intents: Dict[str, Location] = field(default_factory=dict)
    responses: Dict[str, Location] = field(default_factory=dict)
    labels: Dict[str, Location] = field(default_factory=dict)
    labels_section: Location | None = None
    # intents that buttons send (`/request_human`), each with the button's line
    button_intents: List[Tuple[str, Location]] = field(default_factory=list)
    # intents that slot mappings name (`intent:` or `not_intent:`), each with the mapping's line
    mapping_intents: List[Tuple[str, Location]] = field(default_factory=list)


@dataclass
class Project:
    """The data of one Rasa project, as `make check-data` reads it."""

    root: Path
    examples: List[Example]
    label_blocks: Dict[str, Location]  # the first `- intent: <label>` line of each label
    dialogue_intents: Dict[str, List[Location]]  # intents rules and stories react to
    domain: Domain

    def sizes(self) -> Dict[str, int]:
        """Examples per label."""
        counts: Dict[str, int] = {}
        for example in self.examples:
            counts[example.label] = counts.get(example.label, 0) + 1
        return counts


def plain(text: str) -> str:
    """The message a visitor types: entity annotations ([王芳](person_name), [x]{...}) removed."""
    return ANNOTATION.sub(r"\1", text)


def normalise(text: str) -> str:
    """The text compared for duplicates: annotations removed, full-width characters as
    half-width (NFKC), lower case, without punctuation, spaces or control characters."""
    folded = unicodedata.normalize("NFKC", plain(text)).casefold()
    return "".join(c for c in folded if unicodedata.category(c)[0] not in "PZC")


def base_intent(label: str) -> str:
    """`faq` for `faq/<topic>`, else the label itself."""
    return label.split("/", 1)[0]


def median_size(sizes: Mapping[str, int]) -> float:
    """The median number of examples of a label (0 with no label)."""
    return float(statistics.median(sizes.values())) if sizes else 0.0


def _mapping(node: yaml.Node | None) -> Dict[str, yaml.Node]:
    """A YAML mapping node's values by key (empty for anything else)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): value for key, value in node.value if isinstance(key, yaml.ScalarNode)}


def _sequence(node: yaml.Node | None) -> List[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _scalar(node: yaml.Node | None) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _compose(path: Path) -> yaml.Node | None:
    node: yaml.Node | None = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    return node


def _examples_of(node: yaml.Node, label: str, path: str) -> Iterator[Example]:
    """The examples of one `examples:` value, each on its own line.

    A literal block (`examples: |`) keeps its lines as they are in the file: its n-th line is
    the file's line after the `|` plus n. Any other scalar style gives the line of its start.
    """
    if isinstance(node, yaml.ScalarNode):
        literal = node.style == "|"
        for offset, line in enumerate(str(node.value).splitlines()):
            stripped = line.strip()
            if stripped.startswith("- "):
                number = _line(node) + 1 + offset if literal else _line(node)
                yield Example(stripped[2:].strip(), label, Location(path, number))
    for item in _sequence(node):
        text = _scalar(item) or _scalar(_mapping(item).get("text"))
        if text:
            yield Example(text.strip(), label, Location(path, _line(item)))


def _data_files(root: Path) -> List[Path]:
    folder = root / "data"
    return sorted([*folder.rglob("*.yml"), *folder.rglob("*.yaml")])


def _step_intents(step: yaml.Node) -> Iterator[Tuple[str, int]]:
    """The intents a rule or story step reacts to (`intent:`, or each of an `or:`)."""
    values = _mapping(step)
    intent = _scalar(values.get("intent"))
    if intent:
        yield intent, _line(step)
    for alternative in _sequence(values.get("or")):
        yield from _step_intents(alternative)


def _read_domain(root: Path) -> Domain:
    domain = Domain()
    path = root / "domain.yml"
    if not path.exists():
        return domain
    top = _mapping(_compose(path))
    name = "domain.yml"
    for item in _sequence(top.get("intents")):
        # `- greet` or `- greet: {use_entities: ...}`
        intent = _scalar(item) or next(iter(_mapping(item)), None)
        if intent:
            domain.intents[intent] = Location(name, _line(item))
    for slot in _mapping(top.get("slots")).values():
        for mapping in _sequence(_mapping(slot).get("mappings")):
            values = _mapping(mapping)
            for kind in ("intent", "not_intent"):
                node = values.get(kind)
                for item in [node] if isinstance(node, yaml.ScalarNode) else _sequence(node):
                    intent = _scalar(item)
                    if intent:
                        domain.mapping_intents.append((intent, Location(name, _line(item))))
    responses = top.get("responses")
    if isinstance(responses, yaml.MappingNode):
        for key, variants in responses.value:
            response = str(key.value)
            domain.responses[response] = Location(name, _line(key))
            for variant in _sequence(variants):
                for button in _sequence(_mapping(variant).get("buttons")):
                    payload = _scalar(_mapping(button).get("payload")) or ""
                    match = PAYLOAD_INTENT.match(payload)
                    if match:
                        domain.button_intents.append(
                            (match.group(1), Location(name, _line(button)))
                        )
    affirmation = top.get("affirmation")
    labels = None
    if isinstance(affirmation, yaml.MappingNode):
        for key, value in affirmation.value:
            if key.value == "labels":
                domain.labels_section, labels = Location(name, _line(key)), value
    if isinstance(labels, yaml.MappingNode):
        for key, _ in labels.value:
            domain.labels[str(key.value)] = Location(name, _line(key))
    return domain


def load_project(root: Path = ROOT) -> Project:
    """Every example, label, rule intent and domain name of the project at `root`."""
    examples: List[Example] = []
    blocks: Dict[str, Location] = {}
    dialogue: Dict[str, List[Location]] = {}
    for path in _data_files(root):
        relative = path.relative_to(root).as_posix()
        top = _mapping(_compose(path))
        for item in _sequence(top.get("nlu")):
            values = _mapping(item)
            label = _scalar(values.get("intent"))
            if not label:
                continue  # lookup tables, regexes, synonyms
            blocks.setdefault(label, Location(relative, _line(item)))
            if "examples" in values:
                examples.extend(_examples_of(values["examples"], label, relative))
        for key in ("rules", "stories"):
            for block in _sequence(top.get(key)):
                for step in _sequence(_mapping(block).get("steps")):
                    for intent, line in _step_intents(step):
                        dialogue.setdefault(intent, []).append(Location(relative, line))
    return Project(root, examples, blocks, dialogue, _read_domain(root))


def heldout_texts(path: Path) -> List[Tuple[str, str]]:
    """(plain text, label) of every example of a held-out set, in file order.

    Never print these texts for a blind set (tests/nlu/heldout_blind*.yml): the report would
    show them to whoever runs it, and the set would no longer be blind.
    """
    relative = path.name
    found: List[Tuple[str, str]] = []
    for item in _sequence(_mapping(_compose(path)).get("nlu")):
        values = _mapping(item)
        label = _scalar(values.get("intent"))
        if label and "examples" in values:
            found += [(e.plain, label) for e in _examples_of(values["examples"], label, relative)]
    return found


def labels_by_size(sizes: Mapping[str, int]) -> Sequence[Tuple[str, int]]:
    """Labels from the smallest, then by name."""
    return sorted(sizes.items(), key=lambda item: (item[1], item[0]))
