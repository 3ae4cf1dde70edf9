"""The two regex features for Chinese names in data/nlu/general.yml, built from actions/surnames.py.

`name_only` marks a message that is only a name (an answer to "您怎么称呼?"); `name_after_cue`
marks a name at the start or after 我叫 / 户名是 / 户主 ..., for CRFEntityExtractor's pattern
feature and for the intent classifier. Both use the surnames the verification form accepts and
leave out the everyday words that start with one (NOT_NAMES: 谢谢, 高兴, 白白 ...).

Usage: python scripts/name_patterns.py          prints both patterns
       python scripts/name_patterns.py --write  writes them into data/nlu/general.yml
tests/test_training_data.py fails when the file and this script disagree.
"""

import argparse
import re
import sys
from pathlib import Path
from typing import Dict, Sequence

from actions.surnames import COMPOUND_SURNAMES, NOT_NAMES, SINGLE_SURNAMES

ROOT = Path(__file__).resolve().parents[1]

GENERAL = ROOT / "data" / "nlu" / "general.yml"
CUES = ["叫", "是", "户名", "户主", "名字", "本人", "姓名", "登记人", "免贵", "免贵姓", "称呼"]
HAN = "[\u4e00-\u9fff]"


def patterns() -> Dict[str, str]:
    """name -> regex, deterministic for the same surname lists."""
    surname = "(?:{}|[{}])".format(
        "|".join(sorted(COMPOUND_SURNAMES)), "".join(sorted(SINGLE_SURNAMES))
    )
    not_name = "(?!(?:{})(?:\\s|$))".format("|".join(sorted(NOT_NAMES, key=lambda w: (-len(w), w))))
    cue = "|".join(f"(?<={c})" for c in CUES)
    return {
        "name_only": rf"^\s*(?:我叫|我是|本人|免贵姓?\S?\s*)?{not_name}{surname}{HAN}{{1,2}}\s*$",
        "name_after_cue": (
            rf"(?:^|{cue})\s*{not_name}{surname}{HAN}{{1,2}}"
            r"(?=\s*$|\s|[,,。.!!、]|手机|电话|户号|的|这)"
        ),
    }


def write(path: Path = GENERAL) -> None:
    """Replaces the example line of each `- regex: <name>` block with the generated pattern."""
    text = path.read_text(encoding="utf-8")
    for name, pattern in patterns().items():
        block = re.compile(rf"(- regex: {name}\n  examples: \|\n    - )[^\n]*")
        found = list(block.finditer(text))
        if len(found) != 1:
            raise SystemExit(f"{path}: expected one '- regex: {name}' block, found {len(found)}")
        text = text[: found[0].start()] + found[0].group(1) + pattern + text[found[0].end() :]
    path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"update {GENERAL.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if args.write:
        write()
    else:
        for name, pattern in patterns().items():
            print(f"{name}: {pattern}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
