"""The compliance lint: every bot response and every line of the desk against the inventory's
rules and the learned checker (compliance/screening.py).

    python -m compliance.lint [domain.yml ...] [--phrases desk/phrases.yml | --no-phrases]

Checks each response variant of each domain (FAQ answers included) with its button titles, the
`affirmation` questions and intent labels (not the FAQ labels: those are the visitor's own
words), and the desk's system lines, reason labels and canned replies. Prints one line per
violation, `file: name: "matched" (category, seed NNN) → suggested wording`, and exits 1 if
there is any (2 if a file cannot be read).
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import yaml

from compliance.checker import Violation
from compliance.screening import screen

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOMAIN = ROOT / "domain.yml"
DEFAULT_PHRASES = ROOT / "desk" / "phrases.yml"

Named = Tuple[str, str]  # (where in the file, text)


@dataclass(frozen=True)
class Finding:
    """A violation in one text of one file."""

    path: str
    where: str
    violation: Violation

    def __str__(self) -> str:
        v = self.violation
        where = f"{self.path}: {self.where}"
        line = f'{where}: "{v.matched}" ({v.category}, seed {v.seed}) → {v.suggestion}'
        return line if v.source == "rule" else f"{line} [{v.why}]"


def domain_texts(domain: Dict[str, Any]) -> Iterator[Named]:
    """Every text the bot can say, named by response (`utter_x`, `utter_x[1]` for a second
    variant, `utter_x button 转人工客服`) or by `affirmation.<key>`."""
    for name, variants in (domain.get("responses") or {}).items():
        for index, variant in enumerate(variants or []):
            where = name if index == 0 else f"{name}[{index}]"
            if variant.get("text"):
                yield where, str(variant["text"])
            for button in variant.get("buttons") or []:
                yield f"{where} button", str(button.get("title", ""))
    affirmation = domain.get("affirmation") or {}
    for key in ("question_one", "question_two", "none_of_these"):
        if affirmation.get(key):
            yield f"affirmation.{key}", str(affirmation[key])
    for key, label in (affirmation.get("labels") or {}).items():
        if not str(key).startswith("faq/"):  # FAQ labels are the visitor's own words
            yield f"affirmation.labels.{key}", str(label)


def phrases_texts(phrases: Dict[str, Any]) -> Iterator[Named]:
    """Every line the desk says or offers agents: `system.<name>`, `reasons.<reason>`,
    `canned.<title>` (its title and its text)."""
    for section in ("system", "reasons"):
        for key, text in (phrases.get(section) or {}).items():
            yield f"{section}.{key}", str(text)
    for reply in phrases.get("canned") or []:
        where = f"canned.{reply.get('title', '')}"
        yield where, str(reply.get("title", ""))
        yield where, str(reply.get("text", ""))


def findings(
    path: Path, texts: Callable[[Dict[str, Any]], Iterator[Named]], shown_as: str
) -> Tuple[int, List[Finding]]:
    """How many texts the file has, and the violations in them."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    named = list(texts(data))
    found = [Finding(shown_as, where, v) for where, text in named for v in screen(text)]
    return len(named), found


def shown(path: Path) -> str:
    """The path relative to the working directory when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def lint(domains: Sequence[Path], phrases: Path | None) -> Tuple[int, List[Finding]]:
    """The number of texts checked and every violation, domains first, then the desk's lines."""
    total, found = 0, []
    sources: List[Tuple[Path, Callable[[Dict[str, Any]], Iterator[Named]]]] = [
        (path, domain_texts) for path in domains
    ]
    if phrases is not None:
        sources.append((phrases, phrases_texts))
    for path, texts in sources:
        count, in_file = findings(path, texts, shown(path))
        total += count
        found += in_file
    return total, found


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the lint; 0 when every text complies, 1 on any violation, 2 on an unreadable file."""
    parser = argparse.ArgumentParser(
        prog="python -m compliance.lint", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("domains", nargs="*", type=Path, help="Rasa domain files (domain.yml)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--phrases", type=Path, default=DEFAULT_PHRASES, help="desk/phrases.yml")
    group.add_argument("--no-phrases", action="store_true", help="skip the desk's lines")
    args = parser.parse_args(argv)
    domains = args.domains or [DEFAULT_DOMAIN]
    phrases = None if args.no_phrases else args.phrases
    try:
        total, found = lint(domains, phrases)
    except (OSError, yaml.YAMLError) as error:
        print(f"compliance lint: cannot read {error}", file=sys.stderr)
        return 2
    files = ", ".join(shown(p) for p in [*domains, *([phrases] if phrases else [])])
    for finding in found:
        print(finding)
    if found:
        print(f"compliance lint: {len(found)} violations in {total} texts ({files})")
        return 1
    print(f"compliance lint: {total} texts, no violations ({files})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
