"""The seeds the inventory and the corpus quote, as text without whitespace."""

import re
from typing import Dict

import pytest

from tests.conftest import ROOT

SEEDS_DIR = ROOT.parent / "shared" / "reference"


def without_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="session")
def seeds() -> Dict[str, str]:
    """Seed number (`000`..`004`) → the seed file's text without whitespace."""
    files = sorted(SEEDS_DIR.glob("00[0-4]_*.txt"))
    if len(files) != 5:
        pytest.skip(f"the five seed files are not in {SEEDS_DIR}")
    return {f.name[:3]: without_space(f.read_text(encoding="utf-8")) for f in files}
