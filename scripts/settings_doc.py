"""Writes docs/settings.md from the settings models: every variable documented once.

`python scripts/settings_doc.py` prints it; `--write` updates the file (tests/scripts/
test_settings_doc.py fails when it is out of date).
"""

import argparse
import sys
from typing import List, Type

from actions.settings import Settings
from common.settings import ROOT, SharedSettings
from desk.settings import DeskSettings

DOC = ROOT / "docs" / "settings.md"
INTRO = """# Settings

Every setting is an environment variable (`make run` passes them to every process). Unset or
blank keeps the default; a value that does not parse stops the process with an error naming the
variable. The agents' hours are in `hours.yml`, which the `DESK_` hour variables override.
Generated from common/settings.py, actions/settings.py and desk/settings.py by
`python scripts/settings_doc.py --write`; a test fails when this file is out of date."""


def markdown(models: List[Type[SharedSettings]]) -> str:
    """One table per model, each variable in the first model that has it."""
    out = [INTRO]
    seen: set[str] = set()
    for model in models:
        rows = [row for row in model.documented() if row[0] not in seen]
        seen.update(row[0] for row in rows)
        title = (model.__doc__ or model.__name__).splitlines()[0].strip().rstrip(".")
        out += ["", f"## {title}", "", "| variable | default | used for |", "|---|---|---|"]
        out += [f"| `{env}` | {default} | {what} |" for env, default, what in rows]
    return "\n".join(out) + "\n"


def document() -> str:
    return markdown([SharedSettings, Settings, DeskSettings])


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"update {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if args.write:
        DOC.write_text(document(), encoding="utf-8")
    else:
        sys.stdout.write(document())
    return 0


if __name__ == "__main__":
    sys.exit(main())
