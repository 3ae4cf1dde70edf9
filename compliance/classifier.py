"""The learned service-language checker: a classifier beside the inventory's rules.

The rules (compliance/checker.py) catch the inventory's phrases exactly, but agents paraphrase
(「这个问题我们不负责」 for 「这事不归我们管」). This model reads a whole line and says which of the
inventory's ten categories it belongs to, or `ok`:

- data: compliance/training/*.yml, one file per category plus compliant.yml (docs/compliance.md);
- features: character 1-2-grams and jieba words and word pairs (the NLU uses both), TF-IDF
  with sublinear counts, each block L2-normalised, taken from the text without its final
  punctuation (1-2-grams beat 1-3-grams in cross-validation: the longer n-grams mostly repeat
  the words);
- classifier: a linear SVM inside CalibratedClassifierCV (sigmoid, 3 folds, one base estimator
  so that its coefficients explain a decision): probabilities, so one threshold means one thing
  for every category;
- flagging: a line is flagged when P(ok) is low: `score = 1 - P(ok)` above a threshold chosen
  on out-of-fold scores (5-fold cross-validation on the training data) so that at most 1 % of
  the compliant training sentences would be flagged (`TARGET_FALSE_ALARMS`); lines of at most
  SHORT characters have their own threshold, chosen the same way on the short compliant lines;
- context: a context-dependent rule of the inventory (`context: model`: 可能, 没办法, 等一会 …)
  holds a line only when `score >= context_threshold`, a lower threshold chosen on the same
  out-of-fold scores so that the rule keeps holding `CONTEXT_RECALL` of the forbidden training
  lines it matches (compliance/screening.py).

Fitting takes a few seconds and is deterministic; the fitted model is cached under
var/cache/compliance/, keyed by a hash of the training data, the inventory, the jieba
dictionaries, this file and scikit-learn's version, so the desk and the tests load it instead
of refitting (a fresh clone fits it once).
"""

import hashlib
import logging
import os
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Literal, Sequence, Tuple

import yaml

from compliance.pipeline import ROOT, USER_DICTIONARIES, segment

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from scipy.sparse import csr_matrix
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer

logger = logging.getLogger(__name__)

TRAINING_DIR = Path(__file__).with_name("training")
INVENTORY_FILE = Path(__file__).with_name("inventory.yml")
CACHE_DIR = ROOT / "var" / "cache" / "compliance"
OK = "ok"
FOLDS = 5
SEED = 0  # folds and solver: the same data always gives the same model
TARGET_FALSE_ALARMS = 0.01  # at most this share of compliant training lines flagged (CV)
CHAR_NGRAMS = (1, 2)
C = 2.0  # the SVM's inverse regularisation, chosen by cross-validation (docs/compliance.md)
CALIBRATION_FOLDS = 3
TOP_FEATURES = 3  # what the agent is shown as the reason
# Lines of at most this many characters (punctuation aside) get their own threshold: 「不是」,
# 「还有吗」 are buttons of the bot and curt replies of an agent alike, and the inventory's rules
# catch the short forbidden lines exactly (「不行」, 「哦」, 「喂」, 「不清楚」).
SHORT = 4
# A context-dependent rule's match must keep holding at least this share of the forbidden
# training lines it matches (out-of-fold): chosen by cross-validation (docs/compliance.md).
CONTEXT_RECALL = 0.98
# The model's own version: bump when a change would not show in this file's bytes (it is hashed).
MODEL_VERSION = "2"

CHAR = "字"
WORD = "词"


Kind = Literal["sentence", "near_miss", "label"]
SECTIONS: Tuple[Tuple[str, Kind], ...] = (
    ("sentences", "sentence"),
    ("near_misses", "near_miss"),
    ("labels", "label"),
)


@dataclass(frozen=True)
class Example:
    """One training line: its text, its label (a category id or `ok`) and its kind: a
    sentence, a compliant near miss (shares words with a forbidden phrase) or a compliant UI
    label (a button or menu item: trained on, but not a sentence the threshold is chosen on)."""

    text: str
    label: str
    kind: Kind = "sentence"

    @property
    def near_miss(self) -> bool:
        return self.kind == "near_miss"


@dataclass(frozen=True)
class Feature:
    """A feature that weighed for a decision: the characters or words as written, which kind
    (`字` character n-gram, `词` jieba word or word pair) and its weight (coefficient × value)."""

    text: str
    unit: str
    weight: float

    def to_json(self) -> Dict[str, Any]:
        """The feature as the desk sends it."""
        return {"text": self.text, "unit": self.unit, "weight": round(self.weight, 3)}


@dataclass(frozen=True)
class Verdict:
    """What the model says about one line.

    Attributes:
        category: the most likely forbidden category (a category id), even when not flagged.
        score: 1 - P(ok), the probability that the line breaks some rule.
        flagged: whether `score` is above the model's threshold.
        features: the features that weighed most for `category` against `ok`.
    """

    category: str
    score: float
    flagged: bool
    features: Tuple[Feature, ...] = ()


def normalize(text: str) -> str:
    """Full-width letters, digits and punctuation as ASCII, lower case; one character for one
    (so that offsets in the text still hold), whitespace runs as one space."""
    chars = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        chars.append(folded.lower() if len(folded) == 1 else char)
    return " ".join("".join(chars).split())


FINAL = "。.!~… "


def featured(text: str) -> str:
    """The text the features are taken from: `normalize`d, without the final 。 ! ~ or dots.
    Many agents end a line with none: a model that learnt 「short and ends in 。」 would judge
    the punctuation, not the words (a final ? stays: it marks a question)."""
    return normalize(text).rstrip(FINAL)


def words(text: str) -> List[str]:
    """The features of the word block: jieba's words and each pair of neighbouring words."""
    return list(_words(text))


@lru_cache(maxsize=16384)  # a fit cuts each training line once, not once per fold
def _words(text: str) -> Tuple[str, ...]:
    tokens = [w for w in segment(featured(text)) if w.strip()]
    return tuple(tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)])


def load_training(directory: Path = TRAINING_DIR) -> List[Example]:
    """Every training line, file by file in name order (each file: `category`, `sentences`, and
    for compliant.yml `near_misses` and `labels`); ValueError names a malformed file."""
    examples: List[Example] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("category"), str):
            raise ValueError(f"{path.name}: needs `category` and `sentences`")
        for key, kind in SECTIONS:
            lines = data.get(key) or []
            if not isinstance(lines, list) or not all(isinstance(s, str) and s for s in lines):
                raise ValueError(f"{path.name}: `{key}` must list non-empty strings")
            examples += [Example(s, data["category"], kind) for s in lines]
    return examples


def _vectorizers() -> Tuple["TfidfVectorizer", "TfidfVectorizer"]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    chars = TfidfVectorizer(
        analyzer="char", ngram_range=CHAR_NGRAMS, preprocessor=featured, sublinear_tf=True
    )
    word_pairs = TfidfVectorizer(analyzer=words, sublinear_tf=True)
    return chars, word_pairs


@dataclass
class Model:
    """A fitted model: the two vectorizers, the classifier and the flagging threshold."""

    chars: "TfidfVectorizer"
    words: "TfidfVectorizer"
    classifier: "CalibratedClassifierCV"
    threshold: float
    names: List[Tuple[str, str]] = field(default_factory=list)  # (text, unit) per column
    short_threshold: float = 1.0  # for lines of at most SHORT characters
    # a context-dependent rule's match holds a line when its score is at least this
    context_threshold: float = 0.0
    # the out-of-fold scores it was chosen on (forbidden training lines a context rule matches),
    # kept so that the evaluation can show what another CONTEXT_RECALL would choose
    context_scores: Tuple[float, ...] = ()

    def threshold_for(self, text: str) -> float:
        """The threshold a line's score must pass: `short_threshold` for a short line."""
        return self.short_threshold if is_short(text) else self.threshold

    def matrix(self, texts: Sequence[str]) -> "csr_matrix":
        """The feature matrix of `texts` (characters, then words)."""
        from scipy.sparse import hstack

        return hstack([self.chars.transform(texts), self.words.transform(texts)]).tocsr()

    def scores(self, texts: Sequence[str]) -> List[Tuple[str, float]]:
        """Per text, the most likely forbidden category and 1 - P(ok)."""
        return self.scores_of(self.matrix(texts))

    def scores_of(self, matrix: "csr_matrix") -> List[Tuple[str, float]]:
        """Per row of a feature matrix, the most likely forbidden category and 1 - P(ok)."""
        probabilities = self.classifier.predict_proba(matrix)
        classes = list(self.classifier.classes_)
        ok = classes.index(OK)
        found = []
        for row in probabilities:
            best = max((i for i in range(len(classes)) if i != ok), key=lambda i: row[i])
            found.append((str(classes[best]), float(1.0 - row[ok])))
        return found

    def verdict(self, text: str) -> Verdict:
        """The category, score, decision and the features that weighed most."""
        x = self.matrix([text])
        [(category, score)] = self.scores_of(x)
        flagged = score > self.threshold_for(text)
        return Verdict(category, score, flagged, self.explain(x, category))

    def coefficients(self) -> "NDArray[Any]":
        """The SVM's coefficients, one row per class (in `classifier.classes_` order)."""
        [calibrated] = self.classifier.calibrated_classifiers_
        # scikit-learn 1.1 calls it base_estimator, 1.2 and later estimator
        svm = getattr(calibrated, "estimator", None) or calibrated.base_estimator
        coefficients: NDArray[Any] = svm.coef_
        return coefficients

    def explain(self, x: "csr_matrix", category: str) -> Tuple[Feature, ...]:
        """The features present in `x` that weigh most for `category` against `ok`
        (coefficient difference × value), one per surface text, single characters only as
        words; a feature inside a longer one is shown as the longer one (「不负」 and 「不负责」
        as 「不负责」)."""
        classes = list(self.classifier.classes_)
        coef = self.coefficients()
        difference = coef[classes.index(category)] - coef[classes.index(OK)]
        weights: Dict[Tuple[str, str], float] = {}
        row = x.getrow(0)
        for column, value in zip(row.indices, row.data, strict=True):
            text, unit = self.names[column]
            weight = float(difference[column] * value)
            # a lone character (「这」) explains nothing to an agent; a one-character word may
            if text.strip() and weight > 0 and (unit == WORD or len(text) > 1):
                weights[(text, unit)] = weights.get((text, unit), 0.0) + weight
        chosen: List[Feature] = []
        for (text, unit), weight in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0])):
            if any(text in f.text for f in chosen):
                continue
            inside = [f for f in chosen if f.text in text]
            if inside:  # the longer text reads better; it keeps the stronger weight and place
                index = chosen.index(inside[0])
                chosen[index] = Feature(text, unit, max(f.weight for f in inside))
                chosen = [f for f in chosen if f is chosen[index] or f not in inside]
                continue
            if len(chosen) == TOP_FEATURES:
                break
            chosen.append(Feature(text, unit, weight))
        return tuple(chosen)


def _fit_once(examples: Sequence[Example], threshold: float) -> Model:
    import numpy
    from scipy.sparse import hstack
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    chars, word_pairs = _vectorizers()
    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    matrix = hstack([chars.fit_transform(texts), word_pairs.fit_transform(texts)]).tocsr()
    names = [(t, CHAR) for t in chars.get_feature_names_out()] + [
        (t.replace(" ", ""), WORD) for t in word_pairs.get_feature_names_out()
    ]
    classifier = CalibratedClassifierCV(
        LinearSVC(C=C, random_state=SEED),
        cv=StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=SEED),
        method="sigmoid",
        ensemble=False,
    )
    model = Model(chars, word_pairs, classifier, threshold, [(str(t), u) for t, u in names])
    classifier.fit(matrix, numpy.array(labels))  # it compares y == class
    return model


def out_of_fold_scores(examples: Sequence[Example], folds: int = FOLDS) -> List[Tuple[str, float]]:
    """(category, score) of every example from a model fitted without its fold (stratified by
    label, shuffled with a fixed seed)."""
    from sklearn.model_selection import StratifiedKFold

    labels = [e.label for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    scores: List[Tuple[str, float]] = [("", 0.0)] * len(examples)
    for train, test in splitter.split(examples, labels):
        model = _fit_once([examples[i] for i in train], 0.5)
        for i, scored in zip(test, model.scores([examples[i].text for i in test]), strict=True):
            scores[i] = scored
    return scores


def choose_threshold(ok_scores: Iterable[float], target: float = TARGET_FALSE_ALARMS) -> float:
    """The lowest threshold (flag when score > threshold) that flags at most `target` of the
    compliant lines' scores."""
    ranked = sorted(ok_scores, reverse=True)
    allowed = int(target * len(ranked))  # this many compliant lines may be flagged
    return ranked[allowed] if allowed < len(ranked) else 0.0


def is_short(text: str) -> bool:
    """Whether a line has at most SHORT characters once punctuation and spaces are dropped."""
    return sum(1 for char in text if char.isalnum()) <= SHORT


def choose_context_threshold(
    forbidden_scores: Iterable[float], recall: float = CONTEXT_RECALL, ceiling: float = 1.0
) -> float:
    """The highest threshold (hold when score >= threshold) that still holds at least `recall`
    of the forbidden lines' scores; never above `ceiling` (the model's own threshold: where the
    classifier holds a line by itself); 0.0 (every match holds) without forbidden lines."""
    ranked = sorted(forbidden_scores)
    if not ranked:
        return 0.0
    lost = int((1.0 - recall) * len(ranked) + 1e-9)  # this many forbidden lines may pass
    return min(ranked[lost], ceiling)


def context_matched(texts: Sequence[str]) -> List[bool]:
    """Per text, whether a context-dependent rule of the inventory matches it."""
    from compliance.checker import default_checker  # here: the checker imports this module

    checker = default_checker()
    return [any(checker.rules[v.rule].needs_context for v in checker.check(t)) for t in texts]


def fit(examples: Sequence[Example], folds: int = FOLDS) -> Model:
    """Fits a model on `examples`, its thresholds chosen on out-of-fold scores: for longer
    lines on the compliant sentences and near misses (not the UI labels), for short lines on
    every short compliant line (labels included: there the two cannot be told apart), and for
    context-dependent rules on the forbidden lines one of them matches."""
    scores = out_of_fold_scores(examples, folds)
    ok = [(e, s) for e, (_, s) in zip(examples, scores, strict=True) if e.label == OK]
    threshold = choose_threshold(s for e, s in ok if e.kind != "label" and not is_short(e.text))
    model = _fit_once(examples, threshold)
    model.short_threshold = choose_threshold(s for e, s in ok if is_short(e.text))
    forbidden = [(e, s) for e, (_, s) in zip(examples, scores, strict=True) if e.label != OK]
    matched = context_matched([e.text for e, _ in forbidden])
    model.context_scores = tuple(s for (_, s), hit in zip(forbidden, matched, strict=True) if hit)
    model.context_threshold = choose_context_threshold(model.context_scores, ceiling=threshold)
    return model


def data_hash(directory: Path = TRAINING_DIR) -> str:
    """What the model depends on, hashed: training files, inventory, jieba dictionaries, this
    module's and the checker's source (which lines a context rule matches), MODEL_VERSION and
    scikit-learn's version."""
    import sklearn

    digest = hashlib.sha256(f"{MODEL_VERSION}|{sklearn.__version__}".encode())
    paths = [
        *sorted(directory.glob("*.yml")),
        INVENTORY_FILE,
        *sorted(USER_DICTIONARIES.glob("*.txt")),
        Path(__file__),
        Path(__file__).with_name("checker.py"),
    ]
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def load_or_fit(
    directory: Path = TRAINING_DIR,
    cache_dir: Path = CACHE_DIR,
    fitter: Callable[[Sequence[Example]], Model] = fit,
) -> Model:
    """The cached model for the current data, or a new fit written to the cache (a cache that
    cannot be read or written is only logged: the model is then fitted in memory)."""
    import joblib

    path = cache_dir / f"classifier-{data_hash(directory)}.joblib"
    if path.exists():
        try:
            loaded = joblib.load(path)
            if isinstance(loaded, Model):
                return loaded
        except Exception as error:  # a truncated or incompatible file: fit anew
            logger.warning("compliance classifier cache %s unreadable (%s); refitting", path, error)
    model = fitter(load_training(directory))
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        os.close(handle)
        joblib.dump(model, temporary)
        os.replace(temporary, path)  # readers never see a half-written file
    except OSError as error:
        logger.warning("compliance classifier not cached in %s: %s", cache_dir, error)
    return model


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _default_model() -> Model:
    return load_or_fit()


def default_model() -> Model:
    """The process's model for compliance/training/, loaded (or fitted) on the first call."""
    with _LOCK:
        return _default_model()
