"""The training and test data keep the sizes and the layout the project promises.

Nothing here lists every intent or FAQ topic: a bot author adds one by editing data/ and
domain.yml only (README, "Guide for bot authors"); `make check-data` says what is missing.
"""

import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest
import yaml

from actions.handoff_signal import REASON_BY_INTENT
from actions.suggestions import NONE_OF_THESE_PAYLOAD, RETRIEVAL_INTENT
from common.contract import DESK_INTENTS, EXTERNAL_PREFIX, OPENING_PAYLOAD
from scripts.check_data import heldout_index, heldout_overlap, project_sections
from scripts.nlu_data import load_project, plain
from tests.conftest import ROOT

# The intents the code of the desk and the actions names (the contract for integrations). The
# rules, stories, buttons and forms name more: test_every_intent_the_dialogue_names_is_declared.
# Any other intent may be added, in any order.
REQUIRED_INTENTS = {
    OPENING_PAYLOAD.removeprefix("/"): "the desk opens every chat with it (common/contract.py)",
    NONE_OF_THESE_PAYLOAD.removeprefix("/"): "the 都不是 button (actions/suggestions.py)",
    RETRIEVAL_INTENT: "the FAQ topics' retrieval intent (actions/suggestions.py, config.yml)",
    **{intent: "a handoff reason (actions/handoff_signal.py)" for intent in REASON_BY_INTENT},
    **{intent: "raised by the desk, never typed (common/contract.py)" for intent in DESK_INTENTS},
}


def _blocks(folder: Path, kind: str) -> Dict[str, List[str]]:
    """The lines of every `- <kind>: <name>` block (intent, regex, lookup), by name."""
    found: Dict[str, List[str]] = {}
    for path in sorted(folder.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if kind in item:
                lines = [line[2:].strip() for line in item["examples"].splitlines() if line.strip()]
                found.setdefault(item[kind], []).extend(lines)
    return found


def _examples(folder: Path) -> Dict[str, List[str]]:
    return _blocks(folder, "intent")


def _feature_blocks(kind: str) -> Dict[str, List[str]]:
    return _blocks(ROOT / "data" / "nlu", kind)


@pytest.fixture(scope="module")
def examples() -> Dict[str, List[str]]:
    return _examples(ROOT / "data" / "nlu")


def _labels() -> List[str]:
    """Every intent and FAQ topic with examples in data/nlu, read when the tests are collected."""
    return sorted(_examples(ROOT / "data" / "nlu"))


def test_the_intents_the_code_depends_on_are_declared(domain: Dict[str, Any]) -> None:
    assert {"greet", "out_of_scope", "faq", "complain", "account_lookup"} <= set(REQUIRED_INTENTS)
    missing = {i: why for i, why in REQUIRED_INTENTS.items() if i not in domain["intents"]}
    assert missing == {}


def test_every_intent_the_dialogue_names_is_declared() -> None:
    """Rules, stories, button payloads and form slot mappings name only declared intents."""
    project = load_project(ROOT)
    declared = set(project.domain.intents) | {"nlu_fallback"}
    named = {
        (intent, str(where))
        for intent, places in project.dialogue_intents.items()
        for where in places
    } | {(i, str(w)) for i, w in project.domain.button_intents + project.domain.mapping_intents}
    assert sorted((i, w) for i, w in named if i not in declared) == []
    assert {"request_human", "deny", "inform"} <= {i for i, _ in project.domain.button_intents}


def test_the_external_intents_have_no_examples(examples: Dict[str, List[str]]) -> None:
    assert [intent for intent in examples if intent.startswith(EXTERNAL_PREFIX)] == []


def test_entities(domain: Dict[str, Any]) -> None:
    # the contract's three, the reverse-lookup button's and the desk's (never annotated in NLU data)
    assert domain["entities"] == [
        "account_number", "phone", "person_name", "verification_method",
        "working_hours", "reply_time",
    ]  # fmt: skip


@pytest.mark.parametrize("label", _labels())
def test_at_least_25_examples(examples: Dict[str, List[str]], label: str) -> None:
    """A floor for every intent and FAQ topic; `make check-data` warns well above it, at a
    tenth of the median label (74 examples today)."""
    assert len(examples[label]) >= 25


def test_out_of_scope_is_much_broader(examples: Dict[str, List[str]]) -> None:
    assert len(examples["out_of_scope"]) >= 60


def test_no_example_is_repeated(examples: Dict[str, List[str]]) -> None:
    counts = Counter(text for texts in examples.values() for text in texts)
    assert [text for text, n in counts.items() if n > 1] == []


def test_the_plain_text_drops_annotations() -> None:
    assert plain('户名是[王芳](person_name) 户号[1234567890]{"entity": "account_number"}') == (
        "户名是王芳 户号1234567890"
    )


def _trained(examples: Dict[str, List[str]]) -> Set[str]:
    """Every training message as a visitor types it."""
    return {plain(text) for texts in examples.values() for text in texts}


def _stories() -> List[Dict[str, Any]]:
    """Every end-to-end test story in tests/e2e."""
    return [
        story
        for path in (ROOT / "tests" / "e2e").glob("test_*.yml")
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]
    ]


def test_the_heldout_sets_were_never_trained_on() -> None:
    """Reported as counts and the training copies' file:line, never the held-out text: a failing
    assert must not print a blind set's sentence (scripts/check_data.py, heldout_overlap)."""
    findings = heldout_overlap(load_project(ROOT).examples, heldout_index(ROOT))
    assert [finding.render() for finding in findings] == []


def test_the_data_passes_the_project_checks_of_make_check_data() -> None:
    """No error from its duplicates, competing examples, names and held-out sets (warnings, such
    as a new label's size, pass; Rasa's validation and the compliance lint are `make
    check-data`'s too)."""
    sections = project_sections(load_project(ROOT), heldout_index(ROOT))
    errors = [(s.name, f.render()) for s in sections for f in s.findings if f.level == "error"]
    assert errors == []


def test_what_the_stories_expect_to_be_unclear_is_no_training_example(
    examples: Dict[str, List[str]],
) -> None:
    """A message the model was trained on is understood, so it cannot test the fallback."""
    unclear = {
        step["user"].strip()
        for story in _stories()
        for step in story["steps"]
        if step.get("intent") == "nlu_fallback"
    }
    assert unclear, "the stories test the fallback"
    assert unclear & _trained(examples) == set()


def test_at_least_40_end_to_end_stories() -> None:
    stories = _stories()
    assert len(stories) >= 40
    assert all(any("user" in step for step in story["steps"]) for story in stories)


def test_features_share_their_names() -> None:
    rules = {p.stem for p in (ROOT / "data" / "rules").glob("*.yml")}
    e2e = {p.stem.removeprefix("test_") for p in (ROOT / "tests" / "e2e").glob("test_*.yml")}
    nlu = {p.stem for p in (ROOT / "data" / "nlu").glob("*.yml")}
    stories = {p.stem for p in (ROOT / "data" / "stories").glob("*.yml")}
    features = rules | nlu | stories
    assert e2e <= features, e2e - features
    assert stories <= rules, stories - rules


def test_every_regex_compiles() -> None:
    # RegexFeaturizer only finds a broken pattern when `rasa train` reaches it
    for name, patterns in _feature_blocks("regex").items():
        for pattern in patterns:
            assert re.compile(pattern), name


def test_every_lookup_has_entries_and_no_short_latin_word() -> None:
    # lookups match without word boundaries: "hi" would match inside "this" (use a *_latin regex)
    for name, entries in _feature_blocks("lookup").items():
        assert entries, name
        assert [e for e in entries if re.fullmatch(r"[A-Za-z0-9]{1,3}", e)] == [], name


def test_the_name_features_are_the_generated_ones() -> None:
    from scripts.name_patterns import patterns

    # out of date after an edit of actions/surnames.py: run scripts/name_patterns.py --write
    regexes = _feature_blocks("regex")
    assert {name: regexes[name] for name in ("name_only", "name_after_cue")} == {
        name: [pattern] for name, pattern in patterns().items()
    }


@pytest.mark.parametrize(
    ("text", "matches"),
    [("李建国", True), ("诸葛明轩", True), ("免贵姓岳 岳鹏", True), ("我叫王小明", True),
     ("李建国你好啊", False), ("hello", False), ("谢谢", False), ("白白", False), ("高兴", False),
     ("周末", True)],  # a surname and one character: a feature for the classifier, not a rule
)  # fmt: skip
def test_the_name_feature_matches_whole_names_only(text: str, matches: bool) -> None:
    [pattern] = _feature_blocks("regex")["name_only"]
    assert bool(re.search(pattern, text)) is matches


def _dialogue_files() -> List[Path]:
    """Every rule, story and end-to-end test story file."""
    data = ROOT / "data"
    return [
        *sorted((data / "rules").glob("*.yml")),
        *sorted((data / "stories").glob("*.yml")),
        *sorted((ROOT / "tests" / "e2e").glob("test_*.yml")),
    ]


def test_the_handoff_line_is_the_actions_own() -> None:
    """action_handoff says utter_handoff or utter_handoff_update itself (a queued visitor gets
    the second): a rule or story saying it first would make the visitor read it twice."""
    said = [
        (path.name, block.get("rule") or block.get("story"))
        for path in _dialogue_files()
        for key in ("rules", "stories")
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get(key) or []
        for step in block["steps"]
        if step.get("action") in ("utter_handoff", "utter_handoff_update")
    ]
    assert said == []


def test_no_response_claims_what_nothing_keeps() -> None:
    """utter_info_noted said 您的信息已收到 though nothing kept what was given."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert "utter_info_noted" not in domain["responses"]
    assert all("已收到" not in v["text"] for vs in domain["responses"].values() for v in vs)
