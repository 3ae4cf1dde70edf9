"""What `rasa train` retrained and what it took from its cache, read off its log.

A bot author who edits one NLU example wants to know why training took two minutes: Rasa's
cache reuses a component only when everything it is trained on is unchanged, so an NLU edit
retrains every NLU component and reuses the dialogue policies. scripts/train.sh prints this
after each training: `python -m scripts.training_summary LOG`.
"""

import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Dict, Iterable, List

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LINE = re.compile(
    r"^(?P<when>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s.*?"
    r"(?P<what>Starting to train|Finished training|Restored) component '(?P<name>[^']+)'"
)


@dataclass(frozen=True)
class Step:
    """One component of one training: retrained (with its seconds) or reused from the cache."""

    name: str
    retrained: bool
    seconds: float = 0.0


def steps(lines: Iterable[str]) -> List[Step]:
    """The components in the order Rasa logged them; a name may occur twice (two featurizers)."""
    found: List[Step] = []
    started: Dict[str, List[datetime]] = {}
    for line in lines:
        match = LINE.match(ANSI.sub("", line).strip())
        if match is None:
            continue
        when = datetime.strptime(match["when"], "%Y-%m-%d %H:%M:%S")
        name = match["name"]
        if match["what"] == "Restored":
            found.append(Step(name, retrained=False))
        elif match["what"] == "Starting to train":
            started.setdefault(name, []).append(when)
        elif started.get(name):
            begun = started[name].pop(0)
            found.append(Step(name, retrained=True, seconds=(when - begun).total_seconds()))
    return found


def summary(found: List[Step]) -> str:
    """Two lines: what was retrained (seconds each, as logged to the second) and what was reused."""
    retrained = [f"{step.name} {step.seconds:.0f} s" for step in found if step.retrained]
    reused = [step.name for step in found if not step.retrained]
    return "\n".join(
        [
            "retrained: " + (", ".join(retrained) if retrained else "nothing"),
            "reused from the cache: " + (", ".join(reused) if reused else "nothing"),
        ]
    )


def main(argv: List[str]) -> int:
    """Prints the summary of the training log at argv[0]."""
    if len(argv) != 1:
        print("usage: python -m scripts.training_summary LOG", file=sys.stderr)
        return 2
    text = Path(argv[0]).read_text(encoding="utf-8", errors="replace")
    print(summary(steps(text.splitlines())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
