"""`make check-data`: every check of the bot's data that needs no training, each problem with its
file, line and what to do. `make validate` runs it; it takes 20-25 s on 2 cores.

    .venv/bin/python -m scripts.check_data [--verbose] [--no-rasa] [--no-compliance] [--root DIR]

1. Rasa's validation (what `rasa data validate` runs), in-process and quiet: each warning once,
   in one line, with what it means. The warnings Rasa 3.6 gives this project by design are
   counted, not printed (`--verbose` lists them): "duplicated intents ... faq" for the retrieval
   intent, "not found in the NLU training data" for the desk's EXTERNAL_ intents
   (scripts/external_intents.py), "not used in any story or rule" for the responses forms ask
   and actions send (scripts/responses_outside_rules.py). Any other warning is an error.
2. The compliance lint (`python -m compliance.lint`): every response against the 服务忌语.
3. The project's own checks (scripts/nlu_data.py reads the files with their line numbers):
   - duplicates: one example under two labels (intents or FAQ topics), compared without
     punctuation, spaces and case, full-width characters folded;
   - competing examples: a label whose examples another label's examples resemble (see
     `competing`), with the file and line of each;
   - names: FAQ topics and their `utter_faq/<topic>` answers, intents in the data, in domain.yml
     and in rules or stories, and the `affirmation.labels` of the 您是不是说 buttons, match;
   - sizes: a label with fewer than a tenth of the median label's examples (a warning);
   - held-out sets: no training example is in tests/nlu (counted, never printed: blind sets).
Exits 1 when there is an error; warnings alone pass.
"""

import argparse
import difflib
import logging
import os
import re
import subprocess
import sys
import threading
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Literal, Sequence, Set, Tuple

import numpy as np

from actions.suggestions import NOT_OFFERED
from common.contract import EXTERNAL_PREFIX
from scripts.external_intents import external_intents
from scripts.nlu_data import (
    RESPONSE_PREFIX,
    ROOT,
    Domain,
    Example,
    Location,
    Project,
    base_intent,
    heldout_texts,
    load_project,
    median_size,
    normalise,
    plain,
)
from scripts.responses_outside_rules import responses_outside_rules

Level = Literal["error", "warning"]

# Competing examples: an example of label B "competes" with label A when its nearest example of
# A is at least NEAR_SIMILARITY alike (cosine of character 1-3-gram TF-IDF, as the blend in
# rasa_addons/nlu/nearest_examples.py compares messages) and it is closer to A's examples as a
# whole (the mean vector) than to its own label's. A label is reported when at least
# COMPETING_SHARE of its size, and COMPETING_MIN, compete with it from one other label.
# Measured on the data of 2026-12-07 (14,185 examples, 19 labels): the most is 13 % (103 of
# out_of_scope's other-company hour questions for faq/business_hours's 782, by design); with a
# new 30-example ask_invoice, 18 invoice questions of faq/how_to_use (60 %) and 12 of
# out_of_scope (40 %) compete. Below 0.35 unrelated questions sharing 怎么/申请 come in.
NEAR_SIMILARITY = 0.35
COMPETING_SHARE = 0.25
COMPETING_MIN = 3
# Sizes: the smallest label of the data has 283 examples, 38 % of the median (739). A tenth of
# the median (74) is far below anything the data has and well above the 25 a new label used to
# be given: the nearest-examples blend and the classifier both favour labels with many examples.
SMALL_SHARE = 0.10
# Intents Rasa defines itself: rules may react to them without domain.yml listing them.
RASA_INTENTS = frozenset({"nlu_fallback", "restart", "back", "session_start"})
# Shown instead of a training example that is also in a held-out set (the blind sets stay blind).
HIDDEN = "(text not shown: it is also in a held-out set)"


@dataclass(frozen=True)
class Finding:
    """One problem: where, what is wrong, what to do, and the lines it concerns."""

    level: Level
    where: str
    what: str
    fix: str
    details: Tuple[str, ...] = ()

    def render(self) -> str:
        lines = [f"  {self.level.upper()} {self.where}: {self.what}"]
        lines += [f"        → {self.fix}"] if self.fix else []
        return "\n".join(lines + [f"          {line}" for line in self.details])


@dataclass(frozen=True)
class Section:
    """The result of one check: its findings and a one-line summary when it passes."""

    name: str
    findings: List[Finding]
    summary: str
    seconds: float
    notes: Tuple[str, ...] = ()


Shown = Callable[[str], str]


def _closest(name: str, candidates: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def _quoted(text: str, shown: Shown) -> str:
    return f"'{shown(text)}'"


# -- duplicates ------------------------------------------------------------------------------


def duplicates(examples: Sequence[Example], shown: Shown) -> List[Finding]:
    """An error for each example written under two labels (after `normalise`)."""
    by_text: Dict[str, List[Example]] = defaultdict(list)
    for example in examples:
        key = normalise(example.text)
        if key:
            by_text[key].append(example)
    findings = []
    for group in by_text.values():
        if len({e.label for e in group}) < 2:
            continue
        first, others = group[0], group[1:]
        also = "; ".join(f"{e.label} ({e.where}) as {_quoted(e.text, shown)}" for e in others)
        findings.append(
            Finding(
                "error",
                str(first.where),
                f"{_quoted(first.text, shown)} is an example of {first.label} and also of {also}",
                "keep it under the one label it means and delete the other line(s)",
            )
        )
    return findings


# -- competing examples ----------------------------------------------------------------------


@dataclass(frozen=True)
class Competition:
    """Examples of `other` that resemble `label`'s: (index, nearest index of `label`, cosine)."""

    label: str
    other: str
    pairs: Tuple[Tuple[int, int, float], ...]


def competing(examples: Sequence[Example]) -> List[Competition]:
    """Every label that another label's examples compete with (the rule is described where
    NEAR_SIMILARITY is defined), with the competing examples, most alike first.

    One sparse product of every example with every other, in blocks: about 3 s for 14,000.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    texts = [normalise(e.text) for e in examples]
    kept = [i for i, text in enumerate(texts) if text]
    names = sorted({examples[i].label for i in kept})
    if len(names) < 2:
        return []
    codes = np.array([names.index(examples[i].label) for i in kept])
    vectors = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float32
    ).fit_transform([texts[i] for i in kept])
    members = [np.flatnonzero(codes == j) for j in range(len(names))]
    centroids = normalize(np.vstack([np.asarray(vectors[m].mean(axis=0)) for m in members]))
    to_centroid = np.asarray(vectors @ centroids.T)
    own = to_centroid[np.arange(len(kept)), codes]
    best = np.zeros((len(kept), len(names)), dtype=np.float32)
    nearest = np.zeros((len(kept), len(names)), dtype=np.int64)
    block = 1000
    for start in range(0, len(kept), block):
        similarity = (vectors[start : start + block] @ vectors.T).toarray()
        rows = np.arange(similarity.shape[0])
        for j, indices in enumerate(members):
            part = similarity[:, indices]
            position = part.argmax(axis=1)
            best[start : start + block, j] = part[rows, position]
            nearest[start : start + block, j] = indices[position]
    found = []
    for j, name in enumerate(names):
        candidates = (codes != j) & (best[:, j] >= NEAR_SIMILARITY) & (to_centroid[:, j] > own)
        needed = max(COMPETING_MIN, COMPETING_SHARE * len(members[j]))
        for k in sorted(set(codes[candidates].tolist())):
            rows_k = np.flatnonzero(candidates & (codes == k))
            if len(rows_k) < needed:
                continue
            pairs = sorted(
                ((kept[r], kept[int(nearest[r, j])], float(best[r, j])) for r in rows_k),
                key=lambda pair: (-pair[2], pair[0]),
            )
            found.append(Competition(name, names[k], tuple(pairs)))
    return found


def competing_findings(project: Project, shown: Shown) -> List[Finding]:
    """An error per label that another label's examples compete with, listing them."""
    examples = project.examples
    sizes = project.sizes()
    findings = []
    for c in competing(examples):
        size = sizes[c.label]
        details = tuple(
            f"{examples[i].where}  {_quoted(examples[i].text, shown)}  ~ "
            f"{examples[n].where} {_quoted(examples[n].text, shown)} ({similarity:.2f})"
            for i, n, similarity in c.pairs
        )
        # fewer than COMPETING_SHARE of the label's size no longer counts
        target = int(len(c.pairs) / COMPETING_SHARE) + 1
        findings.append(
            Finding(
                "error",
                str(project.label_blocks.get(c.label, c.label)),
                f"{c.label} ({size} examples): {len(c.pairs)} examples of {c.other} resemble "
                f"its examples more than their own label's; the model will hesitate between "
                f"them",
                f"move the ones that mean {c.label} into it, reword or delete the others, or "
                f"give {c.label} more examples (at least {target}) so that they weigh less",
                details,
            )
        )
    return findings


# -- names -----------------------------------------------------------------------------------


def name_findings(project: Project) -> List[Finding]:
    """FAQ topics, intents, rules and labels that do not match their counterparts."""
    domain = project.domain
    blocks = project.label_blocks
    findings: List[Finding] = []
    data_topics = {label: where for label, where in blocks.items() if "/" in label}
    answers = {
        name.removeprefix(RESPONSE_PREFIX): where
        for name, where in domain.responses.items()
        if name.startswith(RESPONSE_PREFIX) and "/" in name
    }
    for topic, where in sorted(data_topics.items()):
        if topic in answers:
            continue
        close = _closest(topic, answers)
        hint = f"; closest: {RESPONSE_PREFIX}{close} ({answers[close]})" if close else ""
        findings.append(
            Finding(
                "error",
                str(where),
                f"{topic} has no answer: domain.yml has no {RESPONSE_PREFIX}{topic}{hint}",
                f"add {RESPONSE_PREFIX}{topic} under responses in domain.yml"
                + (" or make the two names the same" if close else ""),
            )
        )
    for topic, where in sorted(answers.items()):
        if topic in data_topics:
            continue
        close = _closest(topic, data_topics)
        hint = f"; closest topic: {close} ({data_topics[close]})" if close else ""
        findings.append(
            Finding(
                "error",
                str(where),
                f"{RESPONSE_PREFIX}{topic} answers no FAQ topic: no '- intent: {topic}' in data/"
                f"{hint}",
                f"rename it {RESPONSE_PREFIX}{close}" if close else "add examples or delete it",
            )
        )

    data_intents: Dict[str, Location] = {}
    for label, where in blocks.items():
        data_intents.setdefault(base_intent(label), where)
    with_examples = {base_intent(e.label) for e in project.examples}
    intents_line = min(domain.intents.values(), key=lambda w: w.line, default=None)
    where_intents = f" (domain.yml:{intents_line.line})" if intents_line else ""
    for intent, where in sorted(data_intents.items()):
        if intent not in domain.intents:
            close = _closest(intent, domain.intents)
            findings.append(
                Finding(
                    "error",
                    str(where),
                    f"intent {intent} is not in domain.yml's intents"
                    + (f"; closest: {close} ({domain.intents[close]})" if close else ""),
                    f"add '- {intent}' under intents{where_intents}",
                )
            )
    for intent, where in sorted(domain.intents.items()):
        external = intent.startswith(EXTERNAL_PREFIX)
        if external and intent in with_examples:
            findings.append(
                Finding(
                    "error",
                    str(data_intents.get(intent, where)),
                    f"{intent} has examples, but only the desk raises {EXTERNAL_PREFIX} intents",
                    "delete its examples: nothing a visitor types may become a desk intent",
                )
            )
        elif not external and intent not in with_examples:
            close = _closest(intent, data_intents)
            findings.append(
                Finding(
                    "error",
                    str(where),
                    f"intent {intent} has no examples in data/"
                    + (f"; closest: {close} ({data_intents[close]})" if close else ""),
                    f"add '- intent: {intent}' with examples to data/nlu/<feature>.yml, "
                    "or delete it from domain.yml",
                )
            )
        if intent not in project.dialogue_intents:
            findings.append(
                Finding(
                    "error",
                    str(where),
                    f"intent {intent} is in no rule or story: the bot would not know what to do",
                    f"add a rule to data/rules/<feature>.yml: steps '- intent: {intent}' then "
                    f"'- action: utter_...' (or a story in data/stories/)",
                )
            )
    used = [(i, w) for i, ws in project.dialogue_intents.items() for w in ws]
    used += domain.button_intents + domain.mapping_intents
    for intent, where in sorted(used, key=lambda x: (x[1].path, x[1].line, x[0])):
        if intent not in domain.intents and intent not in RASA_INTENTS:
            close = _closest(intent, domain.intents)
            findings.append(
                Finding(
                    "error",
                    str(where),
                    f"intent {intent} is not in domain.yml's intents"
                    + (f"; closest: {close} ({domain.intents[close]})" if close else ""),
                    f"correct the name, or add '- {intent}' under intents{where_intents}",
                )
            )

    findings += _label_findings(project, data_topics)
    return findings


def _label_findings(project: Project, data_topics: Dict[str, Location]) -> List[Finding]:
    """Every intent or topic a visitor may be offered has a button label; no label is stale."""
    domain = project.domain
    offered: Dict[str, Location] = {
        intent: where
        for intent, where in domain.intents.items()
        if intent not in NOT_OFFERED
        and not intent.startswith(EXTERNAL_PREFIX)
        and not any(topic.startswith(f"{intent}/") for topic in data_topics)
    }
    offered.update(data_topics)
    section = domain.labels_section or Location("domain.yml", 0)
    findings = []
    for key, where in sorted(offered.items()):
        if key not in domain.labels:
            findings.append(
                Finding(
                    "error",
                    str(where),
                    f"{key} has no label for the 您是不是说 buttons",
                    f"add '{key}: \"…\"' under affirmation: labels ({section}), worded as the "
                    "visitor would ask",
                )
            )
    for key, where in sorted(domain.labels.items()):
        if key not in offered and key not in domain.intents:
            close = _closest(key, offered)
            findings.append(
                Finding(
                    "error",
                    str(where),
                    f"label {key} names no intent or FAQ topic"
                    + (f"; closest: {close} ({offered[close]})" if close else ""),
                    f"rename it {close}" if close else "delete it",
                )
            )
    return findings


# -- sizes -----------------------------------------------------------------------------------


def size_findings(project: Project) -> Tuple[List[Finding], str]:
    """A warning for each label far smaller than the median, and the pass summary."""
    sizes = project.sizes()
    median = median_size(sizes)
    minimum = int(np.ceil(SMALL_SHARE * median))
    findings = [
        Finding(
            "warning",
            str(project.label_blocks.get(label, label)),
            f"{label} has {count} examples; the median label has {median:.0f}, and a label "
            f"with fewer than {minimum} ({SMALL_SHARE:.0%}) is outvoted by its neighbours",
            f"add varied examples, at least {minimum} in all; `make evaluate` shows its recall",
        )
        for label, count in sorted(sizes.items())
        if count < minimum
    ]
    smallest = min(sizes.items(), key=lambda item: (item[1], item[0]), default=("-", 0))
    summary = (
        f"{len(sizes)} labels, median {median:.0f} examples, smallest {smallest[0]} "
        f"{smallest[1]} (warning below {minimum})"
    )
    return findings, summary


# -- held-out sets ---------------------------------------------------------------------------


def heldout_index(root: Path) -> Dict[str, Set[str]]:
    """The plain texts of every held-out set in tests/nlu, by file name. Never print them."""
    folder = root / "tests" / "nlu"
    return {
        path.name: {text for text, _ in heldout_texts(path)}
        for path in sorted(folder.glob("*.yml"))
    }


def heldout_overlap(examples: Sequence[Example], sets: Dict[str, Set[str]]) -> List[Finding]:
    """An error per held-out set that has training examples: how many, and where the training
    copies are. The held-out text is never part of the report (blind sets stay blind)."""
    findings = []
    for name, texts in sets.items():
        found = [e for e in examples if e.plain in texts]
        if found:
            findings.append(
                Finding(
                    "error",
                    f"tests/nlu/{name}",
                    f"{len(found)} training example(s) are also in this held-out set, which "
                    "must never be trained on",
                    "delete or reword the training example(s) at: "
                    + ", ".join(str(e.where) for e in found),
                )
            )
    return findings


def hider(sets: Dict[str, Set[str]]) -> Shown:
    """Shows a training text unless it is also a held-out example."""
    hidden = set().union(*sets.values()) if sets else set()

    def shown(text: str) -> str:
        return HIDDEN if plain(text) in hidden else text

    return shown


# -- Rasa's validation -----------------------------------------------------------------------

# What each of Rasa 3.6's validation warnings means, and what to do about it.
RASA_WARNINGS: Tuple[Tuple[str, str], ...] = (
    (
        r"The utterance '(?P<name>[^']+)' is not used in any story or rule",
        "nothing says {name}: use it in a rule or story, send it from an action, or delete it",
    ),
    (
        r"The intent '(?P<name>[^']+)' is listed in the domain file, but is not found in the NLU",
        "intent {name} has no examples: add them in data/nlu/ or delete it from domain.yml",
    ),
    (
        r"labeled with intent '(?P<name>[^']+)'. This intent is not listed in your domain",
        "intent {name} has examples but is not in domain.yml: add it under intents",
    ),
    (
        r"The example '(?P<name>.*)' was found labeled with multiple different intents",
        "an example under two intents: keep it under one (duplicates below name the lines)",
    ),
    (
        r"The intent '(?P<name>[^']+)' is used in your stories, but it is not listed",
        "a rule or story reacts to intent {name}, which domain.yml does not list",
    ),
    (
        r"The action '(?P<name>[^']+)' is used in the",
        "a rule or story runs {name}, which domain.yml does not list (responses or actions)",
    ),
    (
        r"The form '(?P<name>[^']+)' is used in the",
        "a rule or story runs the form {name}, which domain.yml's forms do not list",
    ),
    (
        r"duplicated intents have been found across multiple domain files: (?P<name>.+)",
        "intent(s) {name} listed twice in the domain",
    ),
)
# The warnings Rasa 3.6 gives this project by design, and why they are allowed.
ALLOWED_BECAUSE = {
    "retrieval": "Rasa 3.6 counts a retrieval intent listed in domain.yml twice (its importer "
    "adds it again from the NLU data); leaving it out is an error instead",
    "desk": "raised only by the desk (trigger_intent), never typed: no examples by design",
    "outside": "asked by a form or sent by a custom action, which Rasa's check cannot see",
}


@dataclass(frozen=True)
class RasaWarning:
    """One of Rasa's warnings, explained; `allowed` names why it is expected, if it is."""

    message: str
    explanation: str
    allowed: str | None
    where: str | None = None
    name: str = ""


def explain(
    message: str, root: Path, retrieval: Set[str], domain: Domain | None = None
) -> RasaWarning:
    """What a Rasa validation warning means here, whether the project expects it, and the line
    of domain.yml it is about when it names a response or an intent there."""
    first = message.strip().splitlines()[0] if message.strip() else message
    for pattern, explanation in RASA_WARNINGS:
        match = re.search(pattern, first)
        if not match:
            continue
        name = match.group("name")
        allowed = None
        if "duplicated intents" in pattern and set(name.split(", ")) <= retrieval:
            allowed = ALLOWED_BECAUSE["retrieval"]
        elif "not found in the NLU" in pattern and name in external_intents(root):
            allowed = ALLOWED_BECAUSE["desk"]
        elif "not used in any" in pattern and name in responses_outside_rules(root):
            allowed = ALLOWED_BECAUSE["outside"]
        names = {**domain.intents, **domain.responses} if domain else {}
        where = str(names[name]) if name in names else None
        return RasaWarning(first, explanation.format(name=name), allowed, where, name)
    if "conflict" in first.lower() or "story structure" in first.lower():
        return RasaWarning(
            first,
            "rules or stories predict different actions after the "
            "same conversation: make them agree",
            None,
        )
    return RasaWarning(first, "see Rasa's message", None)


class _Collect(logging.Handler):
    """Keeps the warnings Rasa logs (story conflicts) instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def rasa_warnings(root: Path) -> List[str]:
    """The warnings of Rasa's data validation (as `rasa data validate`), each once, in order."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ["LOG_LEVEL"] = "WARNING"  # no progress bars (rasa.shared.utils.io)
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.utils.common import EXPECTED_WARNINGS
    from rasa.validator import Validator

    collect = _Collect()
    rasa_logger = logging.getLogger("rasa")
    rasa_logger.addHandler(collect)
    propagate, rasa_logger.propagate = rasa_logger.propagate, False
    config = root / "config.yml"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning):
                warnings.simplefilter("ignore", category)
            for category, pattern in EXPECTED_WARNINGS:
                warnings.filterwarnings("ignore", message=f".*{pattern}", category=category)
            importer = TrainingDataImporter.load_from_config(
                config_path=str(config) if config.exists() else None,
                domain_path=str(root / "domain.yml"),
                training_data_paths=[str(root / "data")],
            )
            validator = Validator.from_importer(importer)
            validator.verify_domain_validity()
            validator.verify_actions_in_stories_rules()
            validator.verify_forms_in_stories_rules()
            validator.verify_form_slots()
            validator.verify_slot_mappings()
            validator.verify_nlu(False)
            validator.verify_story_structure(False)
            validator.warn_if_config_mandatory_keys_are_not_set()
    finally:
        rasa_logger.removeHandler(collect)
        rasa_logger.propagate = propagate
    messages = [str(w.message) for w in caught] + collect.messages
    return list(dict.fromkeys(m.strip() for m in messages))


def rasa_section(project: Project, shown: Shown, verbose: bool) -> Section:
    """Rasa's validation: an error per unexpected warning; the expected ones counted. A
    training example Rasa quotes that is also in a held-out set is not shown."""
    started = time.monotonic()
    root = project.root
    retrieval = {base_intent(label) for label in project.label_blocks if "/" in label}
    # sorted: Rasa warns in the order of its sets, which changes from run to run
    explained = sorted(
        (explain(message, root, retrieval, project.domain) for message in rasa_warnings(root)),
        key=lambda w: w.message,
    )
    findings = [
        Finding(
            "error",
            w.where or "rasa data validate",
            f"{w.explanation} [Rasa: {w.message}]".replace(w.name, shown(w.name))
            if w.name
            else f"{w.explanation} [Rasa: {w.message}]",
            "",
        )
        for w in explained
        if w.allowed is None
    ]
    allowed = [w for w in explained if w.allowed]
    notes = tuple(f"allowed: {w.message} ({w.allowed})" for w in allowed) if verbose else ()
    summary = f"{len(allowed)} warnings Rasa 3.6 gives by design, no other (--verbose lists them)"
    return Section("rasa data validate", findings, summary, time.monotonic() - started, notes)


# -- compliance ------------------------------------------------------------------------------


class Compliance:
    """The compliance lint, run in its own process beside Rasa's check (2 cores)."""

    def __init__(self, root: Path) -> None:
        command = [sys.executable, "-m", "compliance.lint"]
        if root.resolve() != ROOT:
            phrases = root / "desk" / "phrases.yml"
            command += [str(root / "domain.yml")]
            command += ["--phrases", str(phrases)] if phrases.exists() else ["--no-phrases"]
        self.root = root.resolve()
        self.started = time.monotonic()
        self.ended = self.started
        self.output = ""
        self.returncode = 0
        self._thread = threading.Thread(target=self._run, args=(command,), daemon=True)
        self._thread.start()

    def _run(self, command: List[str]) -> None:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        self.output, self.returncode = done.stdout + done.stderr, done.returncode
        self.ended = time.monotonic()

    def section(self) -> Section:
        """Waits for the lint; an error per violation it printed."""
        self._thread.join()
        lines = [line for line in self.output.splitlines() if line.strip()]
        summary = lines[-1].removeprefix("compliance lint: ") if lines else "no output"
        findings = []
        if self.returncode != 0:
            # `<file>: <response>: "<phrase>" (<category>, seed N) → <wording>`
            findings = [
                Finding(
                    "error",
                    line.split(": ", 1)[0].removeprefix(f"{self.root}/"),
                    line.split(": ", 1)[-1],
                    "use the suggested wording (docs/compliance.md)",
                )
                for line in lines[:-1] or lines
            ]
        return Section("compliance lint", findings, summary, self.ended - self.started)


# -- the report ------------------------------------------------------------------------------


def project_sections(project: Project, sets: Dict[str, Set[str]]) -> List[Section]:
    """The project's own checks, each timed; `sets` are the held-out sets' texts."""
    sections = []
    started = time.monotonic()
    shown = hider(sets)
    examples = project.examples

    def section(name: str, findings: List[Finding], summary: str) -> None:
        nonlocal started
        sections.append(Section(name, findings, summary, time.monotonic() - started))
        started = time.monotonic()

    section(
        "duplicates",
        duplicates(examples, shown),
        f"{len(examples):,} examples, none under two labels",
    )
    section(
        "competing examples",
        competing_findings(project, shown),
        f"no label has {COMPETING_SHARE:.0%} of its size in resembling examples of another "
        f"(cosine >= {NEAR_SIMILARITY})",
    )
    domain = project.domain
    section(
        "names",
        name_findings(project),
        f"{len(domain.intents)} intents, {len(domain.labels)} labels and the FAQ answers "
        "match the data, rules and stories",
    )
    findings, summary = size_findings(project)
    section("label sizes", findings, summary)
    section(
        "held-out sets",
        heldout_overlap(examples, sets),
        f"no training example is in the {len(sets)} sets of tests/nlu",
    )
    return sections


def print_section(section: Section) -> None:
    errors = sum(f.level == "error" for f in section.findings)
    warns = len(section.findings) - errors
    if not section.findings:
        status = f"ok: {section.summary}"
    else:
        status = ", ".join(
            part
            for part in (
                f"{errors} error(s)" if errors else "",
                f"{warns} warning(s)" if warns else "",
            )
            if part
        )
    print(f"{section.name:<20} {status}  ({section.seconds:.1f} s)", flush=True)
    for note in section.notes:
        print(f"  {note}")
    for finding in section.findings:
        print(finding.render())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the Rasa project to check")
    parser.add_argument("--verbose", action="store_true", help="list the allowed Rasa warnings")
    parser.add_argument("--no-rasa", action="store_true", help="skip Rasa's validation")
    parser.add_argument("--no-compliance", action="store_true", help="skip the compliance lint")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    started = time.monotonic()
    compliance = None if args.no_compliance else Compliance(root)
    project = load_project(root)
    sets = heldout_index(root)
    sections = []
    if not args.no_rasa:
        sections.append(rasa_section(project, hider(sets), args.verbose))
        print_section(sections[-1])
    if compliance is not None:
        sections.append(compliance.section())
        print_section(sections[-1])
    for section in project_sections(project, sets):
        sections.append(section)
        print_section(section)
    findings = [f for s in sections for f in s.findings]
    errors = sum(f.level == "error" for f in findings)
    verdict = "FAILED" if errors else "passed"
    print(
        f"check-data: {verdict}, {errors} error(s), {len(findings) - errors} warning(s) "
        f"({time.monotonic() - started:.0f} s)"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
