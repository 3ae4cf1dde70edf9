"""docs/settings.md is the settings models' own documentation, regenerated."""

from scripts.settings_doc import DOC, document


def test_the_settings_doc_is_up_to_date() -> None:
    assert (
        DOC.read_text(encoding="utf-8") == document()
    ), "run `.venv/bin/python scripts/settings_doc.py --write`"


def test_each_variable_is_documented_once() -> None:
    rows = [line for line in document().splitlines() if line.startswith("| `")]
    variables = [row.split("`")[1] for row in rows]
    assert len(variables) == len(set(variables)) > 30
